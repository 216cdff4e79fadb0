"""Distance travelled on the hand-worked fixture: the sums are in tests/fixtures/handworked.py."""

from datetime import date

import pandas as pd
import pytest

from workbench.measures.filters import Filters
from workbench.measures.headline import distance_travelled, outcome_distances
from workbench.measures.service_data import ServiceData
from workbench.store.loading import load_extract


@pytest.fixture
def service(store, handworked_dir):
    load_extract(store, handworked_dir)
    return ServiceData(store)


def test_counted_outcomes_follow_the_definition(service):
    counted = outcome_distances(service, date(2026, 3, 31)).set_index("outcome_id")
    assert sorted(counted.index) == ["O1", "O2", "O3"]
    assert counted.loc["O1", "latest_score"] == 6  # the 9 on 2026-05-01 is after D
    assert counted["distance"].to_dict() == {"O1": 3.0, "O2": -1.0, "O3": 5.0}


def test_distance_by_domain_carries_numerator_and_denominator(service):
    table = distance_travelled(service, date(2026, 3, 31)).set_index("domain")
    assert table.loc["education", ["numerator", "denominator", "value"]].tolist() == [8.0, 2, 4.0]
    assert table.loc["health", ["numerator", "denominator", "value"]].tolist() == [-1.0, 1, -1.0]


def test_service_figure_is_the_mean_over_all_counted_outcomes(service):
    overall = distance_travelled(service, date(2026, 3, 31), by=None)
    assert overall["denominator"].item() == 3
    assert overall["value"].item() == pytest.approx(7 / 3)


def test_a_group_with_nobody_counted_is_empty_not_zero(service):
    overall = distance_travelled(service, date(2026, 3, 31), Filters(locality="South"), by=None)
    assert overall["denominator"].item() == 0
    assert pd.isna(overall["value"].item())


def test_filters_by_team_use_the_allocation_open_at_d(service):
    t1 = distance_travelled(service, date(2026, 3, 31), Filters(team_id="T1"), by=None)
    t2 = distance_travelled(service, date(2026, 3, 31), Filters(team_id="T2"), by=None)
    assert (t1["denominator"].item(), t2["denominator"].item()) == (3, 0)


def test_an_earlier_date_uses_only_data_on_or_before_it(service):
    # At 2025-07-01: O1 latest is 5 (+2); O2 and O3 have no review yet; O6 closed on
    # 2025-03-01, inside the year to this D, with baseline 1 and a review of 4 (+3).
    counted = outcome_distances(service, date(2025, 7, 1))
    assert counted.set_index("outcome_id")["distance"].to_dict() == {"O1": 2.0, "O6": 3.0}


def test_scales_are_never_mixed(service):
    gas = outcome_distances(service, date(2026, 3, 31), scale="gas")
    assert gas["outcome_id"].tolist() == ["O7"]
    assert gas["distance"].tolist() == [2.0]
