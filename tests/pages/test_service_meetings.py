"""The early help and children in need page, and the meetings on every service page (hand-worked sums)."""

from __future__ import annotations

import copy
import math
from datetime import date

import pytest

from tests.fixtures.handworked import write_extract
from tests.pages.test_service import extract_with_child_protection_meetings
from workbench.measures.filters import Filters
from workbench.pages.service import (
    ScopeError,
    dashboard_view,
    measure_by,
    meeting_outcomes,
    participation_by_code,
    repeat_plans,
)
from workbench.store.gaps import missing_plan
from workbench.store.loading import load_extract

AT = date(2026, 3, 31)


def extract_with_family_meetings() -> dict:
    """The CP extract of tests/pages/test_service.py plus early help and family meetings in the year to D.

    - I5: C2's early help plan, started 2025-05-01 (C2's first early help; I2, a CIN plan, is older).
    - I6: C1's second CIN plan, started 2025-10-01 (I1, the first, started 2025-01-01): a repeat.
    - M4: FGC for C1 (I1) on 2025-06-01: child PN1, family and wider family came; O10 agreed there,
      agreed with the family, with no success measure (not clear).
    - M5: TAF review for C2 (I5) on 2025-07-01: child PN7, nobody from the family; O4 scored (R11).
    - M6: family meeting for C2 (I2) on 2025-08-01: participation not recorded; family and wider family.
    """
    rows = extract_with_child_protection_meetings()
    rows["involvements"] += [
        {"involvement_id": "I5", "child_id": "C2", "plan_type": "early_help", "start_date": "2025-05-01",
         "end_date": "", "end_reason": "", "team_id": "T1"},
        {"involvement_id": "I6", "child_id": "C1", "plan_type": "cin", "start_date": "2025-10-01",
         "end_date": "", "end_reason": "", "team_id": "T1"},
    ]  # fmt: skip
    rows["meetings"] += [
        {"meeting_id": "M4", "child_id": "C1", "involvement_id": "I1", "meeting_type": "fgc",
         "date": "2025-06-01", "child_participation": "PN1", "family_attended": "Y",
         "wider_family_attended": "Y", "agencies_attended": ""},
        {"meeting_id": "M5", "child_id": "C2", "involvement_id": "I5", "meeting_type": "taf_review",
         "date": "2025-07-01", "child_participation": "PN7", "family_attended": "N",
         "wider_family_attended": "N", "agencies_attended": "school"},
        {"meeting_id": "M6", "child_id": "C2", "involvement_id": "I2", "meeting_type": "family_meeting",
         "date": "2025-08-01", "child_participation": "", "family_attended": "Y",
         "wider_family_attended": "Y", "agencies_attended": ""},
    ]  # fmt: skip
    outcome = copy.deepcopy(rows["outcomes"][0])
    outcome.update(outcome_id="O10", child_id="C1", involvement_id="I1", agreed_meeting_id="M4",
                   agreed_date="2025-06-01", agreed_with_family="Y", success_looks_like="",
                   baseline_score="")  # fmt: skip
    rows["outcomes"].append(outcome)
    review = dict(rows["outcome_reviews"][0])
    review.update(review_id="R11", outcome_id="O4", review_date="2025-07-01", meeting_id="M5", score="6")
    rows["outcome_reviews"].append(review)
    return rows


@pytest.fixture
def loaded(store, tmp_path):
    load_extract(store, write_extract(tmp_path / "extract", extract_with_family_meetings()))
    return store


def figure(table, meeting_type, name):
    row = table[(table["meeting_type"] == meeting_type) & (table["figure"] == name)]
    return [int(row["numerator"].item()), int(row["denominator"].item())]


def test_the_early_help_and_cin_page_counts_both_plans_and_narrows_to_one(loaded):
    view = dashboard_view("eh_cin", loaded, AT)
    assert view.filters() == Filters(plan_type=("early_help", "cin"))
    assert view.teams == [("North CIN", "T1")]  # the early help and CIN services' teams
    # One of the page's plan types narrows it; another plan type is refused.
    assert view.filters(Filters(plan_type="early_help")) == Filters(plan_type="early_help")
    with pytest.raises(ScopeError):
        view.filters(Filters(plan_type="cp"))
    # Coverage at D: open EH and CIN involvements I1 (O1, O2, O10 active), I2 (O4), I5 and I6 (none):
    # 2 of 4, all in North. The CP page still counts only I3 and I4.
    table = measure_by(view, "coverage", "locality").set_index("group")
    assert table.loc["North", ["numerator", "denominator"]].tolist() == [2, 4]
    assert "South" not in table.index
    assert measure_by(dashboard_view("cp", loaded, AT), "coverage", "locality")["denominator"].sum() == 2


