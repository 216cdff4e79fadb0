"""Outcome plans: versions kept, two editors at once, the check before agreement, and more.

Also the projection the measures read (surviving a reload), and the export read back through
the Mosaic mapping.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest

from widgets.team_lead_view import TeamLeadView
from workbench.access import Identity
from workbench.core.model import PlanAction, PlanOutcome, PlanVersion
from workbench.imports.form_answers import read_form_answers
from workbench.imports.sources import ExtractMapping
from workbench.measures.headline import headline_measures
from workbench.measures.service_data import ServiceData
from workbench.practice.audits.casefile import case_file, case_file_html
from workbench.practice.plans import (
    agreement_gaps,
    cell,
    coaching,
    load_history,
    load_plan,
    merge_plans,
    new_plan,
    next_meeting,
    plan_export,
    save_plan,
    score_history,
)
from workbench.practice.supervision import supervision_view
from workbench.publishing.supervision_pack import render_supervision_body
from workbench.store.loading import load_extract
from workbench.store.plan_tables import PLAN_SOURCE, PlanChangedError

MOSAIC_FORMS = Path(__file__).resolve().parents[2] / "data" / "mappings" / "mosaic-forms.yaml"
HOSTILE = "<script>alert(1)</script> & \"quotes\" =HYPERLINK(\"x\")"


def _outcome(statement: str, **values) -> PlanOutcome:
    action = PlanAction(key=values.pop("action_key", f"A{statement[:3]}"), owner_kind="family_member",
                        owner_name="Mum", action="Walk to school together", by_date="2026-02-01",
                        intervention="Family Nurse Partnership", evidence_level="level_4")  # fmt: skip
    defaults = {
        "whose_words": "child", "success_looks_like": "In school 9 days in 10", "domain": "education",
        "family_baseline": 3.0, "practitioner_baseline": 2.0, "target_score": 8.0, "target_date": "2026-06-30",
    }  # fmt: skip
    return PlanOutcome(key=values.pop("key", f"O{statement[:3]}"), statement=statement,
                       actions=[action], **(defaults | values))  # fmt: skip


def _agreed_plan() -> PlanVersion:
    plan = new_plan("C1", "I1")
    plan.meeting_type, plan.meeting_date, plan.status, plan.family_agreed = "fgc", "2025-10-01", "agreed", True
    plan.outcomes = [_outcome("I get to school every day", key="O1"), _outcome("Mum and me argue less", key="O2")]
    return plan


@pytest.fixture
def loaded(store, handworked_dir):
    load_extract(store, handworked_dir)
    store.mark_demo()  # the supervision view names its viewer from the demo identities
    return store


def _rows(store, table: str) -> list[dict]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.exec_driver_sql(f"SELECT * FROM {table} WHERE source_file = ?",
                                                       (PLAN_SOURCE,)).mappings()]  # fmt: skip


def test_agreed_plan_reaches_the_measures_and_survives_a_reload(loaded, handworked_dir):
    saved = save_plan(loaded, _agreed_plan(), "demo-chair")
    assert saved.version == 1
    outcomes = _rows(loaded, "outcomes")
    assert {o["outcome_id"] for o in outcomes} == {f"{saved.plan_id}-O1", f"{saved.plan_id}-O2"}
    assert {o["agreed_with_family"] for o in outcomes} == {1}
    assert len(_rows(loaded, "interventions")) == 2
    # The next meeting scores one and marks the other achieved.
    review = next_meeting(saved, "family_meeting", "2026-01-15")
    review.outcomes[0].family_score, review.outcomes[0].practitioner_score = 6.0, 5.0
    review.outcomes[1].decision, review.outcomes[1].family_score = "achieved", 9.0
    review.status = "agreed"
    assert agreement_gaps(review) == []
    second = save_plan(loaded, review, "demo-chair")
    assert second.version == 2
    reviews = _rows(loaded, "outcome_reviews")
    assert sorted((r["outcome_id"][-2:], r["score"], r["family_score"]) for r in reviews) == [
        ("O1", 5.0, 6.0), ("O2", None, 9.0)]  # fmt: skip
    closed = {o["outcome_id"][-2:]: (o["status"], str(o["closed_date"])[:10]) for o in _rows(loaded, "outcomes")}
    assert closed == {"O1": ("active", "None"), "O2": ("achieved", "2026-01-15")}
    # The earlier version is kept.
    assert [v.version for v in load_history(loaded, saved.plan_id)] == [1, 2]
    assert load_plan(loaded, saved.plan_id, 1).outcomes[1].decision == "new"
    assert score_history(load_history(loaded, saved.plan_id), "O1") == [
        ("2025-10-01", 3.0, 2.0), ("2026-01-15", 6.0, 5.0)]  # fmt: skip
    # A new extract (same files, another date: a real reload) keeps the plan in the measures' tables.
    load_extract(loaded, handworked_dir, as_at=date(2026, 4, 1))
    assert len(_rows(loaded, "outcomes")) == 2 and len(_rows(loaded, "outcome_reviews")) == 2
    data = ServiceData(loaded)
    assert f"{saved.plan_id}-O1" in set(data.outcomes["outcome_id"])


def test_a_changed_outcome_replaces_the_old_one(loaded):
    saved = save_plan(loaded, _agreed_plan(), "chair")
    review = next_meeting(saved, "family_meeting", "2026-01-15")
    review.outcomes[0].statement = "I get to school on time every day"
    review.outcomes[0].decision, review.outcomes[0].change_reason = "changed", "Getting there is fine now"
    review.outcomes[0].practitioner_score = review.outcomes[0].family_score = 5.0
    review.status = "agreed"
    save_plan(loaded, review, "chair")
    rows = {o["outcome_id"]: o for o in _rows(loaded, "outcomes")}
    old, new = rows[f"{saved.plan_id}-O1"], rows[f"{saved.plan_id}-O1-v2"]
    assert (old["status"], old["replaced_by"]) == ("replaced", new["outcome_id"])
    assert new["statement"] == "I get to school on time every day" and new["status"] == "active"


def test_two_people_editing_at_once_lose_nothing(loaded):
    base = save_plan(loaded, _agreed_plan(), "chair")
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    mine.outcomes[0].success_looks_like = "Mine: in school every day for a month"
    mine.outcomes.append(_outcome("Mine: I sleep well", key="O3"))
    theirs.outcomes[1].target_date = "2026-09-01"
    theirs.outcomes[0].actions.append(PlanAction(key="A9", owner_kind="wider_family", owner_name="Gran",
                                                 action="School run on Fridays", by_date="2026-01-10"))  # fmt: skip
    theirs.outcomes[0].success_looks_like = "Theirs: no lates this term"
    save_plan(loaded, theirs, "other-chair")
    with pytest.raises(PlanChangedError) as refused:
        save_plan(loaded, mine, "chair")
    latest = refused.value.latest
    assert latest.version == 2 and latest.saved_by == "other-chair"
    merged, conflicts = merge_plans(base, mine, latest)
    assert [c.where.endswith("success looks like") for c in conflicts] == [True]
    assert (conflicts[0].mine, conflicts[0].theirs) == (mine.outcomes[0].success_looks_like,
                                                         "Theirs: no lates this term")  # fmt: skip
    assert [o.key for o in merged.outcomes] == ["O1", "O2", "O3"]
    assert merged.outcomes[1].target_date == "2026-09-01"
    assert [a.owner_name for a in merged.outcomes[0].actions] == ["Mum", "Gran"]
    third = save_plan(loaded, merged, "chair")
    assert third.version == 3 and len(load_history(loaded, base.plan_id)) == 3


def test_the_check_before_agreement_names_what_is_missing():
    plan = new_plan("C1", "I1")
    plan.family_network_agreed = True
    plan.outcomes[0].statement = "Things get better"
    gaps = agreement_gaps(plan)
    assert "Choose the kind of meeting." in gaps
    assert any("success will look like" in g for g in gaps)
    assert any("their score" in g for g in gaps)
    assert any("at least one action" in g for g in gaps)
    assert any("wider family" in g for g in gaps)
    # Coaching flags a vague outcome with a question, and never enters the check.
    assert coaching("Things get better") and all(f.prompt for f in coaching("Things get better"))
    assert not any("vague" in g.lower() for g in gaps)


def test_export_reads_back_through_the_mosaic_mapping_to_the_same_outcomes(loaded, tmp_path):
    plan = _agreed_plan()
    plan.outcomes[0].statement = HOSTILE
    plan.outcomes[0].success_looks_like = "-1 lates, =SUM(A1)"
    saved = save_plan(loaded, plan, "chair")
    review = next_meeting(saved, "family_meeting", "2026-01-15")
    review.outcomes[0].family_score, review.outcomes[0].practitioner_score = 6.0, 5.0
    review.status = "agreed"
    save_plan(loaded, review, "chair")
    export = plan_export(load_history(loaded, saved.plan_id))
    for name, text in export.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    mapping = ExtractMapping.load(MOSAIC_FORMS)
    problems: list = []
    records = read_form_answers(tmp_path, mapping.forms, problems)
    assert problems == []
    back = records.frames["outcomes"].set_index("outcome_id")
    stored = {o["outcome_id"]: o for o in _rows(loaded, "outcomes")}
    assert set(back.index) == set(stored)
    for ident, row in stored.items():
        assert back.loc[ident, "statement"] == row["statement"]
        assert back.loc[ident, "success_looks_like"] == row["success_looks_like"]
        assert back.loc[ident, "whose_words"] == row["whose_words"]
        assert float(back.loc[ident, "baseline_score"]) == row["baseline_score"]
    reviews = records.frames["outcome_reviews"]
    assert list(reviews["score"]) == ["5"] and list(reviews["family_score"]) == ["6"]
    # The flat files are for people: no cell runs as a formula; the words are otherwise as said.
    assert "'-1 lates, =SUM(A1)" in export.files["plan_outcomes.csv"]
    assert cell("-3") == "-3" and cell("=1+1") == "'=1+1"


def test_the_audit_case_file_shows_what_is_being_done_for_each_outcome(loaded):
    plan = _agreed_plan()
    plan.outcomes[0].actions[0].owner_name = "<b>Gran</b>"
    saved = save_plan(loaded, plan, "chair")
    case = case_file(loaded, "C1", date(2025, 6, 1), date(2026, 3, 31))
    mine = case.view.help_for(f"{saved.plan_id}-O1")
    assert list(mine["who"]) == ["<b>Gran</b>"] and list(mine["evidence_level"]) == ["level_4"]
    page = case_file_html(case, date(2025, 6, 1), date(2026, 3, 31))
    assert ("<b>&lt;b&gt;Gran&lt;/b&gt;</b> (someone in the family): Walk to school together, by 1 Feb 2026. "
            "Help: <b>Family Nurse Partnership</b>. Evidence: Foundations level 4 (effectiveness)") in page


def test_supervision_shows_the_agreed_plan_actions(loaded):
    plan = _agreed_plan()
    plan.outcomes[0].actions[0].owner_name = "<b>Gran</b>"
    save_plan(loaded, plan, "chair")
    view = supervision_view(loaded, "W1", date(2026, 3, 31))
    assert set(view.plan_actions["child_id"]) == {"C1"} and len(view.plan_actions) == 2
    page = render_supervision_body(view, "internal", chart=False)
    assert "Who does what (the agreed plan)" in page and "<b>&lt;b&gt;Gran&lt;/b&gt;</b> (someone in the family)" in page
    assert "Help: <b>Family Nurse Partnership</b>. Evidence: Foundations level 4 (effectiveness)" in page
    assert "Gran" not in render_supervision_body(view, "shared", chart=False)


def test_the_team_lead_page_says_what_is_being_done_for_a_child(loaded):
    saved = save_plan(loaded, _agreed_plan(), "chair")
    view = TeamLeadView(ServiceData(loaded), Identity("cat", "team_lead", team_id="T1", worker_id="W3"),
                        at=date(2026, 3, 31))  # fmt: skip
    view.child_id = "C1"
    assert list(view.case_help.case.help_for(f"{saved.plan_id}-O1")["who"]) == ["Mum"]
    assert ("<b>Mum</b> (someone in the family): Walk to school together, by 1 Feb 2026. "
            "Help: <b>Family Nurse Partnership</b>. Evidence: Foundations level 4 (effectiveness)") in view.case_help.value


def test_constant_reads_the_plan_history(loaded):
    """An outcome changed 45 days after it was agreed counts against Constant (it was replaced)."""
    at = date(2026, 3, 31)

    def constant() -> tuple[int, int]:
        table = headline_measures(ServiceData(loaded), at, names=["constant"]).set_index("measure")
        return int(table.loc["constant", "numerator"]), int(table.loc["constant", "denominator"])

    before = constant()
    saved = save_plan(loaded, _agreed_plan(), "chair")
    review = next_meeting(saved, "family_meeting", "2025-11-15")
    review.outcomes[0].statement, review.outcomes[0].decision = "I get to school on time", "changed"
    review.outcomes[0].change_reason, review.outcomes[0].family_score = "The family said time matters", 4.0
    review.status = "agreed"
    save_plan(loaded, review, "chair")
    # Agreed in the year to D-90: O1 and O2 (2025-10-01) and O1's new wording (2025-11-15); O1 was
    # replaced within 90 days, so 2 of the 3 stayed constant.
    assert constant() == (before[0] + 2, before[1] + 3)
