"""Read, validate and load an outcome extract: a folder of CSV tables (DESIGN.md section 3).

Validation finds every problem, not just the first, and names the file, row, field, the value
and what was expected. Row numbers are spreadsheet rows, as a person sees the file in Excel:
the header is usually row 1, so the first record is row 2. A header below a title (as many
reporting tools write one) is found and used, with a note, and rows keep their own numbers.
A load is all-or-nothing: if any problem is found nothing is written, and a valid extract
replaces the store's extract tables in one transaction.

A code outside its list in a field that is neither a key, nor a reference, nor measured
(``Field.measured``), nor required (the store holds required fields NOT NULL) is not a
problem: the value is blanked, the row kept, and the value listed in ``Extract.notices``.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.core.codes import code_list, codes, scale_ranges
from workbench.core.model import EXTRACT_TABLES, Field, Kind, Table
from workbench.core.provenance import latest_record, sha256_file
from workbench.imports.form_answers import FormRecords, read_form_answers, trace_problems
from workbench.imports.problems import NOTE, Problem, notice_lines, refusal_report
from workbench.imports.report import BLANKED
from workbench.imports.sources import (
    IDENTITY,
    TEXT,
    ExtractMapping,
    apply_mapping,
    detect_encoding,
    read_text_csv,
    read_workbook,
)

_DATE = r"\d{4}-\d{2}-\d{2}"
_MONTH = r"\d{4}-(0[1-9]|1[0-2])"


class ExtractError(ValueError):
    """An extract that cannot be loaded. ``problems`` lists every problem found."""

    def __init__(
        self,
        folder: Path,
        problems: list[Problem],
        notices: list[Problem] = (),
        files: list[str] | None = None,
    ) -> None:
        self.folder = folder
        self.problems = problems
        self.notices = list(notices)
        files = files if files is not None else [spec.filename for spec in EXTRACT_TABLES]
        super().__init__(refusal_report(folder, problems, files, notices=self.notices))

    def to_frame(self) -> pd.DataFrame:
        """Return the problems, then the notices, as a DataFrame for the officer's CSV."""
        return problems_frame([*self.problems, *self.notices])


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Return problems or notices as a DataFrame, for the officer's CSV."""
    return pd.DataFrame(
        [p.__dict__ for p in problems], columns=["file", "row", "field", "value", "expected", "action"]
    )


@dataclass
class Extract:
    """A validated extract: raw text frames, ready to convert for the store."""

    folder: Path
    frames: dict[str, pd.DataFrame]
    fingerprint: str
    file_hashes: dict[str, str] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)  # encoding detected per CSV file
    #: What was read with a note (a header found below a title) or blanked (a code outside its
    #: list in a field nothing needs): none of it stops the load, all of it is reported.
    notices: list[Problem] = field(default_factory=list)
    #: For tables made from form answers, the export row each record's form starts on.
    source_rows: dict[str, np.ndarray] = field(default_factory=dict)

    def notice_lines(self) -> list[str]:
        """Return the notices as report lines, each cause once (empty when there are none)."""
        return notice_lines(self.notices)

    def row_counts(self) -> dict[str, int]:
        """Return the number of records in each table."""
        return {name: len(frame) for name, frame in self.frames.items()}

    def store_rows(self, spec: Table, chunk_size: int = 50_000) -> Iterator[tuple]:
        """Yield the table's records as tuples in store form (None for empty), with provenance.

        Each tuple ends with the source file (or ``workbook.xlsx [sheet]``), its sha256 and the
        row number in it (for a table made from form answers, the row its form starts on).

        Converted a chunk at a time: Python objects for millions of rows at once would take
        gigabytes.
        """
        frame = self.frames[spec.name]
        source = frame.attrs.get("source", spec.filename)
        sha = self.file_hashes.get(source.split(" [")[0], "")
        first = frame.attrs.get("header_row", 1) + 1  # the spreadsheet row of the first record
        for start in range(0, len(frame), chunk_size):
            chunk = frame.iloc[start : start + chunk_size]
            rows = range(start + first, start + first + len(chunk))
            if spec.name in self.source_rows:
                rows = self.source_rows[spec.name][start : start + len(chunk)].tolist()
            for values, row in zip(store_tuples(spec, chunk), rows, strict=True):
                yield (*values, source, sha, row)


