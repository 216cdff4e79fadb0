import numpy as np
import pandas as pd
import pytest

from workbench.measures.breakdowns import compare_to_service

GROUPS = pd.DataFrame({
    "sex": ["F", "M", "U"],
    "numerator": [30, 80, 2],
    "denominator": [100, 100, 4],
    "value": [0.30, 0.80, 0.50],
})
SERVICE = pd.DataFrame({"numerator": [112], "denominator": [204], "value": [112 / 204]})


def test_gap_flags_and_order():
    table = compare_to_service(GROUPS, SERVICE, "sex")
    # Service 0.549. F: 0.30, Wilson 0.219..0.396 leaves the service out -> notable, below.
    # M: 0.80, 0.711..0.867 -> notable, above. U: 2 of 4 -> small, never notable.
    assert table["sex"].tolist() == ["F", "U", "M"]
    assert table["gap"].tolist() == pytest.approx([0.30 - 112 / 204, 0.50 - 112 / 204, 0.80 - 112 / 204])
    assert table["notable"].tolist() == [True, False, True]
    assert table["small"].tolist() == [False, True, False]
    assert table.loc[0, "ci_low"] == pytest.approx(0.2189, abs=1e-3)


def test_a_mean_measure_gets_no_interval_and_no_notable_flag():
    table = compare_to_service(GROUPS, SERVICE, "sex", unit="mean")
    assert table["ci_low"].isna().all()
    assert not table["notable"].any()


def test_an_empty_group_has_no_gap():
    groups = pd.concat([GROUPS, pd.DataFrame({"sex": ["X"], "numerator": [0], "denominator": [0],
                                              "value": [np.nan]})])
    table = compare_to_service(groups, SERVICE, "sex")
    row = table[table["sex"] == "X"].iloc[0]
    assert np.isnan(row["gap"]) and row["small"] and not row["notable"]
