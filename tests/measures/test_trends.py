"""Intervals, control limits and forecasts, checked against figures worked by hand."""

import numpy as np
import pandas as pd
import pytest

from workbench.measures.trends import (
    control_limits,
    forecast,
    turn_the_curve,
    wilson_interval,
    with_intervals,
)


def _series(values, start="2024-06-30", months=3):
    ends = pd.date_range(start, periods=len(values), freq=f"{months}ME")
    return pd.DataFrame({"period": [f"P{i}" for i in range(len(values))], "period_end": ends,
                         "numerator": values, "denominator": [1] * len(values), "value": values})


def test_wilson_interval_for_8_of_10():
    # p = 0.8, z = 1.96: centre (0.8 + 0.19208) / 1.38416 = 0.71676,
    # half-width 1.96 * sqrt(0.016 + 0.009604) / 1.38416 = 0.22658.
    low, high = wilson_interval([8], [10])
    assert low[0] == pytest.approx(0.4902, abs=1e-4)
    assert high[0] == pytest.approx(0.9433, abs=1e-4)


def test_wilson_interval_is_empty_for_nobody_and_stays_in_bounds():
    low, high = wilson_interval([0, 5, 0], [0, 5, 3])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert high[1] == 1.0 and low[1] > 0.5
    assert low[2] == pytest.approx(0.0, abs=1e-12) and high[2] < 0.6


def test_intervals_only_for_shares():
    frame = pd.DataFrame({"numerator": [8], "denominator": [10], "value": [0.8]})
    assert with_intervals(frame)["ci_low"].item() == pytest.approx(0.4902, abs=1e-4)
    assert np.isnan(with_intervals(frame, unit="mean")["ci_low"].item())


def test_xmr_limits_and_a_point_outside_them():
    # Values 1, 2, 3, 2, 1, 10: centre 19 / 6 = 3.1667; moving ranges 1, 1, 1, 1, 9 -> mean 2.6;
    # limits 3.1667 +/- 2.66 * 2.6 = -3.7493 .. 10.0827, so 10 is inside. With 11: centre 3.3333,
    # moving range mean 2.8, upper limit 10.7813, and 11 is outside.
    inside = control_limits(_series([1, 2, 3, 2, 1, 10]))
    assert inside["centre"].iloc[0] == pytest.approx(19 / 6)
    assert inside["upper_limit"].iloc[0] == pytest.approx(19 / 6 + 2.66 * 2.6)
    assert (inside["signal"] == "").all()
    outside = control_limits(_series([1, 2, 3, 2, 1, 11]))
    assert outside["signal"].tolist() == ["", "", "", "", "", "outside limits"]


def test_a_run_of_eight_on_one_side_is_a_signal():
    low = [2.8, 2.9, 2.7, 2.9, 2.8, 2.7, 2.9, 2.8]
    high = [round(v + 0.4, 1) for v in low]
    # centre (22.5 + 25.7) / 16 = 3.0125; moving ranges sum to 1.0 + 0.4 + 1.0 = 2.4 over 15,
    # so the limits are 3.0125 +/- 2.66 * 0.16 = 2.5869 .. 3.4381: every point is inside,
    # but 8 sit below the centre and then 8 above it.
    limits = control_limits(_series(low + high, months=1), baseline=16)
    assert limits["centre"].iloc[0] == pytest.approx(3.0125)
    assert limits["upper_limit"].iloc[0] == pytest.approx(3.4381)
    assert (limits["signal"] == "run of 8").all()
    short = control_limits(_series(low[:7] + high[:7], months=1), baseline=14)
    assert (short["signal"] == "").all()


def test_forecast_continues_a_straight_line_at_the_same_spacing():
    ahead = forecast(_series([0.1, 0.2, 0.3]), horizon=2)
    assert ahead["value"].tolist() == pytest.approx([0.4, 0.5])
    assert ahead["period_end"].dt.strftime("%Y-%m-%d").tolist() == ["2025-03-31", "2025-06-30"]


def test_forecast_of_a_share_is_clipped_and_a_mean_is_not():
    assert forecast(_series([0.7, 0.9, 1.1 - 0.2 + 0.2]), horizon=1)["value"].item() == 1.0
    assert forecast(_series([1.0, 2.0, 3.0]), horizon=1, unit="mean")["value"].item() == pytest.approx(4.0)


def test_turn_the_curve_joins_history_forecast_and_target():
    curve = turn_the_curve(_series([0.1, 0.2, 0.3]), target=0.6, horizon=2)
    history = curve[curve["series"] == "history"]["value"].tolist()
    ahead = curve[curve["series"] == "forecast"]["value"].tolist()
    target = curve[curve["series"] == "target"]
    assert history == pytest.approx([0.1, 0.2, 0.3])
    assert ahead == pytest.approx([0.3, 0.4, 0.5])
    assert target["value"].tolist() == [0.6, 0.6]
    assert target["period_end"].max() == pd.Timestamp("2025-06-30")


def test_limits_come_from_the_baseline_so_a_later_shift_stands_out():
    before = [0.50, 0.52, 0.49, 0.51, 0.50, 0.48, 0.52, 0.50, 0.51, 0.49, 0.50, 0.52]
    after = [0.60, 0.61, 0.59]
    limits = control_limits(_series(before + after, months=3))
    # Baseline: the first 12. Centre 6.04 / 12 = 0.50333; moving ranges .02 .03 .02 .01 .02 .04
    # .02 .01 .02 .01 .02 sum to 0.22 over 11 = 0.02, so the upper limit is
    # 0.50333 + 2.66 * 0.02 = 0.55653: the last three are outside.
    assert limits["centre"].iloc[0] == pytest.approx(0.503333, abs=1e-6)
    assert limits["upper_limit"].iloc[0] == pytest.approx(0.556533, abs=1e-6)
    assert limits["signal"].tolist() == [""] * 12 + ["outside limits"] * 3
