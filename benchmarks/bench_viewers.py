"""Benchmark: 20 team leads open the team lead page within one minute, beside a bare notebook.

Issue 16 and DESIGN.md section 8: 20 viewers opening pages within one minute all get their
chart, the p95 time to first chart within 3x a bare Voila notebook alone (measured in the same
run), in under 12 GiB in all.

    python benchmarks/bench_viewers.py --store STORE.sqlite [--viewers 20] [--within 60] [--pool N]

``--pool 0`` (the default): every page starts its own kernel (cold), as when the preheated pool
is outrun. ``--pool N``: the page keeps N preheated kernels, as ``workbench serve --pool-size
team-lead.ipynb=N`` keeps them (``workbench.cli.serving.pool_settings``); the server is started
before Monday morning, so the benchmark waits until all N kernels have read the store and wait
for their viewer before the first viewer comes. Taken kernels are refilled at the refill
niceness; once every chart is drawn the benchmark waits for the pool to be full again, still
sampling memory, so the peak counts the pool and the viewers together.

What runs, all on this machine:

- the store is copied to a temporary file (opening a store upgrades its schema in place);
- one Voila server serves ``dashboards/team-lead.ipynb`` with ``workbench serve``'s settings
  (``tests/browser/rig.py``) behind an authenticating proxy, played by the browser: each page
  sends ``X-Workbench-User`` (and the proxy's secret), as ``workbench serve
  --trust-proxy-header X-Workbench-User --trusted-proxy 127.0.0.1 --proxy-secret-file ...
  --max-kernels-per-page N`` would be given it. An identity file written here names a team
  lead for each of the ``--viewers`` teams with most children allocated at the demo date;
- one Chromium, one page per viewer (each its own context, so its own header), opened at
  even intervals over ``--within`` seconds. A page's time is from asking for it to its
  headline chart's marks drawn; each page is checked to name its own team lead;
- the bare notebook (``benchmarks/fixtures/bare_chart.ipynb``) is timed alone first, cold,
  in the same browser, the baseline of the target.

Memory is sampled every 250 ms: the machine's used memory (``psutil.virtual_memory``; other
work on the machine counts too, so its level before the run is printed beside it), and the
resident memory of Voila with its kernels and of Chromium (process trees). Once every chart is
drawn, each viewer kernel's unique set size (USS: what it alone holds) is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import yaml  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from tests.browser.rig import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    MARK_SELECTOR,
    kernels_waiting_for_request,
    start_voila,
)
from workbench.access import (  # noqa: E402
    DEMO_USER_ENV,
    DEPLOYMENT_USER_ENV,
    IDENTITY_FILE_ENV,
    JUPYTERHUB_USER_ENV,
    TRUSTED_HEADER_ENV,
)
from workbench.cli.service import process_memory  # noqa: E402
from workbench.cli.serving import (  # noqa: E402
    DASHBOARDS_DIR,
    KERNEL_MEMORY_LIMIT_MIB,
    pool_settings,
    pool_sizes,
    proxy_header_setting,
)
from workbench.measures import service_figures  # noqa: E402, F401 - the snapshot keeps the service's figures
from workbench.measures.filters import DEMO_AT  # noqa: E402
from workbench.store.engine import Store  # noqa: E402
from workbench.store.snapshot import open_snapshot, snapshot_path  # noqa: E402

BARE = ROOT / "benchmarks" / "fixtures" / "bare_chart.ipynb"
BARE_CHART = ".wb-bare-chart"
TEAM_LEAD_PAGE = DASHBOARDS_DIR / "team-lead.ipynb"
HEADLINE_CHART = ".wb-headline-chart"
HEADER = "X-Workbench-User"
SECRET = "bench-viewers-proxy-secret"  # noqa: S105 - the benchmark plays the proxy
SAMPLE_SECONDS = 0.25
GIB = 2**30


def busiest_teams(store: Store, count: int) -> list[tuple[str, str]]:
    """Return (team id, name) of the ``count`` teams with most children allocated at the demo date."""
    import pandas as pd

    allocations = store.read_table("allocations", ["child_id", "worker_id", "start_date", "end_date"])
    workers = store.read_table("workers", ["worker_id", "team_id"])
    teams = store.read_table("teams", ["team_id", "name"]).set_index("team_id")["name"]
    at = pd.Timestamp(DEMO_AT)
    start, end = pd.to_datetime(allocations["start_date"]), pd.to_datetime(allocations["end_date"])
    open_at = allocations[(start <= at) & (end.isna() | (end > at))].merge(workers, on="worker_id")
    sizes = open_at.groupby("team_id")["child_id"].nunique().sort_values(ascending=False, kind="stable")
    chosen = list(sizes.index[:count])
    if len(chosen) < count:
        raise SystemExit(f"the store has {len(chosen)} teams with children at {DEMO_AT}; "
                         f"--viewers {count} needs more")  # fmt: skip
    return [(team, str(teams[team])) for team in chosen]



class MemoryWatch:
    """Sample the machine's used memory and two process trees' RSS until stopped; keep the peaks."""

    def __init__(self, trees: dict[str, psutil.Process]) -> None:
        self.trees = trees
        self.peaks = dict.fromkeys(["machine", *trees], 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peaks["machine"] = max(self.peaks["machine"], psutil.virtual_memory().used)
            for name, root in self.trees.items():
                self.peaks[name] = max(self.peaks[name], process_memory(root.pid))
            time.sleep(SAMPLE_SECONDS)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()


async def _chart_seconds(browser, url: str, chart: str, headers: dict[str, str] | None = None,
                         delay: float = 0.0) -> tuple[float, object]:  # fmt: skip
    """Wait ``delay`` s, open ``url`` in a new context; return seconds to the chart's marks, and the page."""
    await asyncio.sleep(delay)
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, extra_http_headers=headers or {}
    )
    context.set_default_timeout(600_000)
    page = await context.new_page()
    started = time.perf_counter()
    await page.goto(url, wait_until="commit")
    await page.wait_for_function(
        "(selector) => document.querySelectorAll(selector).length > 0", arg=f"{chart} {MARK_SELECTOR}"
    )
    return time.perf_counter() - started, page


