"""A columnar snapshot of the store that every viewer's kernel shares (issue 16; docs/snapshot.md).

The store of record stays SQLite (or PostgreSQL). After every load and refresh the tables the
measures read are copied into one DuckDB file beside the store (``data/workbench.duckdb`` for
``data/workbench.sqlite``, or the file ``WORKBENCH_SNAPSHOT`` names), with a ``snapshot_meta``
table saying which state of the store it holds (:func:`store_stamp`). Kernels open it
read-only: the file's pages sit once in the operating system's page cache, whatever the
number of kernels, and a kernel reads only the rows of its viewer's scope (:class:`ChildScope`).

It is written to a temporary file beside the target and renamed over it, under a lock file,
so a reader sees the old snapshot or the new one, never half of one. A reader that finds it
missing or stale (the store was loaded, or changed by a plan or a statutory import, since)
rebuilds it with a logged warning; where the folder cannot be written, it builds the same
snapshot in its own memory, saying so in the log.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa

from workbench.core.codes import DATA_DIR
from workbench.core.model import EXTRACT_TABLES, Kind
from workbench.core.provenance import LATEST_DATE_COLUMNS
from workbench.store.engine import Store

SNAPSHOT_ENV = "WORKBENCH_SNAPSHOT"
DEFAULT_SNAPSHOT_PATH = DATA_DIR / "workbench.duckdb"
log = logging.getLogger("workbench.snapshot")

#: The extract tables the measures read, with the columns kept (None: every column).
SNAPSHOT_TABLES: dict[str, tuple[str, ...] | None] = {
    "children": None,
    "teams": None,
    "workers": None,
    "involvements": None,
    "allocations": None,
    "outcomes": None,
    "outcome_reviews": ("review_id", "outcome_id", "review_date", "score", "approved"),
    "meetings": (
        "meeting_id",
        "child_id",
        "involvement_id",
        "meeting_type",
        "date",
        "child_participation",
        "family_attended",
        "wider_family_attended",
    ),
    "interventions": ("intervention_id", "child_id", "involvement_id", "evidence_level", "start_date"),
    "intervention_outcomes": None,
}

#: How each table's rows belong to a child, for reading one scope's rows (``{children}`` is the
#: scope's children as a subquery). Teams and workers are read whole: they are small.
_CHILD_ROWS = {
    "children": "child_id IN ({children})",
    "involvements": "child_id IN ({children})",
    "allocations": "child_id IN ({children})",
    "outcomes": "child_id IN ({children})",
    "meetings": "child_id IN ({children})",
    "interventions": "child_id IN ({children})",
    "outcome_reviews": "outcome_id IN (SELECT outcome_id FROM outcomes WHERE child_id IN ({children}))",
    "intervention_outcomes": (
        "intervention_id IN (SELECT intervention_id FROM interventions WHERE child_id IN ({children}))"
    ),
}

_DUCKDB_TYPES = {
    Kind.DATE: "DATE",
    Kind.INT: "BIGINT",
    Kind.SCORE: "DOUBLE",
    Kind.YN: "BOOLEAN",
}

_SPECS = {spec.name: spec for spec in EXTRACT_TABLES}


class SnapshotError(RuntimeError):
    """The snapshot cannot be written or read as asked; the message says why and what to do."""


@dataclass(frozen=True)
class ChildScope:
    """The children a kernel reads: those ever allocated to a worker of ``team_ids``, or to ``worker_id``.

    A superset of the scope at any date D (a child belongs to a team through the allocation open
    at D), so every figure for the scope at any D is counted from these children's rows alone.
    """

    team_ids: frozenset[str] = frozenset()
    worker_id: str | None = None

    def sql(self) -> tuple[str, dict[str, object]]:
        """Return the subquery of the children's ids and its parameters."""
        if self.worker_id is not None:
            return "SELECT child_id FROM allocations WHERE worker_id = $worker", {"worker": self.worker_id}
        if not self.team_ids:  # no team: no child (an empty list has no type to bind)
            return "SELECT child_id FROM allocations WHERE false", {}
        return (
            "SELECT a.child_id FROM allocations a JOIN workers w ON a.worker_id = w.worker_id "
            "WHERE list_contains($teams, w.team_id)",
            {"teams": sorted(self.team_ids)},
        )


@dataclass(frozen=True)
class SnapshotWritten:
    """What writing a snapshot did: where, how long it took, its size in bytes and its stamp."""

    path: Path
    seconds: float
    size: int
    stamp: str


