"""One case's outcomes and what is being done for each: the one case-level view, on every page that shows it.

Hand-worked on the handworked extract plus a little help for C1 (see :func:`extract_with_help`),
and an outcome plan agreed at two meetings for the evidence window.
"""

from __future__ import annotations

import copy
from datetime import date

import pandas as pd
import pytest
import traitlets

from tests.fixtures.handworked import ROWS, write_extract
from tests.widgets.test_audit_widgets import IDENTITIES, sign_in
from widgets.audit_form import AuditForm
from widgets.case_outcomes_view import CaseOutcomesView
from widgets.team_lead_view import TeamLeadView
from workbench.access import Identity
from workbench.core.model import PlanAction, PlanOutcome
from workbench.measures.service_data import ServiceData
from workbench.practice.audits.casefile import case_file, case_file_html
from workbench.practice.audits.templates import load_template
from workbench.practice.case_outcomes import BELOW, case_outcomes, case_outcomes_html
from workbench.practice.plans import new_plan, next_meeting, save_plan
from workbench.practice.supervision import supervision_view
from workbench.publishing.supervision_pack import render_supervision_body
from workbench.store.loading import load_extract

AT = date(2026, 3, 31)
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def extract_with_help() -> dict:
    """Return the handworked extract with some help for C1.

    The additions:
    - O1 (the child's words, education) gets a target of 8 by 2026-06-30 and a success measure;
      X1 (Triple P, level 3, Council, from 2025-02-01) is linked to it already.
    - X2: a hostile-named programme at level 2 (below the level 3 threshold), provider hostile
      too, from 2025-03-01 to 2025-09-30, linked to O1 and O2.
    - X3: Family Nurse Partnership (level 4), starting 2026-05-01, after D: not yet chosen at D.
    - O2 (the child's words, health) has no target.
    """
    rows = copy.deepcopy(ROWS)
    rows["outcomes"][0].update(target_score="8", target_date="2026-06-30", success_looks_like="Goes to school")
    base = {"child_id": "C1", "involvement_id": "I1"}
    rows["interventions"] += [
        {**base, "intervention_id": "X2", "name": f"Mentoring {HOSTILE}", "evidence_level": "level_2",
         "start_date": "2025-03-01", "end_date": "2025-09-30", "provider": HOSTILE},
        {**base, "intervention_id": "X3", "name": "Family Nurse Partnership", "evidence_level": "level_4",
         "start_date": "2026-05-01", "end_date": "", "provider": "NHS"},
    ]  # fmt: skip
    rows["intervention_outcomes"] += [
        {"intervention_id": "X2", "outcome_id": "O1"},
        {"intervention_id": "X2", "outcome_id": "O2"},
        {"intervention_id": "X3", "outcome_id": "O2"},
    ]
    return rows


@pytest.fixture
def loaded(store, tmp_path):
    load_extract(store, write_extract(tmp_path / "extract", extract_with_help()))
    return store


def test_each_outcome_with_its_help_owner_and_target(loaded):
    case = case_outcomes(loaded, "C1", AT)
    assert case.worker == "Ann Example"  # W1, allocated from 2025-01-01
    assert case.outcomes[["number", "outcome_id", "owner", "status_label"]].values.tolist() == [
        [1, "O1", "The child's own words", "Active"],
        [2, "O2", "The child's own words", "Active"],
    ]
    first = case.outcomes.iloc[0]
    assert (first["target_score"], f"{first['target_date']:%Y-%m-%d}") == (8.0, "2026-06-30")
    # O1: Triple P (level 3, at the threshold) from 2025-02-01, then X2 (level 2, below it).
    o1 = case.help_for("O1")
    assert o1[["intervention", "evidence_met"]].values.tolist() == [["Triple P", True], [f"Mentoring {HOSTILE}", False]]
    assert o1["evidence"].tolist() == ["Foundations level 3 (efficacy)", "Foundations level 2 (preliminary evidence)"]
    assert o1["who"].tolist() == ["Council", HOSTILE] and set(o1["kind"]) == {"intervention"}
    # O2: X2 only; X3 starts after D, so it was not chosen at D. At a later date it is.
    assert case.help_for("O2")["intervention"].tolist() == [f"Mentoring {HOSTILE}"]
    later = case_outcomes(loaded, "C1", date(2026, 6, 1))
    assert later.help_for("O2")["intervention"].tolist() == [f"Mentoring {HOSTILE}", "Family Nurse Partnership"]
    # Another child's help is never shown: C3 has no interventions.
    assert case_outcomes(loaded, "C3", AT).help.empty


