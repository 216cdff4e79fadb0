"""Short write transactions that wait out SQLite's lock.

Several people write audits and supervision records at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

R = TypeVar("R")


def _is_locked(error: sa.exc.OperationalError) -> bool:
    text = str(error.orig if error.orig is not None else error).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


def write_with_retry(store, write: Callable[[sa.engine.Connection], R], attempts: int = 40) -> R:
    """Run ``write(conn)`` in one short transaction, retrying while SQLite reports a lock."""
    for attempt in range(attempts):
        try:
            with store.engine.begin() as conn:
                return write(conn)
        except sa.exc.OperationalError as error:
            if not _is_locked(error) or attempt == attempts - 1:
                raise
            # Back off with jitter, so waiting writers do not wake together.
            time.sleep(min(1.0, 0.01 * 2 ** min(attempt, 7)) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover
