"""The supervision dashboard in Voila and Chromium: record a supervision, reload, find the record."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest

from workbench.cli.serving import DASHBOARDS_DIR
from workbench.measures.filters import DEMO_AT
from workbench.practice.supervision import caseload_sizes
from workbench.store.engine import Store

from .rig import (
    SCREENSHOTS,
    assert_no_error_output,
    external_requests,
    wait_for_chart,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CHART = ".wb-supervision-chart"
#: The demo identities (data/demo-identities.yaml): no deployment identity file, no deployment user.
DEMO_ENV = {"WORKBENCH_IDENTITY_FILE": None, "WORKBENCH_USER": None, "WORKBENCH_DEMO_USER": None}


def test_a_recorded_supervision_is_there_after_a_reload(voila, page, tmp_path):
    # A copy of the session's demo store: the record written here must not leak into other tests.
    store = tmp_path / "store.sqlite"
    shutil.copy(os.environ["WORKBENCH_STORE"].removeprefix("sqlite:///"), store)
    server = voila(
        DASHBOARDS_DIR / "supervision.ipynb",
        # No identity file: the demo identity, by default the Head of Practice Improvement.
        env={"WORKBENCH_STORE": f"sqlite:///{store}", **DEMO_ENV},
    )
    page.goto(server.url, wait_until="commit")
    assert wait_for_chart(page, timeout=120_000, within=CHART) > 0
    wait_for_voila_rendered(page)
    assert_no_error_output(page)
    worker = page.locator(".wb-supervision-worker select").input_value()
    assert page.locator(".wb-supervision-caseload h1").inner_text().startswith("Supervision: ")
    assert page.locator(".wb-supervision-caseload .wb-prompt").count() > 0
    assert "Recording as Head of Practice Improvement (demo)" in page.inner_text(".wb-supervision")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "supervision-dashboard-top.png", full_page=False)

    note = f"Talked through every child; <b>escaped</b> {uuid.uuid4().hex[:8]}"
    page.locator(".wb-supervision-discussed textarea").fill(note)
    page.locator(".wb-supervision-challenged textarea").fill("Outcome 2 has not moved in three reviews")
    page.locator("button.wb-supervision-save").click()
    page.wait_for_function(
        "() => document.querySelector('.wb-supervision-message').innerText.includes('Saved supervision record')"
    )
    page.screenshot(path=SCREENSHOTS / "supervision-dashboard.png", full_page=False)

    page.reload(wait_until="commit")
    wait_for_chart(page, timeout=120_000, within=CHART)
    wait_for_voila_rendered(page)
    assert page.locator(".wb-supervision-worker select").input_value() == worker
    records = page.locator(".wb-supervision-records")
    assert note in records.inner_text()  # shown as text: the tags were escaped
    assert records.locator("b").count() == 0
    assert "with demo-head-of-pi" in records.inner_text()
    assert "Outcome 2 has not moved in three reviews" in records.inner_text()
    records.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "supervision-dashboard-records.png", full_page=False)
    assert external_requests(page) == []


def test_a_team_lead_chooses_only_their_teams_workers(voila, page):
    """demo-team-lead leads T16: the chooser holds T16's workers with a caseload, and no other."""
    store = Store(os.environ["WORKBENCH_STORE"])
    workers = store.read_table("workers", ["worker_id", "team_id"])
    sizes = caseload_sizes(store, DEMO_AT)
    t16 = set(workers.loc[workers["team_id"] == "T16", "worker_id"]) & set(sizes["worker_id"])
    assert t16 and len(t16) < len(sizes)
    server = voila(
        DASHBOARDS_DIR / "supervision.ipynb", env={**DEMO_ENV, "WORKBENCH_DEMO_USER": "demo-team-lead"}
    )
    page.goto(server.url, wait_until="commit")
    wait_for_chart(page, timeout=120_000, within=CHART)
    wait_for_voila_rendered(page)
    assert_no_error_output(page)
    offered = page.eval_on_selector_all(
        ".wb-supervision-worker select option", "options => options.map(o => o.value)"
    )
    # ipywidgets' Dropdown sends option indexes as values; the labels carry the worker ids.
    labels = page.eval_on_selector_all(
        ".wb-supervision-worker select option", "options => options.map(o => o.textContent)"
    )
    assert len(offered) == len(t16)
    assert {label.split("(")[1].split(")")[0] for label in labels} == t16
    assert "Viewing as Farah Fisher" in page.inner_text(".wb-viewer")
    page.screenshot(path=SCREENSHOTS / "supervision-dashboard-team-lead.png", full_page=False)
    assert external_requests(page) == []