def server_first_output(log: str) -> dict[str, float]:
    """Return each viewer's seconds to the first cell output the server sent (its page_view line)."""
    found = {}
    for match in re.finditer(r"event=page_view .*?viewer=(\S+) .*?first_output_s=([0-9.]+)", log):
        found[match.group(1)] = float(match.group(2))
    return found


def p95(values: list[float]) -> float:
    """Return the 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


async def _bare(browser_type, env: dict, work: Path) -> float:
    # The bare notebook is served as plain Voila: no proxy header is sent to it, so the viewers'
    # trusted-header setting would refuse its page (and its chart would never come).
    plain = env | dict.fromkeys((TRUSTED_HEADER_ENV, IDENTITY_FILE_ENV))
    with start_voila(BARE, work, env=plain, ready_timeout=120) as server:
        browser = await browser_type.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        seconds, page = await _chart_seconds(browser, server.url, BARE_CHART)
        await page.context.close()
        await browser.close()
    return seconds


def _kernels(server_process: psutil.Process) -> list[psutil.Process]:
    """Return the server's kernel processes (``ipykernel_launcher``) still running."""
    found = []
    for child in server_process.children(recursive=True):
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def _uss(kernels: list[psutil.Process]) -> list[int]:
    """Return the unique set size of each kernel still running."""
    found = []
    for kernel in kernels:
        try:
            found.append(kernel.memory_full_info().uss)
        except psutil.Error:
            continue
    return found


def _mib(values: list[int]) -> str:
    """Say how many kernels and their median and largest memory, in MiB."""
    if not values:
        return "no kernels"
    median, largest = statistics.median(values) / 2**20, max(values) / 2**20
    return f"{len(values)} kernels, median {median:,.0f} MiB, max {largest:,.0f} MiB"


def _wait_for_pool(server, size: int, timeout: float) -> float:
    """Wait until ``size`` kernels wait for their viewer's request; return the seconds waited."""
    started = time.perf_counter()
    while len(kernels_waiting_for_request(server)) < size:
        if server.process.poll() is not None:
            raise SystemExit(f"Voila exited while the pool filled.\n{server.log_tail()}")
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"the pool of {size} was not full after {timeout:.0f} s.\n{server.log_tail()}")
        time.sleep(0.5)
    return time.perf_counter() - started


def _viewer_kernels(voila: psutil.Process, server) -> tuple[list[psutil.Process], list[psutil.Process]]:
    """Split the running kernels: viewers' (taken, normal priority) and the pool's (waiting, refilling)."""
    waiting = set(kernels_waiting_for_request(server))
    viewers, pool = [], []
    for kernel in _kernels(voila):
        try:
            refilling = kernel.nice() > 0  # a refill runs niced until a viewer takes it
        except psutil.Error:
            continue
        (pool if kernel.pid in waiting or refilling else viewers).append(kernel)
    return viewers, pool


