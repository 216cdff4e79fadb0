"""Statutory returns in the store: SSDA903, CIN census and Annex A tables, with provenance.

Each statutory table the parsers produce has a store table of its own (``ssda903_episodes``,
``cin_referrals``, ``annex_a_list_8`` ...), every column text (dates ISO), plus where the row
came from: ``source_sha256`` (the file, recorded in ``statutory_files``) and ``source_row``.
Rows are linked to children by ``child_id``.

Children the statutory files describe and the store does not know yet are added to
``children`` with the characteristics the file gives (schema version 5; until then they sat
in ``statutory_children``), and ``children.origin`` names the return. A child named only by
id (an episode, say) is added with no characteristics, so every statutory row's child is in
``children``. An extract load replaces only the extract's children and leaves these alone
(see :mod:`workbench.store.children`).

A file imports whole or not at all, and a file already imported (same sha256) changes
nothing. Rows a parser rejected are not stored: they stay in the import report.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.imports.annex_a import ANNEX_A_LISTS
from workbench.imports.cin_census import TABLE_COLUMNS
from workbench.imports.ssda903 import table_columns


def statutory_specs() -> dict[str, tuple[str, str, list[str], dict[str, str]]]:
    """Return {store table: (kind, parser table, store columns, parser column -> store column)}."""
    specs = {}
    for table, columns in table_columns().items():
        rename = {c: ("child_id" if c == "CHILD" else c.lower()) for c in columns}
        specs[f"ssda903_{table.lower()}"] = ("ssda903", table, list(rename.values()), rename)
    for table, columns in TABLE_COLUMNS.items():
        specs[table] = ("cin", table, list(columns), {c: c for c in columns})
    for spec in ANNEX_A_LISTS.values():
        names = spec.column_names
        specs[spec.table] = ("annex-a", spec.table, names, {c: c for c in names})
    return specs


CHILD_COLUMNS = ("child_id", "birth_month", "sex", "ethnicity", "disability")


def statutory_table_kinds() -> dict[str, str]:
    """Return {store table: import kind} for every statutory table."""
    return {name: spec[0] for name, spec in statutory_specs().items()}


def create_statutory_tables(conn: Connection) -> None:
    """Create the statutory tables (schema migration 3)."""
    metadata = sa.MetaData()
    sa.Table(
        "statutory_files",
        metadata,
        sa.Column("source_sha256", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("collection_year", sa.Integer),
        sa.Column("rows_accepted", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
    )
    sa.Table(
        "statutory_children",
        metadata,
        sa.Column("child_id", sa.String(64), primary_key=True),
        *(sa.Column(c, sa.Text) for c in CHILD_COLUMNS[1:]),
        sa.Column(
            "source_sha256", sa.String(64), sa.ForeignKey("statutory_files.source_sha256"), nullable=False
        ),
    )
    for name, (_kind, _table, columns, _rename) in statutory_specs().items():
        sa.Table(
            name,
            metadata,
            sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
            *(sa.Column(c, sa.Text, index=c == "child_id") for c in columns),
            sa.Column(
                "source_sha256", sa.String(64), sa.ForeignKey("statutory_files.source_sha256"), nullable=False
            ),
            sa.Column("source_row", sa.Integer),
        )
    metadata.create_all(conn)


