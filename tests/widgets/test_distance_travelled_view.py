"""The distance view shows the spread beside the mean, and GAS and Star each on its own (hand-worked)."""

from datetime import date

import pytest

from widgets import DistanceTravelledView, FilterState
from workbench.measures.service_data import ServiceData
from workbench.store.loading import load_extract


@pytest.fixture
def service(store, handworked_dir):
    load_extract(store, handworked_dir)
    return ServiceData(store)


def test_the_spread_follows_the_filter_and_gas_is_a_t_score(service):
    # North: O1 +3, O2 -1, O3 +5 (tests/fixtures/handworked.py). O7 (C3, South) is the one GAS
    # outcome: one goal from -1 to +1, so T goes from 40 to 60.
    state = FilterState()
    view = DistanceTravelledView(state, service, at=date(2026, 3, 31))
    assert view.spread.set_index("direction")["outcomes"].to_dict() == {
        "went back": 1,
        "stayed the same": 0,
        "went up": 2,
    }
    assert "<strong>2 went up</strong>, 0 stayed the same and <strong>1 went back</strong> (33%)" in (
        view.spread_caption.value
    )
    bars = [row for rows in view.spread_chart.chart.to_dict()["datasets"].values() for row in rows]
    assert {row["direction"]: row["count"] for row in bars} == {
        "went back": 1,
        "stayed the same": 0,
        "went up": 2,
    }
    assert "T-score went from <strong>40.0</strong> at baseline to <strong>60.0</strong>" in (
        view.other_scales.value
    )
    assert "T-score went up: 1; stayed the same: 0; went back: 0." in view.other_scales.value
    # Each domain's mean has its spread: education O1 +3, O3 +5; health O2 -1.
    by_domain = view.table.set_index("domain")
    assert by_domain.loc["education", ["went back", "stayed the same", "went up"]].tolist() == [0, 0, 2]
    assert by_domain.loc["health", ["went back", "stayed the same", "went up"]].tolist() == [1, 0, 0]
    assert "<td>Improved mental and physical health</td><td>1</td><td>-1.0</td><td>1</td><td>0</td><td>0</td>" in view.spread_caption.value
    assert "no approved readings" in view.other_scales.value
    state.locality = "North"
    assert "no outcomes to count" in view.other_scales.value  # the GAS child lives in the South
    state.locality = "South"
    assert view.spread["outcomes"].sum() == 0 and view.spread_caption.value == ""
