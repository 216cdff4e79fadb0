"""Where an outcome extract's tables come from: CSV or XLSX, renamed and recoded by a mapping.

Tables arrive as CSV files in any common encoding, or as the sheets of an XLSX workbook.

Every authority's case-recording forms name things differently. A mapping file (an example
ships in ``data/mappings/``) says, for each extract table, which file or sheet holds it, which
source column feeds each extract column, how coded values are recoded, and how dates are
written. Everything the mapping does not account for is still reported by the validator: a
column that is neither mapped nor listed under ``ignore`` is refused, never dropped.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

from workbench.core.model import TABLES_BY_NAME
from workbench.imports.form_mapping import FormAnswerMapping, parse_form_answers

TEXT = pd.StringDtype("pyarrow", na_value=float("nan"))
#: Encodings tried in order. Windows-1252 is what Excel's plain "CSV" writes in England, and it
#: decodes any byte, so it is the last resort.
ENCODINGS = ("utf-8-sig", "cp1252")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the problem."""


# ---------------------------------------------------------------------------------------------
# Mapping


@dataclass(frozen=True)
class TableMapping:
    """How one extract table is found and translated."""

    source: str  # file stem (CSV) or sheet name (XLSX)
    columns: dict[str, str] = field(default_factory=dict)  # extract column -> source column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # extract column -> {source: code}
    ignore: tuple[str, ...] = ()  # source columns deliberately not loaded


@dataclass(frozen=True)
class ExtractMapping:
    """A YAML column mapping from an authority's own extract to the extract format."""

    path: Path | None
    tables: dict[str, TableMapping]
    date_format: str | None = None  # e.g. "%d/%m/%Y"; dates are converted to ISO before checks
    #: Tables made from a long export of form answers, one row per question answered (Mosaic).
    forms: FormAnswerMapping | None = None

    @classmethod
    def load(cls, path: Path) -> ExtractMapping:
        """Read and check a mapping file; raise :class:`MappingError` with a clear message."""
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
            raise MappingError(f"mapping {path}: cannot read it as YAML ({error})") from error
        # A mapping of form answers alone (every flat table as the extract names it) needs no tables.
        has_forms = isinstance(raw, dict) and raw.get("form_answers") is not None
        if not isinstance(raw, dict) or not isinstance(raw.get("tables", {} if has_forms else None), dict):
            raise MappingError(
                f"mapping {path}: expected a 'tables:' section mapping table names to settings"
            )
        tables = {}
        for name, settings in raw.get("tables", {}).items():
            if name not in TABLES_BY_NAME:
                raise MappingError(
                    f"mapping {path}: no extract table {name!r}; tables are {', '.join(TABLES_BY_NAME)}"
                )
            settings = settings or {}
            spec = TABLES_BY_NAME[name]
            columns = {str(k): str(v) for k, v in (settings.get("columns") or {}).items()}
            for target in [*columns, *(settings.get("values") or {})]:
                if target not in spec.columns:
                    columns_list = ", ".join(spec.columns)
                    raise MappingError(
                        f"mapping {path}: table {name} has no column {target!r}; columns are {columns_list}"
                    )
            values = {
                str(col): {str(src): str(code) for src, code in (recode or {}).items()}
                for col, recode in (settings.get("values") or {}).items()
            }
            tables[name] = TableMapping(
                source=str(settings.get("source", name)),
                columns=columns,
                values=values,
                ignore=tuple(str(c) for c in settings.get("ignore") or ()),
            )
        date_format = raw.get("date_format")
        if date_format is not None:
            try:
                dt.datetime(2024, 1, 31).strftime(str(date_format))
            except ValueError as error:
                raise MappingError(
                    f"mapping {path}: date_format {date_format!r} is not valid ({error})"
                ) from error
        forms = _form_answers(path, raw.get("form_answers"), date_format, tables) if has_forms else None
        return cls(Path(path), tables, str(date_format) if date_format else None, forms)

    def table(self, name: str) -> TableMapping:
        """Return the mapping for table ``name`` (the identity mapping when none is given)."""
        return self.tables.get(name, TableMapping(source=name))


IDENTITY = ExtractMapping(None, {})


