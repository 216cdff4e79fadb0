"""The service overview as a team lead sees it: only their team's localities and children count."""

from __future__ import annotations

import pytest

from workbench.cli.serving import DASHBOARDS_DIR
from workbench.core.codes import labels
from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.headline import distance_travelled

from .rig import SCREENSHOTS, assert_no_error_output, mark_figures, wait_for_chart, wait_for_voila_rendered

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

CHART = ".wb-distance-chart"


def test_a_team_lead_sees_the_overview_of_their_team_only(voila, page, service):
    server = voila(
        DASHBOARDS_DIR, env={"WORKBENCH_DEMO_USER": "demo-team-lead", "WORKBENCH_IDENTITY_FILE": None}
    )
    page.goto(server.notebook_url("service-overview.ipynb") + "?locality=North&team=T07", wait_until="commit")
    wait_for_chart(page, within=CHART, timeout=120_000)
    wait_for_voila_rendered(page, timeout=120_000)
    localities = page.eval_on_selector_all(
        ".wb-locality-filter select option", "o => o.map(x => x.textContent)"
    )
    assert [name.replace("\xa0", " ") for name in localities] == ["All localities", "Central"]

    names = labels("outcome_domains")
    team = distance_travelled(service, DEMO_AT, Filters(team_id="T16")).dropna(subset=["value"])
    expected = {names[r.domain]: (f"{round(r.value, 2):.2f}", str(r.denominator)) for r in team.itertuples()}
    drawn = {
        f["Domain"]: (f["Mean distance"], f["Outcomes counted"])
        for f in mark_figures(page, within=CHART)
        if "Domain" in f
    }
    assert drawn == expected
    counted = int(distance_travelled(service, DEMO_AT, Filters(team_id="T16"), by=None)["denominator"].item())
    assert f"{counted:,} desired outcomes counted" in page.inner_text(".wb-distance-caption")
    assert "the figures count only Central Children in Care" in page.inner_text(".wb-viewer")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "service-overview-as-team-lead.png", full_page=True)
    assert_no_error_output(page)
