"""Parse SSDA903 (children looked after) returns into :class:`~workbench.imports.report.ParsedFile`.

The return comes in two forms, and both are read:

- **CSV tables**: header, episodes, reviews, uasc, oc2, oc3, ad1, placed_for_adoption,
  previous_permanence, missing, sw_episodes and DoLo, one file a table. A table is recognised
  by its header row (:func:`recognise_table`), never by its file name.
- **XML** (``EXPSSDA903 > CHILD > HEADER, EPISODE``), where ``PL`` is the XML name of
  ``PLACE`` and ``CHILDID`` of ``CHILD``. The HEADER's sub-elements (AREVIEW, OC2, ...) and its
  uasc, oc3 and ad1 fields become rows of those tables, as in the CSV form.

Column lists, code lists and the XML layout are data, in ``data/statutory/ssda903.yaml``.

Decisions:

- **Rows.** A row is accepted (kept in ``tables[table]`` as text, dates as ISO
  ``yyyy-mm-dd``, codes upper-cased, values stripped, plus ``source_row``) or rejected with one
  :class:`Rejection` per problem. Only a problem in CHILD or in a column a measure reads
  (``measured: true`` in the YAML) rejects the row; a value that cannot be used in any other
  column is blanked, the row kept, and the value reported in ``ParsedFile.blanked``. So
  ``read[t] == len(tables[t]) + distinct rejected rows of t``, where a rejected row is
  identified by ``(table, sheet, row)``. Records that are completely empty (a blank line, or
  only commas) carry no data and are skipped without being counted.
  A CSV row with too few or too many fields (a file cut mid-row, a stray comma) is rejected as
  a whole, with the field count, rather than guessing which value is which.
- **Rows in XML.** ``source_row`` and ``Rejection.row`` are the line of the row's element
  (HEADER, EPISODE, AREVIEW, ...). Because an export can be a single line (the conformance
  file is), ``Rejection.sheet`` and the extra ``source_element`` column give the element's
  path, such as ``EXPSSDA903/CHILD[3]/EPISODE[2]``, which is always unique.
- **Extra columns** (such as LA and YEAR added by liia-tools) are kept, after the table's own
  columns, as text and unchecked; their names are in ``tables[t].attrs["extra_columns"]``.
  Unknown plain XML elements inside a row are kept the same way. Nothing is dropped.
- **Refused files.** A file that is not SSDA903 (no table's columns in its header, XML whose
  root is not EXPSSDA903, unreadable text) yields a ParsedFile with no tables and one
  Rejection whose ``row`` is None and whose ``expected`` says what was wanted. XML with a
  DOCTYPE is refused outright: no DTD means no entity can be declared, so entity expansion
  ("billion laughs") and external entities cannot happen.
- **Encoding.** UTF-8 with a byte-order mark, UTF-16 with a byte-order mark, then UTF-8, then
  Windows-1252 (what Excel on Windows writes as "CSV"). A file that is none of these is
  refused. The encoding used is in ``tables[t].attrs["encoding"]``.
- **Collection year.** ``year`` is the year the collection starts: 2025 for 2025-26. Codes
  retired (H5 and P2 from 2025) or introduced in a year are checked only when the year is
  known. With ``year=None`` the year is taken from the data where the data says it: a liia-tools
  YEAR column holding one value throughout. liia-tools takes YEAR from the file name of the
  return, and the episodes in its samples end by 31 March of YEAR, so YEAR is the year a
  collection *ends* and the collection starts in YEAR - 1. Otherwise the year stays None.
- **Children.** ``children`` has one row a child from the accepted rows: from header (and the
  XML HEADER) with sex M/F and ethnicity; from other tables that carry DOB with sex from uasc
  and otherwise "" for sex and ethnicity. Only the month of birth is kept. SSDA903 says nothing
  about disability, so it is "".
"""

from __future__ import annotations

import csv
import io
import re
import xml.parsers.expat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from workbench.core.codes import DATA_DIR, code_list
from workbench.imports.report import BLANKED, ParsedFile, Rejection, blank
from workbench.imports.ssda903_columns import (
    Progress,
    Tokens,
    check_table,
    date_expected,
    expected_at,
    tokenise,
)

