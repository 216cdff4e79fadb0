"""What works on the hand-worked fixture (tests/fixtures/handworked.py).

X1 (Triple P, level 3) is linked to O1 only. At D = 2026-03-31 distance travelled counts
O1 +3 (education), O2 -1 (health) and O3 +5 (education); the only outcome closed with a
result in the year to D is O3, achieved. So:
- education, level_3: O1, mean +3, nothing closed (share empty, not 0);
- education, no intervention: O3, mean +5, 1 closed, 1 achieved;
- health, no intervention: O2, mean -1, nothing closed.
"""

import math

import pytest

from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.service_data import ServiceData
from workbench.measures.what_works import CAVEAT, NO_INTERVENTION, what_works
from workbench.store.loading import load_extract


@pytest.fixture
def service(store, handworked_dir):
    load_extract(store, handworked_dir)
    return ServiceData(store)


def test_outcomes_are_placed_by_their_linked_evidence(service):
    table = what_works(service, DEMO_AT).set_index(["domain", "evidence_level"])
    assert list(table.index) == [("education", NO_INTERVENTION), ("education", "level_3"), ("health", NO_INTERVENTION)]
    assert table.loc[("education", "level_3"), ["outcomes", "mean_distance", "closed"]].tolist() == [1, 3.0, 0]
    assert math.isnan(table.loc[("education", "level_3"), "achieved_share"])
    assert table.loc[("education", NO_INTERVENTION), ["outcomes", "mean_distance", "closed", "achieved"]].tolist() == [
        1, 5.0, 1, 1
    ]
    assert table.loc[("health", NO_INTERVENTION), "mean_distance"] == -1.0


def test_each_mean_has_how_many_went_back_stayed_and_went_up(service):
    # O1 +3 (level 3), O3 +5 (none linked) went up; O2 -1 (health) went back.
    table = what_works(service, DEMO_AT).set_index(["domain", "evidence_level"])
    directions = ["went back", "stayed the same", "went up"]
    assert table.loc[("education", "level_3"), directions].tolist() == [0, 0, 1]
    assert table.loc[("education", NO_INTERVENTION), directions].tolist() == [0, 0, 1]
    assert table.loc[("health", NO_INTERVENTION), directions].tolist() == [1, 0, 0]
    assert (table[directions].sum(axis=1) == table["outcomes"]).all()
    assert what_works(service, DEMO_AT, Filters(locality="South"))[directions].empty


def test_filters_narrow_both_figures(service):
    # C3 (South) has no outcome counted by distance and none closed with a result in the year.
    assert what_works(service, DEMO_AT, Filters(locality="South")).empty
    north = what_works(service, DEMO_AT, Filters(locality="North"))
    assert north["outcomes"].sum() == 3 and north["closed"].sum() == 1


def test_the_caveat_makes_no_causal_claim():
    assert "not effects" in CAVEAT


def test_what_works_chart_leaves_out_groups_too_small_to_read(service):
    import pandas as pd

    from workbench.render.charts import what_works_chart

    table = pd.DataFrame({"domain": ["education", "education"], "evidence_level": ["level_3", NO_INTERVENTION],
                          "outcomes": [12, 3], "mean_distance": [2.0, 5.0], "distance_low": [1.0, 0.0],
                          "distance_high": [3.0, 9.0]})
    spec = what_works_chart(table, "What works").to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [(r["evidence_level"], r["mean_distance"]) for r in rows] == [("level_3", 2.0)]


def test_with_no_interventions_every_outcome_is_unlinked(tmp_path):
    """An extract with no interventions: every outcome is "no intervention linked", no error."""
    from tests.fixtures.states import DEMO_EXTRACT
    from workbench.states import STATES, write_partial_extract
    from workbench.store.engine import Store

    write_partial_extract(DEMO_EXTRACT, tmp_path / "x", STATES["no-interventions"])
    partial = Store(f"sqlite:///{tmp_path / 'x.sqlite'}")
    load_extract(partial, tmp_path / "x")
    works = what_works(ServiceData(partial), DEMO_AT)
    assert len(works) > 0 and set(works["evidence_level"]) == {NO_INTERVENTION}