def _closed_statuses() -> set[str]:
    return {row["code"] for row in code_list("outcome_statuses") if row["closed"] == "Y"}


def _empty(spec: Table) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=TEXT) for c in spec.columns})


#: How far down a file the header is looked for when it is not on row 1.
HEADER_SEARCH_ROWS = 20


def first_rows(path: Path, encoding: str) -> list[list[str]]:
    """Return the file's first :data:`HEADER_SEARCH_ROWS` rows, where its header is looked for."""
    with path.open(newline="", encoding=encoding) as handle:
        return [row for _, row in zip(range(HEADER_SEARCH_ROWS), csv.reader(handle), strict=False)]


def find_header(
    label: str, rows: list[list[str]], spec: Table, mapping: ExtractMapping
) -> tuple[int | None, Problem | None]:
    """Return (the header's row, a note or problem about it) for the first ``rows`` of a file.

    A row 1 that holds any of the expected columns is the header (its faults are reported
    column by column). Otherwise the first row that holds every expected column is the header,
    and the note names the rows skipped above it. If no row does, the header row is None and
    one problem names the columns seen on row 1.
    """
    settings = mapping.table(spec.name)
    expected = [settings.columns.get(column, column) for column in spec.columns]
    cells = [[cell.strip().lstrip("\ufeff") for cell in row] for row in rows]
    if not cells or set(expected) & set(cells[0]):
        return 1, None
    found = next((n for n, row in enumerate(cells, start=1) if set(expected) <= set(row)), None)
    if found is None:
        seen = ", ".join(cell for cell in cells[0] if cell) or "nothing"
        columns = ", ".join(expected)
        wanted = f"a header row with the columns {columns}; none of the first {len(cells)} rows has them"
        return None, Problem(label, 1, "", seen, f"{wanted} (row 1 has: {seen})")
    skipped = ", ".join(repr(", ".join(c for c in row if c)) for row in cells[: found - 1])
    which = f"row 1 ({skipped}) was" if found == 2 else f"rows 1–{found - 1} ({skipped}) were"
    note = f"the header is on row {found}; {which} skipped"
    return found, Problem(label, found, "", "", note, NOTE)


def _sheet_below_title(sheet: pd.DataFrame, header_row: int) -> pd.DataFrame:
    """Return a sheet read with row 1 as header, re-read with ``header_row`` as its header."""
    header = [str(cell).strip() for cell in sheet.iloc[header_row - 2]]
    body = sheet.iloc[header_row - 1 :]
    return pd.DataFrame(body.to_numpy(), columns=header, dtype=TEXT).reset_index(drop=True)


def _sheet_source(
    label: str, name: str, sheets: dict[str, pd.DataFrame], spec: Table, mapping: ExtractMapping,
    problems: list[Problem],
) -> pd.DataFrame | None:  # fmt: skip
    """Return the sheet for ``spec``, or None (with its problem noted) when it cannot be read."""
    header = ",".join(spec.columns)
    if name not in sheets:
        problems.append(Problem(label, None, "", "", f"a sheet named {name!r} (sheets: {', '.join(sheets)})"))
        return None
    sheet = sheets[name]
    if sheet.columns.empty:
        problems.append(Problem(label, None, "", "", f"a header row; the sheet is empty (header: {header})"))
        return None
    rows = [list(sheet.columns), *sheet.head(HEADER_SEARCH_ROWS - 1).astype(str).values.tolist()]
    header_row, finding = find_header(label, rows, spec, mapping)
    if finding is not None:
        problems.append(finding)
    if header_row is None:
        return None
    if header_row > 1:
        sheet = _sheet_below_title(sheet, header_row)
    sheet.attrs["header_row"] = header_row
    return sheet


