"""Check SSDA903 CSV tables a column at a time (pyarrow compute), not a row at a time.

The rules are those of :func:`workbench.imports.ssda903._check_value`, applied to whole columns:
values are stripped; a required empty value, a child id that breaks the pattern, a date that
is not a real day in range, a code not valid in the collection year, or a whole number out of
range rejects the row, with the same ``expected`` text as the row-at-a-time check. Only the
rejected rows are then visited in Python, to write their :class:`Rejection` entries.

Tokenising: pyarrow reads the CSV when it can prove the row numbers (every line is one
record of the header's width); otherwise Python's ``csv`` module reads it record by record
(blank lines, line breaks inside quoted values, short or long rows), and the columns are
checked the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: Called with (bytes or rows done, total) while a file is read and checked.
Progress = Callable[[int, int], None]

_DMY = r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"
_ISO = r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$"
_PARTIAL_MONTH = r"(?i)^zz/(?P<m>\d{1,2})/(?P<y>\d{4})$"
_PARTIAL_YEAR = r"(?i)^zz/zz/(?P<y>\d{4})$"


@dataclass
class Tokens:
    """A CSV file as columns of text: the header, the records of its width, and the others."""

    header: list[str]
    columns: list[pa.Array]  # one per header column, the raw text of the good-width records
    rows: np.ndarray  # the spreadsheet row of each good-width record (the header is row 1)
    odd: list[tuple[int, list[str]]] = field(default_factory=list)  # (row, record) of another width
    broken: tuple[int, str] | None = None  # (row, csv error) where reading stopped


def _lines(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") or not text else 1)


def tokenise(text: str, header: list[str]) -> Tokens:
    """Split ``text`` (its first record is ``header``) into columns.

    Records that are blank (only spaces and commas) are dropped uncounted, as before.
    """
    width = len(header)
    fast = _tokenise_arrow(text, width)
    tokens = fast if fast is not None else _tokenise_python(text, width)
    tokens.header = header
    blank = _blank(tokens.columns)
    if blank is not None and blank.any():
        keep = pa.array(~blank)
        tokens.columns = [column.filter(keep) for column in tokens.columns]
        tokens.rows = tokens.rows[~blank]
    return tokens


def _blank(columns: list[pa.Array]) -> np.ndarray | None:
    if not columns:
        return None
    blank = None
    for column in columns:
        empty = pc.equal(pc.utf8_trim_whitespace(column), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    return blank.to_numpy(zero_copy_only=False)


def _tokenise_arrow(text: str, width: int) -> Tokens | None:
    """Read with pyarrow when every line is one record of ``width`` values; else None."""
    if text.count("\r") != text.count("\r\n"):
        return None  # lone carriage returns: leave the line count to the csv module
    invalid: list[object] = []

    def on_invalid(row) -> str:
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:
        return None
    if invalid or table.num_rows + 1 != _lines(text):
        return None
    columns = [table.column(name).combine_chunks() for name in names]
    return Tokens([], columns, np.arange(2, table.num_rows + 2, dtype="int64"))


def _tokenise_python(text: str, width: int) -> Tokens:
    reader = csv.reader(io.StringIO(text, newline=""))
    good: list[list[str]] = []
    rows: list[int] = []
    odd: list[tuple[int, list[str]]] = []
    broken = None
    number = 0
    try:
        next(reader, None)  # the header
        number = 1
        for number, record in enumerate(reader, start=2):
            if len(record) == width:
                good.append(record)
                rows.append(number)
            elif any(cell.strip() for cell in record):
                odd.append((number, record))
    except csv.Error as error:  # e.g. a field larger than the csv module allows
        broken = (number + 1, str(error))
    columns = (
        [pa.array(list(values), pa.string()) for values in zip(*good, strict=True)]
        if good
        else [pa.array([], pa.string()) for _ in range(width)]
    )
    return Tokens([], columns, np.array(rows, dtype="int64"), odd, broken)


# ---------------------------------------------------------------------------------------------
# Checking a column


@dataclass
class Checked:
    """One column checked: normalised text, which rows are bad, and what each bad row expected."""

    values: pa.Array
    stripped: pa.Array
    bad: np.ndarray
    expected: np.ndarray | str | None  # per row (object array), one text for all, or None


def _np(mask) -> np.ndarray:
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def _ints(struct: pa.Array, name: str) -> np.ndarray:
    """Return a field of an extract_regex result as floats (NaN where there was no match)."""
    part = pc.struct_field(struct, name)
    return pc.cast(part, pa.float64()).to_numpy(zero_copy_only=False)


def _iso_dates(values: pa.Array, earliest: int, latest: int, partial: bool) -> pa.Array:
    """Return each value as ISO text, or null where it is not a date that is read.

    The usual shapes (dd/mm/yyyy, yyyy-mm-dd) are rearranged into yyyy-mm-dd in Arrow and their
    days checked against the calendar in numpy. Anything else (d/m/yyyy, zz/mm/yyyy) is few,
    and read by the general rules.
    """
    dmy = _np(pc.match_substring_regex(values, r"^\d{2}/\d{2}/\d{4}$"))
    iso = _np(pc.match_substring_regex(values, r"^\d{4}-\d{2}-\d{2}$"))
    swapped = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(values, 6, 10),
        pc.utf8_slice_codeunits(values, 3, 5),
        pc.utf8_slice_codeunits(values, 0, 2),
        "-",
    )
    nothing = pa.scalar(None, pa.string())
    built = pc.if_else(pa.array(dmy), swapped, pc.if_else(pa.array(iso), values, nothing))
    real = _real_days(built, earliest, latest)
    out = pc.if_else(pa.array(real), built, nothing)
    other = ~(dmy | iso) & _np(pc.not_equal(values, ""))
    if not other.any():
        return out
    result = np.asarray(out.to_numpy(zero_copy_only=False), dtype=object)
    result[other] = _general_dates(values.filter(pa.array(other)), earliest, latest, partial)
    return pa.array(result, pa.string())


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _real_days(built: pa.Array, earliest: int, latest: int) -> np.ndarray:
    """Return whether each yyyy-mm-dd text (or null) is a real day in the years allowed."""
    shaped = pc.fill_null(built, "0000-00-00")

    def part(start: int, stop: int) -> np.ndarray:
        return pc.cast(pc.utf8_slice_codeunits(shaped, start, stop), pa.int32()).to_numpy(
            zero_copy_only=False
        )

    year, month, day = part(0, 4), part(5, 7), part(8, 10)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    return (year >= earliest) & (year <= latest) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)


def _general_dates(values: pa.Array, earliest: int, latest: int, partial: bool) -> np.ndarray:
    """Read dates in every accepted shape (a day or month of one digit, partial dates); None if not."""
    n = len(values)
    out = np.full(n, None, dtype=object)
    dmy = pc.extract_regex(values, _DMY)
    iso = pc.extract_regex(values, _ISO)
    year = np.where(np.isnan(_ints(dmy, "y")), _ints(iso, "y"), _ints(dmy, "y"))
    month = np.where(np.isnan(_ints(dmy, "m")), _ints(iso, "m"), _ints(dmy, "m"))
    day = np.where(np.isnan(_ints(dmy, "d")), _ints(iso, "d"), _ints(dmy, "d"))
    candidate = ~np.isnan(year) & (year >= earliest) & (year <= latest)
    if candidate.any():
        parts = pd.DataFrame({"year": year[candidate], "month": month[candidate], "day": day[candidate]})
        when = pd.to_datetime(parts, errors="coerce")  # 31/02/2020 and the like become NaT
        text = pd.Series(when.dt.strftime("%Y-%m-%d"), dtype=object)
        out[candidate] = text.where(when.notna(), None).to_numpy()
    if partial:
        whole = pc.extract_regex(values, _PARTIAL_YEAR)
        y = _ints(whole, "y")
        ok = ~np.isnan(y) & (y >= earliest) & (y <= latest)
        out[ok] = [f"{int(v):04d}" for v in y[ok]]
        month_only = pc.extract_regex(values, _PARTIAL_MONTH)
        y, m = _ints(month_only, "y"), _ints(month_only, "m")
        ok = ~np.isnan(y) & (m >= 1) & (m <= 12) & (y >= earliest) & (y <= latest)
        out[ok] = [f"{int(a):04d}-{int(b):02d}" for a, b in zip(y[ok], m[ok], strict=True)]
    return out


def date_expected(spec, partial: bool) -> str:
    """Say what a date column expects, with the years the specification ``spec`` allows."""
    what = "a date as dd/mm/yyyy or yyyy-mm-dd"
    if partial:
        what += " (or zz/mm/yyyy, zz/zz/yyyy when the day or month is not known)"
    return f"{what}, a real day between {spec.earliest_year} and {spec.latest_year}"


def check_column(column, raw: pa.Array, year: int | None, spec) -> Checked:  # noqa: C901
    """Check one SSDA903 column (a ``_Column``) of raw text; ``spec`` is the parsed specification."""
    value = pc.utf8_trim_whitespace(raw)
    empty = _np(pc.equal(value, ""))
    present = ~empty
    n = len(value)
    bad = np.zeros(n, dtype=bool)
    expected: np.ndarray | str | None = None
    normalised = value
    if column.required:
        bad |= empty
        expected = f"a value: {column.name} is required"
    if not present.any():
        return Checked(normalised, value, bad, expected)
    messages = _Messages(n, expected)
    kind = column.kind
    if kind == "child_id":
        ok = _np(pc.match_substring_regex(value, spec.child_id.pattern))
        messages[present & ~ok] = spec.child_id_expected
        bad |= present & ~ok
    elif kind in ("date", "partial_date"):
        partial = kind == "partial_date"
        iso = _iso_dates(value, spec.earliest_year, spec.latest_year, partial)
        wrong = present & _np(pc.is_null(iso))
        messages[wrong] = date_expected(spec, partial)
        bad |= wrong
        normalised = pc.if_else(pa.array(present & ~wrong), iso, value)
    elif kind == "code":
        upper = pc.utf8_upper(value)
        found = pc.unique(upper)
        problems = [column.codes.problem(code, year) if code else None for code in found.to_pylist()]
        wrong_codes = pa.array([p is not None for p in problems], pa.bool_())
        wrong = present & _np(pc.take(wrong_codes, pc.index_in(upper, found)))
        problem = None
        if wrong.any():
            taken = pc.index_in(upper, found).to_numpy(zero_copy_only=False)
            problem = np.array(problems, dtype=object)[taken]
        if wrong.any():
            messages[wrong] = problem[wrong]
        bad |= wrong
        normalised = pc.if_else(pa.array(wrong), value, upper)
    elif kind == "integer":
        whole = _np(pc.match_substring_regex(value, r"^\d+$"))
        number = pd.to_numeric(pd.Series(value.to_numpy(zero_copy_only=False)).where(whole), errors="coerce")
        ok = whole.copy()
        if column.minimum is not None:
            ok &= ~(number < column.minimum).to_numpy()
        if column.maximum is not None:
            ok &= ~(number > column.maximum).to_numpy()
        messages[present & ~ok] = f"a whole number from {column.minimum} to {column.maximum}"
        bad |= present & ~ok
    return Checked(normalised, value, bad, messages.array() if bad.any() else expected)


class _Messages:
    """What each row was expected to hold, made into an array only where some row is bad."""

    def __init__(self, n: int, default: str | None) -> None:
        self.n, self.default, self.parts = n, default, []

    def __setitem__(self, mask: np.ndarray, text) -> None:
        if mask.any():
            self.parts.append((mask, text))

    def array(self) -> np.ndarray:
        out = np.full(self.n, self.default, dtype=object)
        for mask, text in self.parts:
            out[mask] = text
        return out


def check_table(
    columns: Sequence,
    raw: dict[str, pa.Array],
    year: int | None,
    spec,
    on_column: Callable[[], None] | None = None,
) -> list[Checked]:
    """Check every column of a table (``_Column`` specs) against ``raw`` text columns by name."""
    checked = []
    for column in columns:
        checked.append(check_column(column, raw[column.name], year, spec))
        if on_column:
            on_column()
    return checked


def expected_at(checked: Checked, position: int) -> str:
    """Return what the row at ``position`` was expected to hold in this column."""
    if isinstance(checked.expected, np.ndarray):
        return checked.expected[position]
    return checked.expected or ""
