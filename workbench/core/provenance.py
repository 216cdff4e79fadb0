"""Where stored rows came from: the fingerprint of a source file, and the date its data describes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pandas as pd


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# The data's date ("as at"): the day an extract describes, kept with each load's provenance.

#: The file in an extract folder that gives the extract's own date, ``YYYY-MM-DD`` on one line.
AS_AT_FILE = "as_at.txt"
#: How a load's as-at date was known: the extract said so (its file, or ``load --as-at``) ...
OWN_DATE = "extract's own date"
#: ... or, failing that, the day of the latest dated record in it.
LATEST_RECORD = "latest record"
#: The dated records whose latest date tells how recent an extract is.
LATEST_DATE_COLUMNS = (
    ("meetings", "date"),
    ("outcomes", "agreed_date"),
    ("outcomes", "closed_date"),
    ("outcome_reviews", "review_date"),
)


class AsAtError(ValueError):
    """An extract's own date cannot be read; the message says where and why."""


def parse_as_at(text: str, where: str) -> date:
    """Return the ``YYYY-MM-DD`` date in ``text``; raise :class:`AsAtError` naming ``where``."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AsAtError(f"{where}: {value!r} is not a date written YYYY-MM-DD") from None


def own_date(folder: Path) -> date | None:
    """Return the date in the extract folder's ``as_at.txt``, or None when it has none."""
    path = Path(folder) / AS_AT_FILE
    if not path.is_file():
        return None
    return parse_as_at(path.read_text(encoding="utf-8-sig"), str(path))


def latest_record(frames: Mapping[str, pd.DataFrame]) -> date | None:
    """Return the day of the latest dated record among ``frames`` (tables by name), or None."""
    found = []
    for table, column in LATEST_DATE_COLUMNS:
        frame = frames.get(table)
        if frame is None or column not in frame.columns or frame.empty:
            continue
        days = pd.to_datetime(frame[column], errors="coerce").dropna()
        if len(days):
            found.append(days.max().date())
    return max(found, default=None)


def extract_as_at(
    folder: Path, frames: Mapping[str, pd.DataFrame], given: date | None = None
) -> tuple[date | None, str | None]:
    """Return an extract's as-at date and its basis: :data:`OWN_DATE` or :data:`LATEST_RECORD`.

    ``given`` (``workbench load --as-at``) comes first, then the folder's ``as_at.txt``, then
    the day of the latest dated record. An extract with no dated record at all has no date
    (None, None).
    """
    own = given or own_date(folder)
    if own is not None:
        return own, OWN_DATE
    latest = latest_record(frames)
    return (latest, LATEST_RECORD) if latest is not None else (None, None)
