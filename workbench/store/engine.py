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
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from workbench.core.codes import DATA_DIR
from workbench.core.model import EXTRACT_TABLES, Kind, Table
from workbench.core.provenance import LATEST_DATE_COLUMNS
from workbench.store.children import replace_extract_children
from workbench.store.migrations import MIGRATIONS, SCHEMA_VERSION, build_metadata, schema_version_table
from workbench.store.plan_tables import project_plans
from workbench.store.settings import DEMO_SETTING, read_setting, write_setting
from workbench.store.tables import PROVENANCE_COLUMNS, WRITE_CHUNK, chunks, typed

ENV_VAR = "WORKBENCH_STORE"
_READ_CHUNK = 250_000
DEFAULT_STORE_PATH = DATA_DIR / "workbench.sqlite"


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


def store_is_demo(url: str | None = None) -> bool:
    """Whether the store at ``url`` (or the configured default) carries the demo loader's mark.

    Only reads: a SQLite file that does not exist is not the demo (and is not created), and a
    store that cannot be opened is not the demo either, so the answer fails closed.
    """
    resolved = store_url(url)
    prefix = "sqlite:///"
    if resolved.startswith(prefix):
        path = resolved.removeprefix(prefix)
        if path in ("", ":memory:") or not Path(path).is_file():
            return False
    try:
        engine = sa.create_engine(resolved)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError):
        return False
    try:
        return read_setting(engine, DEMO_SETTING) == "yes"
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# Migrations: append-only. Each step receives a connection inside its own transaction.


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
                        schema_version_table(sa.MetaData()).create(conn, checkfirst=True)
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

    # -- settings -------------------------------------------------------------------------

    def mark_demo(self) -> None:
        """Mark the store as the synthetic demo, the one store the demo identities may view."""
        write_setting(self.engine, DEMO_SETTING, "yes")

    def is_demo(self) -> bool:
        """Whether the demo loader marked this store as the demo (see :meth:`mark_demo`)."""
        return read_setting(self.engine, DEMO_SETTING) == "yes"

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
        parts = list(self.read_table_chunks(name, columns))
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def read_table_chunks(self, name: str, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """Yield an extract table as typed DataFrames (see :meth:`read_table`), a chunk of rows at a time.

        At least one frame, empty when the table is: so a reader always learns the columns' types.
        The snapshot (``workbench.store.snapshot``) is written this way, never holding a whole table.
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
        found = False
        with self.engine.connect() as conn:
            # Typed a chunk at a time: millions of rows as Python tuples at once would take gigabytes.
            for rows in _row_chunks(conn, query):
                found = True
                yield typed(pd.DataFrame(rows, columns=wanted), spec)
        if not found:
            yield typed(pd.DataFrame({c: pd.Series([], dtype=object) for c in wanted}), spec)

    def latest_load(self) -> dict | None:
        """Return the most recent extract load record, or None if nothing was loaded."""
        # Whatever columns the store's version has (a store opened without upgrading has fewer).
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT * FROM extract_loads ORDER BY load_id DESC LIMIT 1")
            ).mappings().first()
        return dict(row) if row else None

    def latest_record_date(self) -> str | None:
        """Return the latest meeting, outcome or review date in the store (ISO), or None if empty.

        This is the newest date found in its records, which is what an operator can check a
        refresh against; the data's date (:meth:`data_date`) is what the pages count from.
        """
        columns = [self.metadata.tables[table].c[column] for table, column in LATEST_DATE_COLUMNS]
        with self.engine.connect() as conn:
            found = [conn.execute(sa.select(sa.func.max(column))).scalar() for column in columns]
        dates = [str(value)[:10] for value in found if value is not None]
        return max(dates, default=None)

    def first_record_date(self) -> date | None:
        """Return the earliest meeting, outcome or review date in the store, or None if empty."""
        columns = [self.metadata.tables[table].c[column] for table, column in LATEST_DATE_COLUMNS]
        with self.engine.connect() as conn:
            found = [conn.execute(sa.select(sa.func.min(column))).scalar() for column in columns]
        dates = [str(value)[:10] for value in found if value is not None]
        return date.fromisoformat(min(dates)) if dates else None

    def data_date(self) -> date | None:
        """Return the date the loaded extract describes (its "as at"), or None on an empty store.

        It is the latest load's own date, or the day of its latest record (see
        :func:`workbench.core.provenance.extract_as_at`). Every page and command counts from it
        unless asked for another date.
        """
        latest = self.latest_load()
        value = latest.get("as_at") if latest else None
        if value is None:
            return None
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])

    def loaded_at(self) -> datetime | None:
        """Return when the latest extract was loaded (UTC, aware), or None if nothing was."""
        latest = self.latest_load()
        return datetime.fromisoformat(latest["loaded_at"]) if latest else None

    # -- writing --------------------------------------------------------------------------

    def replace_extract(
        self,
        rows: dict[str, Iterable[tuple]],
        *,
        fingerprint: str,
        source: str,
        as_at: date | Callable[[], tuple[date | None, str | None]] | None = None,
        as_at_basis: str | None = None,
        on_table: Callable[[str, int], None] | None = None,
        on_rows: Callable[[int], None] | None = None,
        before_write: Callable[[Connection], None] | None = None,
        after_write: Callable[[Connection, int], None] | None = None,
    ) -> int:
        """Replace every extract table with ``rows``, in one transaction.

        ``as_at`` is the date the extract describes, and ``as_at_basis`` how it was known; or
        ``as_at`` is a function returning both, called once every row is written (a streamed
        extract knows its latest record only then), which may raise to undo everything.
        ``before_write`` is called in the transaction before anything is deleted, and
        ``after_write`` after the load is logged, with the new load's id (a refresh's report
        of what changed, ``workbench.store.refresh``); either may raise to undo everything.

        ``on_table`` hears each table's name and rows once it is written; ``on_rows`` hears
        the size of every chunk of rows as it is written (for a progress bar by rows).

        Children added by statutory returns stay (see :mod:`workbench.store.children`).
        ``rows`` maps a table name to tuples in ``Table.columns`` order followed by the
        provenance (source file, its sha256, row), already validated (dates as ISO text, Y/N
        as booleans, empty as None). Either all tables are replaced
        and the load is logged, or, on any error, nothing changes. Returns rows written.
        """
        total = 0
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "sqlite":
                # Checked at commit: the whole extract is consistent, row order is not.
                conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
                # Millions of keys go into B-tree indexes: a page cache that holds them saves
                # re-reading pages for every insert. Set back once the load is done (below).
                conn.exec_driver_sql(f"PRAGMA cache_size=-{LOAD_CACHE_KIB}")
            # Before version 5 (a store opened without upgrading) children were the extract's alone.
            merge_children = self.schema_version() >= 5
            (before_write or _no_hook)(conn)
            for spec in reversed(EXTRACT_TABLES):
                if spec.name != "children" or not merge_children:
                    conn.execute(self.metadata.tables[spec.name].delete())
            for spec in EXTRACT_TABLES:
                written = 0
                table_rows = rows.get(spec.name, ())
                if spec.name == "children" and merge_children:
                    written, table_rows = replace_extract_children(conn, table_rows, on_rows), ()
                for chunk in chunks(table_rows, WRITE_CHUNK):
                    conn.exec_driver_sql(_insert_sql(conn, spec), chunk)
                    written += len(chunk)
                    if on_rows:
                        on_rows(len(chunk))
                total += written
                if on_table:
                    on_table(spec.name, written)
            # Plans made in the workbench stand in the new extract's tables too (issue 17).
            project_plans(conn)
            logged = {"fingerprint": fingerprint, "source": source, "rows_loaded": total, "loaded_at": _now()}
            self._log_load(conn, logged, as_at, as_at_basis, after_write)
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:  # the pooled connection keeps no load-sized cache
                conn.exec_driver_sql("PRAGMA cache_size=-2000")
        return total

    def _log_load(self, conn, logged: dict, as_at, as_at_basis, after_write) -> None:
        """Log a load in ``extract_loads`` (with its date from version 8), then run ``after_write``."""
        if callable(as_at):
            as_at, as_at_basis = as_at()
        if self.schema_version() >= 8:  # a store opened without upgrading keeps no date
            logged = logged | {"as_at": as_at, "as_at_basis": as_at_basis}
        conn.execute(self.metadata.tables["extract_loads"].insert().values(**logged))
        if after_write is not None:  # the new load's id, read in the same transaction
            loads = self.metadata.tables["extract_loads"]
            after_write(conn, int(conn.execute(sa.select(sa.func.max(loads.c.load_id))).scalar()))


#: The SQLite page cache while an extract is written, in KiB (SQLite's default is 2,000).
LOAD_CACHE_KIB = 512 * 1024


def _no_hook(*_args: object) -> None:
    """Do nothing (a hook not given)."""


def _insert_sql(conn: Connection, spec: Table) -> str:
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    preparer = conn.dialect.identifier_preparer
    names = [*spec.columns, *PROVENANCE_COLUMNS]
    cols = ", ".join(preparer.quote(c) for c in names)
    marks = ", ".join([marker] * len(names))
    return f"INSERT INTO {preparer.quote(spec.name)} ({cols}) VALUES ({marks})"  # noqa: S608


def _row_chunks(conn: sa.Connection, query: sa.Select) -> Iterator[list[tuple]]:
    """Yield the rows of ``query`` as lists of plain tuples, :data:`_READ_CHUNK` at a time.

    On SQLite the driver's own cursor hands over tuples: SQLAlchemy's row objects cost a third
    of a la-decade read, and pandas probes each one's attributes (slower still). The values
    are the same, as stored (dates as ISO text, Y/N as 0 and 1); :func:`typed` types them.
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


def open_store(url: str | None = None) -> Store:
    """Open the store at ``url`` (or the configured default), upgrading its schema if needed."""
    return Store(url)