def snapshot_path(url: str) -> Path | None:
    """Return where the snapshot of the store at ``url`` lives (None for an in-memory store).

    ``$WORKBENCH_SNAPSHOT`` when set; beside a SQLite file (same name, ``.duckdb``); otherwise
    (PostgreSQL) ``data/workbench.duckdb``: a server store's snapshot is a local file.
    """
    if os.environ.get(SNAPSHOT_ENV):
        return Path(os.environ[SNAPSHOT_ENV])
    prefix = "sqlite:///"
    if url.startswith(prefix):
        path = url.removeprefix(prefix)
        if path in ("", ":memory:"):
            return None
        return Path(path).with_suffix(".duckdb")
    if url.startswith("sqlite"):
        return None
    return DEFAULT_SNAPSHOT_PATH


def store_stamp(store: Store) -> str:
    """Return what identifies the state of the extract tables (``load 3, children 9, plan versions 2``).

    A load or refresh makes a new load id; a statutory import adds children and an agreed plan
    adds a plan version (both change the extract tables between loads).
    """
    latest = store.latest_load()
    with store.engine.connect() as conn:
        children = conn.execute(sa.text("SELECT COUNT(*) FROM children")).scalar()
        versions = (
            conn.execute(sa.text("SELECT COUNT(*) FROM plan_versions")).scalar()
            if sa.inspect(conn).has_table("plan_versions")
            else 0
        )
    load = latest["load_id"] if latest else "none"
    return f"load {load}, children {children}, plan versions {versions}, code {code_fingerprint()}"


@functools.cache
def code_fingerprint() -> str:
    """Return a short hash of the code and rule files that the snapshot's derived figures come from.

    The whole service's figures are worked out when the snapshot is written. After an upgrade that
    changes a measure, the statement reader's lexicon or learned weights, or a rule threshold, a
    snapshot written by the old code would keep the old figures though the data has not changed:
    the hash in the stamp makes it stale, so it is written again once.
    """
    return files_fingerprint(fingerprinted_files())


def fingerprinted_files() -> list[Path]:
    """Return the files :func:`code_fingerprint` hashes: the code, the rule files, the learned kind.

    The statement reader's learned kind (``data/statements/learned_kind.json``) is a rule file
    too: retrained weights can move a statement between outcome and process, and so the figures.
    """
    package = Path(__file__).resolve().parents[1]
    return (
        sorted(package.rglob("*.py"))
        + sorted(DATA_DIR.glob("*.yaml"))
        + sorted(DATA_DIR.glob("statements/*.yaml"))
        + sorted(DATA_DIR.glob("statements/*.json"))
    )


def files_fingerprint(files: list[Path]) -> str:
    """Return a short hash of ``files``' names and contents, in the order given."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.parent.name}/{file.name}\0".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


# ---------------------------------------------------------------------------------------------
# Writing


#: Builders of tables derived from the snapshot, added to it before it is renamed into place:
#: ``build(store, snapshot) -> {table name: frame}``. The measures register the whole service's
#: figures here (``workbench.measures.service_figures``), so that no kernel reads the whole service.
DERIVED: list[Callable[[Store, Snapshot], dict[str, pd.DataFrame]]] = []


def register_derived(build: Callable[[Store, Snapshot], dict[str, pd.DataFrame]]) -> None:
    """Have every snapshot written from now on carry the tables ``build`` derives (once per builder)."""
    if build not in DERIVED:
        DERIVED.append(build)


def _create_sql(name: str, columns: list[str]) -> str:
    spec = _SPECS[name]
    typed = ", ".join(f'"{c}" {_DUCKDB_TYPES.get(spec.field(c).kind, "VARCHAR")}' for c in columns)
    return f'CREATE TABLE "{name}" ({typed})'


def _copy_tables(store: Store, con: duckdb.DuckDBPyConnection, stamp: str) -> None:
    """Copy the measures' tables from the store into ``con``, a chunk at a time, then the meta table."""
    for name, columns in SNAPSHOT_TABLES.items():
        wanted = list(columns or _SPECS[name].columns)
        con.execute(_create_sql(name, wanted))
        for chunk in store.read_table_chunks(name, wanted):
            con.register("chunk", chunk)
            con.execute(f'INSERT INTO "{name}" SELECT * FROM chunk')  # noqa: S608 - names are ours
            con.unregister("chunk")
    latest = store.latest_load()
    con.execute("CREATE TABLE snapshot_meta (key VARCHAR, value VARCHAR)")
    con.executemany(
        "INSERT INTO snapshot_meta VALUES (?, ?)",
        [
            ["stamp", stamp],
            ["load_id", str(latest["load_id"]) if latest else ""],
            ["written_at", datetime.now(UTC).isoformat(timespec="seconds")],
        ],
    )


