"""Read, validate and load an outcome extract: a folder of CSV tables (DESIGN.md section 3).

Validation finds every problem, not just the first, and names the file, row, field, the value
and what was expected. Row numbers are spreadsheet rows: the header is row 1, so the first
record is row 2. A load is all-or-nothing: if any problem is found nothing is written, and a
valid extract replaces the store's extract tables in one transaction.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from workbench.codes import code_list, codes, scale_ranges
from workbench.model import EXTRACT_TABLES, Field, Kind, Table
from workbench.store import Store

_DATE = r"\d{4}-\d{2}-\d{2}"
_MONTH = r"\d{4}-(0[1-9]|1[0-2])"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an extract, precise enough for a data officer to fix it."""

    file: str
    row: int | None  # spreadsheet row: header is 1; None for a whole-file problem
    field: str
    value: str
    expected: str

    def __str__(self) -> str:
        if self.row is None and not self.field:
            return f"{self.file}: expected {self.expected}"
        where = f"{self.file}, row {self.row}" if self.row is not None else self.file
        field_part = f", field '{self.field}'" if self.field else ""
        value_part = f" value {self.value!r}" if self.value != "" else " empty value"
        return f"{where}{field_part}:{value_part}; expected {self.expected}"


class ExtractError(ValueError):
    """An extract that cannot be loaded. ``problems`` lists every problem found."""

    def __init__(self, folder: Path, problems: list[Problem]) -> None:
        self.folder = folder
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(
            f"extract {folder} was refused: {len(problems)} problem(s); nothing was loaded\n{shown}{more}"
        )

    def to_frame(self) -> pd.DataFrame:
        """Return the problems as a DataFrame (file, row, field, value, expected)."""
        return pd.DataFrame(
            [p.__dict__ for p in self.problems], columns=["file", "row", "field", "value", "expected"]
        )


@dataclass
class Extract:
    """A validated extract: raw text frames, ready to convert for the store."""

    folder: Path
    frames: dict[str, pd.DataFrame]
    fingerprint: str
    file_hashes: dict[str, str] = field(default_factory=dict)

    def row_counts(self) -> dict[str, int]:
        """Return the number of records in each table."""
        return {name: len(frame) for name, frame in self.frames.items()}

    def store_rows(self, spec: Table, chunk_size: int = 50_000) -> Iterator[tuple]:
        """Yield the table's records as tuples in store form (None for empty).

        Converted a chunk at a time: Python objects for millions of rows at once would take
        gigabytes.
        """
        frame = self.frames[spec.name]
        for start in range(0, len(frame), chunk_size):
            yield from _store_tuples(spec, frame.iloc[start : start + chunk_size])


def _store_tuples(spec: Table, frame: pd.DataFrame) -> Iterator[tuple]:
    columns = []
    for fld in spec.fields:
        text = frame[fld.name]
        empty = text == ""
        if fld.kind is Kind.YN:
            values = (text == "Y").astype(object)
        elif fld.kind is Kind.SCORE:
            values = pd.to_numeric(text.where(~empty, None)).astype(object)
        elif fld.kind is Kind.INT:
            values = pd.to_numeric(text.where(~empty, None)).astype("Int64").astype(object)
        else:
            values = text.astype(object)
        values = values.where(~empty, None)
        columns.append(values.tolist())
    yield from zip(*columns, strict=True)


def _closed_statuses() -> set[str]:
    return {row["code"] for row in code_list("outcome_statuses") if row["closed"] == "Y"}


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_TEXT = pd.StringDtype("pyarrow", na_value=float("nan"))


def read_text_csv(path: Path, problems: list[Problem] | None = None) -> pd.DataFrame:
    """Read a CSV with every column as text, empty cells as ``""``, straight into Arrow strings.

    pyarrow reads without building a Python object per cell, which keeps a multi-gigabyte
    extract within memory. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is allowed. A row
    with more or fewer fields than the header is reported in ``problems`` (the extract will
    be refused), never padded or cut silently.
    """
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    ragged: list = []

    def read(use_threads: bool) -> pa.Table:
        ragged.clear()

        def on_invalid(row) -> str:
            ragged.append(row)
            return "skip"

        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=use_threads),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    table = read(use_threads=True)
    if any(row.number is None for row in ragged):
        table = read(use_threads=False)  # row numbers are only known single-threaded
    for row in ragged if problems is not None else ():
        expected = f"{row.expected_columns} fields, like the header (found {row.actual_columns})"
        problems.append(Problem(path.name, row.number, "", row.text, expected))
    return table.to_pandas(types_mapper={pa.string(): _TEXT}.get)