def _read_sources(source: Path, mapping: ExtractMapping, problems: list[Problem], encodings: dict[str, str]):
    """Yield (table spec, file label, raw text frame or None) for every table read from its own file."""
    sheets: dict[str, pd.DataFrame] | None = None
    if source.is_file():
        try:
            sheets = read_workbook(source)
        except ValueError as error:
            raise ExtractError(
                source, [Problem(source.name, None, "", "", f"an XLSX workbook ({error})")]
            ) from error
    from_forms = set(mapping.forms.tables) if mapping.forms else set()
    for spec in (s for s in EXTRACT_TABLES if s.name not in from_forms):
        name = mapping.table(spec.name).source
        header = ",".join(spec.columns)
        if sheets is not None:
            label = f"{source.name} [{name}]"
            yield spec, label, _sheet_source(label, name, sheets, spec, mapping, problems)
            continue
        path = source / f"{name}.csv"
        if not path.exists():
            problems.append(Problem(path.name, None, "", "", f"the file {path} to exist (header: {header})"))
            yield spec, path.name, None
            continue
        if path.stat().st_size == 0:
            problems.append(
                Problem(path.name, None, "", "", f"a header row; the file is empty (header: {header})")
            )
            yield spec, path.name, None
            continue
        try:
            encoding = detect_encoding(path)
            encodings[path.name] = encoding
            header_row, finding = find_header(path.name, first_rows(path, encoding), spec, mapping)
            if finding is not None:
                problems.append(finding)  # a note, or one problem rather than one for every row
            if header_row is None:
                yield spec, path.name, None
                continue
            frame = read_text_csv(
                path,
                lambda row, text, expected, file=path.name: problems.append(
                    Problem(file, row, "", text, expected)
                ),
                encoding,
                skip_rows=header_row - 1,
            )
            frame.attrs["header_row"] = header_row
        except (UnicodeDecodeError, pa.ArrowInvalid, csv.Error) as error:
            problems.append(Problem(path.name, None, "", "", f"a CSV file ({error})"))
            yield spec, path.name, None
            continue
        yield spec, path.name, frame


def read_extract(
    source: Path, mapping: ExtractMapping = IDENTITY, encodings: dict[str, str] | None = None
) -> tuple[dict[str, pd.DataFrame], list[Problem], FormRecords | None]:
    """Read every table of the extract as text; report missing files and bad headers.

    ``source`` is a folder of CSV files or an XLSX workbook with a sheet per table. ``mapping``
    renames and recodes an authority's own columns, and may make some tables from a long
    export of form answers (returned as :class:`FormRecords`, else None); ``encodings`` (when
    given) is filled with the encoding detected for each CSV file.
    """
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"extract {source} does not exist")
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    records = None
    if mapping.forms is not None:
        records = read_form_answers(source, mapping.forms, problems, encodings)
        frames.update(records.frames)
    for spec, label, raw in _read_sources(source, mapping, problems, {} if encodings is None else encodings):
        if raw is None:
            frames[spec.name] = _empty(spec)
            frames[spec.name].attrs["unread"] = True  # rows naming this table are counted, not listed
            continue
        header_row = raw.attrs.get("header_row", 1)
        frame = apply_mapping(raw, spec.name, mapping)
        for column in frame.columns:
            if column not in spec.columns:
                problems.append(
                    Problem(label, header_row, column, column, f"only the columns {', '.join(spec.columns)}")
                )
        problems += missing_columns(frame, spec, label, header_row)
        frame = frame[spec.columns].astype(TEXT)
        frame.attrs["header_row"] = header_row
        if source.is_file():
            problems += _formula_problems(label, frame, header_row)
        frame.attrs["source"] = label
        frames[spec.name] = frame
    return {spec.name: frames[spec.name] for spec in EXTRACT_TABLES}, problems, records


def missing_columns(frame: pd.DataFrame, spec: Table, label: str, header_row: int) -> list[Problem]:
    """Add each column the file left out, empty; a problem unless the column is optional."""
    found = []
    for column in spec.columns:
        if column not in frame.columns:
            if not spec.field(column).optional_column:  # an optional column left out reads as empty
                found.append(
                    Problem(label, header_row, column, "", f"a column named '{column}' in the header")
                )
            frame[column] = ""
    return found


