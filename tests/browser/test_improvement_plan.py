"""The Head of Practice Improvement keeps a plan on the service overview: save, reload, find it again."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest

from workbench.cli.serving import DASHBOARDS_DIR
from workbench.practice.improvement_plans import latest_plan
from workbench.store.engine import Store

from .rig import (
    SCREENSHOTS,
    assert_no_error_output,
    external_requests,
    wait_for_chart,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TREND = ".wb-trend-chart"
#: The demo identities: by default the Head of Practice Improvement, who writes the plans.
DEMO_ENV = {"WORKBENCH_IDENTITY_FILE": None, "WORKBENCH_USER": None, "WORKBENCH_DEMO_USER": None}


def test_a_saved_target_and_story_are_there_after_a_reload(voila, page, tmp_path):
    # A copy of the session's demo store: the plan written here must not leak into other tests.
    path = tmp_path / "store.sqlite"
    shutil.copy(os.environ["WORKBENCH_STORE"].removeprefix("sqlite:///"), path)
    server = voila(
        DASHBOARDS_DIR / "service-overview.ipynb", env={"WORKBENCH_STORE": f"sqlite:///{path}", **DEMO_ENV}
    )
    page.goto(server.url, wait_until="commit")
    wait_for_chart(page, timeout=120_000, within=TREND)
    wait_for_voila_rendered(page)
    plan = page.locator(".wb-improvement-plan")
    assert "Improvement plan: Reviewed" in plan.inner_text()

    story = f"Reviews slipped when two teams lost staff; <b>booked</b> ahead since {uuid.uuid4().hex[:6]}"
    page.locator(".wb-trend-target input").fill("85%")
    page.locator(".wb-plan-story textarea").fill(story)
    page.locator("button.wb-plan-add-action").click()
    page.locator(".wb-plan-action input").fill("Book each review at the last one")
    page.locator(".wb-plan-owner input").fill("Team leads")
    page.locator("button.wb-plan-save").click()
    page.locator(".wb-plan-message", has_text="Saved the plan").wait_for(timeout=30_000)
    kept = latest_plan(Store(f"sqlite:///{path}"), "reviewed")
    assert (kept.target, kept.story, kept.written_by) == (0.85, story, "demo-head-of-pi")

    page.reload(wait_until="commit")
    wait_for_chart(page, timeout=120_000, within=TREND)
    wait_for_voila_rendered(page)
    assert page.locator(".wb-trend-target input").input_value() == "85%"
    assert page.locator(".wb-plan-story textarea").input_value() == story
    assert page.locator(".wb-plan-owner input").input_value() == "Team leads"
    assert "saved by demo-head-of-pi on" in page.locator(".wb-plan-kept").inner_text()
    assert_no_error_output(page)
    plan.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "improvement-plan.png", full_page=False)
    assert external_requests(page) == []
