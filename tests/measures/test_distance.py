"""Distance travelled in full, on hand-worked figures: the distribution, GAS T-scores, Star readings.

The fixture is the hand-worked extract (tests/fixtures/handworked.py) with GAS and Outcomes Star
outcomes added here. At D = 2026-03-31:

- Distribution (0-10 scale): O1 +3, O2 -1, O3 +5, so 1 went back, 0 stayed the same, 2 went up.
- GAS, equal weights, rho = 0.3; the denominator for n goals is sqrt(0.7 n + 0.3 n^2):
  - C3 has O7 (baseline -1, latest +1) and G2 (baseline -2, latest 0): n = 2, sqrt(2.6) = 1.612452.
    Baseline T = 50 + 10(-3)/1.612452 = 31.395; latest T = 50 + 10(1)/1.612452 = 56.202.
  - C1 has G1 (baseline -1, latest -1): n = 1, denominator 1. T = 40 at both; change 0.
- Star (approved readings only):
  - S1 Family Star Plus 2nd edition: baseline 3; approved 5 (2025-10-01), unapproved 8 later: +2.
  - S2 Family Star Plus 2nd edition: baseline 5; approved 3: -2.
  - S3 Family Star Plus 1st edition: baseline 4; approved 4: 0.
  - S4 Youth Star 2nd edition: only an unapproved reading: not counted.
  So FSP 2nd: 2 outcomes, mean 0, 1 back, 1 up; FSP 1st: 1 outcome, mean 0, 1 the same.
"""

import copy
import math
from datetime import date

import pandas as pd
import pytest

from tests.fixtures.handworked import ROWS, write_extract
from workbench.measures.distance import (
    DIRECTIONS,
    distance_distribution,
    distribution_by,
    distribution_of,
    distribution_over_periods,
    gas_summary,
    gas_t_score,
    gas_t_scores,
    star_distance_travelled,
    star_distances,
)
from workbench.measures.filters import Filters
from workbench.measures.headline import MEASURES
from workbench.measures.periods import measure_over_periods
from workbench.measures.service_data import ServiceData
from workbench.store.engine import Store
from workbench.store.loading import load_extract

D = date(2026, 3, 31)


def _outcome(oid, child, inv, scale, baseline, star="", edition=""):
    row = dict(ROWS["outcomes"][0])
    row.update(
        outcome_id=oid,
        child_id=child,
        involvement_id=inv,
        agreed_date="2025-03-01",
        statement=f"Outcome {oid}",
        scale=scale,
        baseline_score=baseline,
        star=star,
        star_edition=edition,
    )
    return row


def _review(rid, oid, day, score, approved=""):
    row = dict(ROWS["outcome_reviews"][0])
    row.update(review_id=rid, outcome_id=oid, review_date=day, score=score, approved=approved)
    return row


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    rows = copy.deepcopy(ROWS)
    rows["outcomes"] += [
        _outcome("G1", "C1", "I1", "gas", "-1"),
        _outcome("G2", "C3", "I3", "gas", "-2"),
        _outcome("S1", "C2", "I2", "outcomes_star", "3", "Family Star Plus", "2nd edition"),
        _outcome("S2", "C2", "I2", "outcomes_star", "5", "Family Star Plus", "2nd edition"),
        _outcome("S3", "C1", "I1", "outcomes_star", "4", "Family Star Plus", "1st edition"),
        _outcome("S4", "C3", "I3", "outcomes_star", "6", "Youth Star", "2nd edition"),
    ]
    rows["outcome_reviews"] += [
        _review("RG1", "G1", "2025-09-01", "-1"),
        _review("RG2", "G2", "2025-09-01", "0"),
        _review("RS1", "S1", "2025-10-01", "5", "Y"),
        _review("RS2", "S1", "2026-02-01", "8", "N"),
        _review("RS3", "S2", "2026-01-05", "3", "Y"),
        _review("RS4", "S3", "2025-11-01", "4", "Y"),
        _review("RS5", "S4", "2025-12-01", "7", "N"),
        _review("RS6", "S1", "2026-05-01", "9", "Y"),  # after D: not read
    ]
    folder = write_extract(tmp_path_factory.mktemp("distance") / "extract", rows)
    store = Store(f"sqlite:///{folder.parent / 'store.sqlite'}")
    load_extract(store, folder)
    return ServiceData(store)


def test_distribution_of_counts_back_same_and_up_with_shares():
    table = distribution_of([0, 0, 1.5, -2, float("nan")])
    assert table["direction"].tolist() == list(DIRECTIONS) == ["went back", "stayed the same", "went up"]
    assert table["outcomes"].tolist() == [1, 2, 1]
    assert table["share"].tolist() == [0.25, 0.5, 0.25]
    empty = distribution_of([])
    assert empty["outcomes"].tolist() == [0, 0, 0] and empty["share"].isna().all()


def test_the_distribution_counts_the_outcomes_the_mean_counts(service):
    table = distance_distribution(service, D).set_index("direction")
    assert table["outcomes"].to_dict() == {"went back": 1, "stayed the same": 0, "went up": 2}
    assert table.loc["went up", "share"] == pytest.approx(2 / 3)
    # A filter picks among the same outcomes: C3 (South) has none on the 0-10 scale counted.
    south = distance_distribution(service, D, Filters(locality="South"))
    assert south["outcomes"].sum() == 0 and south["share"].isna().all()


def test_the_distribution_by_group_counts_each_groups_outcomes(service):
    # Education: O1 +3 and O3 +5 went up; health: O2 -1 went back; "housing" has none.
    table = distribution_by(service, D, None, "domain", ["education", "health", "housing"])
    assert table["domain"].tolist() == ["education", "health", "housing"]
    assert table[list(DIRECTIONS)].values.tolist() == [[0, 0, 2], [1, 0, 0], [0, 0, 0]]


