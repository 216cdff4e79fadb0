"""Supervision by outcome, worked by hand on the supervision fixture (tests/fixtures/supervision.py).

D = 2026-03-31; the year to D is (31 March 2025, 31 March 2026]. Cat (cat.example) leads T1
(W1 Ann, W3 Cat); Dee (dee.lead) leads T2 (W2 Bob).

The extract's supervisions, added here to the fixture's S1 (1 March 2025: before the year):

    S2  W1  2025-10-01  C1 outcomes discussed Y, C2 N
    S3  W2  2026-01-15  C3 N
    S4  W1  2025-03-31  C1 Y: on D-365, so not in the year

Cat records W1's supervision on 20 March 2026: P2 (C1) challenged, P5 (C2) confirmed; an action
about P3 (C2), due 15 April 2026; an action about C5 with no outcome, due 1 March 2026 (overdue
at D). The record's children: C1 (outcome talked through), C2 (outcome talked through, and an
action), C5 (an action only: outcomes not discussed).

Outcomes discussed in supervision at D: extract 1 of 3 (S2 C1), workbench 2 of 3 (C1, C2):
3 of 6, 50%. W1's (team T1): 1 of 2 + 2 of 3 = 3 of 5; W2's (team T2): 0 of 1.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, signed_in, supervision_rows
from widgets.team_lead_view import TeamLeadView
from workbench.access import Identity
from workbench.measures.service_data import ServiceData
from workbench.practice.supervision import (
    ActionSet,
    OutcomeTalkedThrough,
    SupervisionError,
    record_supervision,
    supervision_records,
    supervision_scope,
)
from workbench.practice.supervision_actions import (
    mark_action_done,
    open_actions,
    outcomes_discussed,
    supervision_cases,
)
from workbench.publishing.supervision_pack import render_record
from workbench.store.engine import Store
from workbench.store.loading import load_extract

CAT = Identity(user="cat.example", role="team_lead", team_id="T1", worker_id="W3")
DEE = Identity(user="dee.lead", role="team_lead", team_id="T2")


def _rows():
    rows = supervision_rows()
    rows["supervisions"] += [
        {"supervision_id": "S2", "worker_id": "W1", "supervisor_id": "W3", "date": "2025-10-01"},
        {"supervision_id": "S3", "worker_id": "W2", "supervisor_id": "W3", "date": "2026-01-15"},
        {"supervision_id": "S4", "worker_id": "W1", "supervisor_id": "W3", "date": "2025-03-31"},
    ]
    rows["supervision_cases"] += [
        {"supervision_id": "S2", "child_id": "C1", "outcomes_discussed": "Y"},
        {"supervision_id": "S2", "child_id": "C2", "outcomes_discussed": "N"},
        {"supervision_id": "S3", "child_id": "C3", "outcomes_discussed": "N"},
        {"supervision_id": "S4", "child_id": "C1", "outcomes_discussed": "Y"},
    ]
    return rows


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", _rows()))
    signed_in(monkeypatch, tmp_path, "cat.example")
    record_id = record_supervision(
        store, "W1", "2026-03-20", AT,
        outcomes=[
            OutcomeTalkedThrough("P2", "challenged", "Scores <b>stuck</b>: is it the right outcome?"),
            OutcomeTalkedThrough("P5", "confirmed"),
        ],
        actions=[
            ActionSet("Agree a success measure with Mum", "Ann Example", "2026-04-15", outcome_id="P3"),
            ActionSet("Book the school meeting", "Cat Example", "2026-03-01", child_id="C5"),
        ],
    )  # fmt: skip
    return store, record_id


def test_a_record_keeps_each_outcome_talked_through_and_each_action(recorded):
    store, record_id = recorded
    record = supervision_records(store, "W1").iloc[0]
    assert record["record_id"] == record_id and record["supervisor"] == "W3"
    assert [(o["child_id"], o["outcome_id"], o["stance"]) for o in record["outcomes"]] == [
        ("C1", "P2", "challenged"), ("C2", "P5", "confirmed"),
    ]  # fmt: skip
    assert [(a["child_id"], a["outcome_id"], a["owner"], a["status"]) for a in record["actions"]] == [
        ("C2", "P3", "Ann Example", "open"), ("C5", None, "Cat Example", "open"),
    ]  # fmt: skip
    shown = render_record(next(supervision_records(store, "W1").itertuples(index=False)))
    assert "Scores &lt;b&gt;stuck&lt;/b&gt;" in shown and "<b>" not in shown
    assert "Agree a success measure with Mum (C2, outcome P3): Ann Example, due 15 Apr 2026; open" in shown


def test_open_actions_come_back_for_the_workers_in_scope_only(recorded):
    store, _ = recorded
    cats = open_actions(store, supervision_scope(store, AT, CAT), AT)
    assert cats["description"].tolist() == ["Book the school meeting", "Agree a success measure with Mum"]
    assert cats["overdue"].tolist() == [True, False]  # due 1 March 2026, before D
    assert cats["worker_name"].tolist() == ["Ann Example"] * 2
    assert open_actions(store, supervision_scope(store, AT, DEE), AT).empty
    assert open_actions(store, supervision_scope(store, AT, CAT), AT, worker_ids=["W3"]).empty


def test_an_action_is_marked_done_only_by_someone_in_scope(recorded):
    store, _ = recorded
    first = int(open_actions(store, supervision_scope(store, AT, CAT), AT)["action_id"].iloc[0])
    with pytest.raises(SupervisionError, match=re.escape("dee.lead may not change worker 'W1'")):
        mark_action_done(store, first, AT, DEE)
    mark_action_done(store, first, AT, CAT)
    left = open_actions(store, supervision_scope(store, AT, CAT), AT)
    assert left["description"].tolist() == ["Agree a success measure with Mum"]
    with pytest.raises(SupervisionError, match=f"no open supervision action {first}"):
        mark_action_done(store, first, AT, CAT)
    done = supervision_records(store, "W1").iloc[0]["actions"][1]
    assert (done["status"], str(done["done_date"].date()), done["done_by"]) == ("done", AT, "W3")


def test_outcomes_discussed_in_supervision_worked_by_hand(recorded):
    store, _ = recorded
    cases = supervision_cases(store, AT)
    assert sorted(zip(cases["source"], cases["child_id"], cases["outcomes_discussed"], strict=True)) == [
        ("extract", "C1", True), ("extract", "C2", False), ("extract", "C3", False),
        ("workbench", "C1", True), ("workbench", "C2", True), ("workbench", "C5", False),
    ]  # fmt: skip
    service = outcomes_discussed(cases)
    assert (service["numerator"], service["denominator"], service["value"]) == (3, 6, 0.5)
    assert service["extract"] == (1, 3) and service["workbench"] == (2, 3)
    w1 = outcomes_discussed(cases, ["W1", "W3"])
    assert (w1["numerator"], w1["denominator"]) == (3, 5)
    none = outcomes_discussed(cases, ["W9"])
    assert none["denominator"] == 0 and none["value"] is None  # empty, never 0%


#: Records that cannot be kept, and what the refusal says.
REFUSED = [
    ([OutcomeTalkedThrough("P6", "challenged")], [], "('P6') is not one of this worker's desired outcomes"),
    ([OutcomeTalkedThrough("P2", "agreed")], [], "discussed, challenged, confirmed, not 'agreed'"),
    ([], [ActionSet("Call", "Ann", "")], "action 1: give a due date"),
    ([], [ActionSet("", "Ann", "2026-04-01")], "action 1: say what is to be done"),
    ([], [ActionSet("Call", " ", "2026-04-01")], "action 1: name who owns it"),
    (
        [],
        [ActionSet("Call", "Ann", "2026-04-01", child_id="C3")],
        "'C3' is not one of this worker's children",
    ),
]


def test_a_record_that_cannot_be_kept_is_refused_saying_why(tmp_path, monkeypatch):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", supervision_rows()))
    signed_in(monkeypatch, tmp_path, "cat.example")
    for outcomes, actions, message in REFUSED:
        with pytest.raises(SupervisionError, match=re.escape(message)):
            record_supervision(store, "W1", "2026-03-20", AT, outcomes=outcomes, actions=actions)
    assert supervision_records(store).empty  # nothing half-saved


def test_the_team_lead_page_shows_their_teams_open_actions_and_the_measure(recorded):
    """Cat's page (T1: W1, W3) lists W1's two open actions; Dee's (T2: W2) none, and 0 of 1."""
    store, _ = recorded
    data = ServiceData(store)
    cats = TeamLeadView(data, CAT, at=date.fromisoformat(AT))
    assert cats.supervision_actions["Action"].tolist() == [
        "Book the school meeting",
        "Agree a success measure with Mum",
    ]
    assert cats.supervision_actions["Due"].tolist() == ["01 Mar 2026 (overdue)", "15 Apr 2026"]
    assert cats.supervision_discussed.to_dict("records") == [
        {"Who": "North CIN", "Children discussed": "5", "Outcomes discussed": "3", "Share": "60%",
         "From the extract": "1 of 2", "Recorded here": "2 of 3"},
        {"Who": "Whole service", "Children discussed": "6", "Outcomes discussed": "3", "Share": "50%",
         "From the extract": "1 of 3", "Recorded here": "2 of 3"},
    ]  # fmt: skip
    assert "Book the school meeting" in cats.supervision_table.value
    cats.filters.worker.value = "W1"  # one worker chosen: the figure is named for them
    assert len(cats.supervision_actions) == 2
    assert cats.supervision_discussed.iloc[0][["Who", "Children discussed"]].tolist() == ["Ann Example", "5"]
    dees = TeamLeadView(data, DEE, at=date.fromisoformat(AT))
    assert dees.supervision_actions.empty and "No open supervision actions." in dees.supervision_table.value
    assert dees.supervision_discussed.iloc[0][["Children discussed", "Share"]].tolist() == ["1", "0%"]