def test_an_action_set_in_supervision_is_open_at_the_next_and_on_the_team_leads_page(voila, page, tmp_path):
    """An action set in supervision comes back: at the next supervision, and on the team lead page.

    One journey as demo-team-lead (T16): challenge an outcome, set an action about it, save; the
    page opened afresh for the same worker (the next supervision) lists it open; the team lead's
    page lists it too.
    """
    store = tmp_path / "store.sqlite"
    shutil.copy(os.environ["WORKBENCH_STORE"].removeprefix("sqlite:///"), store)
    server = voila(
        DASHBOARDS_DIR,
        env={"WORKBENCH_STORE": f"sqlite:///{store}", **DEMO_ENV, "WORKBENCH_DEMO_USER": "demo-team-lead"},
    )
    page.goto(server.notebook_url("supervision.ipynb"), wait_until="commit")
    wait_for_chart(page, timeout=120_000, within=CHART)
    wait_for_voila_rendered(page)
    assert_no_error_output(page)
    outcome = page.locator(".wb-supervision-outcome select")
    outcome_label = outcome.locator("option").nth(1).inner_text()
    outcome.select_option(index=1)
    page.locator(".wb-supervision-stance button", has_text="Challenged").click()
    page.locator(".wb-supervision-outcome-note input").fill("Scores have not moved: <b>is it the family's goal?</b>")
    page.locator("button.wb-supervision-add-outcome").click()
    action = f"Agree a success measure with the family {uuid.uuid4().hex[:6]}"
    page.locator(".wb-supervision-action-text input").fill(action)
    page.locator(".wb-supervision-action-due input").fill("2027-01-15")
    about = page.locator(".wb-supervision-action-about select")
    about.select_option(index=about.locator("option").all_inner_texts().index(outcome_label))
    page.locator("button.wb-supervision-add-action").click()
    page.wait_for_function(
        "(a) => document.querySelector('.wb-supervision-pending').innerText.includes(a)", arg=action
    )
    assert page.locator(".wb-supervision-pending b").count() == 0  # the note is escaped
    page.locator(".wb-supervision-pending").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "supervision-record-by-outcome.png", full_page=False)
    page.locator("button.wb-supervision-save").click()
    page.wait_for_function(
        "() => document.querySelector('.wb-supervision-message').innerText.includes('Saved supervision record')"
    )

    # The next supervision: the page opened afresh (a new kernel) lists the action open, and the record.
    page.reload(wait_until="commit")
    wait_for_chart(page, timeout=120_000, within=CHART)
    wait_for_voila_rendered(page)
    for shown in (".wb-supervision-open-actions", ".wb-supervision-records"):
        page.wait_for_function(
            "([css, a]) => document.querySelector(css).innerText.includes(a)", arg=[shown, action]
        )
    open_actions = page.locator(".wb-supervision-open-actions")
    assert action in open_actions.inner_text() and "due 15 Jan 2027" in open_actions.inner_text()
    records = page.locator(".wb-supervision-records").inner_text()
    assert "Challenged" in records and "<b>is it the family's goal?</b>" in records
    assert outcome_label.split(",")[0] in records  # the child whose outcome it was
    open_actions.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "supervision-open-actions.png", full_page=False)

    # The team lead's page, in a kernel of its own: the action is among the team's open ones.
    page.goto(server.notebook_url("team-lead.ipynb"), wait_until="commit")
    wait_for_chart(page, timeout=120_000, within=".wb-headline-chart")
    wait_for_voila_rendered(page)
    assert_no_error_output(page)
    section = page.locator(".wb-team-supervision")
    assert action in section.inner_text()
    assert outcome_label.split(",")[0] in section.inner_text()  # the child it is about
    assert "Outcomes discussed in supervision" in section.inner_text()
    section.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "team-lead-supervision.png", full_page=False)
    assert external_requests(page) == []