async def run(args, env: dict, leads: list[tuple[str, str, str]], work: Path) -> None:
    """Time the bare notebook, then the viewers; print every figure."""
    async with async_playwright() as driver:
        bare = await _bare(driver.chromium, env, work)
        print(f"bare notebook alone, one chart, cold: {bare:.2f} s", flush=True)
        extra = [
            proxy_header_setting(HEADER),
            "--WorkbenchKernelManager.trusted_proxies=127.0.0.1",
            f"--WorkbenchKernelManager.proxy_secret_file={work / 'proxy-secret'}",
            f"--WorkbenchKernelManager.max_kernels_per_page={args.max_kernels_per_page}",
            f"--WorkbenchKernelManager.memory_limit_mib={KERNEL_MEMORY_LIMIT_MIB}",
        ]
        if args.pool:
            limit = args.max_kernels_per_page
            sizes = pool_sizes([f"{TEAM_LEAD_PAGE.name}={args.pool}"], max_kernels_per_page=limit)
            extra += pool_settings(sizes)
        with start_voila(TEAM_LEAD_PAGE, work, env=env, extra_args=extra, ready_timeout=120) as server:
            voila = psutil.Process(server.process.pid)
            if args.pool:
                filled = _wait_for_pool(server, args.pool, args.pool_timeout)
                print(f"pool of {args.pool} preheated kernels full after {filled:.0f} s: each has read the "
                      "store and waits for its viewer (the server was started before Monday morning; "
                      "the viewers arrive now)", flush=True)  # fmt: skip
                print(f"  pooled kernels' own memory (USS) while waiting: {_mib(_uss(_kernels(voila)))}")
            before = psutil.virtual_memory().used
            browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            chromium = next((p for p in psutil.Process().children(recursive=True)
                             if "chrom" in p.name().lower()), None)  # fmt: skip
            trees = {"voila and kernels": voila} | ({"chromium": chromium} if chromium else {})
            gap = args.within / args.viewers
            started = time.perf_counter()
            with MemoryWatch(trees) as watch:
                tasks = [
                    _chart_seconds(browser, server.url, HEADLINE_CHART,
                                   {HEADER: user, "X-Workbench-Proxy-Secret": SECRET}, delay=i * gap)
                    for i, (user, _team, _name) in enumerate(leads)
                ]  # fmt: skip
                results = await asyncio.gather(*tasks, return_exceptions=True)
                span = time.perf_counter() - started
                viewers, pool = _viewer_kernels(voila, server)
                uss = _uss(viewers)
                refilled = None
                if args.pool:
                    # Refills stop at the page's limit: viewers' and pooled kernels together.
                    expected = min(args.pool, args.max_kernels_per_page - len(viewers))
                    print(f"all charts drawn; {len(viewers)} viewers' kernels, {len(pool)} refilling or "
                          f"waiting; the pool refills to {expected} (--max-kernels-per-page "
                          f"{args.max_kernels_per_page})", flush=True)  # fmt: skip
                    refilled = _wait_for_pool(server, expected, args.pool_timeout)
            seconds, failed = [], []
            served = server_first_output(server.log_text())
            for (user, team, name), result in zip(leads, results, strict=True):
                sent = f"server's first output {served[user]:6.2f} s" if user in served else "not logged"
                if isinstance(result, BaseException):
                    failed.append(f"{user} ({team}): {type(result).__name__}: {str(result).splitlines()[0]}")
                    print(f"  {user:<14}{team:<8}no chart;          {sent}", flush=True)
                    continue
                took, page = result
                shown = await page.inner_text(".wb-viewer")
                if name not in shown:
                    failed.append(f"{user} ({team}): the page names {shown!r}, not {name!r}")
                seconds.append(took)
                print(f"  {user:<14}{team:<8}first chart {took:6.2f} s; {sent}", flush=True)
            if served:
                # The page's cells run on the server; the rest of a first chart is the browser's
                # (loading the widget manager, the kernel's websocket, drawing), on the same cores.
                print(f"server's time to a page's first output (page_view log): p50 "
                      f"{statistics.median(served.values()):.2f} s, p95 {p95(list(served.values())):.2f} s "
                      f"({len(served)} pages)")  # fmt: skip
            if refilled is not None:
                _viewers, pool = _viewer_kernels(voila, server)
                print(f"pool refilled {refilled:.0f} s after the last chart (refills niced); "
                      f"pooled kernels' USS: {_mib(_uss(pool))}")  # fmt: skip
            await browser.close()
    print()
    how = f"a pool of {args.pool} preheated kernels" if args.pool else "no pool: every kernel cold"
    print(f"{len(seconds)} of {len(leads)} pages drew their chart ({how}); opened over {args.within:.0f} s "
          f"(one every {gap:.1f} s), all drawn {span:.1f} s after the first was asked for")  # fmt: skip
    report(bare, seconds, failed, watch, before, uss)


