"""One case's outcomes with the help chosen for each, on the team lead page and the audit case file.

Hand-worked on the handworked extract plus a little help for C1 (see :func:`extract_with_help`).
"""

from __future__ import annotations

import copy
from datetime import date

import pytest
import traitlets

from tests.fixtures.handworked import ROWS, write_extract
from tests.widgets.test_audit_widgets import IDENTITIES, sign_in
from widgets.audit_form import AuditForm
from widgets.case_outcomes_view import BELOW, CaseOutcomesView, case_outcomes_html
from widgets.team_lead_view import TeamLeadView
from workbench.access import Identity
from workbench.measures.service_data import ServiceData
from workbench.pages.case_outcomes import case_outcomes
from workbench.practice.audits.templates import load_template
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
    assert o1[["intervention_id", "evidence_met"]].values.tolist() == [["X1", True], ["X2", False]]
    assert o1["evidence"].tolist() == ["Foundations level 3 (efficacy)", "Foundations level 2 (preliminary evidence)"]
    assert o1["provider"].tolist() == ["Council", HOSTILE]
    # O2: X2 only; X3 starts after D, so it was not chosen at D. At a later date it is.
    assert case.help_for("O2")["intervention_id"].tolist() == ["X2"]
    later = case_outcomes(loaded, "C1", date(2026, 6, 1))
    assert later.help_for("O2")["intervention_id"].tolist() == ["X2", "X3"]
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
    assert "No intervention recorded for this outcome" in view.value and view.case.child_id == "C3"


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