SPEC_PATH = DATA_DIR / "statutory" / "ssda903.yaml"
KIND = "ssda903"
#: Columns every accepted table ends with (XML tables also have ``source_element``).
SOURCE_ROW = "source_row"
SOURCE_ELEMENT = "source_element"
CHILDREN_COLUMNS = ["child_id", "birth_month", "sex", "ethnicity", "disability"]

_SEX_TO_MODEL = {"1": "M", "2": "F"}
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PARTIAL_MONTH = re.compile(r"^zz/(\d{1,2})/(\d{4})$", re.IGNORECASE)
_PARTIAL_YEAR = re.compile(r"^zz/zz/(\d{4})$", re.IGNORECASE)
_INTEGER = re.compile(r"^\d+$")
_YEAR_COLUMN = "YEAR"


# ---------------------------------------------------------------------------------------------
# The specification (data/statutory/ssda903.yaml)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CodeList:
    name: str
    codes: tuple[str, ...]
    retired_from: dict[str, int]
    introduced_in: dict[str, int]

    def problem(self, code: str, year: int | None) -> str | None:
        """Return what was expected if ``code`` is not valid in collection ``year``, else None."""
        if code not in self.codes:
            return f"one of the {self.name.replace('_', ' ')} codes: {', '.join(self.codes)}"
        if year is None:
            return None
        if code in self.retired_from and year >= self.retired_from[code]:
            first = self.retired_from[code]
            return (
                f"a {self.name.replace('_', ' ')} code valid in {_collection(year)}: "
                f"{code} is not used from {_collection(first)}"
            )
        if code in self.introduced_in and year < self.introduced_in[code]:
            first = self.introduced_in[code]
            return (
                f"a {self.name.replace('_', ' ')} code valid in {_collection(year)}: "
                f"{code} is only used from {_collection(first)}"
            )
        return None


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # child_id, date, partial_date, code, integer, text
    required: bool
    codes: _CodeList | None
    minimum: int | None
    maximum: int | None
    measured: bool = False  # a measure reads it (``measured: true`` in the YAML)

    @property
    def needed(self) -> bool:
        """Whether a row is rejected when this value cannot be used (the key, or a measured column)."""
        return self.kind == "child_id" or self.measured


@dataclass(frozen=True)
class _Spec:
    tables: dict[str, tuple[_Column, ...]]
    child_id: re.Pattern[str]
    child_id_expected: str
    earliest_year: int
    latest_year: int
    xml: dict


def _collection(year: int) -> str:
    """Return ``2025-26`` for 2025: how the DfE names a collection year."""
    return f"{year}-{(year + 1) % 100:02d}"


def _code_keys(name: str, raw: dict) -> tuple[str, ...]:
    # YAML 1.1 reads unquoted NO, YES, 1 as booleans or numbers: insist on text keys, so that a
    # careless edit of the YAML fails loudly instead of quietly changing a code.
    keys = tuple(raw)
    bad = [key for key in keys if not isinstance(key, str)]
    if bad:
        raise ValueError(f"{SPEC_PATH}: code list {name!r} has non-text codes {bad!r}; quote them")
    return keys


@cache
def _spec() -> _Spec:
    raw = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    lists: dict[str, _CodeList] = {}
    for name, body in raw["code_lists"].items():
        if "codes" in body:
            lists[name] = _CodeList(
                name,
                _code_keys(name, body["codes"]),
                dict(body.get("retired_from") or {}),
                dict(body.get("introduced_in") or {}),
            )
        else:
            lists[name] = _CodeList(name, _code_keys(name, body), {}, {})
    tables: dict[str, tuple[_Column, ...]] = {}
    for table, columns in raw["tables"].items():
        built = []
        for column, rule in columns.items():
            codes = None
            if "list" in rule:
                codes = lists[rule["list"]]
            elif "codes_csv" in rule:
                rows = code_list(rule["codes_csv"])
                codes = _CodeList(rule["codes_csv"], tuple(row["code"] for row in rows), {}, {})
            built.append(
                _Column(
                    column,
                    rule["kind"],
                    bool(rule.get("required", rule["kind"] == "child_id")),
                    codes,
                    rule.get("min"),
                    rule.get("max"),
                    bool(rule.get("measured", False)),
                )
            )
        tables[table] = tuple(built)
    return _Spec(
        tables=tables,
        child_id=re.compile(raw["child_id"]["pattern"]),
        child_id_expected=raw["child_id"]["expected"],
        earliest_year=int(raw["dates"]["earliest_year"]),
        latest_year=int(raw["dates"]["latest_year"]),
        xml=raw["xml"],
    )