def test_outcomes_shown_are_those_current_at_the_date(loaded):
    # C2 at D: O3 closed achieved 2026-01-15 (in the year), O4 active; O8 closed 2024-07-01 (before).
    case = case_outcomes(loaded, "C2", AT)
    assert case.outcomes[["outcome_id", "status_label"]].values.tolist() == [["O3", "Achieved"], ["O4", "Active"]]
    # Before O3 closed it was active (its recorded status is its final one).
    assert case_outcomes(loaded, "C2", date(2025, 12, 31)).outcomes["status_label"].tolist()[:1] == ["Active"]
    # An audit window passes its own start: from 2024-06-01, O8 (closed 2024-07-01) is in it too.
    window = case_outcomes(loaded, "C2", AT, since=date(2024, 6, 1))
    assert "O8" in set(window.outcomes["outcome_id"])
    assert case_outcomes(loaded, "C9", AT).outcomes.empty and case_outcomes(loaded, "C9", AT).worker == ""


def test_the_table_escapes_typed_text_and_names_help_below_the_threshold(loaded):
    shown = case_outcomes_html(case_outcomes(loaded, "C1", AT))
    assert "<script>" not in shown and "<img" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<caption>" in shown and "scope='col'" in shown
    assert "score 8, by 30 Jun 2026" in shown and "no target set" in shown and "date passed" not in shown
    # After the target date, an outcome still active says its date has passed.
    assert "score 8, by 30 Jun 2026 <span class='wb-target-passed'>(date passed)" in case_outcomes_html(
        case_outcomes(loaded, "C1", date(2026, 7, 1))
    )
    assert shown.count(BELOW) == 2  # X2, under O1 and under O2
    assert "Triple P" in shown and "Family Nurse Partnership" not in shown
    view = CaseOutcomesView()
    assert "No child chosen" in view.value
    view.show(case_outcomes(loaded, "C3", AT))
    assert "No action or intervention recorded for this outcome" in view.value and view.case.child_id == "C3"


def test_the_team_lead_sees_the_help_for_the_child_chosen(loaded):
    view = TeamLeadView(ServiceData(loaded), Identity("cat", "team_lead", team_id="T1", worker_id="W3"), at=AT)
    view.child_id = "C1"
    assert view.case_help.case.child_id == "C1"
    assert "Triple P" in view.case_help.value and "&lt;script&gt;" in view.case_help.value
    view.child_id = "C2"
    assert view.case_help.case.child_id == "C2" and "Triple P" not in view.case_help.value


