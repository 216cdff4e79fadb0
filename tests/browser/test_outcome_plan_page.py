"""The outcome plan page in Voila and Chromium, as a chair uses it in a meeting: with the keyboard only.

Writes a plan of three outcomes, sees the coaching flag on a vague one, agrees the plan, prints
the family's page, reopens the plan at the next meeting, scores it, and finds the outcomes and
scores in ``workbench measures --json``. axe checks the plan page and the family's page.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.publishing.test_family_plan import MOSAIC_FORMS, pdf_text_runs
from workbench.cli.serving import DASHBOARDS_DIR
from workbench.imports.form_answers import read_form_answers
from workbench.imports.sources import ExtractMapping
from workbench.measures.service_data import ServiceData
from workbench.store.engine import Store

from .rig import ROOT, assert_no_error_output, external_requests, screenshot_whole, wait_for_voila_rendered
from .test_dashboard_quality import run_axe

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

DEMO_ENV = {"WORKBENCH_IDENTITY_FILE": None, "WORKBENCH_USER": None, "WORKBENCH_DEMO_USER": None}
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)> Gran & \"Pops\""
SHOTS = Path(os.environ.get("WORKBENCH_PLAN_SHOTS", ROOT / "test-artifacts" / "screenshots"))


def _measures(url: str) -> dict[str, dict]:
    done = subprocess.run(
        [sys.executable, "-c", "from workbench.cli.app import main; main()", "measures", "--json", "--store", url],
        capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return {row["measure"]: row for row in json.loads(done.stdout)}


def _tab_to(page: Page, selector: str, index: int = 0, limit: int = 400) -> None:
    """Press Tab until the focus is in the ``index``-th element matching ``selector``."""
    script = """([selector, index]) => {
        const target = document.querySelectorAll(selector)[index];
        return !!target && (target === document.activeElement || target.contains(document.activeElement));
    }"""
    for _ in range(limit):
        if page.evaluate(script, [selector, index]):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector} [{index}]")


def _type(page: Page, selector: str, text: str, index: int = 0) -> None:
    _tab_to(page, selector, index)
    page.keyboard.type(text)


def _write_outcome(page: Page, n: int, statement: str, owner: tuple[str, str], extra: str = "") -> None:
    """Write outcome ``n`` (0-based) field by field; ``extra`` is added to each free-text field."""
    outcome = f".wb-plan-outcome:nth-child({n + 1})"
    _type(page, f"{outcome} .wb-plan-statement", statement)
    _type(page, f"{outcome} .wb-plan-whose", "The child")
    _type(page, f"{outcome} .wb-plan-success", f"In school every day for four weeks{extra}")
    _type(page, f"{outcome} .wb-plan-domain", "Getting")
    _type(page, f"{outcome} .wb-plan-family-baseline", "3")
    _type(page, f"{outcome} .wb-plan-practitioner-baseline", "2")
    _type(page, f"{outcome} .wb-plan-target", "8")
    _type(page, f"{outcome} .wb-plan-target-date", "30/06/2026")
    _type(page, f"{outcome} .wb-plan-owner-kind", owner[0])
    _type(page, f"{outcome} .wb-plan-owner-name", owner[1])
    _type(page, f"{outcome} .wb-plan-action", f"Walk to school together on Mondays{extra}")
    _type(page, f"{outcome} .wb-plan-by-date", "15/12/2025")
    _type(page, f"{outcome} .wb-plan-intervention", f"Family Nurse Partnership{extra}")
    _type(page, f"{outcome} .wb-plan-evidence", "Foundations level 4")


def _press(page: Page, button: str) -> None:
    _tab_to(page, f"button{button}")
    # As a person would: a moment after typing. ipywidgets holds back state updates while the
    # kernel is busy, and a button's click is not held back, so it could overtake the last words.
    page.wait_for_timeout(500)
    page.keyboard.press("Enter")


def test_a_chair_writes_agrees_prints_and_reviews_a_plan(voila, page, tmp_path):
    store_path = tmp_path / "store.sqlite"
    shutil.copy(os.environ["WORKBENCH_STORE"].removeprefix("sqlite:///"), store_path)
    url = f"sqlite:///{store_path}"
    data = ServiceData(Store(url))
    at = str(Store(url).data_date())
    involvements = data.involvements
    open_now = involvements[(involvements["start_date"].astype(str) <= "2025-06-01")
                            & involvements["end_date"].isna()]  # fmt: skip
    child = str(open_now.sort_values("child_id").iloc[0]["child_id"])
    before = _measures(url)
    server = voila(DASHBOARDS_DIR / "outcome-plan.ipynb", env={"WORKBENCH_STORE": url, **DEMO_ENV})
    page.goto(server.url, wait_until="commit")
    wait_for_voila_rendered(page, timeout=120_000)
    assert_no_error_output(page)

    _type(page, ".wb-plan-child input", child)
    _press(page, ".wb-plan-open")
    expect(page.locator(".wb-plan-note")).to_contain_text("No plan yet", timeout=30_000)
    _type(page, ".wb-plan-meeting-type", "Family g")
    _type(page, ".wb-plan-meeting-date", "01/12/2025")
    _tab_to(page, ".wb-plan-family-agreed input")
    page.keyboard.press("Space")
    _tab_to(page, ".wb-plan-network input")
    page.keyboard.press("Space")
    dialogs: list[str] = []  # an alert would mean typed text ran as script
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # Hostile text in every free-text field of the first outcome (and its owner, and later its why).
    _write_outcome(page, 0, f"I want to be in school every day {HOSTILE}", ("Someone in the wider", HOSTILE),
                   f" {HOSTILE}")  # fmt: skip
    _press(page, ".wb-plan-add-outcome")
    expect(page.locator(".wb-plan-outcome")).to_have_count(2)
    _write_outcome(page, 1, "Mum and I will argue less at bedtime", ("Someone in the family", "Mum"))
    _press(page, ".wb-plan-add-outcome")
    expect(page.locator(".wb-plan-outcome")).to_have_count(3)
    _type(page, ".wb-plan-outcome:nth-child(3) .wb-plan-statement", "Support with school")
    coach = page.locator(".wb-plan-outcome:nth-child(3) .wb-plan-coaching")
    expect(coach).to_contain_text("Ask:")  # the vague outcome is coached as it is typed
    _write_outcome(page, 2, "", ("A practitioner", "Sam (school nurse)"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    screenshot_whole(page, SHOTS / "outcome-plan-writing.png")
    _press(page, ".wb-plan-agree")
    expect(page.locator(".wb-plan-result")).to_contain_text("Version 1 agreed", timeout=30_000)
    # Hostile text is text: shown as typed, nothing injected.
    case = page.locator(".wb-plan-case")
    expect(case).to_contain_text(HOSTILE)
    # Statement, success, owner, action and intervention: each shows as typed, none as markup.
    assert case.inner_text().count(HOSTILE) == 5, case.inner_text()
    assert page.locator(".wb-outcome-plan img").count() == 0
    assert page.locator(".wb-outcome-plan script").count() == 0
    screenshot_whole(page, SHOTS / "outcome-plan-agreed.png")
    serious = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious, indent=1)

    # The family's page: made, downloaded with the keyboard, accessible.
    _press(page, ".wb-plan-family")
    expect(page.locator(".wb-plan-downloads a")).to_have_count(2, timeout=60_000)
    with page.expect_download() as pdf_download:
        _tab_to(page, ".wb-plan-downloads a")
        page.keyboard.press("Enter")
    pdf = Path(pdf_download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    # In the PDF, the statement's words come out as typed (glyphs, spaces aside).
    runs = [re.sub(r"\s", "", run) for run in pdf_text_runs(pdf)]
    assert any(re.sub(r"\s", "", f"I want to be in school every day {HOSTILE}") in run for run in runs)
    with page.expect_download() as html_download:
        _tab_to(page, ".wb-plan-downloads a", 1)
        page.keyboard.press("Enter")
    family_html = Path(html_download.value.path()).read_text(encoding="utf-8")
    assert html.escape(HOSTILE) in family_html
    # The page's own CSP forbids every script, axe's too: read it in a context that lets axe in.
    reader = page.context.browser.new_context(bypass_csp=True)
    family = reader.new_page()
    family.set_content(family_html)
    assert family.inner_text("main").count(HOSTILE) >= 5 and family.locator("img").count() == 0
    family.screenshot(path=SHOTS / "outcome-plan-family-page.png", full_page=True)
    serious = [v for v in run_axe(family) if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious, indent=1)
    reader.close()

    # The export, downloaded as the chair would, reads back through the Mosaic mapping as typed.
    _press(page, ".wb-plan-export")
    expect(page.locator(".wb-plan-downloads a")).to_have_count(3, timeout=60_000)
    exported = tmp_path / "export"
    exported.mkdir()
    for n in range(3):
        with page.expect_download() as download:
            _tab_to(page, ".wb-plan-downloads a", n)
            page.keyboard.press("Enter")
        name = download.value.suggested_filename.split("-", 2)[-1]  # "<plan id>-form_answers.csv"
        download.value.save_as(exported / name)
    problems: list = []
    back = read_form_answers(exported, ExtractMapping.load(MOSAIC_FORMS).forms, problems)
    assert problems == []
    written = back.frames["outcomes"]
    assert len(written) == 3 and f"I want to be in school every day {HOSTILE}" in set(written["statement"])
    assert f"In school every day for four weeks {HOSTILE}" in set(written["success_looks_like"])

    # The next meeting: new scores beside the old; achieved, changed (with why), carried on.
    _press(page, ".wb-plan-review")
    expect(page.locator(".wb-plan-earlier")).to_have_count(3)
    screenshot_whole(page, SHOTS / "outcome-plan-review-opened.png")
    expect(page.locator(".wb-plan-earlier").first).to_contain_text("01/12/2025: family 3, worker 2")
    _type(page, ".wb-plan-meeting-type", "Family m")
    _type(page, ".wb-plan-meeting-date", "20/03/2026")
    for n, decision in enumerate(("Carried", "Achieved", "Changed")):
        outcome = f".wb-plan-outcome:nth-child({n + 1})"
        _type(page, f"{outcome} .wb-plan-decision", decision)
        _type(page, f"{outcome} .wb-plan-family-score", "6")
        _type(page, f"{outcome} .wb-plan-practitioner-score", "5")
    _tab_to(page, ".wb-plan-outcome:nth-child(3) .wb-plan-statement")
    page.keyboard.press("Control+A")
    page.keyboard.type("I get help with reading twice a week and can read a chapter book by summer")
    _type(page, ".wb-plan-outcome:nth-child(3) .wb-plan-why", "The family said reading is what matters")
    _press(page, ".wb-plan-agree")
    expect(page.locator(".wb-plan-result")).to_contain_text("Version 2 agreed", timeout=30_000)
    screenshot_whole(page, SHOTS / "outcome-plan-reviewed.png")
    assert external_requests(page) == [] and dialogs == []

    after = _measures(url)
    assert at == "2026-03-31"

    def moved(measure: str) -> tuple[int, int]:
        return (after[measure]["numerator"] - before[measure]["numerator"],
                after[measure]["denominator"] - before[measure]["denominator"])  # fmt: skip

    # Worked by hand (D = 2026-03-31): outcomes 1 and 3 (its new wording) are active at D, with a
    # success measure, a baseline and the family's agreement; outcome 2 was achieved in the year
    # to D; all three were agreed in the year to D-90 and none was replaced within 90 days;
    # outcome 1, agreed before D-91, has a scored review in (D-91, D].
    assert moved("clear") == (2, 2)
    assert moved("consensual") == (2, 2)
    assert moved("constant") == (3, 3)
    assert moved("reviewed") == (1, 1)
    assert moved("achieved") == (1, 1)

    # Two people at the next meeting edit the same plan at once: the second save is told, and
    # the page shows both people's changes; nothing either typed is lost.
    other = page.context.new_page()
    other.goto(server.url, wait_until="commit")
    wait_for_voila_rendered(other, timeout=120_000)
    _press(page, ".wb-plan-review")
    _type(other, ".wb-plan-child input", child)
    _press(other, ".wb-plan-open")
    expect(other.locator(".wb-plan-note")).to_contain_text("version 2, agreed", timeout=30_000)
    _press(other, ".wb-plan-review")
    for editor, words in ((page, "First chair's note"), (other, "Second chair's note")):
        _type(editor, ".wb-plan-meeting-date", "25/03/2026")
        _type(editor, ".wb-plan-outcome:nth-child(1) .wb-plan-why", words)
    _press(page, ".wb-plan-save")
    expect(page.locator(".wb-plan-result")).to_contain_text("Version 3 saved as a draft", timeout=30_000)
    _press(other, ".wb-plan-save")
    conflict = other.locator(".wb-plan-result")
    expect(conflict).to_contain_text("saved this plan while you were editing", timeout=30_000)
    expect(conflict).to_contain_text("First chair's note")
    expect(conflict).to_contain_text("Second chair's note")
    screenshot_whole(other, SHOTS / "outcome-plan-two-people.png")
