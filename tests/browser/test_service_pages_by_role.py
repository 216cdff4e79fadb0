"""The children looked after and child protection pages as a service lead and as a team lead.

The viewer comes from the demo identities (``WORKBENCH_DEMO_USER``); the page's team chooser
offers only the teams the role allows, a URL asking for another team changes nothing, and
the figures drawn are the measure for the viewer's scope.
"""

from __future__ import annotations

import pytest

from workbench.access import current_identity, scope_for
from workbench.cli.serving import DASHBOARDS_DIR
from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.headline import MEASURES

from .rig import SCREENSHOTS, assert_no_error_output, mark_figures, wait_for_chart, wait_for_voila_rendered

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

GROUP_CHART = ".wb-group-chart"


def drawn_localities(page) -> dict[str, tuple[str, str]]:
    return {
        figure["Locality"]: (figure["Numerator"], figure["Denominator"])
        for figure in mark_figures(page, within=GROUP_CHART)
        if "Locality" in figure and "Share" in figure and "ci_low" not in figure
    }


@pytest.mark.parametrize(
    ("user", "name", "plan_type"),
    [
        ("demo-service-lead-cp", "child-protection.ipynb", "cp"),
        ("demo-team-lead", "children-looked-after.ipynb", "cla"),
    ],
)
def test_service_page_shows_only_what_the_role_allows(voila, page, service, user, name, plan_type):
    server = voila(DASHBOARDS_DIR, env={"WORKBENCH_DEMO_USER": user, "WORKBENCH_IDENTITY_FILE": None})
    scope = scope_for(current_identity({"WORKBENCH_DEMO_USER": user}), service, DEMO_AT)
    own_teams = service.teams[service.teams["team_id"].isin(scope.team_ids)]
    # Ask for a team the viewer may not see, through the URL: it must change nothing.
    outsider = service.teams.loc[~service.teams["team_id"].isin(scope.team_ids), "team_id"].iloc[0]
    page.goto(server.notebook_url(name) + f"?team={outsider}&team_id={outsider}", wait_until="commit")
    wait_for_voila_rendered(page, timeout=120_000)
    wait_for_chart(page, within=GROUP_CHART, timeout=60_000)

    offered = page.eval_on_selector_all(".wb-team-filter select option", "o => o.map(x => x.textContent)")
    offered = [text.replace("\xa0", " ") for text in offered]
    # The page offers the viewer's teams that work in this service (both demo viewers have some).
    expected_names = set(own_teams.loc[own_teams["service"] == plan_type, "name"])
    assert expected_names and set(offered[1:]) == expected_names
    assert "Viewing as" in page.inner_text(".wb-viewer")

    expected = MEASURES["clear"](service, DEMO_AT, scope.restrict(Filters(plan_type=plan_type)), "locality")
    expected = expected[expected["denominator"] > 0]
    assert drawn_localities(page) == {
        str(row.locality): (f"{row.numerator:,}", f"{row.denominator:,}") for row in expected.itertuples()
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name.removesuffix('.ipynb')}-as-{user}.png", full_page=True)
    assert_no_error_output(page)
