"""The team lead dashboard as each role sees it, served as production serves it, in Debian's Chromium.

Each role is a demo identity chosen by ``WORKBENCH_DEMO_USER`` on the Voila server (the
kernels inherit it); one more server trusts an authenticating proxy's header, with preheated
kernels, the way docs/deploy.md deploys it. Figures on the page are checked against
``workbench measures --as USER --json`` run as a separate process on the same store.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date

import pytest

from workbench.access import DEMO_IDENTITIES, read_identities, scope_for
from workbench.cli.serving import DASHBOARDS_DIR, proxy_header_setting
from workbench.core.dates import long_date
from workbench.measures.filters import DEMO_AT, Filters
from workbench.pages.team_lead import children_in_view, outcome_journey

from .rig import (
    SCREENSHOTS,
    VoilaServer,
    assert_no_error_output,
    chart_title,
    external_requests,
    mark_labels,
    start_voila,
    wait_for_chart,
    wait_for_marks_to_change,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

HEADLINE = ".wb-headline-chart"
JOURNEY = ".wb-journey-chart"
NOTEBOOK = "team-lead.ipynb"
ROLES = ("demo-head-of-pi", "demo-service-lead-cla", "demo-team-lead")


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[dict[str, VoilaServer]]:
    """One Voila server over dashboards/ per demo role, started lazily."""
    with contextlib.ExitStack() as stack:
        started: dict[str, VoilaServer] = {}

        class Servers(dict):
            def __missing__(self, user: str) -> VoilaServer:
                env = {"WORKBENCH_DEMO_USER": user, "WORKBENCH_IDENTITY_FILE": None}
                server = stack.enter_context(
                    start_voila(DASHBOARDS_DIR, tmp_path_factory.mktemp("voila"), env=env)
                )
                self[user] = server
                return server

        yield Servers(started)


def cli_figures(user: str, *extra: str, at: date = DEMO_AT) -> dict[str, str]:
    """Run ``workbench measures --as USER --json`` and return {title: "N of D"} as the page shows it."""
    command = [
        sys.executable,
        "-m",
        "workbench.cli",
        "measures",
        "--json",
        "--as",
        user,
        "--at",
        str(at),
        *extra,
    ]
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_IDENTITY_FILE"}
    printed = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    figures = {}
    for record in json.loads(printed.stdout):
        if record["measure"].startswith("distance"):
            # The page shows the spread beside the outcomes counted, never the mean alone.
            spread = record["distribution"]
            figures[record["title"]] = (
                f"{record['denominator']:,}: {spread['went up']:,} went up, "
                f"{spread['stayed the same']:,} stayed the same, {spread['went back']:,} went back"
            )
        else:
            figures[record["title"]] = f"{record['numerator']:,.0f} of {record['denominator']:,}"
    return figures


def page_figures(page) -> dict[str, str]:
    """Read the headline table beside the chart: {measure title: "N of D"}."""
    rows = page.eval_on_selector_all(
        ".wb-headline-figures tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.textContent.trim()))",
    )
    return {row[0]: row[2] for row in rows}


def options(page, css: str) -> list[str]:
    """The label of every option of the select inside ``css`` (ipywidgets keeps values in the kernel)."""
    labels = page.eval_on_selector_all(f"{css} select option", "opts => opts.map(o => o.textContent.trim())")
    return [label.replace("\xa0", " ") for label in labels]  # ipywidgets shows spaces as no-break spaces


def choose(page, css: str, label: str) -> None:
    """Choose the option labelled ``label`` in the select inside ``css``, as a person would."""
    page.select_option(f"{css} select", index=options(page, css).index(label))


def children_offered(page) -> set[str]:
    """The child ids the child chooser offers (labels read "C001803 (7 outcome(s) need attention)")."""
    return {label.split()[0] for label in options(page, ".wb-child-chooser")}


def worker_ids(service, team_id: str, names: list[str]) -> list[str]:
    """Map worker names shown in a team's worker filter back to worker ids."""
    workers = service.workers[service.workers["team_id"] == team_id].set_index("name")["worker_id"]
    return [workers[name] for name in names]


def open_dashboard(page, server: VoilaServer, query: str = "") -> float:
    started = time.perf_counter()
    page.goto(server.notebook_url(NOTEBOOK) + query, wait_until="commit")
    wait_for_chart(page, within=HEADLINE, timeout=180_000)
    wait_for_voila_rendered(page, timeout=180_000)
    return time.perf_counter() - started


