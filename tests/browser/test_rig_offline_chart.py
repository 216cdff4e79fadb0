"""The browser rig, proved on a fixture: an offline Altair chart in Voila follows a dropdown.

These tests also pin the offline findings for Voila 0.5.13: its stock ``lab`` template asks a CDN
for Font Awesome, and the project's ``workbench`` template asks nothing of the network.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from .rig import (
    FIXTURES,
    VoilaServer,
    assert_no_error_output,
    blocked_requests,
    chart_title,
    external_requests,
    is_local_url,
    mark_figures,
    mark_labels,
    start_voila,
    wait_for_chart,
    wait_for_marks_to_change,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

NOTEBOOK = FIXTURES / "offline_chart.ipynb"
ENV_PROBE = FIXTURES / "env_probe.ipynb"
CHART = ".wb-fixture-chart"
TEAM_SELECT = ".wb-fixture-filter select"

# Reviews per domain, summed from the fixture notebook's DataFrame.
EXPECTED = {
    "All teams": {"education": "5", "health": "9", "safety": "7"},
    "North": {"education": "3", "health": "5", "safety": "7"},
    "South": {"education": "2", "health": "4"},
}


# What Voila 0.5.13's stock lab template asks of the network for every notebook page.
STOCK_TEMPLATE_CDN = [
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@%5E5/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@%5E5/css/v4-shims.min.css",
]


def reviews_by_domain(page: Page) -> dict[str, str]:
    return {figure["domain"]: figure["reviews"] for figure in mark_figures(page, within=CHART)}


@pytest.fixture(scope="module")
def fixture_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoilaServer]:
    with start_voila(NOTEBOOK, tmp_path_factory.mktemp("voila")) as server:
        yield server


def test_chart_draws_offline_and_follows_the_filter(fixture_server, page, record_property):
    started = time.perf_counter()
    page.goto(fixture_server.url, wait_until="commit")
    assert wait_for_chart(page, within=CHART) == 3
    record_property("cold_first_chart_s", time.perf_counter() - started)

    assert reviews_by_domain(page) == EXPECTED["All teams"]
    assert chart_title(page, within=CHART) == "Reviews by domain: All teams"
    wait_for_voila_rendered(page)
    assert_no_error_output(page)

    for team in ("South", "North", "All teams"):
        before = mark_labels(page, within=CHART)
        started = time.perf_counter()
        page.select_option(TEAM_SELECT, team)
        wait_for_marks_to_change(page, before, within=CHART)
        record_property(f"filter_to_{team.replace(' ', '_')}_s", time.perf_counter() - started)
        assert reviews_by_domain(page) == EXPECTED[team]
        assert chart_title(page, within=CHART) == f"Reviews by domain: {team}"

    assert_no_error_output(page)
    assert external_requests(page) == []
    assert blocked_requests(page) == []


def test_preheated_kernel_draws_the_first_chart(voila, page, record_property):
    server = voila(NOTEBOOK, preheat=True, pool_size=1)
    server.wait_for_preheat()

    started = time.perf_counter()
    page.goto(server.url, wait_until="commit")
    wait_for_chart(page, within=CHART)
    record_property("preheated_first_chart_s", time.perf_counter() - started)

    assert "Using pre-heated kernel" in server.log_text()
    assert reviews_by_domain(page) == EXPECTED["All teams"]
    wait_for_voila_rendered(page)
    assert_no_error_output(page)
    assert external_requests(page) == []


def test_directory_mode_passes_env_and_tree_render_and_404_pages_stay_offline(voila, page):
    store = "sqlite:////tmp/rig-probe.sqlite"
    server = voila(FIXTURES, env={"WORKBENCH_STORE": store})

    page.goto(server.url)
    page.get_by_text(ENV_PROBE.name).first.wait_for()

    page.goto(server.notebook_url(ENV_PROBE.name))
    wait_for_voila_rendered(page)
    assert page.inner_text(".wb-fixture-store") == store
    assert_no_error_output(page)

    # ?template=lab would bring back the stock template's CDN links: the request gate refuses it
    # with its plain page (issue 15), so nothing of the stock template is ever fetched.
    refused = page.goto(server.notebook_url(ENV_PROBE.name) + "?template=lab")
    assert refused is not None and refused.status == 403

    missing = page.goto(server.notebook_url("no-such-dashboard.ipynb"))
    assert missing is not None and missing.status == 404

    assert external_requests(page) == []


def test_stock_lab_template_asks_a_cdn_and_the_rig_reports_it(voila, page):
    """Guards the guard: the rig sees (and blocks) the CDN links the workbench template drops."""
    server = voila(NOTEBOOK, template=None)

    with page.expect_event("requestfailed", lambda request: not is_local_url(request.url)):
        page.goto(server.url, wait_until="commit")
    deadline = time.monotonic() + 10
    while len(blocked_requests(page)) < len(STOCK_TEMPLATE_CDN) and time.monotonic() < deadline:
        page.wait_for_timeout(50)

    assert sorted(external_requests(page)) == STOCK_TEMPLATE_CDN
    assert sorted(blocked_requests(page)) == STOCK_TEMPLATE_CDN


@pytest.mark.parametrize("notebook", [NOTEBOOK, ENV_PROBE], ids=lambda path: path.stem)
def test_fixture_notebooks_are_committed_without_outputs(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    code_cells = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code_cells
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code_cells)
