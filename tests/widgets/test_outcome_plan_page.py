"""The plan page without a kernel: scope, coaching, the check, agree, review, conflicts, outputs."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from widgets.outcome_plan_outcome import coaching_html, parse_day
from widgets.outcome_plan_page import OutcomePlanPage
from workbench.access import Identity
from workbench.imports.form_answers import read_form_answers
from workbench.imports.sources import ExtractMapping
from workbench.practice.plans import child_plans
from workbench.publishing.family_plan import family_page_html
from workbench.store.loading import load_extract

MOSAIC_FORMS = Path(__file__).resolve().parents[2] / "data" / "mappings" / "mosaic-forms.yaml"
HEAD = Identity("head", "head_of_practice_improvement", name="Head <b>of</b> PI")
HOSTILE = '<img src=x onerror=alert(1)> & "both"'


@pytest.fixture
def loaded(store, handworked_dir):
    load_extract(store, handworked_dir)
    return store


def _fill(editor, statement: str, *, owner: str = "Mum") -> None:
    editor.statement.value = statement
    editor.whose_words.value = "child"
    editor.success.value = "In school every day for a month"
    editor.domain.value = "education"
    editor.family_baseline.value = "3"
    editor.practitioner_baseline.value = "2"
    editor.target_score.value = "8"
    editor.target_date.value = "30/06/2026"
    row = editor.actions_box.children[0]
    row.owner_kind.value, row.owner_name.value = "family_member", owner
    row.action.value, row.by_date.value = "Walk to school together", "01/02/2026"
    row.intervention.value, row.evidence_level.value = "Family Nurse Partnership", "level_4"


def test_a_practitioner_cannot_open_a_child_outside_their_caseload(loaded):
    worker = Identity("w", "practitioner", worker_id="W2")
    page = OutcomePlanPage(loaded, worker)
    page.open_child("C1")
    assert page.status.startswith("No child C1") and page.plan is None


def test_write_agree_review_and_the_outputs(loaded, tmp_path):
    page = OutcomePlanPage(loaded, HEAD)
    assert "Head &lt;b&gt;of&lt;/b&gt; PI" in page.children[1].value
    page.open_child("C1")
    assert page.plan is not None and page.plan.version == 0
    first = page.outcomes_box.children[0]
    first.statement.value = "Support with school"
    assert "Ask:" in first.coach.value  # coached as typed
    page.save(agree=True)
    assert page.status.startswith("not agreed") and page.plan.version == 0
    _fill(first, HOSTILE)
    page.meeting_type.value, page.meeting_date.value = "fgc", "01/10/2025"
    page.family_agreed.value = True
    page.save(agree=True)
    assert page.status == "Version 1 agreed.", page.status
    assert html.escape(HOSTILE) in page.case_view.value and HOSTILE not in page.case_view.value
    page.family_page()
    assert page.family_pdf.startswith(b"%PDF") and html.escape(HOSTILE) in page.family_html
    assert "wb-plan-download" in page.downloads.value
    page.export()
    # Written through the page, read back through the Mosaic mapping: the same outcome, as typed.
    for name, text in page.export_files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    problems: list = []
    back = read_form_answers(tmp_path, ExtractMapping.load(MOSAIC_FORMS).forms, problems)
    assert problems == [] and list(back.frames["outcomes"]["statement"]) == [HOSTILE]
    assert list(back.frames["outcomes"]["outcome_id"]) == [f"{page.plan.plan_id}-{page.plan.outcomes[0].key}"]
    # The next meeting: new scores beside the old, a decision each.
    page.start_review()
    review = page.outcomes_box.children[0]
    earlier = [c.value for c in review.children if "wb-plan-earlier" in str(getattr(c, "value", ""))]
    assert earlier and "01/10/2025: family 3, worker 2" in earlier[0]
    page.meeting_type.value, page.meeting_date.value = "family_meeting", "15/01/2026"
    review.family_score.value, review.practitioner_score.value = "6", "5"
    page.save(agree=True)
    assert page.status == "Version 2 agreed.", page.status
    assert "6 out of 10" in family_page_html(page.plan, page.history[:1])


def test_two_pages_editing_at_once_lose_nothing(loaded):
    other = Identity("other", "head_of_practice_improvement")
    one, two = OutcomePlanPage(loaded, HEAD), OutcomePlanPage(loaded, other)
    one.open_child("C1")
    _fill(one.outcomes_box.children[0], "I get to school on time")
    one.meeting_type.value, one.meeting_date.value = "fgc", "01/10/2025"
    one.save(agree=False)
    two.open_child("C1")
    one.outcomes_box.children[0].success.value = "One: on time every day"
    two.outcomes_box.children[0].success.value = "Two: no lates this term"
    two.append_outcome().statement.value = "Two: I sleep better"
    two.save(agree=False)
    one.save(agree=False)
    assert one.status.startswith("changed by someone else"), one.status
    assert "One: on time every day" in one.result.value and "Two: no lates this term" in one.result.value
    statements = [e.statement.value for e in one.outcomes_box.children]
    assert statements == ["I get to school on time", "Two: I sleep better"]
    one.save(agree=False)
    assert one.status == "Version 3 saved as a draft."


def test_dates_and_coaching_words():
    assert parse_day("15/01/2026") == parse_day("2026-01-15") == "2026-01-15"
    with pytest.raises(ValueError, match="15/01/2026"):
        parse_day("next week")
    assert "<script>" not in coaching_html("<script>x</script> will be supported")


def test_a_plan_opened_from_a_meeting_in_the_record_belongs_to_it(loaded):
    page = OutcomePlanPage(loaded, HEAD)
    page.open_child("C1")
    (label, meeting), *_ = [o for o in page.recorded_meeting.options if o[1]]
    page.recorded_meeting.value = meeting
    assert page.meeting_type.value and page.meeting_date.value and label.endswith(page.meeting_date.value)
    _fill(page.outcomes_box.children[0], "I get to school on time every day")
    page.family_agreed.value = True
    page.save(agree=True)
    assert page.plan.meeting_id == meeting, page.status
    with loaded.engine.connect() as conn:
        agreed_at = conn.exec_driver_sql(
            "SELECT agreed_meeting_id FROM outcomes WHERE outcome_id LIKE 'WBP-%'"
        ).scalar()
    assert agreed_at == meeting


def test_two_people_starting_the_same_childs_plan_end_up_with_one_plan(loaded):
    one, two = (
        OutcomePlanPage(loaded, HEAD),
        OutcomePlanPage(loaded, Identity("other", "head_of_practice_improvement")),
    )
    one.open_child("C1")
    two.open_child("C1")
    _fill(one.outcomes_box.children[0], "One: I get to school on time")
    _fill(two.outcomes_box.children[0], "Two: I sleep better")
    for page in (one, two):
        page.meeting_type.value, page.meeting_date.value = "fgc", "01/10/2025"
        page.save(agree=False)
    assert one.status == "Version 1 saved as a draft." and two.status.startswith("changed by someone else")
    statements = sorted(e.statement.value for e in two.outcomes_box.children)
    assert statements == ["One: I get to school on time", "Two: I sleep better"]
    two.save(agree=False)
    assert two.status == "Version 2 saved as a draft." and two.plan.plan_id == one.plan.plan_id
    assert len(child_plans(loaded, ["C1"])) == 1
