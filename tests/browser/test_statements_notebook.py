"""The outcome statements notebook in Voila and Chromium: paste a statement, choose a team."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench.cli.serving import PROJECT_DIR
from workbench.measures.filters import DEMO_AT
from workbench.practice.team_statements import team_statements

from .rig import (
    SCREENSHOTS,
    VoilaServer,
    assert_no_error_output,
    external_requests,
    start_voila,
    wait_for_chart,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NOTEBOOK = PROJECT_DIR / "notebooks" / "06-outcome-statements.ipynb"
CHECKER = ".wb-statement-checker"


@pytest.fixture(scope="module")
def notebook(tmp_path_factory) -> Iterator[VoilaServer]:
    with start_voila(NOTEBOOK, tmp_path_factory.mktemp("voila")) as server:
        yield server


def test_paste_a_statement_and_rank_a_team(notebook, page, service):
    page.goto(notebook.url, wait_until="commit")
    wait_for_chart(page, timeout=120_000, within=".wb-clear-statements-chart")
    wait_for_voila_rendered(page, timeout=120_000)
    reading = page.locator(f"{CHECKER} .wb-statement-reading-panel")
    assert "A process, not an outcome" in reading.inner_text()

    box = page.locator(f"{CHECKER} .wb-statement-input textarea")
    box.fill("<b>Jayden</b> will get to school on time at least 9 days in 10")
    reading.get_by_text("An outcome, clear").wait_for(timeout=30_000)
    assert page.locator(f"{CHECKER} b", has_text="Jayden").count() == 0  # escaped, not bold

    team, name = service.teams.sort_values("team_id")[["team_id", "name"]].iloc[0]
    page.locator(f"{CHECKER} .wb-statement-team select").select_option(label=f"{name} ({team})")
    table = page.locator(f"{CHECKER} .wb-statement-team-table table")
    table.wait_for(timeout=30_000)
    expected = team_statements(service, team, DEMO_AT)
    first_row = table.locator("tbody tr").first.locator("td")
    assert first_row.nth(0).inner_text() == expected["outcome_id"].iloc[0]
    assert (
        f"{len(expected):,} outcomes active"
        in page.locator(f"{CHECKER} .wb-statement-team-table").inner_text()
    )

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "statements-notebook.png", full_page=True)
    page.locator(f"{CHECKER} .wb-statement-team-table").screenshot(
        path=SCREENSHOTS / "statements-team-table.png"
    )
    page.locator(".wb-clear-statements-chart").screenshot(path=SCREENSHOTS / "statements-by-team-chart.png")
    assert_no_error_output(page)
    assert external_requests(page) == []