def shoot(page, name: str) -> None:
    """Screenshot the whole dashboard (Voila scrolls inside a container, so grow the viewport)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('body *')].map(e => e.scrollHeight))"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 6000)})
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    page.set_viewport_size(size)


def wait_for_figures(page, before: dict[str, str], timeout: float = 60_000) -> dict[str, str]:
    page.wait_for_function(
        """(before) => {
            const rows = [...document.querySelectorAll('.wb-headline-figures tbody tr')]
                .map(r => r.querySelectorAll('td')[2].textContent.trim());
            return rows.length > 0 && JSON.stringify(rows) !== JSON.stringify(before);
        }""",
        arg=list(before.values()),
        timeout=timeout,
    )
    return page_figures(page)


def test_a_team_lead_sees_only_their_team_whatever_the_url_says(servers, page, service, record_property):
    team_lead = read_identities(DEMO_IDENTITIES)["demo-team-lead"]
    scope = scope_for(team_lead, service, DEMO_AT)
    # A team lead asking for another team in the URL gets their own team.
    record_property("team_lead_first_chart_s", open_dashboard(page, servers["demo-team-lead"], "?team=T07"))
    assert_no_error_output(page)
    # The page says, first, which day its figures are at: the data's date, from the store.
    data_date = service.store.data_date()
    line = page.inner_text(".wb-as-at-line")
    assert line.startswith(f"Figures as at {long_date(data_date)}, loaded "), line
    assert page.get_by_label("Look back to").input_value() == data_date.isoformat()
    assert options(page, ".wb-team-chooser") == ["Central Children in Care"]
    assert "Central Children in Care" in chart_title(page, within=HEADLINE)
    assert "North Children in Care" not in page.inner_text("body")

    figures = page_figures(page)
    assert figures == cli_figures("demo-team-lead")
    assert figures["Clear"] == cli_figures("demo-head-of-pi", "--team", "T16")["Clear"]
    assert figures["Clear"] != cli_figures("demo-head-of-pi")["Clear"]

    # The child chooser offers exactly the team's children at D, and no one else's.
    offered = children_offered(page)
    assert offered == set(children_in_view(service, DEMO_AT, scope, scope.restrict()))
    assert offered and offered <= scope.child_ids
    north = scope_for(read_identities(DEMO_IDENTITIES)["demo-team-lead-north-cla"], service, DEMO_AT)
    assert not offered & north.child_ids
    # Workers offered are the team's own.
    names = options(page, ".wb-worker-filter")
    assert names[0] == "All workers"
    assert len(worker_ids(service, "T16", names[1:])) == len(names) - 1  # every one is in T16
    shoot(page, "team-lead-as-team-lead")

    # The attention list names only the team's children.
    listed = page.eval_on_selector_all(
        ".wb-attention-table tbody tr td:first-child", "cells => cells.map(c => c.textContent.trim())"
    )
    assert listed and set(listed) <= scope.child_ids
    assert external_requests(page) == []


def test_a_filter_change_redraws_the_charts_with_the_right_figures(servers, page, service, record_property):
    server = servers["demo-team-lead"]
    open_dashboard(page, server)
    before_marks = mark_labels(page, within=HEADLINE)
    before = page_figures(page)
    name = options(page, ".wb-worker-filter")[1]
    (worker,) = worker_ids(service, "T16", [name])
    started = time.perf_counter()
    choose(page, ".wb-worker-filter", name)
    after_marks = wait_for_marks_to_change(page, before_marks, timeout=60_000, within=HEADLINE)
    record_property("team_lead_filter_s", time.perf_counter() - started)
    assert after_marks != before_marks
    after = wait_for_figures(page, before)
    assert after == cli_figures("demo-team-lead", "--worker", worker)
    # The worker's children only, in the child chooser.
    scope = scope_for(read_identities(DEMO_IDENTITIES)["demo-team-lead"], service, DEMO_AT)
    chosen = scope.restrict(Filters(worker_id=worker))
    assert children_offered(page) == set(children_in_view(service, DEMO_AT, scope, chosen))

    # A new period: the headline redraws and matches the CLI at that date.
    assert options(page, ".wb-period-filter")[1] == "31 December 2025 (2025-26 Q3)"
    marks = mark_labels(page, within=HEADLINE)
    page.select_option(".wb-period-filter select", index=1)
    wait_for_marks_to_change(page, marks, timeout=60_000, within=HEADLINE)
    shown = wait_for_figures(page, after)
    assert shown == cli_figures("demo-team-lead", "--worker", worker, at=date(2025, 12, 31))
    assert "31 December 2025" in chart_title(page, within=HEADLINE)

    # Choosing a child redraws their journey.
    journey_before = mark_labels(page, within=JOURNEY)
    shown_child = chart_title(page, within=JOURNEY).split()[3]
    label = next(
        label
        for label in options(page, ".wb-child-chooser")
        if label.split()[0] != shown_child
        and len(outcome_journey(service, label.split()[0], date(2025, 12, 31)))
    )
    choose(page, ".wb-child-chooser", label)
    wait_for_marks_to_change(page, journey_before, timeout=60_000, within=JOURNEY)
    assert label.split()[0] in chart_title(page, within=JOURNEY)
    assert_no_error_output(page)


def test_a_service_lead_chooses_among_their_services_teams(servers, page, service):
    open_dashboard(page, servers["demo-service-lead-cla"])
    teams = options(page, ".wb-team-chooser")
    assert teams == ["Central Children in Care", "North Children in Care", "South Children in Care"]
    assert page_figures(page) == cli_figures("demo-service-lead-cla", "--team", "T16")
    marks = mark_labels(page, within=HEADLINE)
    before = page_figures(page)
    choose(page, ".wb-team-chooser", "North Children in Care")
    wait_for_marks_to_change(page, marks, timeout=60_000, within=HEADLINE)
    assert wait_for_figures(page, before) == cli_figures("demo-service-lead-cla", "--team", "T07")
    assert "North Children in Care" in chart_title(page, within=HEADLINE)
    scope = scope_for(read_identities(DEMO_IDENTITIES)["demo-service-lead-cla"], service, DEMO_AT)
    offered = children_offered(page)
    assert offered and offered <= scope.child_ids
    assert offered == set(children_in_view(service, DEMO_AT, scope, Filters(team_id="T07")))
    shoot(page, "team-lead-as-service-lead")
    assert_no_error_output(page)


def test_the_head_of_practice_improvement_may_choose_any_team(servers, page, service):
    open_dashboard(page, servers["demo-head-of-pi"])
    teams = options(page, ".wb-team-chooser")
    assert len(teams) == len(service.teams)
    first = service.teams.sort_values("name").iloc[0]
    assert teams[0] == first["name"]
    assert page_figures(page) == cli_figures("demo-head-of-pi", "--team", first["team_id"])
    shoot(page, "team-lead-as-head-of-pi")
    # Keyboard only: focus the team chooser and press the down arrow.
    second = service.teams.sort_values("name").iloc[1]
    marks, before = mark_labels(page, within=HEADLINE), page_figures(page)
    page.focus(".wb-team-chooser select")
    page.keyboard.press("ArrowDown")
    wait_for_marks_to_change(page, marks, timeout=60_000, within=HEADLINE)
    assert wait_for_figures(page, before) == cli_figures("demo-head-of-pi", "--team", second["team_id"])
    assert second["name"] in chart_title(page, within=HEADLINE)
    assert_no_error_output(page)


def test_behind_a_proxy_the_header_names_the_viewer_and_no_header_is_refused(browser, tmp_path, service):
    """Preheated, as `workbench serve` runs: the identity is read after Voila hands over the request."""
    from .rig import record_network

    identities = tmp_path / "identities.yaml"
    identities.write_text(
        "users:\n  farah: {role: team_lead, team_id: T16}\n  rachel: {role: service_lead, service: cla}\n"
    )
    env = {
        "WORKBENCH_IDENTITY_FILE": str(identities),
        "WORKBENCH_TRUST_PROXY_HEADER": "X-Workbench-User",
        "WORKBENCH_DEMO_USER": "demo-head-of-pi",  # never a fallback once a proxy is trusted
    }
    target = DASHBOARDS_DIR / NOTEBOOK
    secret = tmp_path / "proxy-secret"
    secret.write_text("a-secret-only-the-proxy-knows\n")
    proxy = {"X-Workbench-Proxy-Secret": "a-secret-only-the-proxy-knows"}  # the browser plays the proxy
    gate = ["--WorkbenchKernelManager.trusted_proxies=127.0.0.1", f"--WorkbenchKernelManager.proxy_secret_file={secret}"]
    with start_voila(
        target, tmp_path, env=env, preheat=True, extra_args=[proxy_header_setting("X-Workbench-User"), *gate]
    ) as server:
        # The preheated kernel reads the store, then waits in viewer_identity() for a request.
        server.wait_for_log(r"Kernel pool of .* is filled", timeout=180)
        server.wait_for_log(r"Executing cell:", timeout=180, count=2)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, extra_http_headers={**proxy, "X-Workbench-User": "farah"}
        )
        record_network(context)
        page = context.new_page()
        page.goto(server.url, wait_until="commit")
        wait_for_chart(page, within=HEADLINE, timeout=180_000)
        wait_for_voila_rendered(page, timeout=180_000)
        assert options(page, ".wb-team-chooser") == ["Central Children in Care"]
        assert "Viewing as farah (Team lead)" in page.inner_text(".wb-viewer")
        context.close()

        context = browser.new_context(viewport={"width": 1280, "height": 900}, extra_http_headers=proxy)
        record_network(context)
        page = context.new_page()
        page.goto(server.url, wait_until="commit")
        wait_for_voila_rendered(page, timeout=180_000)
        refused = page.inner_text(".wb-refused")
        assert "did not send the X-Workbench-User header" in refused
        assert page.locator(".wb-headline-chart").count() == 0
        assert_no_error_output(page)
        shoot(page, "team-lead-refused-without-proxy-header")
        context.close()
