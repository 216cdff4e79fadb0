"""The import report: what was read, accepted and rejected, and why (issue 3, item 5).

A parser fills a :class:`ParsedFile`. Accepted rows are kept per table as text frames (dates
normalised to ISO ``YYYY-MM-DD``, codes as found after alias matching) with ``source_row``,
the row number in the file (the header is row 1) or, for XML, the line of the element.
Rejected rows are kept whole in :attr:`ParsedFile.rejections`, never lost.

A row is rejected only when a key, or a field a measure reads, cannot be used. A value that
cannot be used in any other field (a code outside its list, an unreadable date, a formula) is
*blanked*: the row is kept with that field empty, and the value is reported in
:attr:`ParsedFile.blanked`, so nothing is lost silently. Each parser declares which of its
fields are keys or measured, once, beside its column list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

REJECTION_COLUMNS = ["file", "sheet", "row", "table", "field", "value", "expected", "action"]
#: What happened: the row was not kept; the value was blanked and the row kept; or a finding
#: about the file that rejects no row by itself (a header note, a disagreement between lists).
REJECTED, BLANKED, NOTED = "rejected", "blanked", "noted"
#: How a rejection that only follows from another row's rejection ends: the report counts
#: these, and never asks for them to be fixed first (fixing the other row fixes them).
FOLLOWS = "that row was rejected, so this one is too"


@dataclass(frozen=True)
class Rejection:
    """One rejected row (or header, or element), precise enough for a data officer to fix it."""

    file: str
    sheet: str  # sheet or XML element path; "" for a CSV
    row: int | None  # spreadsheet row (header is 1) or XML line; None for a whole-file problem
    table: str  # the statutory table the row was for
    field: str
    value: str
    expected: str
    #: ``rejected`` (the row was not kept), ``blanked`` (the value was emptied, the row kept) or
    #: ``noted`` (a finding about the file or a header, which rejects no row by itself).
    action: str = REJECTED

    def __str__(self) -> str:
        where = self.file + (f" [{self.sheet}]" if self.sheet else "")
        if self.row is None and not self.field and self.value == "":
            return f"{where}: {self.expected}"  # a whole-file refusal says it all
        where += f", row {self.row}" if self.row is not None else ""
        what = f", field '{self.field}'" if self.field else ""
        if self.action == BLANKED:
            shown = f"value {self.value!r}" if self.value != "" else "the empty value"
            return f"{where}{what}: blanked: {shown} {blanked_reason(self.field, self.expected)}; row kept"
        value = f" value {self.value!r}" if self.value != "" else " empty value"
        verdict = " rejected:" if self.action == REJECTED and self.row is not None else ""
        return f"{where}{what}:{verdict}{value}; expected {self.expected}"


def blanked_reason(field_name: str, expected: str, many: bool = False) -> str:
    """Say why a value was blanked: "is not in the code list for <field> (expected ...)"."""
    verb = "are" if many else "is"
    if " code" in expected or "value: one of" in expected or expected.startswith("one of"):
        return f"{verb} not in the code list for {field_name} (expected {expected})"
    return f"cannot be used (expected {expected})"


def blank(rejection: Rejection) -> Rejection:
    """Return ``rejection`` as a blanked value: the field is emptied and the row kept."""
    return Rejection(
        rejection.file, rejection.sheet, rejection.row, rejection.table, rejection.field,
        rejection.value, rejection.expected, BLANKED,
    )  # fmt: skip


@dataclass
class ParsedFile:
    """What a parser made of one file."""

    path: Path
    kind: str  # "ssda903", "cin" or "annex-a"
    year: int | None  # collection year, where the file says or the caller gives it
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # accepted rows, text, with source_row
    read: dict[str, int] = field(default_factory=dict)  # rows read per table
    rejections: list[Rejection] = field(default_factory=list)
    #: Values blanked in rows that were kept (a field no key or measure needs): never lost.
    blanked: list[Rejection] = field(default_factory=list)
    #: Children as the file describes them: child_id, birth_month (YYYY-MM), sex (M/F/U),
    #: ethnicity (DfE code or ""), disability ("Y", "N" or "" when the file does not say).
    children: pd.DataFrame = field(default_factory=pd.DataFrame)

    def counts(self) -> pd.DataFrame:
        """Return rows read, accepted and rejected per table.

        A row with several problems is one rejected row: rejections are counted by distinct
        (table, sheet, row), so read = accepted + rejected for every table of rows. Notes (a
        header finding, two lists disagreeing about a child) and blanked values reject no row.
        """
        distinct = {(r.table, r.sheet, r.row) for r in self.rejections if r.action != NOTED}
        rejected = pd.Series([table for table, _, _ in distinct], dtype=object).value_counts()
        names = sorted(set(self.read) | set(self.tables) | set(rejected.index))
        return pd.DataFrame(
            {
                "table": names,
                "read": [self.read.get(n, 0) for n in names],
                "accepted": [len(self.tables[n]) if n in self.tables else 0 for n in names],
                "rejected": [int(rejected.get(n, 0)) for n in names],
            }
        )

    def rejections_frame(self) -> pd.DataFrame:
        """Return every rejection, then every blanked value, as a DataFrame (for the officer's CSV).

        The ``action`` column says which: ``rejected`` (the row was not kept) or ``blanked``.
        """
        found = [*self.rejections, *self.blanked]
        return pd.DataFrame([r.__dict__ for r in found], columns=REJECTION_COLUMNS)
