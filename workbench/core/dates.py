"""How dates are written for people: one formatter, so every page says a date the same way."""

from __future__ import annotations

import pandas as pd


def short_date(value) -> str:
    """Return a date as ``4 Dec 2026`` (no leading zero); empty for a missing date."""
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%b %Y}"