def read_extract(folder: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Read every table of the extract as text; report missing files and bad headers."""
    folder = Path(folder)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    if not folder.is_dir():
        raise FileNotFoundError(f"extract folder {folder} does not exist")
    for spec in EXTRACT_TABLES:
        path = folder / spec.filename
        if not path.exists():
            problems.append(
                Problem(
                    spec.filename,
                    None,
                    "",
                    "",
                    f"the file {path} to exist (header: {','.join(spec.columns)})",
                )
            )
            frames[spec.name] = pd.DataFrame({c: pd.Series([], dtype=str) for c in spec.columns})
            continue
        if path.stat().st_size == 0:
            problems.append(
                Problem(
                    spec.filename,
                    None,
                    "",
                    "",
                    f"a header row; the file is empty (header: {','.join(spec.columns)})",
                )
            )
            frames[spec.name] = pd.DataFrame({c: pd.Series([], dtype=str) for c in spec.columns})
            continue
        try:
            frame = read_text_csv(path, problems)
        except (UnicodeDecodeError, pa.ArrowInvalid, csv.Error) as error:
            problems.append(Problem(spec.filename, None, "", "", f"a UTF-8 CSV file ({error})"))
            frame = pd.DataFrame({c: pd.Series([], dtype=str) for c in spec.columns})
        frame.columns = [str(c).strip() for c in frame.columns]
        for column in frame.columns:
            if column not in spec.columns:
                problems.append(
                    Problem(spec.filename, 1, column, column, f"only the columns {', '.join(spec.columns)}")
                )
        for column in spec.columns:
            if column not in frame.columns:
                problems.append(
                    Problem(spec.filename, 1, column, "", f"a column named '{column}' in the header")
                )
                frame[column] = ""
        frames[spec.name] = frame[spec.columns].astype(str)
    return frames, problems


def _is_in(text: pd.Series, allowed) -> pd.Series:
    """Vectorised membership test on Arrow strings.

    ``Series.isin`` turns the allowed values into a Python list first, which costs seconds
    for millions of foreign keys; pyarrow's ``is_in`` works on the arrays directly.
    """
    mask = pc.is_in(pa.array(text, type=pa.string()), value_set=pa.array(allowed, type=pa.string()))
    return pd.Series(mask.to_numpy(zero_copy_only=False), index=text.index)


def _row_numbers(mask: pd.Series) -> list[int]:
    return [int(i) + 2 for i in mask[mask].index]


def _field_problems(spec: Table, fld: Field, text: pd.Series) -> list[Problem]:
    found: list[Problem] = []
    empty = text == ""

    def report(bad: pd.Series, expected: str) -> None:
        for row in _row_numbers(bad):
            found.append(Problem(spec.filename, row, fld.name, text.iloc[row - 2], expected))

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
        report(present & ~_is_in(text, ["Y", "N"]), fld.expects)
    elif fld.kind is Kind.INT:
        report(present & ~text.str.fullmatch(r"-?\d+"), fld.expects)
    elif fld.kind is Kind.SCORE:
        report(present & pd.to_numeric(text.where(present, "0"), errors="coerce").isna(), "a number")
    elif fld.kind is Kind.CODE:
        allowed = codes(fld.codes)
        report(
            present & ~_is_in(text, list(allowed)),
            f"one of {', '.join(allowed)} (data/codes/{fld.codes}.csv)",
        )
    return found


def _key_problems(spec: Table, frame: pd.DataFrame) -> list[Problem]:
    duplicated = frame.duplicated(subset=list(spec.key), keep="first")
    key = "+".join(spec.key)
    return [
        Problem(
            spec.filename,
            row,
            key,
            "/".join(frame.loc[row - 2, list(spec.key)]),
            "a unique key; this one appears on an earlier row",
        )
        for row in _row_numbers(duplicated)
    ]


def _reference_problems(spec: Table, frames: dict[str, pd.DataFrame]) -> list[Problem]:
    found = []
    frame = frames[spec.name]
    for fld in spec.fields:
        if not fld.references:
            continue
        target_table, target_column = fld.references.split(".")
        known = frames[target_table][target_column]
        text = frame[fld.name]
        bad = (text != "") & ~_is_in(text, known.drop_duplicates())
        found += [
            Problem(
                spec.filename,
                row,
                fld.name,
                text.iloc[row - 2],
                f"an existing {target_column} from {target_table}.csv",
            )
            for row in _row_numbers(bad)
        ]
    return found


def _score_problems(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Scores must lie on the outcome's own scale (a review is checked against its outcome)."""
    ranges = scale_ranges()
    outcomes = frames["outcomes"]
    scale_of = outcomes.drop_duplicates("outcome_id").set_index("outcome_id")["scale"]
    found = []
    checks = [("outcomes", outcomes, outcomes["scale"], ["baseline_score", "target_score"])]
    reviews = frames["outcome_reviews"]
    checks.append(
        ("outcome_reviews", reviews, reviews["outcome_id"].map(scale_of), ["score", "family_score"])
    )
    for name, frame, scales, columns in checks:
        low = scales.map({scale: bounds[0] for scale, bounds in ranges.items()}).astype("float64")
        high = scales.map({scale: bounds[1] for scale, bounds in ranges.items()}).astype("float64")
        for column in columns:
            values = pd.to_numeric(frame[column].where(frame[column] != "", None), errors="coerce")
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
                        f"(the {scales.iloc[i]} scale of this outcome)",
                    )
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


