"""The team lead page from a pool of preheated kernels, as `workbench serve --pool-size` serves it.

One server keeps a pool of three kernels for the team lead page, behind an authenticating
proxy (played by the browser, which sends the user header and the proxy's secret). Three team
leads of three teams open the page at once: each pooled kernel read the store before anyone
came, then took its viewer's identity from that viewer's own request, so each page shows its
own team and nothing of the other two. The viewers' taking the pool's kernels starts refills,
at the refill niceness until a viewer takes one (``WorkbenchKernelManager.refill_nice``), and
only while the page has room: its kernels (viewers' and pooled) never number more than
``--max-kernels-per-page`` (5 here).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import psutil
import pytest
import yaml

from workbench.access import read_identities, scope_for
from workbench.cli.serving import DASHBOARDS_DIR, REFILL_NICE, pool_settings, proxy_header_setting
from workbench.measures.filters import DEMO_AT

from .rig import (
    SCREENSHOTS,
    VoilaServer,
    assert_no_error_output,
    kernels_waiting_for_request,
    record_network,
    start_voila,
    wait_for_chart,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

PAGE = "team-lead.ipynb"
HEADLINE = ".wb-headline-chart"
POOL = 3
LIMIT = 5
SECRET = "a-secret-only-the-proxy-knows"  # noqa: S105 - the browser plays the proxy
#: Three team leads of three teams (demo store), named so that each page can be told apart.
LEADS = {
    "farah": ("T16", "Farah Pooled"),
    "gwen": ("T07", "Gwen Pooled"),
    "hamid": ("T01", "Hamid Pooled"),
}


@pytest.fixture(scope="module")
def pooled(tmp_path_factory) -> Iterator[tuple[VoilaServer, dict]]:
    """A server keeping a pool of three team lead kernels, and the identities it knows."""
    work = tmp_path_factory.mktemp("pool")
    identities = work / "identities.yaml"
    users = {user: {"role": "team_lead", "team_id": team, "name": name} for user, (team, name) in LEADS.items()}
    identities.write_text(yaml.safe_dump({"users": users}))
    (work / "proxy-secret").write_text(SECRET + "\n")
    env = {
        "WORKBENCH_IDENTITY_FILE": str(identities),
        "WORKBENCH_TRUST_PROXY_HEADER": "X-Workbench-User",
        "WORKBENCH_DEMO_USER": None,
    }
    extra = [
        *pool_settings({"default": 1, PAGE: POOL}),
        proxy_header_setting("X-Workbench-User"),
        "--WorkbenchKernelManager.trusted_proxies=127.0.0.1",
        f"--WorkbenchKernelManager.proxy_secret_file={work / 'proxy-secret'}",
        f"--WorkbenchKernelManager.max_kernels_per_page={LIMIT}",
    ]
    with start_voila(DASHBOARDS_DIR / PAGE, work, env=env, extra_args=extra, ready_timeout=120) as server:
        wait_until(lambda: len(kernels_waiting_for_request(server)) == POOL, 300, server, "the pool to fill")
        yield server, read_identities(identities)


def wait_until(condition, timeout: float, server: VoilaServer, what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` with the server's log."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}.\n{server.log_tail()}")
        time.sleep(0.25)


def options(page, css: str) -> list[str]:
    """The label of every option of the select inside ``css``."""
    labels = page.eval_on_selector_all(f"{css} select option", "opts => opts.map(o => o.textContent.trim())")
    return [label.replace("\xa0", " ") for label in labels]


def kernel_nice(server: VoilaServer) -> dict[int, int]:
    """Return {pid: niceness} of the server's kernels."""
    found = {}
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                found[child.pid] = child.nice()
        except psutil.Error:
            continue
    return found