def needed_columns() -> dict[str, list[str]]:
    """Return, per SSDA903 table, the columns a row cannot be kept without: CHILD and the measured."""
    return {table: [c.name for c in columns if c.needed] for table, columns in _spec().tables.items()}


def table_columns() -> dict[str, list[str]]:
    """Return the SSDA903 tables and their columns, in file order, as the specification lists them."""
    return {table: [c.name for c in columns] for table, columns in _spec().tables.items()}


# ---------------------------------------------------------------------------------------------
# Recognising a CSV table by its header
# ---------------------------------------------------------------------------------------------


def _normalise_header(name: str) -> str:
    return name.replace("\ufeff", "").strip().upper()


def recognise_table(header: list[str]) -> str | None:
    """Return the SSDA903 table whose columns are all in ``header``, or None.

    Matching ignores order, case, surrounding spaces and a byte-order mark. Extra columns are
    allowed (they are kept as extra columns). When several tables fit, the one with the most
    columns wins (a header file with a DUC column is still a header file); if two equally large
    tables fit, the header is ambiguous and None is returned.
    """
    present = {_normalise_header(name) for name in header}
    fits = [(len(cols), table) for table, cols in table_columns().items() if set(cols) <= present]
    if not fits:
        return None
    best = max(size for size, _ in fits)
    winners = [table for size, table in fits if size == best]
    return winners[0] if len(winners) == 1 else None


def _closest_table(header: list[str]) -> str:
    present = {_normalise_header(name) for name in header}
    table, columns = max(table_columns().items(), key=lambda item: len(set(item[1]) & present))
    missing = [c for c in columns if c not in present]
    if len(missing) == len(columns):
        return ""
    return f" The closest is {table}, which lacks {', '.join(missing)}."


def _expected_headers() -> str:
    tables = "; ".join(f"{table} ({', '.join(cols)})" for table, cols in table_columns().items())
    return f"a header row with the columns of one SSDA903 table: {tables}"


# ---------------------------------------------------------------------------------------------
# Checking and normalising one row
# ---------------------------------------------------------------------------------------------


def _parse_date(value: str, partial: bool) -> str | None:
    """Return ``value`` as ISO text, or None if it is not a date we read."""
    spec = _spec()
    if partial:
        if found := _PARTIAL_YEAR.match(value):
            year = int(found.group(1))
            return f"{year:04d}" if spec.earliest_year <= year <= spec.latest_year else None
        if found := _PARTIAL_MONTH.match(value):
            month, year = int(found.group(1)), int(found.group(2))
            ok = 1 <= month <= 12 and spec.earliest_year <= year <= spec.latest_year
            return f"{year:04d}-{month:02d}" if ok else None
    if found := _DMY.match(value):
        day, month, year = (int(part) for part in found.groups())
    elif found := _ISO.match(value):
        year, month, day = (int(part) for part in found.groups())
    else:
        return None
    if not spec.earliest_year <= year <= spec.latest_year:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:  # 31/02/2020 and the like
        return None


def _check_value(column: _Column, raw: str, year: int | None) -> tuple[str, str | None]:
    """Return the normalised value and, if it is not valid, what was expected."""
    value = raw.strip()
    if value == "":
        if column.required:
            return value, f"a value: {column.name} is required"
        return value, None
    if column.kind == "child_id":
        spec = _spec()
        return value, None if spec.child_id.match(value) else spec.child_id_expected
    if column.kind in ("date", "partial_date"):
        partial = column.kind == "partial_date"
        parsed = _parse_date(value, partial)
        return (parsed, None) if parsed is not None else (value, date_expected(_spec(), partial))
    if column.kind == "code":
        assert column.codes is not None
        code = value.upper()  # "x1" is X1: case is not meaningful in these codes
        problem = column.codes.problem(code, year)
        return (code, None) if problem is None else (value, problem)
    if column.kind == "integer":
        ok = _INTEGER.match(value) is not None
        if ok and column.minimum is not None and int(value) < column.minimum:
            ok = False
        if ok and column.maximum is not None and int(value) > column.maximum:
            ok = False
        return value, None if ok else f"a whole number from {column.minimum} to {column.maximum}"
    return value, None