def test_repeat_plans_are_of_the_same_plan_type(loaded):
    view = dashboard_view("eh_cin", loaded, AT)
    # Started in the year to D: I5 (C2's first early help; the older CIN plan I2 is another type,
    # so a step down, not a repeat) and I6 (C1's second CIN plan): 1 of 2.
    assert repeat_plans(view).iloc[0].tolist() == [1, 2, 0.5]


def test_meetings_by_type_with_wider_family_and_outcomes_agreed(loaded):
    view = dashboard_view("eh_cin", loaded, AT)
    table = meeting_outcomes(view)
    assert list(dict.fromkeys(table["meeting_type"])) == ["fgc", "family_meeting", "taf_review", "cin_review"]
    # FGC M4: PN1 took part, family and wider family came, O10 agreed there (with the family; no
    # success measure, so not clear), nothing scored there.
    assert figure(table, "fgc", "took_part") == [1, 1]
    assert figure(table, "fgc", "wider_family_attended") == [1, 1]
    assert figure(table, "fgc", "agreed") == [1, 1]
    assert figure(table, "fgc", "scored") == [0, 1]
    assert figure(table, "fgc", "agreed_with_family") == [1, 1]
    assert figure(table, "fgc", "clear") == [0, 1]
    # Family meeting M6: a blank code counts nowhere (empty, never 0%); family and wider family came.
    assert figure(table, "family_meeting", "took_part") == [0, 0]
    assert math.isnan(table[(table["meeting_type"] == "family_meeting") & (table["figure"] == "took_part")]
                      ["value"].item())  # fmt: skip
    assert figure(table, "family_meeting", "wider_family_attended") == [1, 1]
    assert figure(table, "family_meeting", "agreed") == [0, 1]
    # TAF review M5: PN7 (did not take part), nobody from the family, O4 scored there.
    assert figure(table, "taf_review", "took_part") == [0, 1]
    assert figure(table, "taf_review", "family_attended") == [0, 1]
    assert figure(table, "taf_review", "wider_family_attended") == [0, 1]
    assert figure(table, "taf_review", "scored") == [1, 1]
    # CIN review M1 (2025-01-10) is before the year: every figure over nobody.
    assert table[table["meeting_type"] == "cin_review"]["denominator"].eq(0).all()
    # Narrowed to early help: only M5, on I5, is left.
    early = meeting_outcomes(view, Filters(plan_type="early_help"))
    assert early.groupby("meeting_type")["denominator"].max().to_dict() == {
        "cin_review": 0, "family_meeting": 0, "fgc": 0, "taf_review": 1,
    }  # fmt: skip


def test_the_overview_shows_every_meeting_type_and_the_cp_page_its_own(loaded):
    overview = meeting_outcomes(dashboard_view("overview", loaded, AT))
    # Wider family at CP meetings M2 and M3: nobody; at the family meetings as above.
    assert figure(overview, "icpc", "wider_family_attended") == [0, 1]
    assert figure(overview, "fgc", "wider_family_attended") == [1, 1]
    assert figure(overview, "icpc", "agreed") == [1, 1]  # O9 was agreed at M2
    assert figure(overview, "core_group", "agreed") == [0, 1]
    cp = meeting_outcomes(dashboard_view("cp", loaded, AT))
    assert set(cp["meeting_type"]) == {"icpc", "rcpc", "core_group"}


def test_participation_by_code(loaded):
    table = participation_by_code(dashboard_view("eh_cin", loaded, AT))
    counted = table[table["meetings"] > 0][["meeting_type", "code", "meetings", "share"]]
    assert counted.values.tolist() == [
        ["fgc", "PN1", 1, 1.0],
        ["family_meeting", "", 1, 1.0],
        ["taf_review", "PN7", 1, 1.0],
    ]
    # Nine codes a meeting type (PN1 to PN7, PN0, not recorded), each labelled; none over nobody.
    assert len(table) == 4 * 9
    assert table.loc[table["code"] == "", "label"].unique().tolist() == ["Not recorded"]
    assert table[table["meeting_type"] == "cin_review"]["share"].isna().all()
    # Filters follow the child: nothing in South.
    assert participation_by_code(dashboard_view("eh_cin", loaded, AT), Filters(locality="South"))[
        "meetings"
    ].eq(0).all()


def test_a_page_about_several_plans_is_missing_only_when_it_holds_none(loaded):
    assert missing_plan(loaded, ("early_help", "cin")) == []
    assert missing_plan(loaded, ("early_help", "care_leaver")) == []
    (message,) = missing_plan(loaded, ("cla", "care_leaver"))
    assert message.startswith("No children looked after or care leavers in the loaded extract")