def test_three_team_leads_each_see_their_own_team_from_the_pool_and_the_pool_refills(
    pooled, browser, service
):
    """Three viewers at once, three identities, three pages: each its own team; then refills."""
    server, identities = pooled
    pooled_pids = set(kernels_waiting_for_request(server))
    assert len(pooled_pids) == POOL
    assert set(kernel_nice(server).values()) == {0}  # the first fill runs at normal priority
    pages = {}
    for user in LEADS:  # all three asked for before any page is drawn
        context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            extra_http_headers={"X-Workbench-User": user, "X-Workbench-Proxy-Secret": SECRET},
        )
        record_network(context)
        pages[user] = context.new_page()
        pages[user].goto(server.url, wait_until="commit")
    names = service.teams.set_index("team_id")["name"]
    for user, page in pages.items():
        team, name = LEADS[user]
        wait_for_chart(page, within=HEADLINE, timeout=240_000)
        wait_for_voila_rendered(page, timeout=240_000)
        assert_no_error_output(page)
        assert options(page, ".wb-team-chooser") == [names[team]]
        caption = page.inner_text(".wb-viewer")
        assert f"Viewing as {name}" in caption, caption
        body = page.inner_text("body")
        for other, (other_team, other_name) in LEADS.items():
            if other != user:
                assert other_name not in body and names[other_team] not in body, (user, other)
        # The child chooser offers the viewer's own team's children, none of the others'.
        offered = {label.split()[0] for label in options(page, ".wb-child-chooser")}
        own = scope_for(identities[user], service, DEMO_AT).child_ids
        assert offered and offered <= own
        for other in LEADS.keys() - {user}:
            assert not offered & scope_for(identities[other], service, DEMO_AT).child_ids
    # Each viewer had a kernel from the pool (none started cold), and the pool was refilled up to
    # the page's limit: two new kernels (3 viewers + 2 = 5) wait for the next viewers, niced.
    wait_until(lambda: len(kernels_waiting_for_request(server)) == LIMIT - POOL, 300, server, "the refills")
    time.sleep(2)  # a third refill, if one were (wrongly) started, would show by now
    refills = set(kernels_waiting_for_request(server))
    assert not refills & pooled_pids
    nice = kernel_nice(server)
    assert len(nice) == LIMIT, nice
    assert {nice[pid] for pid in refills} == {REFILL_NICE}
    assert {nice[pid] for pid in pooled_pids} == {0}  # the viewers' kernels, taken at normal priority
    assert "event=pool_refill_held page=team-lead.ipynb viewers=3 waiting=2 limit=5" in server.log_text()
    # A viewer who comes now takes a refilled kernel, which is put back to normal priority,
    # every thread of it (those started while it was niced too).
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        extra_http_headers={"X-Workbench-User": "gwen", "X-Workbench-Proxy-Secret": SECRET},
    )
    late = context.new_page()
    late.goto(server.url, wait_until="commit")
    wait_for_chart(late, within=HEADLINE, timeout=240_000)
    taken = refills - set(kernels_waiting_for_request(server))
    assert len(taken) == 1, taken
    threads = [thread.id for thread in psutil.Process(taken.pop()).threads()]
    assert len(threads) > 1 and {os.getpriority(os.PRIO_PROCESS, thread) for thread in threads} == {0}
    assert "Viewing as Gwen Pooled" in late.inner_text(".wb-viewer")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages["farah"].screenshot(path=SCREENSHOTS / "team-lead-from-the-pool.png", full_page=True)
    for page in [*pages.values(), late]:
        page.context.close()


def test_a_pooled_kernel_that_waited_longer_than_the_cell_timeout_still_serves_its_viewer(tmp_path, browser):
    """A pool filled before Monday morning waits for hours: its waiting is not a cell running long.

    The cell that waits for the viewer has no cell timeout (``workbench.cli.service``); every
    other cell keeps it. Here the timeout is 30 s and the kernel waits 35 s before its viewer.
    """
    env = {"WORKBENCH_DEMO_USER": "demo-team-lead", "WORKBENCH_IDENTITY_FILE": None}
    extra = [*pool_settings({"default": 1}), "--VoilaExecutor.timeout=30"]
    with start_voila(DASHBOARDS_DIR / PAGE, tmp_path, env=env, extra_args=extra, ready_timeout=120) as server:
        wait_until(lambda: len(kernels_waiting_for_request(server)) == 1, 300, server, "the pool to fill")
        time.sleep(35)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url, wait_until="commit")
        wait_for_chart(page, within=HEADLINE, timeout=240_000)
        wait_for_voila_rendered(page, timeout=240_000)
        assert_no_error_output(page)
        assert "timed out" not in page.inner_text("body")
        assert "timed out" not in server.log_text()
        page.close()
