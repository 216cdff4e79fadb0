"""Timescales (within target date) and the rule book's "past target date", worked by hand.

The hand-worked fixture (tests/fixtures/measures.py) with target dates added. D = 2026-03-31.
Active at D: P1, P2, P4, P10, P12, P13 (P3 and P11 closed on D, P14 agreed after D).
"""

import copy
from datetime import date

import pandas as pd
import pytest

from tests.fixtures.handworked import write_extract
from tests.fixtures.measures import ROWS
from workbench.measures.headline import MEASURES, within_target
from workbench.measures.service_data import ServiceData
from workbench.practice import rules
from workbench.practice.attention import attention_reasons
from workbench.practice.supervision import past_target_prompts
from workbench.store.engine import Store
from workbench.store.loading import load_extract

D = date(2026, 3, 31)

#: P1 a day past; P2 due on D itself (not past); P12 due after D; P13 120 days past; P4 has
#: none (not counted); P11 (closed on D) and P14 (agreed after D) are not active at D.
TARGETS = {
    "P1": "2026-03-30",
    "P2": "2026-03-31",
    "P12": "2026-04-01",
    "P13": "2025-12-01",
    "P11": "2025-01-01",
    "P14": "2026-01-01",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    rows = copy.deepcopy(ROWS)
    for outcome in rows["outcomes"]:
        outcome["target_date"] = TARGETS.get(outcome["outcome_id"], "")
    folder = tmp_path_factory.mktemp("targets")
    store = Store(f"sqlite:///{folder / 'store.sqlite'}")
    load_extract(store, write_extract(folder / "extract", rows))
    return ServiceData(store)


def test_within_target_counts_active_outcomes_with_a_target_date(service):
    # With a target and active at D: P1, P2, P12, P13. Not past D: P2 (on D), P12. 2 / 4.
    figure = within_target(service, D).iloc[0]
    assert (figure["numerator"], figure["denominator"]) == (2, 4)
    assert MEASURES["within_target"](service, D)["value"].iloc[0] == pytest.approx(0.5)


def test_within_target_by_domain_and_on_another_date(service):
    # education: P1 (past), P12 -> 1/2; health: P2, P13 (past) -> 1/2.
    by_domain = within_target(service, D, by="domain").set_index("domain")
    assert by_domain.loc["education", ["numerator", "denominator"]].tolist() == [1, 2]
    assert by_domain.loc["health", ["numerator", "denominator"]].tolist() == [1, 2]
    # At 2026-03-30 P1 is due that day (not past) and P11, closed on 2026-03-31, is still open
    # and long past its target: P1, P2, P12 within; P11, P13 past. 3 / 5.
    figure = within_target(service, date(2026, 3, 30)).iloc[0]
    assert (figure["numerator"], figure["denominator"]) == (3, 5)


def test_the_rule_book_and_the_attention_list_name_the_outcomes_past_their_target(service):
    active = service.outcomes[service.outcomes["outcome_id"].isin(["P1", "P2", "P4", "P12", "P13"])]
    past = rules.past_target_date(active, D).set_index("outcome_id")
    assert past["days_past"].to_dict() == {"P1": 1, "P13": 120}

    reasons = attention_reasons(service.outcomes, service.scored_reviews(range(len(service.outcomes))),
                                service.meetings, D)  # fmt: skip
    flagged = reasons[reasons["reason"] == "past_target"].set_index("outcome_id")
    assert sorted(flagged.index) == ["P1", "P13"]
    assert "1 December 2025, 120 days ago" in flagged.loc["P13", "explanation"]
    assert (flagged["heading"] == "Past its target date").all()


def test_supervision_prompts_ask_whether_the_timescale_is_still_realistic(service):
    outcomes = service.outcomes[service.outcomes["outcome_id"].isin(["P1", "P2", "P12", "P13"])]
    outcomes = outcomes.assign(target_date=pd.to_datetime(outcomes["target_date"]))
    prompts = past_target_prompts(outcomes.reset_index(drop=True), pd.DataFrame(), D)
    assert prompts["outcome_id"].tolist() == ["P1", "P13"]
    assert set(prompts["code"]) == {"past_target"}
    assert all("still realistic" in text for text in prompts["explanation"])
