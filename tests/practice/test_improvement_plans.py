"""Improvement plans kept in the store: versions, who may write, the report card and the editors."""

from __future__ import annotations

from datetime import date

import pytest

from workbench.access import AccessRefusedError, Identity
from workbench.measures.service_data import ServiceData
from workbench.practice.improvement_plans import (
    ImprovementPlan,
    PlanAction,
    PlanError,
    card_part_subject,
    latest_plan,
    latest_plans,
    plan_history,
    save_plan,
)
from workbench.publishing.report_card import build_report_card, render_report_card_page
from workbench.store.loading import load_extract

HOPE = Identity("hope.pi", "head_of_practice_improvement", name="Hope PI")
CAT = Identity("cat.example", "team_lead", team_id="T1", worker_id="W3")


@pytest.fixture
def service(store, handworked_dir):
    load_extract(store, handworked_dir)
    return ServiceData(store)


def test_a_plan_is_kept_with_its_history_and_only_the_head_of_pi_writes_it(store):
    first = ImprovementPlan(
        "reviewed",
        target=0.8,
        story="Reviews slip in the summer",
        actions=[PlanAction("Book reviews at the last one", "Team leads", date(2026, 6, 30))],
    )
    one = save_plan(store, HOPE, first)
    second = ImprovementPlan(
        "reviewed",
        target=0.85,
        story="Reviews <b>booked</b> ahead",
        partners="Independent reviewing officers",
        actions=[
            PlanAction("Book reviews at the last one", "Team leads", date(2026, 6, 30), done=True),
            PlanAction("Report weekly", "Performance team"),
        ],
    )
    two = save_plan(store, HOPE, second)
    assert two > one
    history = plan_history(store, "reviewed")
    assert history[["target", "actions", "written_by"]].values.tolist() == [
        [0.8, 1, "hope.pi"],
        [0.85, 2, "hope.pi"],
    ]
    kept = latest_plan(store, "reviewed")
    assert (kept.version_id, kept.target, kept.partners) == (two, 0.85, "Independent reviewing officers")
    assert [(a.action, a.done) for a in kept.actions] == [
        ("Book reviews at the last one", True),
        ("Report weekly", False),
    ]
    assert kept.actions[0].due_date == date(2026, 6, 30)
    assert not latest_plan(store, "reviewed", "Children in North").saved  # another population

    with pytest.raises(AccessRefusedError, match="may not write"):
        save_plan(store, CAT, second)
    with pytest.raises(PlanError, match="no measure 'reviewd'"):
        save_plan(store, HOPE, ImprovementPlan("reviewd", target=0.8))
    with pytest.raises(PlanError, match="action 1 says nothing"):
        save_plan(store, HOPE, ImprovementPlan("reviewed", actions=[PlanAction(" ", "Team leads")]))
    assert len(plan_history(store)) == 2


def test_the_report_card_carries_the_kept_plans_escaped(service):
    store = service.store
    save_plan(
        store, HOPE, ImprovementPlan(card_part_subject("Is anyone better off?"), story="FGCs <i>started</i>")
    )
    save_plan(
        store,
        HOPE,
        ImprovementPlan(
            "achieved",
            target=0.6,
            story="Closing well <script>x</script>",
            partners="Schools",
            actions=[PlanAction("Audit closures", "Quality team", date(2026, 9, 1))],
        ),
    )
    card = build_report_card(service, "All children", plans=latest_plans(store))
    assert card.stories["Is anyone better off?"] == "FGCs <i>started</i>"
    page = render_report_card_page(card)
    assert "FGCs &lt;i&gt;started&lt;/i&gt;" in page and "<script>x" not in page
    assert "Target: <strong>60%</strong>" in page
    assert "Closing well &lt;script&gt;" in page and "Partners: Schools" in page
    assert "<td>Audit closures</td><td>Quality team</td><td>01 September 2026</td><td>open</td>" in page


def test_editors_save_and_find_the_plan_and_stories_again(service, tmp_path):
    from widgets.improvement_plan_editor import ImprovementPlanEditor
    from widgets.report_card_editor import ReportCardEditor

    store = service.store
    editor = ImprovementPlanEditor(store, HOPE, "clear")
    editor.target_box.value = "75%"
    editor.story.value = "Success measures are written at the first meeting"
    row = editor._add_row()
    row.action.value, row.owner.value = "Coach each team", "Practice educators"
    assert editor.save() and "Saved the plan" in editor.message.value
    again = ImprovementPlanEditor(store, HOPE, "clear")
    assert (again.target_box.value, again.story.value) == (
        "75%",
        "Success measures are written at the first meeting",
    )
    assert [r.owner.value for r in again.actions.children] == ["Practice educators"]
    editor.target_box.value = "lots"
    assert editor.save() is None and "not a number" in editor.message.value

    reader = ImprovementPlanEditor(store, CAT, "clear")
    assert reader.story.disabled and reader.save() is None and reader.story.value.startswith("Success")

    card = ReportCardEditor(service, export_folder=tmp_path, identity=HOPE)
    card.stories["How well did we do it?"].value = "Reviews are <b>late</b> in two teams."
    assert card.save_stories() == 1
    reopened = ReportCardEditor(service, export_folder=tmp_path, identity=HOPE)
    assert reopened.stories["How well did we do it?"].value == "Reviews are <b>late</b> in two teams."
    exported = reopened.export().read_text()
    assert "Reviews are &lt;b&gt;late&lt;/b&gt; in two teams." in exported
    assert "Target: <strong>75%</strong>" in exported and "Coach each team" in exported


def test_the_service_overview_trend_draws_the_kept_target(service):
    from widgets.measure_trend_view import MeasureTrendView
    from widgets.service_dashboard import ServiceDashboard
    from workbench.pages.service import dashboard_view

    store = service.store
    save_plan(store, HOPE, ImprovementPlan("reviewed", target=0.9, story="Book reviews ahead"))
    page = ServiceDashboard(dashboard_view("overview", store, date(2026, 3, 31)))
    trend = next(v for v in page.views if isinstance(v, MeasureTrendView))
    assert trend.target == pytest.approx(0.9) and trend.target_box.value == "90%"
    drawn = trend.chart.chart.to_dict()
    targets = [row for data in drawn["datasets"].values() for row in data if row.get("series") == "target"]
    assert {row["value"] for row in targets} == {0.9}
    assert trend.plan.story.value == "Book reviews ahead" and trend.plan.story.disabled  # no viewer: read only
    from widgets.measure_explorer import MeasureExplorer

    explorer = MeasureExplorer(service)
    explorer.measure = "reviewed"
    drawn = explorer.trend_chart.chart.to_dict()
    targets = [row for data in drawn["datasets"].values() for row in data if row.get("series") == "target"]
    assert {row["value"] for row in targets} == {0.9}