def _form_answers(path: Path, raw, date_format, tables: dict[str, TableMapping]) -> FormAnswerMapping:
    """Read the mapping's ``form_answers:`` section; a table comes from forms or a file, not both."""
    try:
        forms = parse_form_answers(raw, str(date_format) if date_format else None)
    except ValueError as error:
        raise MappingError(f"mapping {path}: {error}") from error
    both = sorted(set(forms.tables) & set(tables))
    if both:
        raise MappingError(
            f"mapping {path}: {', '.join(both)} named under both tables: and form_answers:; "
            "a table comes from one place"
        )
    return forms


def apply_mapping(frame: pd.DataFrame, name: str, mapping: ExtractMapping) -> pd.DataFrame:
    """Rename, drop ignored columns, recode values and convert dates to ISO, as ``mapping`` says.

    Values a recode table does not list pass through unchanged, so the validator reports
    them against the code list rather than the mapping guessing.
    """
    settings = mapping.table(name)
    frame = frame.drop(columns=[c for c in settings.ignore if c in frame.columns])
    frame = frame.rename(columns={source: target for target, source in settings.columns.items()})
    for column, recode in settings.values.items():
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v, r=recode: r.get(v, v)).astype(TEXT)
    if mapping.date_format:
        spec = TABLES_BY_NAME[name]
        for fld in spec.fields:
            if fld.kind.value == "date" and fld.name in frame.columns:
                parsed = pd.to_datetime(frame[fld.name], format=mapping.date_format, errors="coerce")
                # Unparseable text stays as written, so the validator names it.
                iso = parsed.dt.strftime("%Y-%m-%d").astype(TEXT)
                frame[fld.name] = iso.where(parsed.notna(), frame[fld.name])
    return frame


# ---------------------------------------------------------------------------------------------
# Reading


def detect_encoding(path: Path) -> str:
    """Return the first of :data:`ENCODINGS` that decodes the whole file."""
    for encoding in ENCODINGS[:-1]:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return ENCODINGS[-1]


def read_text_csv(
    path: Path,
    on_ragged: Callable[[int | None, str, str], None] | None = None,
    encoding: str | None = None,
    skip_rows: int = 0,
) -> pd.DataFrame:
    """Read a CSV with every column as text, empty cells as ``""``, straight into Arrow strings.

    pyarrow reads without building a Python object per cell, which keeps a multi-gigabyte
    extract within memory. The encoding is detected unless given. A row with more or fewer
    fields than the header is passed to ``on_ragged(row, text, expected)`` (the extract will be
    refused), never padded or cut silently. ``skip_rows`` rows above the header (a title) are
    skipped; ragged rows keep their numbers in the file.
    """
    encoding = encoding or detect_encoding(path)
    with path.open(newline="", encoding=encoding) as handle:
        records = csv.reader(handle)
        for _ in range(skip_rows):
            next(records, None)
        header = next(records, [])
    ragged: list = []

    def read(use_threads: bool) -> pa.Table:
        ragged.clear()

        def on_invalid(row) -> str:
            ragged.append(row)
            return "skip"

        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                use_threads=use_threads,
                encoding="utf8" if encoding == "utf-8-sig" else encoding,
                skip_rows=skip_rows,
            ),
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
    for row in ragged if on_ragged else ():
        on_ragged(
            row.number,
            row.text,
            f"{row.expected_columns} fields, like the header (found {row.actual_columns})",
        )
    frame = table.to_pandas(types_mapper={pa.string(): TEXT}.get)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    return frame


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """Read every sheet of an XLSX workbook as text frames (first row is the header).

    Formulas are never evaluated: a formula cell arrives as its text (``=...``), which the
    extract reader refuses. Dates become ISO text; whole numbers lose Excel's ``.0``.
    """
    from openpyxl import load_workbook  # imported here: only XLSX extracts need it

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises several unrelated types for a bad file
        raise ValueError(
            f"{path.name} is not an XLSX workbook ({error.__class__.__name__}: {error})"
        ) from error
    sheets = {}
    try:
        for sheet in book.worksheets:
            rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            # Trailing empty rows are formatting, not data. Empty rows inside the table are
            # kept, so row numbers stay the spreadsheet's and the validator names them.
            while rows and not any(cell != "" for cell in rows[-1]):
                rows.pop()
            if not rows:
                sheets[sheet.title] = pd.DataFrame()
                continue
            header = [h.strip() for h in rows[0]]
            width = len(header)
            body = [(r + [""] * width)[:width] for r in rows[1:]]
            sheets[sheet.title] = pd.DataFrame(body, columns=header, dtype=TEXT)
    finally:
        book.close()
    return sheets