def report(bare: float, seconds: list[float], failed: list[str], watch: MemoryWatch, before: int,
           uss: list[int]) -> None:  # fmt: skip
    """Print the figures against the targets; exit 1 if one is missed."""
    fast = bool(seconds) and p95(seconds) <= 3 * bare
    if seconds:
        print(f"time to first chart: p50 {statistics.median(seconds):.2f} s, p95 {p95(seconds):.2f} s, "
              f"max {max(seconds):.2f} s; p95 / bare notebook = {p95(seconds) / bare:.2f}x (target <= 3x)")
    print(f"machine memory used: peak {watch.peaks['machine'] / GIB:.2f} GiB "
          f"(before the viewers {before / GIB:.2f} GiB, pool included; other work on the machine counts too)")
    for name in watch.trees:
        print(f"peak RSS, {name}: {watch.peaks[name] / GIB:.2f} GiB")
    served = sum(watch.peaks[name] for name in watch.trees)
    print(f"peak RSS, served pages in all (Voila, kernels, Chromium): {served / GIB:.2f} GiB "
          "(target < 12 GiB)")
    if uss:
        print(f"viewer kernels' own memory (USS) once drawn: {_mib(uss)} (target <= 300 MiB)")
    print(f"targets: every page drew its chart: {'met' if not failed else 'missed'}; "
          f"p95 <= 3x bare: {'met' if fast else 'missed'}; "
          f"under 12 GiB: {'met' if served < 12 * GIB else 'missed'}")
    for line in failed:
        print(f"FAILED {line}")
    if failed or not fast or served >= 12 * GIB:
        raise SystemExit(1)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a SQLite store (copied first)")
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--within", type=float, default=60.0, help="seconds over which the pages are opened")
    parser.add_argument("--pool", type=int, default=0,
                        help="preheated kernels kept for the page (0: every viewer's kernel starts cold)")
    parser.add_argument("--max-kernels-per-page", type=int, default=25,
                        help="the page's limit of kernels, viewers' and pooled (workbench serve's option)")
    parser.add_argument("--pool-timeout", type=float, default=1200.0,
                        help="seconds to wait for the pool to fill (before the viewers) and refill (after)")
    args = parser.parse_args()
    if args.pool < 0:
        parser.error("--pool: a number of kernels, 0 or more")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers and browser on the way out
    work = Path(tempfile.mkdtemp(prefix="bench-viewers-"))
    try:
        copy = work / "store.sqlite"
        shutil.copyfile(args.store, copy)
        url = f"sqlite:///{copy}"
        store = Store(url)
        counts = store.row_counts()  # upgrades the copy's schema once, outside the timings
        # The pages read the store's snapshot: copy the one beside --store, or write it, before timing.
        beside = snapshot_path(f"sqlite:///{args.store.resolve()}")
        if beside is not None and beside.is_file():
            shutil.copyfile(beside, snapshot_path(url))
        started = time.perf_counter()
        open_snapshot(store)  # rebuilt here (not by the first viewer) if missing or stale
        print(f"snapshot ready in {time.perf_counter() - started:.1f} s")
        print(f"store {args.store}: {counts['children']:,} children, {counts['outcomes']:,} outcomes, "
              f"{counts['outcome_reviews']:,} reviews")  # fmt: skip
        leads = [(f"lead-{team.lower()}", team, f"Team lead, {name}") for team, name in
                 busiest_teams(store, args.viewers)]  # fmt: skip
        identities = {
            user: {"role": "team_lead", "team_id": team, "name": name} for user, team, name in leads
        }
        (work / "identities.yaml").write_text(yaml.safe_dump({"users": identities}), encoding="utf-8")
        (work / "proxy-secret").write_text(SECRET + "\n", encoding="utf-8")
        store.engine.dispose()
        env = {
            "WORKBENCH_STORE": url,
            IDENTITY_FILE_ENV: str(work / "identities.yaml"),
            TRUSTED_HEADER_ENV: HEADER,
            **dict.fromkeys((DEMO_USER_ENV, DEPLOYMENT_USER_ENV, JUPYTERHUB_USER_ENV)),
        }
        print(f"{len(leads)} team leads, one per team: {', '.join(team for _u, team, _n in leads)}")
        asyncio.run(run(args, env, leads, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