def _derive(store: Store, con: duckdb.DuckDBPyConnection, path: Path | None, stamp: str) -> None:
    """Add the tables of every registered builder (see :data:`DERIVED`)."""
    snapshot = Snapshot(path, stamp, con)
    for build in DERIVED:
        for name, frame in build(store, snapshot).items():
            con.register("derived", frame)
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM derived')  # noqa: S608
            con.unregister("derived")


def _write_file(store: Store, path: Path) -> str:
    """Write the snapshot to ``path`` through a temporary file; return its stamp (caller holds the lock)."""
    stamp = store_stamp(store)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(temporary)) as con:
            _copy_tables(store, con, stamp)
            _derive(store, con, temporary, stamp)
            con.execute("CHECKPOINT")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return stamp


@contextlib.contextmanager
def _write_lock(path: Path) -> Iterator[None]:
    """Hold ``<snapshot>.lock`` for the block: one writer at a time, others wait their turn."""
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_snapshot(store: Store, path: Path | None = None) -> SnapshotWritten:
    """Write the snapshot of ``store`` (to ``path``, or :func:`snapshot_path`), replacing the old one whole.

    Written to ``<path>.<pid>.tmp`` and renamed over ``path`` under the write lock, so readers
    never see half a snapshot. Called after every load and refresh has committed.
    """
    path = path or snapshot_path(store.url)
    if path is None:
        raise SnapshotError(f"{store!r} is in memory: it has no snapshot file (readers build one in memory)")
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with _write_lock(path):
        stamp = _write_file(store, path)
    seconds = time.perf_counter() - started
    log.info("snapshot written: %s (%s) in %.1f s", path, stamp, seconds)
    return SnapshotWritten(path, seconds, path.stat().st_size, stamp)


def write_snapshot_after_load(store: Store) -> SnapshotWritten | None:
    """Write the snapshot once a load or refresh has committed (an in-memory store has none).

    A snapshot that cannot be written does not undo the load: the store is the record, and the
    first reader rebuilds the snapshot; the failure is logged with what to do.
    """
    if snapshot_path(store.url) is None:
        return None
    try:
        return write_snapshot(store)
    except (OSError, duckdb.Error) as error:
        log.warning(
            "the snapshot of %r was not written (%s); the first page to open will rebuild it, "
            "or run `workbench snapshot`",
            store,
            error,
        )
        return None


# ---------------------------------------------------------------------------------------------
# Reading


