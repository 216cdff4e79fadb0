"""The schema's versions: append-only migrations, each in its own transaction.

Also the metadata of the current version, for a new store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.core.model import EXTRACT_TABLES
from workbench.core.provenance import LATEST_DATE_COLUMNS, LATEST_RECORD
from workbench.store.audit_tables import create_audit_tables
from workbench.store.changes import create_extract_changes_table, extract_changes_table
from workbench.store.children import migrate_children, shape_children_table
from workbench.store.improvement_plan_tables import create_improvement_plan_tables
from workbench.store.plan_tables import create_plan_tables
from workbench.store.settings import create_settings_table, settings_table
from workbench.store.statutory_tables import create_statutory_tables
from workbench.store.supervision_tables import (
    create_supervision_outcome_tables,
    create_supervision_records_table,
)
from workbench.store.tables import SQL_TYPES, provenance_columns, sqlalchemy_table


def build_metadata() -> sa.MetaData:
    """Return SQLAlchemy metadata for every table the current schema version has."""
    metadata = sa.MetaData()
    for spec in EXTRACT_TABLES:
        sqlalchemy_table(spec, metadata)
    # schema version 5

    shape_children_table(metadata.tables["children"])
    schema_version_table(metadata)
    extract_loads_table(metadata)
    extract_changes_table(metadata)
    settings_table(metadata)  # schema version 10
    return metadata


def schema_version_table(metadata: sa.MetaData) -> sa.Table:
    """Return the table that records each schema step applied, and when."""
    return sa.Table(
        "schema_version",
        metadata,
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("applied_at", sa.String(32), nullable=False),
    )


def extract_loads_table(metadata: sa.MetaData, *, dated: bool = True) -> sa.Table:
    """Return the table that records each extract load: fingerprint, source, rows, when.

    ``dated`` adds version 8's columns: the date the extract describes (``as_at``) and how
    that was known (``as_at_basis``, see :mod:`workbench.core.provenance`).
    """
    columns = [
        sa.Column("load_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("rows_loaded", sa.Integer, nullable=False),
        sa.Column("loaded_at", sa.String(32), nullable=False),
    ]
    if dated:
        columns += [
            sa.Column("as_at", sa.Date, nullable=True),
            sa.Column("as_at_basis", sa.Text, nullable=True),
        ]
    return sa.Table("extract_loads", metadata, *columns)


def _migration_1(conn: Connection) -> None:
    """Create the outcome extract tables (as they were at version 1: no provenance yet)."""
    metadata = sa.MetaData()
    for spec in EXTRACT_TABLES:
        sqlalchemy_table(spec, metadata, provenance=False)
    metadata.create_all(conn)


def _migration_2(conn: Connection) -> None:
    """Record each extract load, so that loading the same extract twice changes nothing."""
    metadata = sa.MetaData()
    extract_loads_table(metadata, dated=False).create(conn)


def _migration_3(conn: Connection) -> None:
    """Statutory returns (SSDA903, CIN census, Annex A) in tables of their own, with provenance."""
    # the parsers' specs

    create_statutory_tables(conn)


def _migration_4(conn: Connection) -> None:
    """Every extract row keeps its provenance: source file, its sha256, and the row number."""
    quote = conn.dialect.identifier_preparer.quote
    for spec in EXTRACT_TABLES:
        for column in provenance_columns():
            type_sql = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {quote(spec.name)} ADD COLUMN {quote(column.name)} {type_sql}")


def _migration_5(conn: Connection) -> None:
    """Children from statutory returns join ``children`` (with ``origin``); statutory_children goes."""
    migrate_children(conn)


def _migration_6(conn: Connection) -> None:
    """Audits recorded in the workbench (templates, rounds, answers, moderations, actions, drafts)."""
    # the audit package owns its tables

    create_audit_tables(conn)


def _migration_7(conn: Connection) -> None:
    """Supervision records made in the workbench, in a table an extract load never replaces."""
    create_supervision_records_table(conn)


def _migration_8(conn: Connection) -> None:
    """Each extract load records the date its data describes (as at) and how that was known."""
    quote = conn.dialect.identifier_preparer.quote
    for name, type_sql in (("as_at", "DATE"), ("as_at_basis", "TEXT")):
        conn.exec_driver_sql(f"ALTER TABLE extract_loads ADD COLUMN {quote(name)} {type_sql}")
    # The load in the store now, made before version 8, is as at the day of its latest record:
    # the best that can be known of it, so that an upgraded store's pages keep a date.
    latest = [
        conn.exec_driver_sql(f"SELECT MAX({quote(column)}) FROM {quote(table)}").scalar()  # noqa: S608
        for table, column in LATEST_DATE_COLUMNS
    ]
    dates = [str(value)[:10] for value in latest if value is not None]
    if dates:
        conn.exec_driver_sql(
            "UPDATE extract_loads SET as_at = ?, as_at_basis = ? "
            "WHERE load_id = (SELECT MAX(load_id) FROM extract_loads)"
            if conn.dialect.paramstyle == "qmark"
            else "UPDATE extract_loads SET as_at = %s, as_at_basis = %s "
            "WHERE load_id = (SELECT MAX(load_id) FROM extract_loads)",
            (max(dates), LATEST_RECORD),
        )


def _migration_9(conn: Connection) -> None:
    """Each refresh's "what changed" report (workbench.store.changes)."""
    create_extract_changes_table(conn)


