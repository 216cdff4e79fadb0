"""A scheduled refresh: a new extract swapped in whole, with a report of what changed.

:func:`refresh_extract` is what ``workbench refresh`` runs:

1. it takes the refresh lock (:class:`RefreshLock`), or stops with :class:`RefreshLockedError`:
   a lock file next to a SQLite store, a PostgreSQL advisory lock on a server. Both are let
   go by the operating system or the server when the process dies, even by SIGKILL;
2. it reads the extract a chunk at a time, as ``workbench load`` does
   (:class:`~workbench.imports.extract_stream.ExtractStream`), checking each chunk and writing
   it with :meth:`Store.replace_extract`: one transaction that also works out and keeps the
   "what changed" report (:mod:`workbench.store.changes`). A problem anywhere in the extract
   rolls the whole transaction back, so a refused extract changes nothing;
3. readers see the old data until it commits (SQLite's write-ahead log, PostgreSQL's MVCC),
   then the new. A refresh that fails or is killed part way leaves the previous data in place.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from workbench.core.model import EXTRACT_TABLES
from workbench.core.provenance import own_date
from workbench.imports.extract_stream import ExtractStream
from workbench.imports.problems import notice_lines
from workbench.imports.sources import IDENTITY, ExtractMapping
from workbench.store.changes import (
    ChangesReport,
    compare_with_previous,
    kept_lines,
    save_report,
    snapshot_previous,
)
from workbench.store.engine import Store
from workbench.store.loading import write_stream


class RefreshLockedError(RuntimeError):
    """Another refresh of the same store is running."""


def lock_file_for(url: str) -> Path | None:
    """Return the lock file of a SQLite store (``<store>.refresh.lock``), or None for a server."""
    prefix = "sqlite:///"
    path = url.removeprefix(prefix)
    if not url.startswith(prefix) or path in ("", ":memory:"):
        return None
    return Path(path).with_name(Path(path).name + ".refresh.lock")


def advisory_key() -> int:
    """Return the PostgreSQL advisory lock key of the workbench refresh (a signed 64-bit number)."""
    digest = hashlib.sha256(b"outcome-workbench refresh").digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def RefreshLock(store: Store) -> Iterator[str]:  # noqa: N802 - reads as a lock in `with`
    """Hold the store's refresh lock for the ``with`` block; raise :class:`RefreshLockedError` if taken.

    Yields a description of the lock, for the log.
    """
    lock_path = lock_file_for(store.url)
    if lock_path is not None:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the block
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise RefreshLockedError(
                    f"a refresh of this store is already running ({holder}; lock file {lock_path}); "
                    "this one did nothing"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}, started {datetime.now(UTC).isoformat(timespec='seconds')}")
            handle.flush()
            yield f"lock file {lock_path}"
        finally:
            handle.close()  # closing lets the lock go; the file stays, empty of meaning
        return
    if store.engine.dialect.name == "postgresql":
        key = advisory_key()
        with store.engine.connect() as conn:
            taken = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            if not taken:
                raise RefreshLockedError(
                    f"a refresh of this store is already running (PostgreSQL advisory lock {key} is held); "
                    "this one did nothing"
                )
            try:
                yield f"PostgreSQL advisory lock {key}"
            finally:
                with contextlib.suppress(sa.exc.DBAPIError):
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    yield "no lock (an in-memory store)"


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did: ``refreshed`` or ``unchanged`` (this extract is the one loaded)."""

    status: str
    fingerprint: str
    rows: dict[str, int]
    report: ChangesReport | None
    notices: tuple = ()


def refresh_extract(
    store: Store,
    folder: Path,
    *,
    mapping: ExtractMapping = IDENTITY,
    log: Callable[[str, dict[str, object]], None] | None = None,
) -> RefreshResult:
    """Refresh ``store`` from the extract in ``folder``: validate, then swap in whole, with a report.

    Raises :class:`RefreshLockedError` when another refresh runs, and the extract's
    ``ExtractError`` when it is refused; in both cases nothing in the store changed.
    ``log(event, fields)`` hears each step.
    """
    say = log or (lambda event, fields: None)
    folder = Path(folder)
    with RefreshLock(store) as lock:
        say("locked", {"lock": lock})
        say("validating", {"source": str(folder)})
        own_date(folder)  # an unreadable as_at.txt is refused before anything is read
        stream = ExtractStream(folder, mapping)
        latest = store.latest_load()
        if latest and latest["fingerprint"] == stream.fingerprint:
            stream.check_only()  # the same files: still checked, so a refusal is still reported
            say("unchanged", {"fingerprint": stream.fingerprint[:12], "load_id": latest["load_id"]})
            notices = tuple(stream.notices)
            return RefreshResult("unchanged", stream.fingerprint, stream.row_counts(), None, notices)
        before: dict[str, int] = {}
        made: list[ChangesReport] = []

        def snapshot(conn) -> None:
            say("writing", {"tables": len(EXTRACT_TABLES)})
            before.update(snapshot_previous(conn))

        def dated():
            stream.finish()  # every row read and checked: a problem anywhere undoes the transaction
            rows = stream.row_counts()
            say("validated", {"rows": sum(rows.values()), "blanked_or_noted": len(stream.notices)})
            return stream.as_at()

        def compare(conn, load_id: int) -> None:
            report = ChangesReport(
                load_id=load_id,
                previous_load_id=latest["load_id"] if latest else None,
                made_at=datetime.now(UTC).isoformat(timespec="seconds"),
                source=str(folder.resolve()),
                tables=compare_with_previous(conn, before),
                set_aside=len(stream.notices),
                set_aside_lines=kept_lines(notice_lines(list(stream.notices))),
            )
            save_report(conn, report)
            made.append(report)
            say("committing", {"load_id": load_id})

        write_stream(
            store,
            stream,
            folder,
            as_at=dated,
            on_table=lambda name, count: say("wrote", {"table": name, "rows": count}),
            before_write=snapshot,
            after_write=compare,
        )
        say("committed", {"load_id": made[0].load_id, "fingerprint": stream.fingerprint[:12]})
        notices = tuple(stream.notices)
        return RefreshResult("refreshed", stream.fingerprint, stream.row_counts(), made[0], notices)