def test_the_distribution_over_periods_sits_beside_each_periods_mean(service):
    # Year to 2025-03-31: O6 (baseline 1, scored 4 on 2025-02-20, closed 2025-03-01) +3 and O8
    # (baseline 2, scored 3 on 2024-06-20, replaced 2024-07-01) +1 both went up. Year to
    # 2026-03-31: O1 +3, O2 -1, O3 +5, as at D.
    table = distribution_over_periods(service, date(2024, 4, 1), D, "yearly")
    assert table["period"].tolist() == ["2024-25", "2025-26"]
    assert table[list(DIRECTIONS)].values.tolist() == [[0, 0, 2], [1, 0, 2]]
    means = measure_over_periods(service, MEASURES["distance_travelled"], date(2024, 4, 1), D, "yearly")
    assert table[list(DIRECTIONS)].sum(axis=1).tolist() == means["denominator"].astype(int).tolist()


def test_gas_t_score_follows_kiresuk_sherman_by_hand():
    assert gas_t_score([0]) == 50
    assert gas_t_score([-1]) == 40  # one goal: the denominator is sqrt(0.7 + 0.3) = 1
    assert gas_t_score([1, 0]) == pytest.approx(50 + 10 / math.sqrt(2.6))  # 56.202
    assert gas_t_score([1, 0]) == pytest.approx(56.2017, abs=1e-4)
    assert gas_t_score([-1, -2]) == pytest.approx(31.3948, abs=1e-4)
    # Three goals at +1 each, rho = 0.3: 50 + 30 / sqrt(2.1 + 2.7) = 63.693.
    assert gas_t_score([1, 1, 1]) == pytest.approx(63.6931, abs=1e-4)
    # rho = 0 and weights (2, 1) on (+1, -1): 50 + 10 (2 - 1) / sqrt(4 + 1) = 54.472.
    assert gas_t_score([1, -1], weights=[2, 1], rho=0) == pytest.approx(54.4721, abs=1e-4)
    assert math.isnan(gas_t_score([]))
    with pytest.raises(ValueError, match="2 goal scores but 1 weights"):
        gas_t_score([1, 0], weights=[1])


def test_gas_outcomes_are_t_scores_per_child(service):
    table = gas_t_scores(service, D).set_index("child_id")
    assert table.index.tolist() == ["C1", "C3"]
    assert table.loc["C3", "goals"] == 2
    assert table.loc["C3", "baseline_t"] == pytest.approx(31.3948, abs=1e-4)
    assert table.loc["C3", "latest_t"] == pytest.approx(56.2017, abs=1e-4)
    assert table.loc["C3", "change"] == pytest.approx(24.8069, abs=1e-4)
    assert (table.loc["C1", "baseline_t"], table.loc["C1", "latest_t"]) == (40, 40)
    summary = gas_summary(table.reset_index())
    assert summary["children"] == 2
    assert summary["change"] == pytest.approx(24.8069 / 2, abs=1e-4)
    assert gas_summary(table.iloc[:0])["children"] == 0


def test_star_readings_are_kept_apart_by_star_and_edition_and_only_approved_count(service):
    per_outcome = star_distances(service, D).set_index("outcome_id")
    assert per_outcome["distance"].to_dict() == {"S1": 2.0, "S2": -2.0, "S3": 0.0}
    assert per_outcome.loc["S1", "latest_score"] == 5  # the later 8 was not approved
    table = star_distance_travelled(service, D)
    assert table[["star", "star_edition"]].values.tolist() == [
        ["Family Star Plus", "1st edition"],
        ["Family Star Plus", "2nd edition"],
    ]
    second = table.iloc[1]
    assert (second["outcomes"], second["mean_distance"]) == (2, 0.0)
    assert (second["went back"], second["stayed the same"], second["went up"]) == (1, 0, 1)
    assert table.iloc[0][["outcomes", "stayed the same"]].tolist() == [1, 1]


def test_an_extract_without_the_star_columns_still_loads(tmp_path, store):
    folder = write_extract(tmp_path / "old")
    for name, dropped in (("outcomes", ["star", "star_edition"]), ("outcome_reviews", ["approved"])):
        path = folder / f"{name}.csv"
        pd.read_csv(path, dtype=str).drop(columns=dropped).to_csv(path, index=False)
    assert load_extract(store, folder).status == "loaded"
    service = ServiceData(store)
    assert service.outcomes["star"].isna().all()
    assert star_distance_travelled(service, D).empty


def test_distribution_by_domain_is_each_domain_filtered_on_its_own(demo_store_url):
    # distribution_by works the other filters out once for every domain: the counts must be
    # those of each domain as its own filter (the definition), under every kind of filter.
    from workbench.measures.distance import _counts
    from workbench.measures.headline import counted_distances

    data = ServiceData(Store(demo_store_url))
    at = date(2026, 3, 31)
    domains = sorted(data._outcome_units["domain"].dropna().unique())
    localities = sorted(data.children["locality"].dropna().unique())
    teams = sorted(data.teams["team_id"])[:3]
    cases = [Filters(), *(Filters(locality=name) for name in localities), *(Filters(team_id=t) for t in teams),
             Filters(plan_type="cp"), Filters(locality=localities[0], plan_type="cla"),
             Filters(domain=domains[0]), Filters(sex="F", age_band="10-15")]  # fmt: skip
    counted = 0
    for filters in cases:
        found = distribution_by(data, at, filters, "domain", domains).set_index("domain")
        for domain in domains:
            expected = _counts(counted_distances(data, at, Filters(**{**filters.active(), "domain": domain})))
            assert found.loc[domain].tolist() == expected, (filters, domain)
            counted += sum(expected)
    assert counted > 0
