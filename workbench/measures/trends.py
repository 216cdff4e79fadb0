"""Is a change real, and where is the curve heading? Intervals, control limits and forecasts.

These work on any tidy measure-over-time frame with columns ``period``, ``period_end``,
``numerator``, ``denominator`` and ``value`` (the output of the measures' period helper).

Methods, and why:

- **Wilson score interval** for shares. It stays inside 0 to 100% and behaves with the small
  denominators a team or a small group has, where the textbook normal interval does not.
- **Statistical process control (XmR, "individuals") chart** for any measure over time:
  the centre line is the mean of a *baseline* (the first :data:`BASELINE_PERIODS` periods
  with a value, or all of them if fewer), and the limits are the centre ± 2.66 times the
  baseline's mean moving range. Fixing the limits on a baseline shows where the service has
  moved away from how it used to run; limits taken over a series that has already shifted
  would call every point a signal. It makes no assumption about the measure's distribution, so it serves
  means (distance travelled) as well as shares. A period outside the limits, or a run of
  8 or more periods on one side of the centre, is a *signal*: probably a real change rather
  than noise. These are the rules NHS "Making Data Count" uses.
- **Turn-the-curve forecast** (Results-Based Accountability): the baseline is the history,
  and the forecast "if nothing changes" is an ordinary least-squares straight line through the
  last ``window`` periods, carried forward ``horizon`` periods. It is deliberately simple and
  says nothing about seasonality; shares are clipped to 0 to 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Z_95 = 1.959963984540054
XMR_SCALING = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of 2
RUN_LENGTH = 8
BASELINE_PERIODS = 12


def wilson_interval(
    numerator: np.ndarray | pd.Series, denominator: np.ndarray | pd.Series, z: float = Z_95
) -> tuple[np.ndarray, np.ndarray]:
    """Return the Wilson score interval (low, high) for each share; NaN where the denominator is 0."""
    k = np.asarray(numerator, dtype="float64")
    n = np.asarray(denominator, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return low, high


def with_intervals(frame: pd.DataFrame, unit: str = "share") -> pd.DataFrame:
    """Add ``ci_low`` and ``ci_high`` (95% Wilson) to a share measure; NaN for means."""
    result = frame.copy()
    if unit == "share":
        result["ci_low"], result["ci_high"] = wilson_interval(result["numerator"], result["denominator"])
    else:
        result["ci_low"] = result["ci_high"] = np.nan
    return result


def control_limits(frame: pd.DataFrame, baseline: int = BASELINE_PERIODS) -> pd.DataFrame:
    """Add an XmR chart's ``centre``, ``lower_limit``, ``upper_limit`` and ``signal`` per period.

    The limits come from the first ``baseline`` periods with a value. Periods with no value
    (denominator 0) take no part and carry no signal. ``signal`` is ``"outside limits"``,
    ``"run of 8"`` (8 or more periods in a row on one side of the centre) or empty.
    """
    result = frame.sort_values("period_end").reset_index(drop=True)
    values = result["value"].astype("float64")
    present = values.dropna()
    result["centre"] = result["lower_limit"] = result["upper_limit"] = np.nan
    result["signal"] = ""
    if len(present) < 2:
        return result
    base = present.head(baseline)
    centre = base.mean()
    moving_range = base.diff().abs().mean()
    result["centre"] = centre
    result["lower_limit"] = centre - XMR_SCALING * moving_range
    result["upper_limit"] = centre + XMR_SCALING * moving_range
    outside = (values > result["upper_limit"]) | (values < result["lower_limit"])
    result.loc[outside.fillna(False), "signal"] = "outside limits"
    side = np.sign(present - centre)
    run_id = (side != side.shift()).cumsum()
    run_length = side.groupby(run_id).transform("size")
    in_run = present.index[(run_length >= RUN_LENGTH) & (side != 0)]
    result.loc[in_run, "signal"] = result.loc[in_run, "signal"].where(
        result.loc[in_run, "signal"] != "", f"run of {RUN_LENGTH}"
    )
    return result


def forecast(
    frame: pd.DataFrame, horizon: int = 4, window: int = 8, unit: str = "share"
) -> pd.DataFrame:
    """Forecast "if nothing changes": a straight line through the last ``window`` periods.

    Returns ``horizon`` rows with ``period_end`` and ``value`` for the periods after the
    last one, spaced like the history (monthly, quarterly or yearly). Empty if fewer than
    two periods have a value.
    """
    history = frame.dropna(subset=["value"]).sort_values("period_end").tail(window)
    if len(history) < 2:
        return pd.DataFrame({"period_end": pd.Series([], dtype="datetime64[ns]"), "value": []})
    ends = pd.to_datetime(history["period_end"])
    step = _months_between(ends.iloc[-2], ends.iloc[-1])
    x = np.arange(len(history), dtype="float64")
    slope, intercept = np.polyfit(x, history["value"].to_numpy(dtype="float64"), 1)
    future_x = np.arange(len(history), len(history) + horizon, dtype="float64")
    values = intercept + slope * future_x
    if unit == "share":
        values = np.clip(values, 0, 1)
    last = ends.iloc[-1]
    future_ends = [_month_end(last, step * (i + 1)) for i in range(horizon)]
    return pd.DataFrame({"period_end": pd.to_datetime(future_ends), "value": values})


def turn_the_curve(
    frame: pd.DataFrame, target: float | None = None, horizon: int = 4, unit: str = "share"
) -> pd.DataFrame:
    """Return the tidy frame a turn-the-curve chart draws.

    Rows are ``series`` "history" (the baseline), "forecast" (if nothing changes, starting
    from the last actual value so the lines join) and, when ``target`` is given, "target"
    (a flat line across history and forecast). Columns: period_end, series, value.
    """
    history = frame.dropna(subset=["value"]).sort_values("period_end")
    parts = [history[["period_end", "value"]].assign(series="history")]
    ahead = forecast(frame, horizon=horizon, unit=unit)
    if not ahead.empty:
        joint = history[["period_end", "value"]].tail(1)
        parts.append(pd.concat([joint, ahead]).assign(series="forecast"))
    if target is not None and not history.empty:
        ends = pd.concat([history["period_end"], ahead["period_end"]])
        parts.append(pd.DataFrame({"period_end": [ends.min(), ends.max()], "value": [target, target]})
                     .assign(series="target"))  # fmt: skip
    result = pd.concat(parts, ignore_index=True)
    result["period_end"] = pd.to_datetime(result["period_end"])
    return result[["period_end", "series", "value"]]


def _months_between(earlier: pd.Timestamp, later: pd.Timestamp) -> int:
    return max(1, (later.year - earlier.year) * 12 + later.month - earlier.month)


def _month_end(day: pd.Timestamp, months: int) -> pd.Timestamp:
    return (day + pd.offsets.MonthEnd(months)).normalize()
