"""A measure at the end of each month, quarter or financial year."""

from __future__ import annotations

from datetime import date

import pandas as pd

from workbench.measures.filters import Filters
from workbench.measures.headline import MEASURES, Measure
from workbench.measures.service_data import ServiceData

FREQUENCIES: tuple[str, ...] = ("monthly", "quarterly", "yearly")


_PERIOD_FREQ = {"monthly": "ME", "quarterly": "QE-DEC", "yearly": "YE-MAR"}


def financial_year(day: date) -> str:
    """Return the financial year (April to March) ``day`` falls in, labelled like ``2025-26``."""
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def _period_label(end: pd.Timestamp, frequency: str) -> str:
    if frequency == "monthly":
        return f"{end:%Y-%m}"
    if frequency == "quarterly":
        quarter = (end.month - 4) % 12 // 3 + 1  # June is Q1 of the financial year
        return f"{financial_year(end)} Q{quarter}"
    return financial_year(end)


def period_ends(start: date, end: date, frequency: str = "quarterly") -> pd.DataFrame:
    """Return the periods whose last day falls in [start, end]: columns period, period_end.

    ``monthly`` periods are labelled ``2025-04``; ``quarterly`` periods are financial-year
    quarters from April (``2025-26 Q1`` is April to June 2025); ``yearly`` periods are
    financial years (``2025-26`` ends on 31 March 2026). A period still running at ``end``
    is left out: its figures would be "at" a date after ``end``.
    """
    if frequency not in _PERIOD_FREQ:
        raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}, not {frequency!r}")
    ends = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=_PERIOD_FREQ[frequency])
    return pd.DataFrame({"period": [_period_label(e, frequency) for e in ends], "period_end": ends})


def measure_over_periods(
    data: ServiceData,
    measure: str | Measure,
    start: date,
    end: date,
    frequency: str = "quarterly",
    filters: Filters | None = None,
    by: str | None = None,
    **options,
) -> pd.DataFrame:
    """Give ``measure`` for each period ending in [start, end], evaluated at the period's last day.

    Each figure is the measure "at" the period end D, so a measure defined over "the year to
    D" is a rolling year at each period end, not the events of the period alone. Returns
    ``period, period_end, [by], numerator, denominator, value``.
    """
    chosen = MEASURES[measure] if isinstance(measure, str) else measure
    periods = period_ends(start, end, frequency)
    frames = []
    for label, period_end in zip(periods["period"], periods["period_end"], strict=True):
        frame = chosen(data, period_end.date(), filters, by, **options)
        frame.insert(0, "period_end", period_end)
        frame.insert(0, "period", label)
        frames.append(frame)
    if not frames:
        columns = ["period", "period_end", *([by] if by else []), "numerator", "denominator", "value"]
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)
