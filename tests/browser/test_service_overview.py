"""The service overview dashboard, served as production serves it, in Debian's Chromium.

Figures drawn are checked against ``workbench.measures`` on the same store, before and after
the locality filter changes, so a chart that draws but shows the wrong numbers fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from workbench.cli.serving import DASHBOARDS_DIR
from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.headline import distance_travelled
from workbench.measures.service_data import ServiceData

from .rig import (
    SCREENSHOTS,
    VoilaServer,
    assert_no_error_output,
    chart_title,
    external_requests,
    mark_figures,
    mark_labels,
    start_voila,
    wait_for_chart,
    wait_for_marks_to_change,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

CHART = ".wb-distance-chart"
LOCALITY = ".wb-locality-filter select"


@pytest.fixture(scope="module")
def dashboards(tmp_path_factory) -> Iterator[VoilaServer]:
    with start_voila(DASHBOARDS_DIR, tmp_path_factory.mktemp("voila")) as server:
        yield server


def expected_bars(service: ServiceData, locality: str | None) -> dict[str, tuple[str, str]]:
    """Return {domain label: (mean to 2 places, outcomes counted)} as the chart should draw them."""
    from workbench.core.codes import labels

    names = labels("outcome_domains")
    table = distance_travelled(service, DEMO_AT, Filters(locality=locality)).dropna(subset=["value"])
    return {
        names[row.domain]: (f"{round(row.value, 2):.2f}", str(row.denominator)) for row in table.itertuples()
    }


def drawn_bars(page) -> dict[str, tuple[str, str]]:
    return {
        figure["Domain"]: (figure["Mean distance"], figure["Outcomes counted"])
        for figure in mark_figures(page, within=CHART)
        if "Domain" in figure
    }


def test_overview_chart_shows_the_right_figures_and_follows_the_locality(
    dashboards, page, service, record_property
):
    started = time.perf_counter()
    page.goto(dashboards.notebook_url("service-overview.ipynb"), wait_until="commit")
    wait_for_chart(page, within=CHART)
    record_property("overview_first_chart_s", time.perf_counter() - started)
    wait_for_voila_rendered(page)

    everyone = expected_bars(service, None)
    assert len(everyone) >= 8
    assert drawn_bars(page) == everyone
    assert chart_title(page, within=CHART) == "Distance travelled by domain, at 31 March 2026"
    expect(page.locator(".wb-distance-caption")).to_contain_text("All localities")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "service-overview-all.png", full_page=True)

    locality = service.localities()[0]
    before = mark_labels(page, within=CHART)
    started = time.perf_counter()
    page.select_option(LOCALITY, label=locality)
    wait_for_marks_to_change(page, before, timeout=60_000, within=CHART)
    record_property("overview_filter_s", time.perf_counter() - started)

    assert drawn_bars(page) == expected_bars(service, locality)
    assert drawn_bars(page) != everyone
    counted = distance_travelled(service, DEMO_AT, Filters(locality=locality), by=None)
    # The caption is redrawn just after the chart: wait for it rather than read it at once.
    expect(page.locator(".wb-distance-caption")).to_contain_text(
        f"{locality}: {int(counted['denominator'].item()):,} desired outcomes counted", timeout=30_000
    )
    page.screenshot(path=SCREENSHOTS / "service-overview-locality.png", full_page=True)

    assert_no_error_output(page)
    assert external_requests(page) == []
