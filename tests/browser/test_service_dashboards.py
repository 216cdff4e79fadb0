"""The children looked after and child protection dashboards, and the overview's new views, in Chromium.

Figures drawn are checked against ``workbench.measures`` (and ``workbench measures --json``)
on the same store, before and after a filter change. The statutory part is checked both ways:
on the demo store (no returns imported: the page says so) and on a copy of it with the
conformance returns imported by ``workbench import`` (read in place from ../shared/conformance).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.cli.serving import DASHBOARDS_DIR
from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.headline import MEASURES
from workbench.measures.service_data import ServiceData
from workbench.measures.service_outcomes import service_outcomes
from workbench.store.engine import Store

from .rig import (
    SCREENSHOTS,
    VoilaServer,
    assert_no_error_output,
    external_requests,
    mark_figures,
    mark_labels,
    screenshot_whole,
    start_voila,
    wait_for_chart,
    wait_for_marks_to_change,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
GROUP_CHART = ".wb-group-chart"
LOCALITY = ".wb-locality-filter select"
PAGES = {
    "children-looked-after.ipynb": "cla",
    "child-protection.ipynb": "cp",
    "early-help-and-cin.ipynb": ("early_help", "cin"),
}


@pytest.fixture(scope="module")
def dashboards(tmp_path_factory) -> Iterator[VoilaServer]:
    with start_voila(DASHBOARDS_DIR, tmp_path_factory.mktemp("voila")) as server:
        yield server


def drawn_groups(page, label: str) -> dict[str, tuple[str, str]]:
    """{group: (numerator, denominator)} from the bars of the measures-by-group chart."""
    return {
        figure[label]: (figure["Numerator"], figure["Denominator"])
        for figure in mark_figures(page, within=GROUP_CHART)
        if label in figure and "Share" in figure and "ci_low" not in figure
    }


def expected_groups(service: ServiceData, filters: Filters, by: str = "locality") -> dict[str, tuple[str, str]]:
    table = MEASURES["clear"](service, DEMO_AT, filters, by)
    table = table[table["denominator"] > 0]
    return {str(row[by]): (f"{row.numerator:,}", f"{row.denominator:,}") for _, row in table.iterrows()}


def open_page(page, url: str) -> None:
    page.goto(url, wait_until="commit")  # Voila streams the page as the cells run
    wait_for_voila_rendered(page, timeout=120_000)
    wait_for_chart(page, within=GROUP_CHART, timeout=60_000)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_service_page_shows_the_right_figures_and_follows_the_locality(dashboards, page, service, name):
    plan_type = PAGES[name]
    open_page(page, dashboards.notebook_url(name))
    assert drawn_groups(page, "Locality") == expected_groups(service, Filters(plan_type=plan_type))
    # No statutory return in the demo store: the page says so plainly.
    assert "No statutory returns have been imported" in page.inner_text(".wb-statutory")
    assert "Repeat plans" in page.inner_text(".wb-repeat-plans")
    # The meetings' figures are folded under a line that opens them: read the table as text.
    meetings_before = page.text_content(".wb-meetings-table")
    assert "Wider family attended" in meetings_before and " of " in meetings_before
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot_whole(page, SCREENSHOTS / f"{Path(name).stem}-all.png")

    locality = service.localities()[-1]
    before = mark_labels(page, within=GROUP_CHART)
    page.select_option(LOCALITY, label=locality)
    wait_for_marks_to_change(page, before, timeout=60_000, within=GROUP_CHART)
    assert drawn_groups(page, "Locality") == expected_groups(service, Filters(plan_type=plan_type, locality=locality))
    page.locator(".wb-status", has_text=f"in {locality}").wait_for(timeout=60_000)
    assert page.text_content(".wb-meetings-table") != meetings_before
    screenshot_whole(page, SCREENSHOTS / f"{Path(name).stem}-{locality}.png")
    assert_no_error_output(page)
    assert external_requests(page) == []


def test_overview_by_locality_matches_the_command_line(dashboards, page, service):
    open_page(page, dashboards.notebook_url("service-overview.ipynb"))
    printed = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "measures", "--json", "--by", "locality",
         "--at", DEMO_AT.isoformat()],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    expected = {
        row["locality"]: (f"{row['numerator']:,}", f"{row['denominator']:,}")
        for row in json.loads(printed)
        if row["measure"] == "clear" and row["locality"] is not None
    }
    assert len(expected) == len(service.localities())
    assert drawn_groups(page, "Locality") == expected
    # Compare by team: the chart names the teams.
    before = mark_labels(page, within=GROUP_CHART)
    page.select_option(".wb-group-by select", label="Team")
    wait_for_marks_to_change(page, before, timeout=60_000, within=GROUP_CHART)
    teams = dict(zip(service.teams["team_id"], service.teams["name"], strict=True))
    by_team = {teams.get(k, k): v for k, v in expected_groups(service, Filters(), "team_id").items() if k != "<NA>"}
    drawn = drawn_groups(page, "Team")
    assert {k: v for k, v in drawn.items() if k in teams.values()} == by_team
    # Disproportionality: the ethnicity groups drawn carry the measure's own figures.
    dispro = mark_figures(page, within=".wb-dispro-chart")
    reviewed = MEASURES["reviewed"](service, DEMO_AT, Filters(), "ethnicity")
    assert {f["Numerator"] for f in dispro if "Numerator" in f} == {
        f"{n:,}" for n, d in zip(reviewed["numerator"], reviewed["denominator"], strict=True) if d > 0
    }
    assert "read with care" in page.inner_text(".wb-dispro-summary")
    assert_no_error_output(page)
    assert external_requests(page) == []


@pytest.fixture(scope="module")
def statutory_store(tmp_path_factory) -> str:
    """A copy of the test store with the conformance SSDA903 and CIN census files imported."""
    if not CONFORMANCE.is_dir():
        pytest.skip("../shared/conformance is not here")
    folder = tmp_path_factory.mktemp("statutory")
    source = os.environ["WORKBENCH_STORE"].removeprefix("sqlite:///")
    shutil.copyfile(source, folder / "store.sqlite")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    ssda903 = sorted((CONFORMANCE / "ssda903" / "d2i_fake").glob("*.csv"))
    cin = [CONFORMANCE / "cin_census" / "fake_CIN_data.xml", CONFORMANCE / "cin_census" / "CIN_Census_2024.xml"]
    for kind, paths in (("ssda903", ssda903), ("cin", cin)):
        subprocess.run(
            [sys.executable, "-m", "workbench.cli", "import", kind, *map(str, paths), "--store", url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    return url


@pytest.mark.parametrize("name", sorted(PAGES))
def test_service_page_shows_statutory_figures_when_imported(voila, page, statutory_store, name):
    server = voila(DASHBOARDS_DIR / name, env={"WORKBENCH_STORE": statutory_store})
    open_page(page, server.url)
    text = page.inner_text(".wb-statutory")
    assert "No statutory returns have been imported" not in text
    figures = service_outcomes(Store(statutory_store), DEMO_AT).set_index("measure")
    wanted = {
        "cla": ["placement_stability", "review_participation"],
        "cp": ["repeat_cp_plans", "re_referrals"],
        ("early_help", "cin"): ["re_referrals"],
    }
    rows = page.eval_on_selector_all(
        ".wb-statutory tbody tr", "rows => rows.map(r => [...r.children].map(c => c.innerText))"
    )
    shown = {row[0]: (row[1], row[2]) for row in rows}
    for measure in wanted[PAGES[name]]:
        figure = figures.loc[measure]
        assert shown[figure["title"]] == (f"{figure['numerator']:,}", f"{figure['denominator']:,}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screenshot_whole(page, SCREENSHOTS / f"{Path(name).stem}-statutory.png")
    assert_no_error_output(page)
    assert external_requests(page) == []