# ---------------------------------------------------------------------------------------------
# Collecting rows into a ParsedFile
# ---------------------------------------------------------------------------------------------


@dataclass
class _Collector:
    """Accumulate the rows of one file, table by table, and build the ParsedFile."""

    path: Path
    year: int | None
    xml: bool = False
    read: dict[str, int] = field(default_factory=dict)
    accepted: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    extras: dict[str, list[str]] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    blanked: list[Rejection] = field(default_factory=list)

    def start_table(self, table: str, extras: Iterable[str] = ()) -> None:
        self.read.setdefault(table, 0)
        self.accepted.setdefault(table, [])
        known = self.extras.setdefault(table, [])
        known.extend(name for name in extras if name not in known)

    def reject(self, table: str, row: int | None, sheet: str, field_: str, value: str, expected: str) -> None:
        self.rejections.append(Rejection(self.path.name, sheet, row, table, field_, value, expected))

    def add_row(
        self,
        table: str,
        values: dict[str, str],
        row: int,
        sheet: str = "",
        extras: dict[str, str] | None = None,
        problems: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        """Check one row of ``table`` and accept it or reject it with every problem found.

        ``values`` maps the table's columns to raw text (missing columns are empty); ``extras``
        are kept unchecked; ``problems`` are (field, value, expected) found before this point,
        such as a repeated XML element.
        """
        extras = extras or {}
        self.start_table(table, extras)
        self.read[table] += 1
        found = list(problems)
        blanked: list[tuple[str, str, str]] = []
        clean: dict[str, object] = {}
        for column in _spec().tables[table]:
            raw = values.get(column.name, "")
            normalised, expected = _check_value(column, raw, self.year)
            if expected is not None:
                (found if column.needed else blanked).append((column.name, raw.strip(), expected))
                normalised = normalised if column.needed else ""
            clean[column.name] = normalised
        if found:
            for field_, value, expected in found + blanked:  # a rejected row: every problem is a reason
                self.reject(table, row, sheet, field_, value, expected)
            return
        where = (self.path.name, sheet, row, table)
        self.blanked += [Rejection(*where, f, v, e, BLANKED) for f, v, e in blanked]
        clean.update({name: value.strip() for name, value in extras.items()})
        clean[SOURCE_ROW] = row
        if self.xml:
            clean[SOURCE_ELEMENT] = sheet
        self.accepted[table].append(clean)

    def result(self, encoding: str) -> ParsedFile:
        tables = {}
        for table, rows in self.accepted.items():
            text_columns = [c.name for c in _spec().tables[table]] + self.extras[table]
            source = [SOURCE_ROW, SOURCE_ELEMENT] if self.xml else [SOURCE_ROW]
            frame = pd.DataFrame(rows, columns=text_columns + source)
            for column in text_columns + source[1:]:
                frame[column] = frame[column].fillna("").astype("str")
            frame[SOURCE_ROW] = frame[SOURCE_ROW].astype("int64")
            frame.attrs["extra_columns"] = list(self.extras[table])
            frame.attrs["encoding"] = encoding
            tables[table] = frame
        return ParsedFile(
            path=self.path,
            kind=KIND,
            year=self.year,
            tables=tables,
            read=dict(self.read),
            rejections=list(self.rejections),
            blanked=list(self.blanked),
            children=_children(tables),
        )


def _children(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row a child, from the accepted rows; the header table speaks first."""
    order = ["header", "uasc"] + [t for t in tables if t not in ("header", "uasc")]
    parts = []
    for table in order:
        frame = tables.get(table)
        if frame is None or "DOB" not in frame.columns:
            continue
        dated = frame[frame["DOB"] != ""]
        empty = pd.Series("", index=dated.index, dtype="str")
        sex = dated["SEX"] if "SEX" in dated.columns else empty
        parts.append(
            pd.DataFrame(
                {
                    "child_id": dated["CHILD"],
                    "birth_month": dated["DOB"].str.slice(0, 7),  # disclosure: never the full date of birth
                    "sex": sex.map(_SEX_TO_MODEL).fillna(""),
                    "ethnicity": dated["ETHNIC"] if "ETHNIC" in dated.columns else empty,
                    "disability": empty,  # SSDA903 does not record disability
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=CHILDREN_COLUMNS).astype("str")
    # The first table (and the first row in it) to describe a child wins.
    frame = pd.concat(parts, ignore_index=True).drop_duplicates("child_id", keep="first")
    return frame.reset_index(drop=True).astype("str")


def _refused(path: Path, year: int | None, value: str, expected: str, row: int | None = None) -> ParsedFile:
    rejection = Rejection(path.name, "", row, "", "", value, expected)
    return ParsedFile(path=path, kind=KIND, year=year, rejections=[rejection], children=_children({}))


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str] | None:
    """Return (text, encoding): BOM first, then UTF-8, then Windows-1252; None if none fits."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        # Windows-1252 decodes almost any bytes, so it must come last: valid UTF-8 is far more
        # likely to be UTF-8 than Windows-1252 text that happens to look like UTF-8.
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def _first_record(text: str) -> list[str] | None:
    try:
        # The header is near the start; a quoted line break in it needs more, so read on then.
        for size in (1 << 16, len(text)):
            reader = csv.reader(io.StringIO(text[:size], newline=""))
            record = next(reader, None)
            if size >= len(text) or next(reader, None) is not None:
                return record
        return None
    except csv.Error:  # e.g. a field larger than the csv module allows
        return None


def _parse_csv(
    path: Path, text: str, encoding: str, year: int | None, on_progress: Progress | None = None
) -> ParsedFile:
    header = _first_record(text)
    if not header or not any(cell.strip() for cell in header):
        return _refused(path, year, "", f"{_expected_headers()}; the file is empty or its first row is blank")
    table = recognise_table(header)
    if table is None:
        hint = ""
        if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
            hint = " The file seems to use ';' or tabs between values; SSDA903 CSV uses commas."
        expected = f"{_expected_headers()}.{_closest_table(header)}{hint}"
        return _refused(path, year, ",".join(header), expected)
    names = [_normalise_header(name) for name in header]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates or SOURCE_ROW.upper() in names:
        clash = duplicates or [SOURCE_ROW]
        return _refused(
            path, year, ",".join(header), f"each column named once (and none named source_row); found {clash}"
        )
    tokens = tokenise(text, header)
    if year is None:
        year = _infer_year_from_columns(names, tokens)
    return _checked_table(path, table, tokens, names, year, encoding, on_progress)


def _infer_year_from_columns(names: list[str], tokens: Tokens) -> int | None:
    """Return the collection year from a liia-tools YEAR column holding one value, else None."""
    if _YEAR_COLUMN not in names:
        return None
    index = names.index(_YEAR_COLUMN)
    values = set(pc.unique(pc.utf8_trim_whitespace(tokens.columns[index])).to_pylist())
    values |= {record[index].strip() for _, record in tokens.odd if len(record) > index}
    values.discard("")
    if len(values) != 1:
        return None
    (value,) = values
    # YEAR is the year the collection ends (see the module docstring), so it starts a year earlier.
    return int(value) - 1 if re.fullmatch(r"\d{4}", value) else None


def _checked_table(
    path: Path,
    table: str,
    tokens: Tokens,
    names: list[str],
    year: int | None,
    encoding: str,
    on_progress: Progress | None,
) -> ParsedFile:
    """Check a CSV table's columns at once; reject the bad rows one by one, with every problem."""
    header = tokens.header
    specs = _spec().tables[table]
    position = {norm: i for i, norm in enumerate(names)}
    raw = {column.name: tokens.columns[position[column.name]] for column in specs}
    steps = len(specs) + 1
    done = iter(range(1, steps + 1))

    def step() -> None:
        if on_progress:
            on_progress(next(done), steps)

    checked = check_table(specs, raw, year, _spec(), step)
    bad, found, blanked = _sort_problems(path, table, specs, checked, tokens.rows)
    for row, record in tokens.odd:
        found.append((row, 0, _wrong_width(path, table, row, header, record)))
    read = len(tokens.rows) + len(tokens.odd)
    if tokens.broken is not None:
        read += 1  # the unreadable record is a row we could not read: count it
        row, error = tokens.broken
        expected = f"well-formed CSV ({error}); rows after this one were not read"
        found.append((row, 0, Rejection(path.name, "", row, table, "", "", expected)))
    found.sort(key=lambda item: (item[0], item[1]))
    blanked.sort(key=lambda item: (item[0], item[1]))
    keep = pa.array(~bad)
    frame = pd.DataFrame(
        {column.name: pd.Series(result.values.filter(keep), dtype="str")
         for column, result in zip(specs, checked, strict=True)}
    )  # fmt: skip
    spec_names = {column.name for column in specs}
    extras = []
    for i, (name, norm) in enumerate(zip(header, names, strict=True)):
        if norm not in spec_names:
            extras.append(name.strip())
            stripped = pc.utf8_trim_whitespace(tokens.columns[i])
            frame[name.strip()] = pd.Series(stripped.filter(keep), dtype="str")
    frame[SOURCE_ROW] = tokens.rows[~bad].astype("int64")
    frame.attrs["extra_columns"] = extras
    frame.attrs["encoding"] = encoding
    step()
    tables = {table: frame}
    return ParsedFile(
        path=path,
        kind=KIND,
        year=year,
        tables=tables,
        read={table: read},
        rejections=[rejection for _, _, rejection in found],
        blanked=[rejection for _, _, rejection in blanked],
        children=_children(tables),
    )


def _sort_problems(
    path: Path, table: str, specs: Sequence[_Column], checked: list, rows: np.ndarray
) -> tuple[np.ndarray, list[tuple[int, int, Rejection]], list[tuple[int, int, Rejection]]]:
    """Return (rows rejected, their problems, values blanked in kept rows) for checked columns.

    Only CHILD and measured columns reject a row; a bad value elsewhere is emptied in
    ``checked`` and reported as blanked (or, in a row rejected anyway, as one more reason).
    """
    bad = np.zeros(len(rows), dtype=bool)
    for column, result in zip(specs, checked, strict=True):
        if column.needed:
            bad |= result.bad
    found: list[tuple[int, int, Rejection]] = []
    blanked: list[tuple[int, int, Rejection]] = []
    for order, (column, result) in enumerate(zip(specs, checked, strict=True)):
        for at in np.flatnonzero(result.bad):
            value = result.stripped[int(at)].as_py()
            row = int(rows[at])
            rejection = Rejection(path.name, "", row, table, column.name, value, expected_at(result, int(at)))
            if bad[at]:
                found.append((row, order, rejection))
            else:
                blanked.append((row, order, blank(rejection)))
        if not column.needed and result.bad.any():
            result.values = pc.if_else(pa.array(result.bad), "", result.values)
    return bad, found, blanked


def _wrong_width(path: Path, table: str, number: int, header: list[str], record: list[str]) -> Rejection:
    width = len(header)
    if len(record) < width:
        first_missing = header[len(record)].strip()
        expected = (
            f"{width} values ({', '.join(h.strip() for h in header)}); this row has {len(record)}, "
            "so it is cut short (a truncated file, or a line break inside a value)"
        )
        return Rejection(path.name, "", number, table, first_missing, ",".join(record), expected)
    expected = f"{width} values; this row has {len(record)} (a comma inside an unquoted value?)"
    return Rejection(path.name, "", number, table, "", ",".join(record), expected)


# ---------------------------------------------------------------------------------------------
# XML
# ---------------------------------------------------------------------------------------------


@dataclass
class _Element:
    tag: str
    line: int
    path: str
    children: list[_Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        return "".join(self.text).strip()


class _UnsafeXMLError(Exception):
    """The XML declares a DTD or an entity: refused, to rule out entity expansion attacks."""


def _read_xml(data: bytes) -> _Element:
    """Parse ``data`` with expat, keeping each element's line; refuse any DTD or entity.

    Raises :class:`_UnsafeXMLError` or :class:`xml.parsers.expat.ExpatError`.
    """
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_text = True
    # No DOCTYPE means no internal subset, so no entity can be declared: that rules out
    # "billion laughs" and external entities without relying on expat's own limits.
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args: object) -> None:
        raise _UnsafeXMLError("a DOCTYPE or entity declaration")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse

    stack: list[_Element] = []
    counts: list[dict[str, int]] = [{}]
    roots: list[_Element] = []

    def start(tag: str, _attributes: dict[str, str]) -> None:
        siblings = counts[-1]
        siblings[tag] = siblings.get(tag, 0) + 1
        parent_path = stack[-1].path + "/" if stack else ""
        # Index every element (CHILD[3]) except the root, so that each path names one element.
        path = f"{parent_path}{tag}[{siblings[tag]}]" if stack else tag
        element = _Element(tag, parser.CurrentLineNumber, path)
        if stack:
            stack[-1].children.append(element)
        else:
            roots.append(element)
        stack.append(element)
        counts.append({})

    def end(_tag: str) -> None:
        stack.pop()
        counts.pop()

    def characters(text: str) -> None:
        if stack:
            stack[-1].text.append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.Parse(data, True)
    return roots[0]


def _parse_xml(path: Path, data: bytes, year: int | None) -> ParsedFile:
    spec = _spec().xml
    try:
        root = _read_xml(data)
    except _UnsafeXMLError:
        return _refused(
            path,
            year,
            "<!DOCTYPE ...>",
            "XML without a DOCTYPE or entity declarations (refused for safety: the SSDA903 export "
            "never needs one)",
        )
    except xml.parsers.expat.ExpatError as error:
        message = xml.parsers.expat.ErrorString(error.code)
        return _refused(path, year, message, "well-formed XML", row=error.lineno)
    if root.tag != spec["root"]:
        return _refused(
            path,
            year,
            f"<{root.tag}>",
            f"the root element <{spec['root']}> of the SSDA903 XML form "
            f"({spec['root']} > {spec['child']} > {spec['header']}, {spec['episode']})",
            row=root.line,
        )
    collector = _Collector(path, year, xml=True)
    for table in _xml_tables():
        collector.start_table(table)
    for element in root.children:
        if element.tag == spec["child"]:
            _read_child(collector, element)
        else:
            # Not a child: report it against the header table, as a row we could not place.
            _reject_stray(collector, element, f"only <{spec['child']}> elements")
    return collector.result("xml")


@cache
def _xml_tables() -> tuple[str, ...]:
    spec = _spec().xml
    return ("header", "episodes", *spec["header_groups"].values(), *spec["header_fields"])


def _fields(
    element: _Element, groups: Iterable[str] = ()
) -> tuple[dict[str, str], list[_Element], list[tuple[str, str, str]]]:
    """Split an element's children into plain fields (renamed), nested elements and problems.

    A child is nested if it has children of its own or is one of ``groups`` (so that an empty
    ``<AREVIEW/>`` is still a review, not a field).
    """
    renames = _spec().xml["renames"]
    values: dict[str, str] = {}
    nested: list[_Element] = []
    problems: list[tuple[str, str, str]] = []
    for child in element.children:
        if child.children or child.tag in groups:
            nested.append(child)
            continue
        name = renames.get(child.tag, child.tag)
        if name in values:
            problems.append((name, child.value, f"one <{child.tag}> element in each <{element.tag}>"))
            continue
        values[name] = child.value
    return values, nested, problems


def _split(table: str, values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    columns = set(table_columns()[table])
    return (
        {k: v for k, v in values.items() if k in columns},
        {k: v for k, v in values.items() if k not in columns},
    )


def _reject_stray(collector, element, expected: str) -> None:
    """Count an XML element that is not a row of any table as a rejected header row."""
    collector.read["header"] += 1
    collector.reject("header", element.line, element.path, element.tag, element.value, expected)


def _read_child(collector: _Collector, child: _Element) -> None:
    spec = _spec().xml
    headers = [e for e in child.children if e.tag == spec["header"]]
    header_values: dict[str, str] = {}
    if not headers:
        collector.read["header"] += 1
        collector.reject(
            "header",
            child.line,
            child.path,
            spec["header"],
            "",
            f"one <{spec['header']}> in each <{spec['child']}>",
        )
    for number, header in enumerate(headers):
        values = _read_header(collector, header, repeated=number > 0)
        if number == 0:
            header_values = values
    for element in child.children:
        if element.tag == spec["header"]:
            continue
        if element.tag == spec["episode"]:
            values, nested, problems = _fields(element)
            own, extras = _split("episodes", values)
            own["CHILD"] = header_values.get("CHILD", "")
            problems += [(n.tag, "", "no nested elements inside an EPISODE") for n in nested]
            collector.add_row("episodes", own, element.line, element.path, extras, problems)
        else:
            _reject_stray(
                collector,
                element,
                f"only <{spec['header']}> and <{spec['episode']}> inside <{spec['child']}>",
            )


def _read_header(collector: _Collector, header: _Element, repeated: bool) -> dict[str, str]:  # noqa: C901
    """Add the header row and the rows HEADER holds for other tables; return the header values."""
    spec = _spec().xml
    values, nested, problems = _fields(header, spec["header_groups"])
    grouped = {name for names in spec["header_fields"].values() for name in names}
    own, extras = _split("header", {k: v for k, v in values.items() if k not in grouped})
    if repeated:
        problems.append(("HEADER", "", f"one <{spec['header']}> in each <{spec['child']}>"))
    groups = spec["header_groups"]
    for element in nested:
        if element.tag not in groups:
            problems.append((element.tag, "", f"a known HEADER sub-element: {', '.join(groups)}"))
    collector.add_row("header", own, header.line, header.path, extras, problems)
    child_id, dob, sex = own.get("CHILD", ""), own.get("DOB", ""), own.get("SEX", "")
    # The uasc, oc3 and ad1 fields sit directly in HEADER: a row exists when any is present.
    for table, names in spec["header_fields"].items():
        present = {name: values[name] for name in names if name in values}
        if not present:
            continue
        row = {"CHILD": child_id, "DOB": dob, "SEX": sex, **present}
        row_problems: list[tuple[str, str, str]] = []
        if table == "uasc":
            flag = row.pop("UASC", "")
            if flag not in ("", "0", "1"):
                row_problems.append(
                    ("UASC", flag, "1 (the child is or was an unaccompanied asylum seeker), 0 or empty")
                )
            if flag in ("", "0") and row.get("DUC", "") == "" and not row_problems:
                continue  # a "no" or empty flag with no date: there is no uasc row to make
        own_row, _ = _split(table, row)
        collector.add_row(table, own_row, header.line, header.path, problems=row_problems)
    for element in nested:
        table = groups.get(element.tag)
        if table is None:
            continue
        group_values, deeper, group_problems = _fields(element)
        group_problems += [(n.tag, "", f"no nested elements inside <{element.tag}>") for n in deeper]
        own_row, group_extras = _split(table, group_values)
        own_row.update({"CHILD": child_id, "DOB": dob})
        collector.add_row(table, own_row, element.line, element.path, group_extras, group_problems)
    return own


# ---------------------------------------------------------------------------------------------
# The entry point
# ---------------------------------------------------------------------------------------------


def _parse_one(path: Path, year: int | None, on_progress: Progress | None = None) -> ParsedFile:
    try:
        data = path.read_bytes()
    except OSError as error:
        return _refused(path, year, str(path), f"a readable file ({error.strerror or error})")
    start = data.lstrip(b"\xef\xbb\xbf").lstrip()
    # Decide by content, not by extension: an export saved as .txt or .csv is still XML.
    if start.startswith(b"<"):
        return _parse_xml(path, data, year)
    decoded = _decode(data)
    if decoded is None:
        return _refused(
            path, year, "", "text in UTF-8 or Windows-1252 (save the file again as CSV UTF-8 from Excel)"
        )
    text, encoding = decoded
    return _parse_csv(path, text, encoding, year, on_progress)


def parse_ssda903(
    paths: Sequence[Path], year: int | None = None, on_progress: Progress | None = None
) -> list[ParsedFile]:
    """Parse SSDA903 files, CSV tables or the XML form, into one ParsedFile each.

    ``year`` is the collection year by its first year (2025 for 2025-26). It decides which codes
    are valid (H5 and P2 are not from 2025). When None, each file's year is taken from its data
    if it says (a liia-tools YEAR column with one value), and otherwise stays None, in which
    case a code valid in any year is accepted. Nothing is raised for bad data: a file that is
    not SSDA903 comes back with one whole-file Rejection and no tables. ``on_progress(done,
    total)`` hears each column of a CSV table as it is checked.
    """
    if year is not None and not isinstance(year, int):
        raise TypeError(f"year must be an int such as 2025 (for 2025-26) or None, not {year!r}")
    return [_parse_one(Path(path), year, on_progress) for path in paths]