def validate_frames(
    frames: dict[str, pd.DataFrame], on_step: Callable[[str], None] | None = None
) -> list[Problem]:
    """Check text frames against the model; return every problem found (empty when valid).

    ``on_step`` is called after each table is checked (for a progress bar).
    """
    problems: list[Problem] = []
    for spec in EXTRACT_TABLES:
        frame = frames[spec.name]
        for fld in spec.fields:
            problems += _field_problems(spec, fld, frame[fld.name])
        problems += _key_problems(spec, frame)
        problems += _reference_problems(spec, frames)
        problems += _date_order_problems(spec, frame)
        if on_step:
            on_step(f"checked {spec.filename}")
    problems += _score_problems(frames)
    problems += _status_problems(frames["outcomes"])
    return problems


def validate_extract(folder: Path, on_step: Callable[[str], None] | None = None) -> Extract:
    """Read and validate the extract in ``folder``; raise :class:`ExtractError` on any problem.

    ``on_step`` is called once per table checked (for a progress bar).
    """
    folder = Path(folder)
    frames, problems = read_extract(folder)
    problems += validate_frames(frames, on_step)
    if problems:
        raise ExtractError(folder, problems)
    hashes = {spec.filename: sha256_file(folder / spec.filename) for spec in EXTRACT_TABLES}
    fingerprint = hashlib.sha256(
        "".join(f"{name}:{digest}\n" for name, digest in sorted(hashes.items())).encode()
    ).hexdigest()
    return Extract(folder, frames, fingerprint, hashes)


@dataclass(frozen=True)
class LoadResult:
    """What a load did: ``loaded`` or ``unchanged`` (the same extract was already loaded)."""

    status: str
    fingerprint: str
    rows: dict[str, int]


#: Steps :func:`load_extract` reports: each table checked, then each table written.
LOAD_STEPS = 2 * len(EXTRACT_TABLES)


def load_extract(
    store: Store,
    folder: Path,
    *,
    on_step: Callable[[str], None] | None = None,
) -> LoadResult:
    """Validate the extract in ``folder`` and load it into ``store``, all or nothing.

    A valid extract replaces the store's extract tables in one transaction. Loading the
    extract that was loaded last changes nothing and returns status ``unchanged``.
    ``on_step`` is called for each of :data:`LOAD_STEPS` steps, for a progress bar.
    """
    extract = validate_extract(folder, on_step)
    latest = store.latest_load()
    if latest and latest["fingerprint"] == extract.fingerprint:
        return LoadResult("unchanged", extract.fingerprint, extract.row_counts())
    store.replace_extract(
        {spec.name: extract.store_rows(spec) for spec in EXTRACT_TABLES},
        fingerprint=extract.fingerprint,
        source=str(Path(folder).resolve()),
        on_table=(lambda name, count: on_step(f"wrote {name}: {count:,} rows")) if on_step else None,
    )
    return LoadResult("loaded", extract.fingerprint, extract.row_counts())
