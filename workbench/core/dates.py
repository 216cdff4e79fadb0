"""How dates are written for people: one formatter, so every page says a date the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd


def short_date(value) -> str:
    """Return a date as ``4 Dec 2026`` (no leading zero); empty for a missing date."""
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%b %Y}"


#: The clock a person reading a page keeps (loads are logged in UTC).
LOCAL_TIME = ZoneInfo("Europe/London")


def long_date(value) -> str:
    """Return a date in words, as ``Tuesday 31 March 2026``; empty for a missing date."""
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    return f"{stamp:%A} {stamp.day} {stamp:%B %Y}"


def loaded_words(loaded_at: datetime, now: datetime | None = None) -> str:
    """Return when data was loaded, in UK time: ``07:02`` today, else ``07:02 on 4 Dec 2026``."""
    local = loaded_at.astimezone(LOCAL_TIME) if loaded_at.tzinfo else loaded_at
    today = (now or datetime.now(UTC)).astimezone(LOCAL_TIME).date()
    clock = f"{local:%H:%M}"
    return clock if local.date() == today else f"{clock} on {short_date(local)}"


def as_at_words(
    at: date,
    loaded_at: datetime | None = None,
    *,
    data_date: date | None = None,
    now: datetime | None = None,
) -> str:
    """Return the line that says which day a page's figures are at, and when the data came.

    ``Figures as at Tuesday 31 March 2026, loaded 07:02``. When ``at`` is not the data's date
    (a reader looking back), the line says so, and names the data's date.
    """
    line = f"Figures as at {long_date(at)}"
    if data_date is not None and at != data_date:
        line += f" (looking back: the data is as at {long_date(data_date)})"
    if loaded_at is not None:
        line += f", loaded {loaded_words(loaded_at, now)}"
    return line
