"""The rule book's thresholds are data: change one number and every page that uses it changes.

Worked by hand on the supervision fixture (tests/fixtures/supervision.py), D = 2026-03-31.
Shipped, "not reviewed" is 91 days: D-91 = 30 December 2025, and W1's not-reviewed outcomes
are P2 (last scored 1 Nov 2025), P3 (agreed 1 Dec 2025, never scored), P4 (agreed 2 Dec 2025,
never scored) and P9 (last scored 15 Nov 2025): 4.

A deployment sets ``not_reviewed.days: 120``: D-120 = 1 December 2025. P2 and P9 are still
overdue; P3, agreed on 1 December, is due (agreed on or before D-120) and never scored, so
overdue; P4, agreed on 2 December, is not due yet. So 3: P2, P3, P9.

It sets ``no_progress.reviews: 2`` as well: the last two scores, the latest no higher than the
first. P1 (5, 6) no; P2 (4, 5) no; P5 (4, 4) yes. Shipped (three): P2, P5. (The team lead page opens
on team T1, whose children are W1's; C3's P6 is in T2.)

W1's appraisal counts the same rules on W1's caseload at D (C1, C2, C5): no success measure 2 (P2,
P10, no threshold), not reviewed 4 then 3, no progress 2 then 1.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, supervision_rows
from widgets.team_lead_view import TeamLeadView
from workbench.access import Identity
from workbench.measures.service_data import ServiceData
from workbench.practice import rules
from workbench.practice.appraisal import audit_frame, build_appraisal
from workbench.practice.supervision import supervision_scope, supervision_view
from workbench.publishing.appraisal_pack import render_appraisal_body
from workbench.publishing.supervision_pack import render_supervision_body
from workbench.store.engine import Store
from workbench.store.loading import load_extract

HOPE = Identity(user="hope.pi", role="head_of_practice_improvement")


@pytest.fixture
def fixture_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", supervision_rows()))
    return store


def _deployment_rules(monkeypatch, tmp_path, text: str) -> None:
    path = tmp_path / "our-rules.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(rules.RULES_ENV, str(path))


def _pages(store):
    """What each page that uses the rules says: the team lead's list, supervision, both packs, appraisal."""
    team_lead = TeamLeadView(ServiceData(store), HOPE, at=date.fromisoformat(AT))
    appraisal = build_appraisal(ServiceData(store), "W1", AT, audit_frame(store))
    attention = team_lead.attention
    view = supervision_view(store, "W1", AT, supervision_scope(store, AT, HOPE))
    return {
        "team lead not reviewed": sorted(attention.loc[attention["reason"] == "not_reviewed", "outcome_id"]),
        "team lead no progress": sorted(attention.loc[attention["reason"] == "no_progress", "outcome_id"]),
        "team lead headings": set(attention["heading"]),
        "prompts not reviewed": sorted(
            view.prompts.loc[view.prompts["code"] == "not_reviewed", "outcome_id"]
        ),
        "prompts no progress": sorted(view.prompts.loc[view.prompts["code"] == "no_progress", "outcome_id"]),
        "prompt titles": set(view.prompts["title"]),
        "internal pack": render_supervision_body(view, "internal", records=None, chart=False),
        "shared pack": render_supervision_body(view, "shared", records=None, chart=False),
        "appraisal": render_appraisal_body(appraisal, "internal"),
    }


def test_the_shipped_rule_book_is_the_one_documented(monkeypatch):
    monkeypatch.delenv(rules.RULES_ENV, raising=False)
    book = rules.rule_book()
    assert book == rules.RuleBook(
        not_reviewed_days=91, no_progress_reviews=3, past_target_days=0, score_gap_points=3,
        score_gap_min_scale_span=9,
    )  # fmt: skip