def _retyped(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Give a frame read from the snapshot the very types :meth:`Store.read_table` gives."""
    spec = _SPECS[name]
    for column in frame.columns:
        kind = spec.field(column).kind
        if kind is Kind.DATE:
            # pandas parses a column with no date at all (or no row) as seconds, any other as microseconds.
            unit = "s" if frame[column].isna().all() else "us"
            frame[column] = frame[column].astype(f"datetime64[{unit}]")
        elif kind is Kind.YN:
            frame[column] = frame[column].astype("boolean")
        elif kind is Kind.SCORE:
            frame[column] = frame[column].astype("float64")
        elif kind is Kind.INT:
            frame[column] = frame[column].astype("Int64")
        else:
            frame[column] = frame[column].astype("string")
    return frame


class Snapshot:
    """An open snapshot: read its tables whole or for one :class:`ChildScope`.

    A snapshot file is opened read-only for each read and closed after, so a kernel keeps
    only the frames it asked for (DuckDB's buffers go with the connection). An in-memory
    snapshot keeps its connection.
    """

    def __init__(self, path: Path | None, stamp: str, connection: duckdb.DuckDBPyConnection | None = None):
        self.path = path
        self.stamp = stamp
        self._connection = connection

    def __repr__(self) -> str:
        return f"Snapshot({str(self.path) if self.path else 'in memory'!r}, {self.stamp!r})"

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a connection to the snapshot (read-only for a file)."""
        if self._connection is not None:
            yield self._connection
            return
        with duckdb.connect(str(self.path), read_only=True) as con:
            yield con

    def has_table(self, name: str) -> bool:
        """Whether the snapshot holds a table ``name`` (derived tables may be missing)."""
        with self.connect() as con:
            found = con.execute(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?", [name]
            ).fetchone()
        return bool(found[0])

    def read(
        self, name: str, columns: list[str] | None = None, scope: ChildScope | None = None
    ) -> pd.DataFrame:
        """Read an extract table as :meth:`Store.read_table` would, in the store's row order.

        With ``scope``, only the rows of the scope's children (teams and workers are read whole).
        """
        if name not in SNAPSHOT_TABLES:
            raise KeyError(f"the snapshot holds no table {name!r}; it holds {', '.join(SNAPSHOT_TABLES)}")
        kept = SNAPSHOT_TABLES[name] or tuple(_SPECS[name].columns)
        wanted = list(columns or kept)
        unknown = [c for c in wanted if c not in kept]
        if unknown:
            raise KeyError(f"the snapshot's {name} has no column {', '.join(unknown)}")
        names = ", ".join(f'"{c}"' for c in wanted)
        sql, params = f'SELECT {names} FROM "{name}"', {}  # noqa: S608 - names checked above
        if scope is not None and name in _CHILD_ROWS:
            children, params = scope.sql()
            # rowid keeps the store's order, as an unfiltered scan does.
            sql += " WHERE " + _CHILD_ROWS[name].format(children=children) + " ORDER BY rowid"
        with self.connect() as con:
            frame = con.execute(sql, params).df()
        return _retyped(frame, name)

    def query(self, sql: str, params: dict | list | None = None) -> pd.DataFrame:
        """Run a query of our own on the snapshot (derived tables) and return its rows as a frame."""
        with self.connect() as con:
            return con.execute(sql, params or {}).df()

    def first_record_date(self) -> date | None:
        """Return the earliest meeting, outcome or review date, as :meth:`Store.first_record_date`.

        Read from the snapshot's columns (milliseconds, where the store's SQLite scans its tables
        for a second or more at la-decade size), so a viewer's page does not wait for it.
        """
        # Our own table and column names, never a user's text.
        froms = [f'(SELECT MIN("{column}") FROM "{table}")' for table, column in LATEST_DATE_COLUMNS]  # noqa: S608
        with self.connect() as con:
            found = con.execute(f"SELECT {', '.join(froms)}").fetchone()
        dates = [str(value)[:10] for value in found if value is not None]
        return date.fromisoformat(min(dates)) if dates else None


def _file_stamp(path: Path) -> str | None:
    """Return the stamp of the snapshot file at ``path``, or None when it is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            found = con.execute("SELECT value FROM snapshot_meta WHERE key = 'stamp'").fetchone()
    except duckdb.Error:
        return None
    return found[0] if found else None


def _in_memory(store: Store, stamp: str) -> Snapshot:
    con = duckdb.connect()
    _copy_tables(store, con, stamp)
    _derive(store, con, None, stamp)
    return Snapshot(None, stamp, con)


def open_snapshot(store: Store) -> Snapshot:
    """Open the snapshot of ``store``, rebuilding it first if it is missing or stale (logged).

    An in-memory store, or a snapshot folder that cannot be written, gets a snapshot built in
    this process's memory (the same tables, read the same way), with a warning for the latter.
    """
    stamp = store_stamp(store)
    path = snapshot_path(store.url)
    if path is None:
        cached = getattr(store, "_memory_snapshot", None)
        if cached is None or cached.stamp != stamp:
            cached = _in_memory(store, stamp)
            store._memory_snapshot = cached  # one per store object, rebuilt when the store changes
        return cached
    found = _file_stamp(path)
    if found != stamp:
        log.warning(
            "the snapshot %s is %s (it holds %s; the store is at %s): rebuilding it now",
            path,
            "missing" if found is None else "stale",
            found or "nothing",
            stamp,
        )
        try:
            with _write_lock(path):
                # Another kernel may have rebuilt it while this one waited for the lock.
                if _file_stamp(path) != stamp:
                    _write_elsewhere(store, path)
        except (OSError, duckdb.Error, SnapshotError) as error:
            log.warning(
                "the snapshot %s cannot be written (%s): this process builds its own in memory; "
                "run `workbench snapshot` where the folder is writable",
                path,
                error,
            )
            return _in_memory(store, stamp)
    return Snapshot(path, stamp)


def _write_elsewhere(store: Store, path: Path) -> None:
    """Write the snapshot in a child process: the reader (a kernel) keeps none of the memory it takes.

    The child imports the modules of the registered builders (:data:`DERIVED`), so its snapshot
    carries the same derived tables. The caller holds the write lock.
    """
    modules = sorted({build.__module__ for build in DERIVED})
    child = multiprocessing.get_context("spawn").Process(
        target=_write_in_child, args=(store.url, str(path), modules)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SnapshotError(
            f"rebuilding the snapshot {path} failed (exit status {child.exitcode}); see the log"
        )


def _write_in_child(url: str, path: str, modules: list[str]) -> None:
    for name in modules:
        importlib.import_module(name)  # registers its builders again in this process
    _write_file(Store(url, upgrade=False), Path(path))
