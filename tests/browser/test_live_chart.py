"""LiveChart in a real browser: new figures are swapped into the drawn chart; a new chart is drawn anew.

The workbench's charts update on every filter change. ``widgets/live_chart.js`` keeps the
Vega view it drew and, when only the data changed, replaces the data in it (no compile, no
new SVG): that is what keeps a filter change quick at la-decade size. A probe attribute set
on the drawn SVG tells the two paths apart: it survives a data swap and is gone after a redraw.
"""

from __future__ import annotations

import pytest

from .rig import (
    FIXTURES,
    assert_no_error_output,
    blocked_requests,
    chart_title,
    external_requests,
    mark_figures,
    mark_labels,
    wait_for_chart,
    wait_for_marks_to_change,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

CHART = ".wb-fixture-chart"
SVG = f"{CHART} svg.marks"


def reviews(page) -> dict[str, str]:
    return {figure["domain"]: figure["reviews"] for figure in mark_figures(page, within=CHART)}


def probe(page) -> None:
    page.eval_on_selector(SVG, "svg => svg.setAttribute('data-wb-probe', 'drawn before')")


def probed(page) -> bool:
    return page.eval_on_selector(SVG, "svg => svg.getAttribute('data-wb-probe') === 'drawn before'")


def test_new_figures_are_swapped_in_and_a_new_chart_is_drawn_anew(voila, page):
    server = voila(FIXTURES / "live_chart.ipynb")
    page.goto(server.url)
    wait_for_chart(page, within=CHART)
    wait_for_voila_rendered(page)
    assert reviews(page) == {"education": "5", "health": "9", "safety": "7"}

    # Only the figures change: the same SVG, with the new marks (and an axis that follows them).
    probe(page)
    before = mark_labels(page, within=CHART)
    page.select_option(".wb-fixture-team select", label="South")
    wait_for_marks_to_change(page, before, within=CHART)
    assert reviews(page) == {"education": "2", "health": "4"}
    assert probed(page), "the chart was drawn again where only its data changed"

    before = mark_labels(page, within=CHART)
    page.select_option(".wb-fixture-team select", label="North")
    wait_for_marks_to_change(page, before, within=CHART)
    assert reviews(page) == {"education": "3", "health": "5", "safety": "7"}
    assert probed(page)

    # The chart itself changes (its title): drawn anew, with the figures it should show.
    page.select_option(".wb-fixture-title select", label="Reviews in each domain")
    page.wait_for_function(
        "(selector) => { const svg = document.querySelector(selector);"
        " return svg && svg.getAttribute('data-wb-probe') === null; }",
        arg=SVG,
    )
    assert chart_title(page, within=CHART) == "Reviews in each domain"
    assert reviews(page) == {"education": "3", "health": "5", "safety": "7"}

    assert_no_error_output(page)
    assert external_requests(page) == []
    assert blocked_requests(page) == []