def _formula_problems(label: str, frame: pd.DataFrame, header_row: int = 1) -> list[Problem]:
    """Never evaluate, never load a formula: it could run in someone's spreadsheet later."""
    found = []
    for column in frame.columns:
        formula = frame[column].str.startswith("=")
        found += [
            Problem(
                label, row + header_row - 1, column, frame[column].iloc[row - 2], "a value, not a formula"
            )
            for row in _row_numbers(formula)
        ]
    return found


def _file_rows(problems: list[Problem], frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Return ``problems`` with rows numbered as in the file, whose header may be below a title."""
    offsets = {spec.filename: frames[spec.name].attrs.get("header_row", 1) - 1 for spec in EXTRACT_TABLES}
    return [
        replace(p, row=p.row + offsets[p.file]) if p.row is not None and offsets.get(p.file) else p
        for p in problems
    ]


def _blank_values(frames: dict[str, pd.DataFrame], blanked: list[Problem]) -> None:
    """Empty each blanked value in its frame (rows are still numbered from the frame here)."""
    by_table = {spec.filename: spec.name for spec in EXTRACT_TABLES}
    for problem in blanked:
        frame = frames[by_table[problem.file]]
        frame.loc[frame.index[problem.row - 2], problem.field] = ""


def _name_sources(problems: list[Problem], frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Name the file (or sheet) a row came from, where a mapping read it from elsewhere."""
    sources = {spec.filename: frames[spec.name].attrs.get("source", spec.filename) for spec in EXTRACT_TABLES}
    return [replace(p, file=sources.get(p.file, p.file)) for p in problems]


def _is_in(text: pd.Series, allowed) -> pd.Series:
    """Vectorised membership test on Arrow strings.

    ``Series.isin`` turns the allowed values into a Python list first, which costs seconds
    for millions of foreign keys; pyarrow's ``is_in`` works on the arrays directly.
    """
    values = allowed if isinstance(allowed, pa.Array) else pa.array(allowed, type=pa.string())
    mask = pc.is_in(pa.array(text, type=pa.string()), value_set=values)
    return pd.Series(mask.to_numpy(zero_copy_only=False), index=text.index)


def _numbers(text: pd.Series) -> pd.Series:
    """Return text as floats, NaN where empty or not a number.

    Arrow parses the column when every value is a finite number (the usual case, and far
    faster than ``pd.to_numeric`` on Arrow strings); otherwise pandas decides, as it always did.
    """
    values = pa.array(text, type=pa.string())
    nonempty = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    try:
        parsed = pc.cast(nonempty, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        parsed = None
    if parsed is None or np.isinf(parsed).any() or np.isnan(parsed).sum() != nonempty.null_count:
        return pd.to_numeric(text.where(text != "", None), errors="coerce").astype("float64")
    return pd.Series(parsed, index=text.index)


def _row_numbers(mask: pd.Series) -> list[int]:
    return [int(i) + 2 for i in mask[mask].index]


def blankable(spec: Table, fld: Field) -> bool:
    """Return whether a code outside its list is blanked (row kept) rather than refused.

    Only where nothing needs the field: not a key, not a reference, not read by a measure, and
    not required (the store holds a required field NOT NULL, so a blank would not load).
    """
    needed = fld.measured or fld.required or fld.name in spec.key or fld.references is not None
    return fld.kind in (Kind.CODE, Kind.YN) and not needed


def _field_problems(spec: Table, fld: Field, text: pd.Series) -> list[Problem]:
    found: list[Problem] = []
    empty = text == ""

    def report(bad: pd.Series, expected: str, blank: bool = False) -> None:
        action = BLANKED if blank else "problem"
        for row in _row_numbers(bad):
            found.append(Problem(spec.filename, row, fld.name, text.iloc[row - 2], expected, action))

    if fld.required or fld.name in spec.key:
        report(empty, f"a value ({fld.expects}); this field is required")
    present = ~empty
    if fld.kind is Kind.DATE:
        shaped = text.str.fullmatch(_DATE)
        parsed = pd.to_datetime(text.where(shaped & present, None), format="%Y-%m-%d", errors="coerce")
        report(present & parsed.isna(), fld.expects)
    elif fld.kind is Kind.MONTH:
        report(present & ~text.str.fullmatch(_MONTH), fld.expects)
    elif fld.kind is Kind.YN:
        report(present & ~_is_in(text, ["Y", "N"]), fld.expects, blankable(spec, fld))
    elif fld.kind is Kind.INT:
        report(present & ~text.str.fullmatch(r"-?\d+"), fld.expects)
    elif fld.kind is Kind.SCORE:
        report(present & _numbers(text).isna(), "a number")
    elif fld.kind is Kind.CODE:
        allowed = codes(fld.codes)
        report(
            present & ~_is_in(text, list(allowed)),
            f"one of {', '.join(allowed)} (data/codes/{fld.codes}.csv)",
            blankable(spec, fld),
        )
    return found


def _date_order_problems(spec: Table, frame: pd.DataFrame) -> list[Problem]:
    pairs = {"start_date": "end_date", "agreed_date": "closed_date", "evidence_from": "evidence_to"}
    found = []
    for start, end in pairs.items():
        if start in frame.columns and end in frame.columns:
            bad = (frame[end] != "") & (frame[start] != "") & (frame[end] < frame[start])
            found += [
                Problem(
                    spec.filename,
                    row,
                    end,
                    frame[end].iloc[row - 2],
                    f"a date on or after {start} ({frame[start].iloc[row - 2]})",
                )
                for row in _row_numbers(bad)
            ]
    return found


def _status_problems(frame: pd.DataFrame) -> list[Problem]:
    closed = frame["status"].isin(_closed_statuses())
    found = [
        Problem(
            "outcomes.csv",
            row,
            "closed_date",
            "",
            f"a closed_date, because status is '{frame['status'].iloc[row - 2]}'",
        )
        for row in _row_numbers(closed & (frame["closed_date"] == ""))
    ]
    found += [
        Problem(
            "outcomes.csv",
            row,
            "closed_date",
            frame["closed_date"].iloc[row - 2],
            "no closed_date while status is 'active'",
        )
        for row in _row_numbers((frame["status"] == "active") & (frame["closed_date"] != ""))
    ]
    return found


def _unread_reference(spec: Table, name: str, naming: int, table: str, column: str) -> list[Problem]:
    rows = "1 row names one" if naming == 1 else f"{naming:,} rows name one"
    waiting = f"which could not be read: {rows}, checked once it is fixed"
    expected = f"an existing {column} from {table}.csv, {waiting}"
    return [Problem(spec.filename, None, name, f"{naming:,} rows", expected)] if naming else []


def _scores_on_scale(
    name: str, frame: pd.DataFrame, scale_array: pa.Array, columns: list[str]
) -> list[Problem]:
    """Return scores in ``frame`` off the scale each row's ``scale_array`` names."""
    ranges = scale_ranges()
    names = pa.array(list(ranges), type=pa.string())
    lows = np.array([bounds[0] for bounds in ranges.values()] + [np.nan], dtype="float64")
    highs = np.array([bounds[1] for bounds in ranges.values()] + [np.nan], dtype="float64")
    which = pc.fill_null(pc.index_in(scale_array, value_set=names), len(ranges))
    which = which.to_numpy(zero_copy_only=False)
    low = pd.Series(lows[which], index=frame.index)
    high = pd.Series(highs[which], index=frame.index)
    found = []
    for column in columns:
        values = _numbers(frame[column])
        bad = values.notna() & low.notna() & ((values < low) | (values > high))
        for row in _row_numbers(bad):
            i = row - 2
            found.append(
                Problem(
                    f"{name}.csv",
                    row,
                    column,
                    frame[column].iloc[i],
                    f"a number from {low.iloc[i]:g} to {high.iloc[i]:g} "
                    f"(the {scale_array[i].as_py()} scale of this outcome)",
                )
            )
    return found


def _referenced() -> dict[str, set[str]]:
    """Return, for each table, the columns other tables (or itself) reference."""
    named: dict[str, set[str]] = {}
    for spec in EXTRACT_TABLES:
        for fld in spec.fields:
            if fld.references:
                table, column = fld.references.split(".")
                named.setdefault(table, set()).add(column)
    return named


def _text(series: pd.Series) -> pa.Array:
    """Return a text column as one Arrow array (pandas' Arrow strings may come in chunks)."""
    return _one(pa.array(series, type=pa.string()))


def _objects(values: pd.Series | pa.Array) -> np.ndarray:
    """Return text as a NumPy array of Python strings, for a pandas Index lookup."""
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=object)
    return values.to_numpy(zero_copy_only=False)


def _one(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _shifted(problems: list[Problem], offset: int) -> list[Problem]:
    return [replace(p, row=p.row + offset) if p.row is not None and offset else p for p in problems]


class ExtractChecks:
    """Check an extract one chunk of rows at a time, with what must be seen across chunks.

    Tables are checked in :data:`EXTRACT_TABLES` order, each in one or more chunks, then
    :meth:`finish` once. A chunk's own checks (fields, dates in order, statuses, scores,
    references to tables already finished) run at once; what needs the whole table (unique
    keys, a table's references to itself) runs at :meth:`finish`. Only the keys and the
    referenced columns are kept between chunks (Arrow strings), never the rows, so an extract
    of any size is checked in bounded memory. Row numbers are spreadsheet rows: a chunk's
    ``offset`` is how many rows lie above its first record beyond the usual header on row 1.
    """

    def __init__(self, track_latest: bool = False) -> None:
        self.referenced = _referenced()
        self.track_latest = track_latest
        #: Values of referenced columns of finished tables ("table.column" -> unique values).
        #: Held as pandas Indexes: each hashed once, then looked up by every chunk that names it
        #: (Arrow's ``is_in`` hashes its value set again on every call: seconds per chunk at scale).
        self.known: dict[str, pd.Index] = {}
        #: Tables that could not be read: rows naming them are counted, not listed.
        self.unread: set[str] = set()
        self._keys: list[pa.Array] = []
        self._columns: dict[str, list[pa.Array]] = {}
        self._self_refs: list[tuple[Field, np.ndarray, pa.Array]] = []
        self._unread_counts: dict[tuple[str, str, str], int] = {}
        self._base: int | None = None
        #: Each outcome's id and scale, for its reviews' scores.
        self._scales: tuple[pd.Index, pa.Array] | None = None
        self._outcome_scales: list[tuple[pa.Array, pa.Array]] = []
        #: The day of the latest dated record seen, with ``track_latest`` (for an extract
        #: without its own date).
        self.latest: date | None = None

    def check(self, spec: Table, frame: pd.DataFrame, offset: int = 0, blank: bool = False) -> list[Problem]:
        """Check one chunk (a text frame indexed from 0); return its problems, rows numbered.

        With ``blank``, a value blanked (a code outside its list where nothing needs it) is
        emptied in ``frame`` too, ready to store.
        """
        if self._base is None:
            self._base = offset
        found: list[Problem] = []
        for fld in spec.fields:
            found += _field_problems(spec, fld, frame[fld.name])
        found += self._reference_problems(spec, frame, offset)
        found += _date_order_problems(spec, frame)
        found += self._score_problems(spec, frame)
        if blank:
            for problem in found:
                if problem.action == BLANKED:
                    frame.loc[problem.row - 2, problem.field] = ""
        if len(spec.key) == 1:
            self._keys.append(_text(frame[spec.key[0]]))
        else:
            self._keys.append(_one(pc.binary_join_element_wise(*(_text(frame[k]) for k in spec.key), "/")))
        for column in self.referenced.get(spec.name, ()):
            self._columns.setdefault(column, []).append(_text(frame[column]))
        found_latest = latest_record({spec.name: frame}) if self.track_latest else None
        if found_latest is not None:
            self.latest = max(self.latest or found_latest, found_latest)
        return _shifted(found, offset)

    def _score_problems(self, spec: Table, frame: pd.DataFrame) -> list[Problem]:
        """Scores lie on the outcome's own scale (a review is checked against its outcome's)."""
        if spec.name == "outcomes":
            scales = _text(frame["scale"])
            self._outcome_scales.append((_text(frame["outcome_id"]), scales))
            return [
                *_scores_on_scale("outcomes", frame, scales, ["baseline_score", "target_score"]),
                *_status_problems(frame),
            ]
        if spec.name == "outcome_reviews" and self._scales is not None:
            ids, scales = self._scales
            found = ids.get_indexer(_objects(frame["outcome_id"]))
            at = pa.array(found, mask=found < 0)
            return _scores_on_scale("outcome_reviews", frame, pc.take(scales, at), ["score", "family_score"])
        return []

    def _reference_problems(self, spec: Table, frame: pd.DataFrame, offset: int) -> list[Problem]:
        found = []
        for fld in spec.fields:
            if not fld.references:
                continue
            target_table, target_column = fld.references.split(".")
            text = frame[fld.name]
            if target_table in self.unread:
                key = (target_table, target_column, fld.name)
                self._unread_counts[key] = self._unread_counts.get(key, 0) + int((text != "").sum())
                continue
            if target_table == spec.name:  # checked once the whole table is read
                named = (text != "").to_numpy()
                rows = np.flatnonzero(named) + 2 + offset
                self._self_refs.append((fld, rows, _text(text[named])))
                continue
            known = self.known.get(fld.references, pd.Index([], dtype=object))
            bad = (text != "") & pd.Series(known.get_indexer(_objects(text)) < 0, index=text.index)
            found += [
                Problem(spec.filename, row, fld.name, text.iloc[row - 2],
                        f"an existing {target_column} from {target_table}.csv")
                for row in _row_numbers(bad)
            ]  # fmt: skip
        return found

    def finish(self, spec: Table, unread: bool = False) -> list[Problem]:
        """Run the checks that need the whole table, keep what later tables need; return problems."""
        found: list[Problem] = []
        base = self._base or 0
        keys = pa.concat_arrays(self._keys) if self._keys else pa.array([], type=pa.string())
        if len(pc.unique(keys)) != len(keys):
            repeated = pd.Series(keys.to_numpy(zero_copy_only=False)).duplicated(keep="first")
            found += [
                Problem(spec.filename, int(i) + 2 + base, "+".join(spec.key), keys[int(i)].as_py(),
                        "a unique key; this one appears on an earlier row")
                for i in np.flatnonzero(repeated.to_numpy())
            ]  # fmt: skip
        if unread:
            self.unread.add(spec.name)
        for column, arrays in self._columns.items():
            values = pa.concat_arrays(arrays) if arrays else pa.array([], type=pa.string())
            self.known[f"{spec.name}.{column}"] = pd.Index(_objects(pc.unique(values)), dtype=object)
        for fld, rows, values in self._self_refs:
            known = self.known[fld.references]
            _table, column = fld.references.split(".")
            missing = np.flatnonzero(known.get_indexer(_objects(values)) < 0)
            found += [
                Problem(spec.filename, int(rows[i]), fld.name, values[int(i)].as_py(),
                        f"an existing {column} from {spec.name}.csv")
                for i in missing
            ]  # fmt: skip
        for (table, column, name), naming in self._unread_counts.items():
            found += _unread_reference(spec, name, naming, table, column)
        if self._outcome_scales:
            ids = pa.concat_arrays([i for i, _ in self._outcome_scales])
            scales = pa.concat_arrays([s for _, s in self._outcome_scales])
            known = self.known["outcomes.outcome_id"]
            # Each outcome's scale is its first row's; reviews look their outcome up by id.
            first = pc.index_in(pa.array(known, type=pa.string()), value_set=ids)
            self._scales = (known, pc.take(scales, first))
        self._keys, self._columns, self._self_refs, self._unread_counts = [], {}, [], {}
        self._outcome_scales, self._base = [], None
        return found


def validate_frames(
    frames: dict[str, pd.DataFrame], on_step: Callable[[str], None] | None = None
) -> list[Problem]:
    """Check text frames against the model; return every problem found (empty when valid).

    ``on_step`` is called after each table is checked (for a progress bar). Each table is
    checked as one chunk by :class:`ExtractChecks`, as a streamed load checks it in many.
    """
    problems: list[Problem] = []
    checks = ExtractChecks()
    for spec in EXTRACT_TABLES:
        frame = frames[spec.name]
        problems += checks.check(spec, frame)
        problems += checks.finish(spec, unread=bool(frame.attrs.get("unread")))
        if on_step:
            on_step(f"checked {spec.filename}")
    return problems


def validate_extract(
    source: Path, on_step: Callable[[str], None] | None = None, mapping: ExtractMapping = IDENTITY
) -> Extract:
    """Read and validate the extract at ``source``; raise :class:`ExtractError` on any problem.

    ``source`` is a folder of CSV files or an XLSX workbook; ``mapping`` translates an
    authority's own columns. ``on_step`` is called once per table checked (for a progress bar).
    """
    source = Path(source)
    encodings: dict[str, str] = {}
    frames, found, records = read_extract(source, mapping, encodings)
    checked = validate_frames(frames, on_step)
    # Blanked while rows are still numbered from the frames, then traced to the file's own rows.
    _blank_values(frames, [p for p in checked if p.action == BLANKED])
    checked = trace_problems(_file_rows(checked, frames), records, mapping.forms)
    found += _name_sources(checked, frames)
    problems = [p for p in found if p.action not in (BLANKED, NOTE)]
    notices = [p for p in found if p.action in (BLANKED, NOTE)]
    files = [source] if source.is_file() else source_files(source, mapping)
    if problems:
        # The report names the files as read (the form-answer export, not the tables it makes).
        raise ExtractError(
            source, problems, notices, None if source.is_file() else [path.name for path in files]
        )
    if mapping.path is not None:
        files.append(mapping.path)  # the same files read through another mapping are another extract
    hashes = {path.name: sha256_file(path) for path in files}
    fingerprint = hashlib.sha256(
        "".join(f"{name}:{digest}\n" for name, digest in sorted(hashes.items())).encode()
    ).hexdigest()
    source_rows = records.first_rows if records is not None else {}
    return Extract(source, frames, fingerprint, hashes, encodings, notices, source_rows)


def source_files(folder: Path, mapping: ExtractMapping) -> list[Path]:
    """Return the CSV files an extract folder is read from, each once."""
    from_forms = set(mapping.forms.tables) if mapping.forms else set()
    tables = [spec for spec in EXTRACT_TABLES if spec.name not in from_forms]
    files = [folder / f"{mapping.table(spec.name).source}.csv" for spec in tables]
    if mapping.forms is not None:
        files.append(folder / f"{mapping.forms.source}.csv")
    return list(dict.fromkeys(files))


def store_tuples(spec: Table, frame: pd.DataFrame, extra: Iterable = ()) -> Iterator[tuple]:
    """Yield each row of a checked table as the tuple the store writes: typed values, None where empty.

    ``extra`` columns (iterables, such as the provenance) end each tuple, zipped in C.
    """
    columns = []
    for fld in spec.fields:
        text = frame[fld.name]
        empty = text == ""
        if fld.kind is Kind.YN:
            values = (text == "Y").astype(object)
        elif fld.kind is Kind.SCORE:
            values = _numbers(text).astype(object)
        elif fld.kind is Kind.INT:
            values = pd.to_numeric(text.where(~empty, None)).astype("Int64").astype(object)
        else:
            values = text.astype(object)
        values = values.where(~empty, None)
        columns.append(values.tolist())
    yield from zip(*columns, *extra, strict=False)  # extra may repeat without end; columns are equal
