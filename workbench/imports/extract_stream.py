"""An outcome extract read, checked and handed to the store a chunk of rows at a time.

``validate_extract`` reads every table whole into pandas: at la-decade size (7.6 million rows)
that peaked at about 3.4 GiB. :class:`ExtractStream` reads each CSV file with pyarrow's
streaming reader instead, checks each chunk with the same checks (:class:`ExtractChecks`, which
keeps only keys and referenced columns between chunks) and yields the chunk's rows in store
form, so the store writes them inside its one transaction while the next chunk is read.

A problem anywhere refuses the whole extract: once one is found no more rows are yielded, the
remaining files are still checked (every problem is reported, not just the first), and
:meth:`ExtractStream.finish` raises :class:`ExtractError`, inside the store's transaction,
which rolls everything back. Row numbers stay those of the file across chunks.

A workbook, or an extract with tables made from form answers, is read whole as before
(:func:`validate_extract`): those come from case systems' reports, far smaller than a decade
of CSV tables.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from itertools import repeat
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from workbench.core.model import EXTRACT_TABLES, Table
from workbench.core.provenance import LATEST_RECORD, OWN_DATE, extract_as_at, own_date, sha256_file
from workbench.imports.extract import (
    Extract,
    ExtractChecks,
    ExtractError,
    find_header,
    first_rows,
    missing_columns,
    source_files,
    store_tuples,
    validate_extract,
)
from workbench.imports.problems import NOTE, Problem
from workbench.imports.report import BLANKED
from workbench.imports.sources import IDENTITY, TEXT, ExtractMapping, apply_mapping, detect_encoding

#: Records checked and written at a time: large enough that Arrow's per-call costs vanish,
#: small enough that a chunk's Python tuples stay within tens of MiB.
CHUNK_ROWS = 100_000

#: Bytes pyarrow's streaming reader parses at a time (it yields a batch per block).
BLOCK_BYTES = 8 << 20


def streamable(source: Path, mapping: ExtractMapping) -> bool:
    """Return whether ``source`` can be streamed: a folder of CSV files, no table from form answers."""
    return Path(source).is_dir() and mapping.forms is None


class ExtractStream:
    """An extract folder read and checked a chunk at a time, as the store writes it.

    Use :meth:`rows` for each table in :data:`EXTRACT_TABLES` order (the store's
    ``replace_extract`` does), then :meth:`finish`. ``on_step`` hears each table once checked.
    The fingerprint (the files' sha256) is known at once, before anything is checked.
    """

    def __init__(
        self,
        source: Path,
        mapping: ExtractMapping = IDENTITY,
        on_step: Callable[[str], None] | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> None:
        self.source = Path(source)
        if not self.source.exists():
            raise FileNotFoundError(f"extract {self.source} does not exist")
        self.mapping = mapping
        self.on_step = on_step
        self.chunk_rows = chunk_rows
        self.problems: list[Problem] = []
        self.notices: list[Problem] = []
        self.counts: dict[str, int] = {}
        self.checks = ExtractChecks(track_latest=True)
        self._whole: Extract | None = None
        if not streamable(self.source, mapping):
            self._whole = validate_extract(self.source, on_step, mapping)
            self.fingerprint = self._whole.fingerprint
            self.notices = list(self._whole.notices)
            self.counts = self._whole.row_counts()
            return
        files = source_files(self.source, mapping)
        if mapping.path is not None:
            files.append(mapping.path)  # the same files read through another mapping are another extract
        self.file_hashes = {path.name: sha256_file(path) for path in files if path.is_file()}
        self.fingerprint = hashlib.sha256(
            "".join(f"{name}:{digest}\n" for name, digest in sorted(self.file_hashes.items())).encode()
        ).hexdigest()

    @property
    def refused(self) -> bool:
        """Whether a problem has been found (nothing more is yielded)."""
        return bool(self.problems)

    def rows(self, spec: Table) -> Iterator[tuple]:
        """Yield the table's rows in store form with provenance (file, sha256, row), checking as it goes."""
        if self._whole is not None:
            self.counts[spec.name] = 0
            yield from self._whole.store_rows(spec)
            return
        label = f"{self.mapping.table(spec.name).source}.csv"
        sha = self.file_hashes.get(label, "")
        for offset, frame in self._checked(spec, label):
            if self.refused:
                continue  # keep checking, so that every problem is reported; write nothing more
            rows = range(offset + 2, offset + 2 + len(frame))
            yield from store_tuples(spec, frame, (repeat(label), repeat(sha), rows))

    def _checked(self, spec: Table, label: str) -> Iterator[tuple[int, pd.DataFrame]]:
        """Yield the table's chunks (row offset, text frame) once checked, values blanked; then finish it."""
        self.counts[spec.name] = 0
        read = self._open(spec, label)
        for offset, frame in read if read is not None else ():
            self._sort(self.checks.check(spec, frame, offset, blank=True), spec, label)
            self.counts[spec.name] += len(frame)
            yield offset, frame
        if read is None:  # unread: checked as empty, so that rows naming it are counted
            self.checks.check(spec, pd.DataFrame({c: pd.Series([], dtype=TEXT) for c in spec.columns}))
        self._sort(self.checks.finish(spec, unread=read is None), spec, label)
        if self.on_step:
            self.on_step(f"checked {spec.filename}")

    def _sort(self, found: list[Problem], spec: Table | None = None, label: str = "") -> None:
        if spec is not None and label != spec.filename:  # named as the mapping's own file
            found = [replace(p, file=label) if p.file == spec.filename else p for p in found]
        self.problems += [p for p in found if p.action not in (BLANKED, NOTE)]
        self.notices += [p for p in found if p.action in (BLANKED, NOTE)]

    def _open(self, spec: Table, label: str) -> Iterator[tuple[int, pd.DataFrame]] | None:
        """Return the table's chunks as (row offset, text frame), or None when it cannot be read."""
        path = self.source / label
        header = ",".join(spec.columns)
        if not path.exists():
            self.problems.append(Problem(label, None, "", "", f"the file {path} to exist (header: {header})"))
            return None
        if path.stat().st_size == 0:
            expected = f"a header row; the file is empty (header: {header})"
            self.problems.append(Problem(label, None, "", "", expected))
            return None
        try:
            encoding = detect_encoding(path)
            top = first_rows(path, encoding)
        except (UnicodeDecodeError, csv.Error) as error:
            self.problems.append(Problem(label, None, "", "", f"a CSV file ({error})"))
            return None
        header_row, finding = find_header(label, top, spec, self.mapping)
        if finding is not None:
            self._sort([finding])  # a note, or one problem rather than one for every row
        if header_row is None:
            return None
        return self._chunks(spec, label, path, encoding, header_row, top[header_row - 1])

    def _chunks(
        self, spec: Table, label: str, path: Path, encoding: str, header_row: int, header: list[str]
    ) -> Iterator[tuple[int, pd.DataFrame]]:
        ragged: list = []
        start = 0
        headed = False
        try:
            reader = _reader(path, encoding, header_row, header, ragged, use_threads=True)
            for batch in _batches(reader, reader.schema):
                for piece in _slices(batch, self.chunk_rows, first=not headed):
                    frame = piece.to_pandas(types_mapper={pa.string(): TEXT}.get)
                    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
                    frame = apply_mapping(frame, spec.name, self.mapping)
                    if not headed:
                        self._header_problems(spec, label, header_row, frame)
                        headed = True
                    else:
                        missing_columns(frame, spec, label, header_row)
                    frame = frame[spec.columns].astype(TEXT).reset_index(drop=True)
                    yield start + header_row - 1, frame
                    start += len(frame)
        except (UnicodeDecodeError, pa.ArrowInvalid) as error:
            self.problems.append(Problem(label, None, "", "", f"a CSV file ({error})"))
            return
        if any(row.number is None for row in ragged):
            # Row numbers are only known single-threaded: read again, in this rare refused case.
            ragged.clear()
            for _batch in _reader(path, encoding, header_row, header, ragged, use_threads=False):
                pass
        for row in ragged:
            self.problems.append(
                Problem(label, row.number, "", row.text,
                        f"{row.expected_columns} fields, like the header (found {row.actual_columns})")
            )  # fmt: skip

    def _header_problems(self, spec: Table, label: str, header_row: int, frame: pd.DataFrame) -> None:
        for column in frame.columns:
            if column not in spec.columns:
                self.problems.append(
                    Problem(label, header_row, column, column, f"only the columns {', '.join(spec.columns)}")
                )
        self.problems += missing_columns(frame, spec, label, header_row)

    def finish(self) -> None:
        """Raise :class:`ExtractError` (every problem, every notice) if any problem was found."""
        if self.problems:
            files = [path.name for path in source_files(self.source, self.mapping)]
            raise ExtractError(self.source, self.problems, self.notices, files)

    def explain(self, error: Exception) -> None:
        """Raise the full :class:`ExtractError` behind a store's refusal, else ``error`` itself.

        The store's own constraints (a key repeated across chunks) may stop a write before the
        check that would name it has run; the extract is then read again, checked without
        writing, and every problem reported as a check finds it.
        """
        again = ExtractStream(self.source, self.mapping, chunk_rows=self.chunk_rows)
        again.check_only()
        raise error

    def check_only(self) -> None:
        """Read and check every table without storing anything; raise as :meth:`finish` does."""
        for spec in EXTRACT_TABLES:
            if self._whole is None:
                for _chunk in self._checked(spec, f"{self.mapping.table(spec.name).source}.csv"):
                    pass  # checked, never converted for the store
        self.finish()

    def row_counts(self) -> dict[str, int]:
        """Return the records read in each table (complete once every table is read)."""
        return dict(self.counts)

    def as_at(self, given: date | None = None) -> tuple[date | None, str | None]:
        """Return the extract's as-at date and its basis, as ``extract_as_at`` does, once read."""
        own = given or own_date(self.source)
        if own is not None:
            return own, OWN_DATE
        if self._whole is not None:
            return extract_as_at(self.source, self._whole.frames, None)
        latest = self.checks.latest
        return (latest, LATEST_RECORD) if latest is not None else (None, None)


def estimate_rows(source: Path, mapping: ExtractMapping = IDENTITY) -> int:
    """Return about how many records the extract holds (its lines less headers), for a progress bar.

    Counted from the bytes, so a value holding a line break counts twice; the bar may end short.
    """
    if not streamable(source, mapping):
        return 0
    total = 0
    for spec in EXTRACT_TABLES:
        path = Path(source) / f"{mapping.table(spec.name).source}.csv"
        if not path.is_file() or path.stat().st_size == 0:
            continue
        lines, last = 0, b"\n"
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
        total += lines + (last != b"\n") - 1
    return total


def _reader(path: Path, encoding: str, header_row: int, header: list[str], ragged: list, use_threads: bool):
    """Open pyarrow's streaming CSV reader: every column text, ragged rows set aside in ``ragged``."""

    def on_invalid(row) -> str:
        ragged.append(row)
        return "skip"

    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            use_threads=use_threads,
            block_size=BLOCK_BYTES,
            encoding="utf8" if encoding == "utf-8-sig" else encoding,
            skip_rows=header_row - 1,
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _batches(reader, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Yield the reader's batches; one empty batch for a file with a header and no records."""
    seen = False
    for batch in reader:
        seen = True
        yield batch
    if not seen:
        yield pa.RecordBatch.from_pylist([], schema=schema)


def _slices(batch: pa.RecordBatch, size: int, first: bool) -> Iterator[pa.RecordBatch]:
    """Cut a batch into pieces of at most ``size`` records (an empty batch stays one piece)."""
    if batch.num_rows == 0:
        if first:
            yield batch
        return
    for start in range(0, batch.num_rows, size):
        yield batch.slice(start, size)