def test_the_auditor_sees_the_help_beside_the_questions(loaded, monkeypatch, tmp_path):
    identities = tmp_path / "identities.yaml"
    identities.write_text(IDENTITIES, encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_IDENTITY_FILE", str(identities))
    sign_in(monkeypatch, "cat")
    form = AuditForm(loaded, load_template(), today=AT, save_delay=0)
    form.open_case("C1")
    assert "Triple P" in form.case_view.value and "<script>" not in form.case_view.value


def test_supervision_shows_the_help_for_a_child_of_the_caseload(loaded):
    from widgets.supervision_view import SupervisionView

    view = SupervisionView(loaded, at=AT, identity=Identity("hopi", "head_of_practice_improvement"))
    assert view.worker_id == "W1" and view.child_choice.options == ("C1", "C2")
    assert view.case_help.case.child_id == "C1" and "Triple P" in view.case_help.value
    view.child_choice.value = "C2"
    assert view.case_help.case.child_id == "C2" and "Triple P" not in view.case_help.value
    # A child of another caseload cannot be chosen (the dropdown refuses a value it does not offer).
    with pytest.raises(traitlets.TraitError, match="Invalid selection"):
        view.child_choice.value = "C3"
    assert view.case_help.case.child_id == "C2"
    view.worker_choice.value = "W2"
    assert view.child_choice.options == ("C3",) and view.case_help.case.child_id == "C3"


def _plan_at_two_meetings(store) -> str:
    """Agree a plan for C1 on 2025-10-01 and review it on 2026-02-01; return its outcome's id.

    Meeting 1 (FGC, 2025-10-01): P1 "I walk to school", baseline family 3 / worker 2, target 8 by
    2026-06-30; action A1: Gran (wider family) walks with me on Mondays by 2025-11-01, with
    Mentoring Plus (level 2, below the threshold).
    Meeting 2 (family meeting, 2026-02-01): P1 carried on, scored family 6 / worker 5; A1 is
    now Uncle Joe, every day by 2026-03-01; A2 added: Sam (practitioner), Family Nurse
    Partnership (level 4) by 2026-04-30.
    """
    plan = new_plan("C1", "I1")
    plan.meeting_type, plan.meeting_date, plan.status, plan.family_agreed = "fgc", "2025-10-01", "agreed", True
    gran = PlanAction(key="A1", owner_kind="wider_family", owner_name="Gran", action="walk with me on Mondays",
                      by_date="2025-11-01", intervention="Mentoring Plus", evidence_level="level_2")  # fmt: skip
    plan.outcomes = [PlanOutcome(key="P1", statement="I walk to school", whose_words="child", domain="education",
                                 success_looks_like="In school on time", family_baseline=3.0,
                                 practitioner_baseline=2.0, target_score=8.0, target_date="2026-06-30",
                                 actions=[gran])]  # fmt: skip
    first = save_plan(store, plan, "chair")
    review = next_meeting(first, "family_meeting", "2026-02-01")
    outcome = review.outcomes[0]
    outcome.family_score, outcome.practitioner_score = 6.0, 5.0
    outcome.actions[0].owner_name, outcome.actions[0].action = "Uncle Joe", "walk with me every day"
    outcome.actions[0].by_date = "2026-03-01"
    outcome.actions.append(PlanAction(key="A2", owner_kind="practitioner", owner_name="Sam", action="refer us",
                                      by_date="2026-04-30", intervention="Family Nurse Partnership",
                                      evidence_level="level_4"))  # fmt: skip
    review.status = "agreed"
    save_plan(store, review, "chair")
    return f"{first.plan_id}-P1"


def test_nothing_recorded_after_the_date_shows(loaded):
    """The evidence window, worked by hand: the case as it stood at D, never what came after."""
    p1 = _plan_at_two_meetings(loaded)
    between = case_outcomes(loaded, "C1", date(2026, 1, 15))  # after meeting 1, before meeting 2
    # P1 is the third outcome (agreed 2025-10-01, after O1 and O2).
    assert between.outcomes["outcome_id"].tolist() == ["O1", "O2", p1]
    # Its actions are meeting 1's: Gran, by 1 Nov 2025; meeting 2's Uncle Joe and Sam are not yet.
    help_then = between.help_for(p1)
    assert help_then[["kind", "who", "what", "by", "intervention", "evidence_met"]].values.tolist() == [
        ["action", "Gran", "walk with me on Mondays", "2025-11-01", "Mentoring Plus", False]]  # fmt: skip
    # P1's review is dated 2026-02-01: not yet. O1's last review by then is R2 (6 on 2026-01-10).
    scores = between.outcomes.set_index("outcome_id")
    assert pd.isna(scores.loc[p1, "latest_date"]) and pd.isna(scores.loc[p1, "latest_score"])
    assert (scores.loc["O1", "latest_score"], f"{scores.loc['O1', 'latest_date']:%Y-%m-%d}") == (6.0, "2026-01-10")
    shown = case_outcomes_html(between)
    assert "Gran" in shown and "Uncle Joe" not in shown and "Sam" not in shown
    assert "<b>Gran</b> (someone in the wider family network): walk with me on Mondays, by 1 Nov 2025" in shown
    assert f"Mentoring Plus</b>. Evidence: Foundations level 2 (preliminary evidence) <span class='wb-below-threshold'>({BELOW})" in shown

    at_d = case_outcomes(loaded, "C1", AT)
    assert at_d.help_for(p1)[["who", "by", "evidence_met"]].values.tolist() == [
        ["Uncle Joe", "2026-03-01", False], ["Sam", "2026-04-30", True]]  # fmt: skip
    scores = at_d.outcomes.set_index("outcome_id")
    assert (scores.loc[p1, "latest_family_score"], scores.loc[p1, "latest_score"]) == (6.0, 5.0)
    # O1's R3 (9, on 2026-05-01) is after D: the latest at D is still R2's 6.
    assert scores.loc["O1", "latest_score"] == 6.0
    assert "Latest: family 6, worker 5<br><small>on 1 Feb 2026" in case_outcomes_html(at_d)
    # The plan's interventions are shown once, with their action (not again as projected rows).
    assert at_d.help["intervention"].tolist().count("Family Nurse Partnership") == 1
    # Before the plan was agreed, the case had no P1 at all.
    assert p1 not in set(case_outcomes(loaded, "C1", date(2025, 9, 30)).outcomes["outcome_id"])


def test_the_case_file_and_the_supervision_pack_keep_the_window(loaded):
    loaded.mark_demo()  # the supervision view names its viewer from the demo identities
    p1 = _plan_at_two_meetings(loaded)
    window = case_file(loaded, "C1", date(2025, 6, 1), date(2026, 1, 15))
    page = case_file_html(window, date(2025, 6, 1), date(2026, 1, 15))
    assert window.view.help_for(p1)["who"].tolist() == ["Gran"]
    assert "Gran" in page and "Uncle Joe" not in page and "wb-case-help-table" in page
    pack_then = render_supervision_body(supervision_view(loaded, "W1", date(2026, 1, 15)), "internal", chart=False)
    assert "<b>Gran</b> (someone in the wider family network)" in pack_then and "Uncle Joe" not in pack_then
    pack_at_d = render_supervision_body(supervision_view(loaded, "W1", AT), "internal", chart=False)
    assert "<b>Uncle Joe</b>" in pack_at_d and "<b>Sam</b> (a practitioner): refer us, by 30 Apr 2026" in pack_at_d
