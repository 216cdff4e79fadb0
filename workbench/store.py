"""The store: a real database behind SQLAlchemy (DESIGN.md section 2).

SQLite in a file is the embedded default; any SQLAlchemy URL may be given instead, and
PostgreSQL is the supported server for a shared deployment. The URL comes from, in order:
the ``url`` argument (the CLI's ``--store``), the ``WORKBENCH_STORE`` environment variable,
then ``data/workbench.sqlite``.

The schema is versioned. :data:`MIGRATIONS` is an append-only list of steps; opening a store
applies the steps it has not had yet, each in its own transaction, so an upgrade never drops
data. Rule for the next engineer: never edit a released step; add a new one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbench.codes import DATA_DIR
from workbench.model import EXTRACT_TABLES, Kind, Table

ENV_VAR = "WORKBENCH_STORE"
#: Rows written to the database at a time (and between progress reports).
WRITE_CHUNK = 20_000
_READ_CHUNK = 250_000
DEFAULT_STORE_PATH = DATA_DIR / "workbench.sqlite"

_SQL_TYPES: dict[Kind, Callable[[], sa.types.TypeEngine]] = {
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


class StoreError(RuntimeError):
    """The store cannot be used as asked; the message says why and what to do."""


def store_url(url: str | None = None) -> str:
    """Resolve the store URL: the argument, then ``$WORKBENCH_STORE``, then the SQLite default."""
    if url:
        return url
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    return f"sqlite:///{DEFAULT_STORE_PATH}"


def absolute_store_url(url: str | None = None) -> str:
    """Resolve the store URL, making a relative SQLite path absolute.

    Kernels run in the notebook's folder, so a relative ``sqlite:///data/x.sqlite`` would name
    a different file there.
    """
    resolved = store_url(url)
    prefix = "sqlite:///"
    path = resolved.removeprefix(prefix)
    if resolved.startswith(prefix) and path not in ("", ":memory:") and not path.startswith("/"):
        return prefix + str(Path(path).resolve())
    return resolved


#: Where each stored extract row came from (schema version 4): the file (or workbook sheet),
#: the file's sha256 and the row in it (the header is row 1).
PROVENANCE_COLUMNS = ("source_file", "source_sha256", "source_row")


def _provenance_columns() -> list[sa.Column]:
    return [
        sa.Column("source_file", sa.Text, comment="The file (or workbook sheet) the row came from."),
        sa.Column("source_sha256", sa.String(64), comment="The sha256 of that file."),
        sa.Column("source_row", sa.Integer, comment="The row in that file; the header is row 1."),
    ]


def _sqlalchemy_table(spec: Table, metadata: sa.MetaData, provenance: bool = True) -> sa.Table:
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
                _SQL_TYPES[fld.kind](),
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
    extra = _provenance_columns() if provenance else []
    return sa.Table(spec.name, metadata, *columns, *extra, *indexes, comment=spec.description)


def build_metadata() -> sa.MetaData:
    """Return SQLAlchemy metadata for every table the current schema version has."""
    metadata = sa.MetaData()
    for spec in EXTRACT_TABLES:
        _sqlalchemy_table(spec, metadata)
    from workbench.store_children import shape_children_table  # schema version 5

    shape_children_table(metadata.tables["children"])
    _schema_version_table(metadata)
    _extract_loads_table(metadata)
    return metadata


def _schema_version_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "schema_version",
        metadata,
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("applied_at", sa.String(32), nullable=False),
    )


def _extract_loads_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "extract_loads",
        metadata,
        sa.Column("load_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("rows_loaded", sa.Integer, nullable=False),
        sa.Column("loaded_at", sa.String(32), nullable=False),
    )


# ---------------------------------------------------------------------------------------------
# Migrations: append-only. Each step receives a connection inside its own transaction.


def _migration_1(conn: Connection) -> None:
    """Create the outcome extract tables (as they were at version 1: no provenance yet)."""
    metadata = sa.MetaData()
    for spec in EXTRACT_TABLES:
        _sqlalchemy_table(spec, metadata, provenance=False)
    metadata.create_all(conn)


def _migration_2(conn: Connection) -> None:
    """Record each extract load, so that loading the same extract twice changes nothing."""
    metadata = sa.MetaData()
    _extract_loads_table(metadata).create(conn)


def _migration_3(conn: Connection) -> None:
    """Statutory returns (SSDA903, CIN census, Annex A) in tables of their own, with provenance."""
    from workbench.statutory_store import create_statutory_tables  # the parsers' specs

    create_statutory_tables(conn)


def _migration_4(conn: Connection) -> None:
    """Every extract row keeps its provenance: source file, its sha256, and the row number."""
    quote = conn.dialect.identifier_preparer.quote
    for spec in EXTRACT_TABLES:
        for column in _provenance_columns():
            type_sql = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {quote(spec.name)} ADD COLUMN {quote(column.name)} {type_sql}")


def _migration_5(conn: Connection) -> None:
    """Children from statutory returns join ``children`` (with ``origin``); statutory_children goes."""
    from workbench.store_children import migrate_children

    migrate_children(conn)


def _migration_6(conn: Connection) -> None:
    """Audits recorded in the workbench (templates, rounds, answers, moderations, actions, drafts)."""
    from workbench.audits.schema import create_audit_tables  # the audit package owns its tables

    create_audit_tables(conn)


def _migration_7(conn: Connection) -> None:
    """Supervision records made in the workbench, in a table an extract load never replaces."""
    from workbench.supervision import create_supervision_records_table

    create_supervision_records_table(conn)


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
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def _enable_sqlite_foreign_keys(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Several people (and processes) write audits at once: wait for a lock rather than fail,
        # and let readers and one writer work side by side (write-ahead log; not for :memory:).
        cursor.execute("PRAGMA busy_timeout=30000")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() not in ("wal", "memory"):
            with contextlib.suppress(sqlite3.OperationalError):  # a read-only file keeps its journal
                cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """A connection to the workbench database, with its schema at the current version."""

    def __init__(
        self, url: str | None = None, *, upgrade: bool = True, target_version: int | None = None
    ) -> None:
        self.url = store_url(url)
        if self.url.startswith("sqlite:///"):
            path = Path(self.url.removeprefix("sqlite:///"))
            if str(path) not in ("", ":memory:"):
                path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = sa.create_engine(self.url)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as error:
            raise StoreError(f"cannot use store URL {self.url!r}: {error}") from error
        if self.engine.dialect.name == "sqlite":
            _enable_sqlite_foreign_keys(self.engine)
        self.metadata = build_metadata()
        if upgrade:
            self.upgrade(target_version)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    # -- schema ---------------------------------------------------------------------------

    def schema_version(self) -> int:
        """Return the schema version of the database (0 for an empty database)."""
        inspector = sa.inspect(self.engine)
        if not inspector.has_table("schema_version"):
            return 0
        with self.engine.connect() as conn:
            found = conn.execute(sa.text("SELECT MAX(version) FROM schema_version")).scalar()
        return int(found or 0)

    def upgrade(self, target_version: int | None = None) -> list[int]:
        """Apply the migrations this database has not had, up to ``target_version``.

        Returns the versions applied. Refuses a database newer than this code, and a
        database that has tables but no schema version (not a workbench store).
        """
        target = SCHEMA_VERSION if target_version is None else target_version
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"the store is at schema version {current}, newer than this workbench "
                f"({SCHEMA_VERSION}); upgrade the workbench before using this store"
            )
        if current == 0:
            existing = set(sa.inspect(self.engine).get_table_names())
            if existing & {t.name for t in EXTRACT_TABLES}:
                raise StoreError(
                    "the database has workbench-like tables but no schema_version table; "
                    "refusing to touch it. Point --store at an empty database or a workbench store."
                )
        applied = []
        for migration in MIGRATIONS:
            if current < migration.version <= target:
                with self.engine.begin() as conn:
                    if migration.version == 1:
                        _schema_version_table(sa.MetaData()).create(conn, checkfirst=True)
                    migration.apply(conn)
                    conn.execute(
                        sa.text(
                            "INSERT INTO schema_version (version, description, applied_at) "
                            "VALUES (:v, :d, :t)"
                        ),
                        {"v": migration.version, "d": migration.description, "t": _now()},
                    )
                applied.append(migration.version)
        return applied

    # -- reading --------------------------------------------------------------------------

    def row_counts(self) -> dict[str, int]:
        """Return the number of rows in each extract table."""
        with self.engine.connect() as conn:
            return {
                spec.name: int(
                    conn.execute(
                        sa.select(sa.func.count()).select_from(self.metadata.tables[spec.name])
                    ).scalar()
                )
                for spec in EXTRACT_TABLES
            }

    def read_table(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Read an extract table into a DataFrame with typed columns.

        Dates become ``datetime64``, Y/N fields booleans, scores floats; ids, codes and text
        stay strings. Empty values are missing (``NA``), never empty strings.
        """
        spec = next((t for t in EXTRACT_TABLES if t.name == name), None)
        if spec is None:
            raise KeyError(f"no extract table {name!r}")
        table = self.metadata.tables[name]
        wanted = list(columns) if columns else spec.columns
        # Dates arrive as text (or the driver's dates) and are parsed by pandas a column at
        # a time, not by SQLAlchemy a row at a time.
        query = sa.select(
            *(
                sa.type_coerce(table.c[c], sa.String) if spec.field(c).kind is Kind.DATE else table.c[c]
                for c in wanted
            )
        )
        chunks = []
        with self.engine.connect() as conn:
            # Typed a chunk at a time: millions of rows as Python tuples at once would take gigabytes.
            for rows in _row_chunks(conn, query):
                chunks.append(_typed(pd.DataFrame(rows, columns=wanted), spec))
        if not chunks:
            return _typed(pd.DataFrame({c: pd.Series([], dtype=object) for c in wanted}), spec)
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]

    def latest_load(self) -> dict | None:
        """Return the most recent extract load record, or None if nothing was loaded."""
        loads = self.metadata.tables["extract_loads"]
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(loads).order_by(loads.c.load_id.desc()).limit(1)).mappings().first()
        return dict(row) if row else None

    # -- writing --------------------------------------------------------------------------

    def replace_extract(
        self,
        rows: dict[str, Iterable[tuple]],
        *,
        fingerprint: str,
        source: str,
        on_table: Callable[[str, int], None] | None = None,
        on_rows: Callable[[int], None] | None = None,
    ) -> int:
        """Replace every extract table with ``rows``, in one transaction.

        ``on_table`` hears each table's name and rows once it is written; ``on_rows`` hears
        the size of every chunk of rows as it is written (for a progress bar by rows).

        Children added by statutory returns stay (see :mod:`workbench.store_children`).
        ``rows`` maps a table name to tuples in ``Table.columns`` order followed by the
        provenance (source file, its sha256, row), already validated (dates as ISO text, Y/N
        as booleans, empty as None). Either all tables are replaced
        and the load is logged, or, on any error, nothing changes. Returns rows written.
        """
        from workbench.store_children import replace_extract_children

        total = 0
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "sqlite":
                # Checked at commit: the whole extract is consistent, row order is not.
                conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            # Before version 5 (a store opened without upgrading) children were the extract's alone.
            merge_children = self.schema_version() >= 5
            for spec in reversed(EXTRACT_TABLES):
                if spec.name != "children" or not merge_children:
                    conn.execute(self.metadata.tables[spec.name].delete())
            for spec in EXTRACT_TABLES:
                written = 0
                table_rows = rows.get(spec.name, ())
                if spec.name == "children" and merge_children:
                    written, table_rows = replace_extract_children(conn, table_rows, on_rows), ()
                for chunk in _chunks(table_rows, WRITE_CHUNK):
                    conn.exec_driver_sql(_insert_sql(conn, spec), chunk)
                    written += len(chunk)
                    if on_rows:
                        on_rows(len(chunk))
                total += written
                if on_table:
                    on_table(spec.name, written)
            conn.execute(
                self.metadata.tables["extract_loads"]
                .insert()
                .values(fingerprint=fingerprint, source=source, rows_loaded=total, loaded_at=_now())
            )
        return total


