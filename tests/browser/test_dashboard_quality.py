"""Every dashboard in ``dashboards/`` (found by glob, so new ones are covered): accessible, offline, sound.

For each dashboard served as production serves it:
- the page says it is loading, in words, while the kernel computes, and that text goes when ready;
- no cell failed and no request left the machine;
- axe-core (pinned in ``tests/browser/axe/package-lock.json``, installed by ``make test`` with
  ``npm ci``, injected from disk) finds no serious or critical violation;
- every chart has a text alternative (an ``aria-label`` on its SVG) or a table beside it.

And on the service overview: a keyboard user tabs to the locality filter, changes it with the
arrow keys, and the chart follows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.cli.serving import DASHBOARDS_DIR

from .rig import (
    RIG_DIR,
    SCREENSHOTS,
    VoilaServer,
    assert_no_error_output,
    external_requests,
    mark_labels,
    screenshot_whole,
    start_voila,
    wait_for_chart,
    wait_for_marks_to_change,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

AXE = RIG_DIR / "axe" / "node_modules" / "axe-core" / "axe.min.js"
DASHBOARDS = sorted(path.name for path in DASHBOARDS_DIR.glob("*.ipynb"))
#: axe rules switched off, each with its reason. None so far.
AXE_RULES_OFF: dict[str, str] = {}


@pytest.fixture(scope="module")
def dashboards(tmp_path_factory) -> Iterator[VoilaServer]:
    with start_voila(DASHBOARDS_DIR, tmp_path_factory.mktemp("voila")) as server:
        yield server


def loading_text(name: str) -> str:
    """The loading text a dashboard's metadata asks for (the template's default otherwise)."""
    metadata = json.loads((DASHBOARDS_DIR / name).read_text())["metadata"]
    return metadata.get("workbench", {}).get("loading", "Loading the page…")


def run_axe(page) -> list[dict]:
    """Run axe-core on the page; return its violations as plain dicts."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make axe` (npm ci in tests/browser/axe)")
    page.add_script_tag(path=str(AXE))
    rules = {rule: {"enabled": False} for rule in AXE_RULES_OFF}
    return page.evaluate(
        """async (rules) => {
            const result = await axe.run(document, {resultTypes: ["violations"], rules});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }""",
        rules,
    )


def charts_without_text(page) -> list[str]:
    """Charts with neither an aria-label on their SVG nor a table in the widget around them."""
    return page.evaluate(
        """() => [...document.querySelectorAll(".vega-embed")].filter(chart => {
            const svg = chart.querySelector("svg");
            const label = svg && (svg.getAttribute("aria-label") || "").trim();
            let box = chart.parentElement;
            for (let i = 0; i < 4 && box; i++) box = box.parentElement;  // the view holding the chart
            const table = box && box.querySelector("table caption");
            return !label && !table;
        }).map(chart => chart.parentElement.className)"""
    )


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_loads_accessibly_and_offline(dashboards, page, name):
    page.goto(dashboards.notebook_url(name), wait_until="commit")
    # The loading state: words, not only a spinner, while the kernel computes.
    loading = page.locator("#loading .wb-loading")
    loading.wait_for(state="visible", timeout=30_000)
    assert loading.inner_text() == loading_text(name)
    wait_for_voila_rendered(page, timeout=120_000)
    assert page.locator("#loading").count() == 0, "the loading text stayed after the page was ready"
    if page.locator(".vega-embed").count():
        wait_for_chart(page, timeout=60_000)
    time.sleep(0.5)  # let the last charts draw

    assert_no_error_output(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot_whole(page, SCREENSHOTS / f"quality-{Path(name).stem}.png")

    violations = run_axe(page)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], json.dumps(serious, indent=1)
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.locator('[role="main"] .jp-Cell').count() > 0, "the cells are not in the main landmark"
    assert charts_without_text(page) == []
    assert external_requests(page) == []


def test_keyboard_user_changes_the_locality_and_the_chart_follows(dashboards, page):
    page.goto(dashboards.notebook_url("service-overview.ipynb"))
    wait_for_voila_rendered(page, timeout=120_000)
    chart = ".wb-distance-chart"
    wait_for_chart(page, within=chart, timeout=60_000)
    before = mark_labels(page, within=chart)
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('.wb-locality-filter select')"):
            break
    else:
        pytest.fail("Tab never reached the locality filter")
    page.keyboard.press("ArrowDown")  # from "All localities" to the first locality
    after = wait_for_marks_to_change(page, before, timeout=60_000, within=chart)
    assert after != before
    chosen = page.eval_on_selector(".wb-locality-filter select", "s => s.options[s.selectedIndex].text")
    assert chosen != "All localities"
    # The status line said "Updating the figures…" and then says what is shown.
    page.locator(".wb-status", has_text=f"Showing children in {chosen}").wait_for(timeout=60_000)
    assert_no_error_output(page)
    assert external_requests(page) == []