def test_one_threshold_changed_in_data_changes_every_page_that_uses_it(fixture_store, monkeypatch, tmp_path):
    monkeypatch.delenv(rules.RULES_ENV, raising=False)
    shipped = _pages(fixture_store)
    assert shipped["team lead not reviewed"] == ["P2", "P3", "P4", "P9"]
    assert shipped["prompts not reviewed"] == ["P2", "P3", "P4", "P9"]
    assert shipped["team lead no progress"] == ["P2", "P5"]  # T1's children; P6 is C3's, in T2
    assert shipped["prompts no progress"] == ["P2", "P5"]
    assert "Not reviewed in 91 days" in shipped["team lead headings"]
    assert "Outcome not reviewed in 91 days" in shipped["prompt titles"]
    assert ">Outcome not reviewed in 91 days</th><td><span class='wb-count'>4<" in shipped["internal pack"]
    assert "reviewed in 91 days" in shipped["shared pack"]
    assert "<th scope='row'>No success measure</th><td>2<" in shipped["appraisal"]
    assert "<th scope='row'>Not reviewed in 91 days</th><td>4<" in shipped["appraisal"]
    assert "<th scope='row'>No progress over the last three reviews</th><td>2<" in shipped["appraisal"]

    _deployment_rules(monkeypatch, tmp_path, "not_reviewed: {days: 120}\nno_progress:\n  reviews: 2\n")
    changed = _pages(fixture_store)
    assert changed["team lead not reviewed"] == ["P2", "P3", "P9"]
    assert changed["prompts not reviewed"] == ["P2", "P3", "P9"]
    assert changed["team lead no progress"] == ["P5"]
    assert changed["prompts no progress"] == ["P5"]
    assert "Not reviewed in 120 days" in changed["team lead headings"]
    assert "No progress over the last two reviews" in changed["team lead headings"]
    assert "Outcome not reviewed in 120 days" in changed["prompt titles"]
    assert "No progress over the last 2 reviews" in changed["prompt titles"]
    assert ">Outcome not reviewed in 120 days</th><td><span class='wb-count'>3<" in changed["internal pack"]
    for pack in ("internal pack", "shared pack"):
        assert "91 days" not in changed[pack] and "120 days" in changed[pack]
    assert "<th scope='row'>No success measure</th><td>2<" in changed["appraisal"]
    assert "<th scope='row'>Not reviewed in 120 days</th><td>3<" in changed["appraisal"]
    assert "<th scope='row'>No progress over the last two reviews</th><td>1<" in changed["appraisal"]
    assert "91 days" not in changed["appraisal"]


def test_a_wrong_threshold_is_refused_naming_the_file_rule_and_field(monkeypatch, tmp_path):
    _deployment_rules(monkeypatch, tmp_path, "not_reviewed:\n  days: ninety\n")
    with pytest.raises(
        rules.RuleBookError, match=r"our-rules.yaml: not_reviewed.days must be a whole number"
    ):
        rules.rule_book()
    _deployment_rules(monkeypatch, tmp_path, "not_reviewd:\n  days: 90\n")
    with pytest.raises(rules.RuleBookError, match=r"no threshold not_reviewd.days"):
        rules.rule_book()
    monkeypatch.setenv(rules.RULES_ENV, str(tmp_path / "missing.yaml"))
    with pytest.raises(rules.RuleBookError, match="not a file"):
        rules.rule_book()


def test_past_target_and_score_gap_follow_their_thresholds():
    """Target dates 30 Mar (1 day before D), 21 Mar (10 days), none: with 5 days' grace only the second."""
    outcomes = pd.DataFrame(
        {"outcome_id": ["T1", "T2", "T3"], "target_date": pd.to_datetime(["2026-03-30", "2026-03-21", None])}
    )
    shipped = rules.RuleBook(91, 3, 0, 3, 9)
    assert rules.past_target_date(outcomes, AT, shipped)["outcome_id"].tolist() == ["T1", "T2"]
    graced = rules.RuleBook(91, 3, 5, 3, 9)
    assert rules.past_target_date(outcomes, AT, graced)[["outcome_id", "days_past"]].values.tolist() == [
        ["T2", 10]
    ]
    # The score gap applies on 0 to 10 (a span of 10), not on GAS (-2 to +2, a span of 4) ...
    assert rules.score_gap_applies(0, 10, shipped) and not rules.score_gap_applies(-2, 2, shipped)
    # ... unless the rule book says spans of 4 will do.
    assert rules.score_gap_applies(-2, 2, rules.RuleBook(91, 3, 0, 3, 4))
