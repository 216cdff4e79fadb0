"""The trends notebook in Voila and Chromium: the explorer's chart follows a filter, with the right figures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench.cli.serving import PROJECT_DIR
from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.headline import MEASURES
from workbench.measures.service_data import ServiceData

from .rig import (
    SCREENSHOTS,
    VoilaServer,
    assert_no_error_output,
    external_requests,
    mark_figures,
    mark_labels,
    start_voila,
    wait_for_chart,
    wait_for_marks_to_change,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NOTEBOOK = PROJECT_DIR / "notebooks" / "02-explore-outcome-trends.ipynb"
TREND = ".wb-trend-chart"


@pytest.fixture(scope="module")
def notebook(tmp_path_factory) -> Iterator[VoilaServer]:
    with start_voila(NOTEBOOK, tmp_path_factory.mktemp("voila")) as server:
        yield server


def latest_point(page) -> tuple[str, str]:
    """Return (numerator, denominator) of the last period drawn on the trend chart."""
    points = [f for f in mark_figures(page, within=TREND) if f.get("Period") == "2025-26 Q4"]
    assert points, mark_labels(page, within=TREND)[:5]
    return points[0]["Numerator"], points[0]["Denominator"]


def expected_point(service: ServiceData, locality: str | None) -> tuple[str, str]:
    figure = MEASURES["clear"](service, DEMO_AT, Filters(locality=locality), None)
    return f"{int(figure['numerator'].item()):,}", f"{int(figure['denominator'].item()):,}"


def test_trend_follows_the_locality_filter_with_the_right_figures(notebook, page, service):
    page.goto(notebook.url, wait_until="commit")
    wait_for_chart(page, timeout=120_000, within=TREND)
    wait_for_voila_rendered(page, timeout=120_000)
    assert latest_point(page) == expected_point(service, None)

    locality = service.localities()[-1]
    before = mark_labels(page, within=TREND)
    page.locator(".wb-measure-explorer .wb-locality-filter select").select_option(label=locality)
    wait_for_marks_to_change(page, before, timeout=60_000, within=TREND)
    assert latest_point(page) == expected_point(service, locality)
    assert latest_point(page) != expected_point(service, None)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "trends-notebook.png", full_page=True)
    assert_no_error_output(page)
    assert external_requests(page) == []
