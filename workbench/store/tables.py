"""Table definitions and row helpers every store module shares.

The extract tables in SQLAlchemy, with provenance; rows written in chunks; frames read back typed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

import pandas as pd
import sqlalchemy as sa

from workbench.core.model import Kind, Table

#: Rows written to the database at a time (and between progress reports).
WRITE_CHUNK = 20_000


#: Where each stored extract row came from (schema version 4): the file (or workbook sheet),
#: the file's sha256 and the row in it (the header is row 1).
PROVENANCE_COLUMNS = ("source_file", "source_sha256", "source_row")


def provenance_columns() -> list[sa.Column]:
    """Return the provenance columns every stored extract row carries (schema version 4)."""
    return [
        sa.Column("source_file", sa.Text, comment="The file (or workbook sheet) the row came from."),
        sa.Column("source_sha256", sa.String(64), comment="The sha256 of that file."),
        sa.Column("source_row", sa.Integer, comment="The row in that file; the header is row 1."),
    ]


def sqlalchemy_table(spec: Table, metadata: sa.MetaData, provenance: bool = True) -> sa.Table:
    """Return the SQLAlchemy table of an extract table spec, with provenance columns unless told not to."""
    columns = []
    for fld in spec.fields:
        args: list = []
        if fld.references:
            target = fld.references
            # A self-reference (outcomes.replaced_by) is checked at commit, so rows may
            # arrive in any order within the loading transaction.
            deferred = target.split(".")[0] == spec.name
            args.append(
                sa.ForeignKey(
                    target,
                    deferrable=True if deferred else None,
                    initially="DEFERRED" if deferred else None,
                )
            )
        columns.append(
            sa.Column(
                fld.name,
                SQL_TYPES[fld.kind](),
                *args,
                primary_key=fld.name in spec.key,
                nullable=not (fld.required or fld.name in spec.key),
                comment=fld.description,
            )
        )
    indexes = [
        sa.Index(f"ix_{spec.name}_{fld.name}", fld.name)
        for fld in spec.fields
        if fld.references and fld.name not in spec.key[:1]
    ]
    extra = provenance_columns() if provenance else []
    return sa.Table(spec.name, metadata, *columns, *extra, *indexes, comment=spec.description)


def chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    """Yield ``rows`` in lists of at most ``size``."""
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, size)):  # in C: no Python step per row
        yield chunk


def typed(frame: pd.DataFrame, spec: Table) -> pd.DataFrame:
    """Return a frame read from the store with its columns typed as the spec says (dates, numbers, Y/N)."""
    for name in frame.columns:
        kind = spec.field(name).kind
        if kind is Kind.DATE:
            frame[name] = pd.to_datetime(frame[name], errors="raise", format="ISO8601")
        elif kind is Kind.YN:
            frame[name] = frame[name].astype("boolean")
        elif kind in (Kind.SCORE,):
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        elif kind is Kind.INT:
            frame[name] = frame[name].astype("Int64")
        else:
            frame[name] = frame[name].astype("string")
    return frame


SQL_TYPES: dict[Kind, Callable[[], sa.types.TypeEngine]] = {
    Kind.ID: lambda: sa.String(64),
    Kind.TEXT: sa.Text,
    # Dates are stored as ISO text on SQLite (SQLAlchemy's Date does this) so that date
    # comparisons pushed into SQL work on both SQLite and PostgreSQL.
    Kind.DATE: sa.Date,
    Kind.MONTH: lambda: sa.String(7),
    Kind.INT: sa.Integer,
    Kind.SCORE: sa.Float,
    Kind.YN: sa.Boolean,
    Kind.CODE: lambda: sa.String(40),
}