def _migration_10(conn: Connection) -> None:
    """Create the store's settings (name/value), starting with the demo mark (fail closed, issue 15)."""
    create_settings_table(conn)


def _migration_11(conn: Connection) -> None:
    """Supervision by outcome: outcomes talked through (and how), and actions with owner and due date."""
    create_supervision_outcome_tables(conn)


def _migration_12(conn: Connection) -> None:
    """Appraisal entries and improvement plans with their actions, kept with who wrote them and when."""
    create_improvement_plan_tables(conn)


def _migration_13(conn: Connection) -> None:
    """Outcome plans made in the workbench: plans, their versions, outcomes and actions (issue 17)."""
    create_plan_tables(conn)


#: The extract's optional columns added at version 14: Outcomes Star readings by Star and edition,
#: and whether the worker approved each reading.
STAR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("outcomes", "star"),
    ("outcomes", "star_edition"),
    ("outcome_reviews", "approved"),
)


def _migration_14(conn: Connection) -> None:
    """Outcomes Star readings kept apart by Star and edition, and the worker's approval of each."""
    quote = conn.dialect.identifier_preparer.quote
    inspector = sa.inspect(conn)
    for table, column in STAR_COLUMNS:
        # Version 1 creates the extract tables from today's model, so a new store has them already.
        if column in {c["name"] for c in inspector.get_columns(table)}:
            continue
        spec = next(t for t in EXTRACT_TABLES if t.name == table).field(column)
        type_sql = SQL_TYPES[spec.kind]().compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(column)} {type_sql}")


@dataclass(frozen=True)
class Migration:
    """One schema step: its version number, what it does, and the function that does it."""

    version: int
    description: str
    apply: Callable[[Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "outcome extract tables", _migration_1),
    Migration(2, "extract load log (fingerprint, source, rows)", _migration_2),
    Migration(3, "statutory return tables with provenance; statutory_children", _migration_3),
    Migration(4, "provenance (source file, sha256, row) on every extract row", _migration_4),
    Migration(
        5, "children from statutory returns in children, with origin; characteristics optional", _migration_5
    ),
    Migration(6, "workbench audits: templates, rounds, answers, moderations, actions", _migration_6),
    Migration(7, "supervision records (discussed, challenged, confirmed)", _migration_7),
    Migration(8, "extract loads record the data's date (as at) and its basis", _migration_8),
    Migration(9, "what each refresh changed (extract_changes)", _migration_9),
    Migration(10, "store settings (the demo mark: demo identities only on the demo store)", _migration_10),
    Migration(11, "supervision by outcome: outcomes talked through, and supervision actions", _migration_11),
    Migration(12, "appraisal entries; improvement plans and their actions (versioned)", _migration_12),
    Migration(13, "outcome plans made in meetings: plans, versions, outcomes, actions", _migration_13),
    Migration(
        14, "Outcomes Star readings: star and star_edition on outcomes, approved on reviews", _migration_14
    ),
)


SCHEMA_VERSION = MIGRATIONS[-1].version