def _insert_sql(conn: Connection, spec: Table) -> str:
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    preparer = conn.dialect.identifier_preparer
    names = [*spec.columns, *PROVENANCE_COLUMNS]
    cols = ", ".join(preparer.quote(c) for c in names)
    marks = ", ".join([marker] * len(names))
    return f"INSERT INTO {preparer.quote(spec.name)} ({cols}) VALUES ({marks})"  # noqa: S608


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _row_chunks(conn: sa.Connection, query: sa.Select) -> Iterator[list[tuple]]:
    """Yield the rows of ``query`` as lists of plain tuples, :data:`_READ_CHUNK` at a time.

    On SQLite the driver's own cursor hands over tuples: SQLAlchemy's row objects cost a third
    of a la-decade read, and pandas probes each one's attributes (slower still). The values
    are the same, as stored (dates as ISO text, Y/N as 0 and 1); :func:`_typed` types them.
    Elsewhere (PostgreSQL) the rows stream from a server-side cursor.
    """
    if conn.dialect.name == "sqlite":
        cursor = conn.connection.cursor()
        try:
            cursor.execute(str(query.compile(dialect=conn.dialect)))
            while rows := cursor.fetchmany(_READ_CHUNK):
                yield rows
        finally:
            cursor.close()
        return
    result = conn.execution_options(stream_results=True, yield_per=_READ_CHUNK).execute(query)
    for rows in result.partitions():
        yield [tuple(row) for row in rows]


def _typed(frame: pd.DataFrame, spec: Table) -> pd.DataFrame:
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


def open_store(url: str | None = None) -> Store:
    """Open the store at ``url`` (or the configured default), upgrading its schema if needed."""
    return Store(url)
