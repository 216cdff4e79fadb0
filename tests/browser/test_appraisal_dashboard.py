"""The appraisal page in Voila and Chromium: the appraisee and their manager each write and save.

One journey on a copy of the demo store. As demo-practitioner (W0184) the appraisee writes their
own words, picks two cases and saves; a reload finds both. As demo-team-lead (T16, W0184's team
lead) the manager opens W0184's appraisal, finds the appraisee's words and cases, adds theirs and
saves; a reload finds the manager's words beside the appraisee's. Who is writing comes from the
server's identity, never from the page.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest

from workbench.cli.serving import DASHBOARDS_DIR

from .rig import SCREENSHOTS, assert_no_error_output, external_requests, wait_for_voila_rendered

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

#: The demo identities (data/demo-identities.yaml): no deployment identity file, no deployment user.
DEMO_ENV = {"WORKBENCH_IDENTITY_FILE": None, "WORKBENCH_USER": None, "WORKBENCH_DEMO_USER": None}
APPRAISEE = "W0184"  # demo-practitioner, in T16


def _open(page, server) -> None:
    page.goto(server.url, wait_until="commit")
    page.locator(".wb-appraisal-page h1, .wb-appraisal-page h2").first.wait_for(timeout=120_000)
    wait_for_voila_rendered(page)
    assert_no_error_output(page)


def _chosen_cases(page) -> list[str]:
    return page.eval_on_selector_all(
        ".wb-appraisal-cases select option", "options => options.filter(o => o.selected).map(o => o.value)"
    )


def _saved(page) -> None:
    page.locator(".wb-appraisal-message", has_text="Saved (version").wait_for(timeout=30_000)


def test_the_appraisee_and_the_manager_write_save_and_find_their_words_after_a_reload(voila, page, tmp_path):
    store = tmp_path / "store.sqlite"
    shutil.copy(os.environ["WORKBENCH_STORE"].removeprefix("sqlite:///"), store)
    env = {"WORKBENCH_STORE": f"sqlite:///{store}", **DEMO_ENV}
    tag = uuid.uuid4().hex[:6]

    # The appraisee: their own appraisal opens, they write, pick two cases and save.
    appraisee = voila(
        DASHBOARDS_DIR / "appraisal.ipynb", env={**env, "WORKBENCH_DEMO_USER": "demo-practitioner"}
    )
    _open(page, appraisee)
    assert page.locator(".wb-appraisal-worker select option:checked").inner_text().endswith(f"({APPRAISEE})")
    words = f"Helped the Ks back to school; <b>proud</b> of it {tag}"
    page.locator(".wb-appraisal-words textarea").fill(words)
    page.locator(".wb-appraisal-cases select").select_option(index=[0, 1])
    chosen = _chosen_cases(page)
    assert len(chosen) == 2
    page.locator("button.wb-appraisal-save").click()
    _saved(page)

    page.reload(wait_until="commit")
    page.locator(".wb-appraisal-page h1, .wb-appraisal-page h2").first.wait_for(timeout=120_000)
    wait_for_voila_rendered(page)
    assert page.locator(".wb-appraisal-words textarea").input_value() == words
    assert _chosen_cases(page) == chosen
    narrative = page.locator(".wb-narrative")
    assert words in narrative.inner_text() and narrative.locator("b").count() == 0  # escaped
    labels = page.eval_on_selector_all(
        ".wb-appraisal-cases select option",
        "options => options.filter(o => o.selected).map(o => o.textContent)",
    )
    chosen_text = page.locator(".wb-chosen-cases").inner_text()
    assert all(label.split(":")[0] in chosen_text for label in labels)

    # The manager: demo-team-lead opens the appraisee's appraisal and finds their words.
    manager = voila(DASHBOARDS_DIR / "appraisal.ipynb", env={**env, "WORKBENCH_DEMO_USER": "demo-team-lead"})
    _open(page, manager)
    worker = page.locator(".wb-appraisal-worker select")
    offered = worker.locator("option").all_inner_texts()
    worker.select_option(index=next(i for i, text in enumerate(offered) if text.endswith(f"({APPRAISEE})")))
    page.locator(".wb-narrative", has_text=tag).wait_for(timeout=60_000)
    assert page.locator(".wb-appraisal-words textarea").input_value() == ""  # the manager's own voice
    note = f"A year of steady, family-led work {tag}"
    page.locator(".wb-appraisal-words textarea").fill(note)
    page.locator("button.wb-appraisal-save").click()
    _saved(page)

    page.reload(wait_until="commit")
    page.locator(".wb-appraisal-page h1, .wb-appraisal-page h2").first.wait_for(timeout=120_000)
    wait_for_voila_rendered(page)
    worker = page.locator(".wb-appraisal-worker select")
    worker.select_option(index=next(i for i, text in enumerate(offered) if text.endswith(f"({APPRAISEE})")))
    page.locator(".wb-manager-words", has_text=note).wait_for(timeout=60_000)
    assert page.locator(".wb-appraisal-words textarea").input_value() == note
    assert words in page.locator(".wb-narrative").inner_text()
    assert all(label.split(":")[0] in page.locator(".wb-chosen-cases").inner_text() for label in labels)
    assert_no_error_output(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".wb-appraisal-writing").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "appraisal-dashboard.png", full_page=False)
    assert external_requests(page) == []
