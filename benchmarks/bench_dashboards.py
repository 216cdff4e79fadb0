"""Benchmark: each dashboard's time to first chart, and a filter change to the new chart, in Chromium.

DESIGN.md section 8: a dashboard's first chart appears within 1.5x the time a bare Voila
notebook takes to show one chart (measured in the same run), and a filter change shows the
new chart within 150 ms (p95) at la-decade size. Each notebook is served alone by standalone
Voila with the production settings (``tests/browser/rig.py``), cold (a kernel started for the
page) and preheated (``--preheat_kernel``: the notebook already ran when the page is asked
for). The bare notebook is ``benchmarks/fixtures/bare_chart.ipynb``.

    .venv/bin/python benchmarks/bench_dashboards.py [--store PATH.sqlite] [--changes 20]
        [--pages team-lead.ipynb,audit.ipynb] [--skip-preheat] [--skip-filters] [--copy-snapshot]

The store is copied to a temporary file first (opening a store upgrades its schema in place).
``--store`` names a store of la-decade size (``workbench demo-data --size la-decade``,
then ``workbench load``).

The pages read the store's columnar snapshot (``docs/snapshot.md``): the benchmark writes the
copy's snapshot beside it and prints the write's time and the file's size, or with
``--copy-snapshot`` copies the one beside ``--store`` (it must be that store's). Each cold page's
kernel's unique set size (USS: the memory that kernel alone holds) is printed once its first
chart is drawn, beside the bare notebook's kernel's.

Every notebook in ``dashboards/`` is timed but those :data:`NOT_TIMED` names (no chart, no
filter: the run says why); what the benchmark knows of each page is one row of :data:`PAGES` (a
dashboard with no row stops the run before anything is timed, unless ``--pages`` leaves it
out; a page that cannot be timed as its row says is named FAILED in the table, and the run exits 1). A
filter change is timed from choosing an option to the page's first chart drawn anew, its
title or marks different ("chart"), and to the page saying it is done ("page"):

- ``service-overview``, ``children-looked-after``, ``child-protection``, ``early-help-and-cin``: the locality
  dropdown, localities in turn with "All localities" between them; done when the status line
  says "Showing" the chosen locality. Viewed as the Head of Practice Improvement (everything).
- ``team-lead``: the worker dropdown, the team's workers in turn with "All workers" between
  them; the chart is the headline chart; done when the loading line (``.wb-loading``, "Working
  out the figures...") is empty again, which the view sets last. Viewed as the demo team lead
  (one team: the page is about one team).
- ``supervision``: the worker chooser, each worker in turn; the chart is the scores chart,
  the first the page draws; done when the loading line (``.wb-supervision-loading``) is empty
  again, which the view sets last, after the caseload, the records and the chosen child's help
  (timing to the caseload alone let the next change wait on the last one's tail in the kernel).
  Head of Practice Improvement.
- ``appraisal``: the worker chooser ("Appraisal of"), each worker in turn; the chart is the
  distance travelled by domain (``.wb-appraisal-chart``), sent before the rest of the appraisal
  (a worker with no outcome counted gets a chart saying so, naming them); done when the loading
  line (``.wb-appraisal-loading``, "Working out the rest of ...") is empty again, which the view
  sets last. Head of Practice Improvement (every appraisal, read only).
- ``outcome-plan``: not timed (:data:`NOT_TIMED`): a form for one child's plan, no chart.
- ``audit``: the page is tabs, and its only chart (grades, ``.wb-findings-chart``) is on the
  Findings tab, not the tab shown first ("Audit a case", a form). Vega draws it while its tab
  is hidden, so its "first chart" is timed from asking for the page to that chart drawn, the
  benchmark opening the Findings tab as soon as the tab bar shows (as a reader of findings
  does), so the chart is also in view. The filter is the findings "by" choice (question, team,
  period) in turn; done when the chart's table in words has the new grouping. Head of
  Practice Improvement.

Each page runs as the demo identity named in its row (``WORKBENCH_DEMO_USER``, with any
deployment identity variables removed), and the benchmark checks the page names that viewer.
A store without the demo team lead's team (la-decade numbers its teams T001...) has the team
lead page viewed by a team lead of the team with the most children allocated at D, named in
an identity file the benchmark writes (``WORKBENCH_IDENTITY_FILE`` and ``WORKBENCH_USER``, as a
deployment names its viewer). The run prints who views each page and where that comes from.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import psutil  # noqa: E402
import yaml  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

from tests.browser.rig import (  # noqa: E402
    _DRAWING,
    CHROMIUM,
    CHROMIUM_ARGS,
    chart_drawing,
    record_network,
    start_voila,
    wait_for_chart,
    wait_for_chart_to_change,
    wait_for_preheated_page,
)
from widgets.offline import TIMING_ENV  # noqa: E402
from workbench.access import (  # noqa: E402
    DEMO_IDENTITIES,
    DEMO_USER_ENV,
    DEPLOYMENT_USER_ENV,
    IDENTITY_FILE_ENV,
    JUPYTERHUB_USER_ENV,
    TRUSTED_HEADER_ENV,
    Identity,
    read_identities,
)
from workbench.cli.serving import DASHBOARDS_DIR  # noqa: E402
from workbench.measures import service_figures  # noqa: E402, F401 - the snapshot keeps the service's figures
from workbench.measures.filters import DEMO_AT  # noqa: E402
from workbench.store.engine import Store  # noqa: E402
from workbench.store.snapshot import SNAPSHOT_ENV, open_snapshot, snapshot_path, write_snapshot  # noqa: E402

BARE = ROOT / "benchmarks" / "fixtures" / "bare_chart.ipynb"
BARE_CHART = ".wb-bare-chart"
HEAD_OF_PI = "demo-head-of-pi"
TEAM_LEAD = "demo-team-lead"


class BenchmarkError(RuntimeError):
    """A page could not be timed as its :data:`PAGES` row says: the run names it and goes on."""


@dataclass(frozen=True)
class PageSpec:
    """What the benchmark knows of one dashboard: the same main loop times every page."""

    chart: str  #: the chart timed: the first the page draws
    filter: str  #: the filter changed (a dropdown, or toggle buttons)
    options: str  #: how its options are read and chosen: "select" or "buttons"
    all_between: bool  #: its first option is "all", chosen again between the others
    done: str  #: the element that says the page is done
    done_when: str  #: "status" (says Showing the choice), "empty" (loading line cleared) or "changed"
    user: str  #: the demo identity the page runs as
    viewer: str  #: the element naming the viewer, checked against the identity
    opens: str | None = None  #: a tab the reader opens before any chart shows
    #: Some choices have no chart (a worker with no outcome counted): then the page done is "chart".
    chartless: bool = False


_LOCALITY = {
    "filter": ".wb-locality-filter select",
    "options": "select",
    "all_between": True,
    "done": ".wb-status",
    "done_when": "status",
    "user": HEAD_OF_PI,
    "viewer": ".wb-viewer",
}
#: One row per dashboard in ``dashboards/``; the module docstring says why each is what it is.
# fmt: off
PAGES: dict[str, PageSpec] = {
    "service-overview.ipynb": PageSpec(chart=".wb-distance-chart", **_LOCALITY),
    "children-looked-after.ipynb": PageSpec(chart=".wb-group-chart", **_LOCALITY),
    "child-protection.ipynb": PageSpec(chart=".wb-group-chart", **_LOCALITY),
    "early-help-and-cin.ipynb": PageSpec(chart=".wb-group-chart", **_LOCALITY),
    "team-lead.ipynb": PageSpec(
        chart=".wb-headline-chart", filter=".wb-worker-filter select", options="select", all_between=True,
        done=".wb-loading", done_when="empty", user=TEAM_LEAD, viewer=".wb-viewer"),
    "supervision.ipynb": PageSpec(
        chart=".wb-supervision-chart", filter=".wb-supervision-worker select", options="select",
        all_between=False, done=".wb-supervision-loading", done_when="empty", user=HEAD_OF_PI,
        viewer=".wb-viewer"),
    "audit.ipynb": PageSpec(
        chart=".wb-findings-chart", filter=".wb-findings-by", options="buttons", all_between=False,
        done=".wb-findings-grades caption", done_when="changed", user=HEAD_OF_PI, viewer=".wb-audit-user",
        opens="Findings"),
    "appraisal.ipynb": PageSpec(
        chart=".wb-appraisal-chart", filter=".wb-appraisal-worker select", options="select",
        all_between=False, done=".wb-appraisal-loading", done_when="empty", user=HEAD_OF_PI,
        viewer=".wb-viewer"),
}
# fmt: on

#: Dashboards with no chart and no filter, so nothing to time here: why, as the run prints it.
NOT_TIMED: dict[str, str] = {
    "outcome-plan.ipynb": "a form for one child's plan, opened by typing the child's id: no chart, no filter",
}

#: True once the page says it is done: ``[selector, test, text before the change, choice as shown]``.
_DONE = """([selector, test, before, shown]) => {
    const element = document.querySelector(selector);
    if (!element) return false;
    const text = element.innerText.trim();
    if (test === "empty") return text === "";
    if (test === "changed") return text !== "" && text !== before;
    return text.startsWith("Showing") && text.includes(shown);
}"""


#: True once the chart drawn differs from ``before``, or the page is done and has no chart at all.
_CHART_OR_NONE = (
    """([selector, before, done, doneBefore]) => {
    const now = (DRAWING)(selector);
    if (now.length > 1 && JSON.stringify(now) !== JSON.stringify(before)) return true;
    const element = document.querySelector(done);
    const text = element ? element.innerText.trim() : "";
    return text !== "" && text !== doneBefore && !document.querySelector(selector + " svg.marks");
}"""
).replace("DRAWING", _DRAWING)


def identity_env(user: str) -> dict[str, str | None]:
    """Environment that makes ``user`` the viewer: the demo identity, no deployment identity."""
    removed = (IDENTITY_FILE_ENV, TRUSTED_HEADER_ENV, JUPYTERHUB_USER_ENV, DEPLOYMENT_USER_ENV)
    return {DEMO_USER_ENV: user, **dict.fromkeys(removed)}


@dataclass(frozen=True)
class Viewer:
    """Who a page is viewed as, the environment that says so, and where the identity comes from."""

    identity: Identity
    env: dict[str, str | None]
    source: str


def busiest_team(store: Store) -> str:
    """Return the team with the most children allocated at the demo date D (ties: the first id)."""
    allocations = store.read_table("allocations", ["child_id", "worker_id", "start_date", "end_date"])
    workers = store.read_table("workers", ["worker_id", "team_id"])
    at = pd.Timestamp(DEMO_AT)
    start, end = pd.to_datetime(allocations["start_date"]), pd.to_datetime(allocations["end_date"])
    open_at = allocations[(start <= at) & (end.isna() | (end > at))].merge(workers, on="worker_id")
    sizes = open_at.groupby("team_id")["child_id"].nunique().sort_index(kind="stable")
    return str(sizes.idxmax())


def viewers(store: Store, work: Path) -> dict[str, Viewer]:
    """Return the viewer for each user named in :data:`PAGES`, for this store.

    The demo identities, except that a store without the demo team lead's team (la-decade's
    teams are T001...) gets a team lead of its busiest team, from an identity file written here
    (the deployment's way of naming a viewer, ``WORKBENCH_IDENTITY_FILE`` and ``WORKBENCH_USER``).
    """
    demo = read_identities(DEMO_IDENTITIES)
    found = {HEAD_OF_PI: Viewer(demo[HEAD_OF_PI], identity_env(HEAD_OF_PI), "demo identity")}
    lead = demo[TEAM_LEAD]
    teams = store.read_table("teams", ["team_id", "name"]).set_index("team_id")["name"]
    if lead.team_id in teams.index:
        found[TEAM_LEAD] = Viewer(lead, identity_env(TEAM_LEAD), "demo identity")
        return found
    team_id, user = busiest_team(store), "bench-team-lead"
    path = work / "identities.yaml"
    entry = {"role": "team_lead", "team_id": team_id, "name": f"Team lead, {teams[team_id]} (benchmark)"}
    path.write_text(yaml.safe_dump({"users": {user: entry}}), encoding="utf-8")
    env = {IDENTITY_FILE_ENV: str(path), DEPLOYMENT_USER_ENV: user}
    env |= dict.fromkeys((TRUSTED_HEADER_ENV, JUPYTERHUB_USER_ENV, DEMO_USER_ENV))
    source = (f"identity file {path.name}, {DEPLOYMENT_USER_ENV}={user}: the store has no team "
              f"{lead.team_id} ({TEAM_LEAD}'s), so the team with most children at D")  # fmt: skip
    found[TEAM_LEAD] = Viewer(read_identities(path)[user], env, source)
    return found


def _open(page: Page, opens: str | None) -> None:
    if opens is not None:
        page.get_by_role("tab", name=opens, exact=True).click()


def kernel_uss(server) -> float:
    """Return the unique set size (MiB) of the server's kernel: the memory no other process shares."""
    kernels = [
        child
        for child in psutil.Process(server.process.pid).children(recursive=True)
        if "ipykernel" in " ".join(child.cmdline())
    ]
    if len(kernels) != 1:
        raise BenchmarkError(f"expected one kernel under the Voila server, found {len(kernels)}")
    return kernels[0].memory_full_info().uss / 2**20


def first_chart(browser, notebook: Path, env: dict, log_dir: Path, *, chart: str, opens: str | None = None,
                preheat: bool) -> tuple[float, float | None]:  # fmt: skip
    """Seconds from asking for the page to its first chart's marks drawn; the cold kernel's USS (MiB) then."""
    uss = None
    with start_voila(notebook, log_dir, env=env, preheat=preheat, ready_timeout=120) as server:
        if preheat:
            wait_for_preheated_page(server, timeout=600)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(600_000)
        record_network(context)
        page = context.new_page()
        started = time.perf_counter()
        page.goto(server.url, wait_until="commit")
        _open(page, opens)
        wait_for_chart(page, timeout=600_000, within=chart)
        seconds = time.perf_counter() - started
        if not preheat:  # a preheated server keeps spare kernels: only the cold one is alone
            uss = kernel_uss(server)
        context.close()
    return seconds, uss


def _options(page: Page, spec: PageSpec) -> tuple[list[str], str]:
    """Return the filter's option labels, and the one chosen now."""
    if spec.options == "select":
        options = page.eval_on_selector_all(f"{spec.filter} option", "os => os.map(o => o.text)")
        current = page.eval_on_selector(
            spec.filter, "s => s.selectedIndex < 0 ? '' : s.options[s.selectedIndex].text"
        )
    else:
        buttons = f"{spec.filter} button"
        options = page.eval_on_selector_all(buttons, "bs => bs.map(b => b.innerText.trim())")
        current = page.eval_on_selector_all(
            buttons, "bs => bs.filter(b => b.classList.contains('mod-active')).map(b => b.innerText.trim())"
        )
        current = current[0] if current else ""
    return options, current


def _sequence(options: list[str], current: str, spec: PageSpec, notebook: str) -> list[str]:
    """Return the choices to make in turn: each differs from the one before."""
    if len(options) < 2 or current not in options:
        raise BenchmarkError(f"{notebook}: the filter {spec.filter} offers {options!r} (chosen: "
                             f"{current!r}); it needs two options or more, one chosen")  # fmt: skip
    others = [option for option in options if option != current]
    if not spec.all_between:
        return [*others, current]
    if current != options[0]:
        raise BenchmarkError(f"{notebook}: expected the first option of {spec.filter} "
                             f"({options[0]!r}) chosen, found {current!r}")  # fmt: skip
    sequence = []
    for name in others:
        sequence += [name, current]
    return sequence


def _choose(page: Page, spec: PageSpec, label: str) -> None:
    if spec.options == "select":
        page.select_option(spec.filter, label=label)
    else:
        page.locator(spec.filter).get_by_role("button", name=label, exact=True).click()


def _done_text(page: Page, spec: PageSpec) -> str:
    text = "(s) => { const e = document.querySelector(s); return e ? e.innerText.trim() : ''; }"
    return page.evaluate(text, spec.done)


#: Notes the page's clock when an option is chosen (a select's change, a button's click).
_NOTE_CHOICES = """() => {
    const note = () => { window.__wbChangedAt = performance.now(); };
    document.addEventListener("change", note, true);
    document.addEventListener("click", note, true);
}"""

#: The page's notes of the charts drawn since ``since`` (``performance.now()``), in the order drawn.
_TIMINGS = """([since, selector]) => (window.__wbChartTimings ?? []).filter(
    t => t.arrived >= since && (" " + t.classes + " ").includes(" " + selector.slice(1) + " "))"""


@dataclass
class Split:
    """Where a filter change's time went, to the first chart drawn anew (ms, one entry per change).

    From the kernel's probe (:data:`widgets.offline.TIMING_ENV`): ``figures``, the kernel from the
    filter's message in to the chart set (the figures worked out, and for a chart set with
    ``.chart`` the Altair chart built too); ``spec``, the spec made from there (Altair's
    ``to_dict``, or a shape drawn before filled with the new rows: ``LiveChart.show``);
    ``bytes``, its JSON size. From the page: ``wire``, the choice made to
    the spec arrived, less the two above (the select's event, the widget messages both ways, the
    kernel's queue; from the page's change or click event when it saw one); ``in_page``, that
    event to the chart drawn (the benchmark's own "chart" time adds Playwright's steps to it);
    ``draw``, the spec arrived to the chart drawn (``how``: "swap", the new data
    swapped into the view drawn, or "embed", a new chart compiled and drawn).
    """

    in_page: list[float] = field(default_factory=list)
    figures: list[float] = field(default_factory=list)
    spec: list[float] = field(default_factory=list)
    wire: list[float] = field(default_factory=list)
    draw: list[float] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)
    how: list[str] = field(default_factory=list)

    def add(self, chosen_at: float, timing: dict, changed_at: float | None) -> None:
        """Add one change, by the page's clock: the chart's ``timing`` note, ``chosen_at``.

        ``chosen_at`` is before the benchmark chose the option, ``changed_at`` when the page saw
        it chosen (its change or click event; Playwright's own steps come between the two).
        """
        figures, spec = timing.get("figures_ms") or 0.0, timing["spec_ms"]
        if changed_at is not None and changed_at >= chosen_at:
            self.in_page.append(timing["drawn"] - changed_at)
            chosen_at = changed_at
        self.figures.append(figures)
        self.spec.append(spec)
        self.wire.append(timing["arrived"] - chosen_at - figures - spec)
        self.draw.append(timing["drawn"] - timing["arrived"])
        self.bytes.append(timing["spec_bytes"])
        self.how.append(timing["how"])

    def text(self) -> str:
        """Medians of each part, as the run prints them."""
        if not self.draw:
            return "no chart widget timed (the chart is drawn in the kernel)"
        med = {name: statistics.median(getattr(self, name)) for name in ("figures", "spec", "wire", "draw")}
        swaps = self.how.count("swap")
        in_page = (f"in the page, chosen to drawn: p50 {statistics.median(self.in_page):.0f} ms, "
                   f"p95 {p95(self.in_page):.0f} ms; " if self.in_page else "")  # fmt: skip
        return (f"{in_page}median ms: figures {med['figures']:.0f}, spec {med['spec']:.0f} "
                f"({statistics.median(self.bytes) / 1024:.0f} KiB), wire {med['wire']:.0f}, "
                f"draw {med['draw']:.0f}; {swaps} of {len(self.how)} swapped into the chart drawn, "
                f"{len(self.how) - swaps} drawn anew")  # fmt: skip


def filter_changes(browser, notebook: Path, spec: PageSpec, viewer: str, env: dict, log_dir: Path,
                   changes: int) -> tuple[list, list, Split]:  # fmt: skip
    """Seconds from a filter option chosen to the new first chart, and to the page saying it is done.

    Also where the time to the chart went (:class:`Split`), from the kernel's timing probe.
    """
    chart_times, page_times, split = [], [], Split()
    env = {**env, TIMING_ENV: "1"}
    with start_voila(notebook, log_dir, env=env, ready_timeout=120) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(600_000)
        record_network(context)
        page = context.new_page()
        page.goto(server.url)
        _open(page, spec.opens)
        wait_for_chart(page, timeout=600_000, within=spec.chart)
        page.wait_for_selector(spec.done, state="attached", timeout=600_000)
        shown_viewer = page.inner_text(spec.viewer)
        if viewer not in shown_viewer:
            raise BenchmarkError(f"{notebook.name}: expected the page to be viewed as {viewer!r}; "
                                 f"it says {shown_viewer!r}")  # fmt: skip
        options, current = _options(page, spec)
        sequence = _sequence(options, current, spec, notebook.name)
        page.evaluate(_NOTE_CHOICES)
        for i in range(changes):
            label = sequence[i % len(sequence)]
            before = chart_drawing(page, within=spec.chart)
            done_before = _done_text(page, spec)
            chosen_at = page.evaluate("performance.now()")
            started = time.perf_counter()
            _choose(page, spec, label)
            try:
                if spec.chartless:  # a new chart, or the page done with no chart in it
                    page.wait_for_function(
                        _CHART_OR_NONE, arg=[spec.chart, before, spec.done, done_before], timeout=120_000
                    )
                else:
                    wait_for_chart_to_change(page, before, timeout=120_000, within=spec.chart)
            except PlaywrightTimeoutError as error:
                raise BenchmarkError(f"{notebook.name}: {spec.chart} drew nothing new in 120 s after "
                                     f"choosing {label!r} in {spec.filter}") from error  # fmt: skip
            chart_times.append(time.perf_counter() - started)
            drawn = page.evaluate(_TIMINGS, [chosen_at, spec.chart])
            if drawn:
                split.add(chosen_at, drawn[0], page.evaluate("window.__wbChangedAt ?? null"))
            shown = label.replace("\xa0", " ")  # ipywidgets shows option spaces as no-break spaces
            shown = shown.lower() if spec.all_between and label == options[0] else shown
            try:
                page.wait_for_function(
                    _DONE, arg=[spec.done, spec.done_when, done_before, shown], timeout=120_000
                )
            except PlaywrightTimeoutError as error:
                raise BenchmarkError(f"{notebook.name}: {spec.done} stayed at {_done_text(page, spec)!r} "
                                   f"after choosing {label!r}") from error  # fmt: skip
            page_times.append(time.perf_counter() - started)
        context.close()
    return chart_times, page_times, split


def _p95_text(values: list[float]) -> str:
    return f"{p95(values) * 1000:.0f}" if values else "-"


def p95(values: list[float]) -> float:
    """Return the 95th percentile (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def dashboards_to_time(pages: str | None) -> list[Path]:
    """Return every dashboard (or those named in ``pages``); stop if one has no :data:`PAGES` row."""
    found = [path for path in sorted(DASHBOARDS_DIR.glob("*.ipynb")) if path.name not in NOT_TIMED]
    unknown = [path.name for path in found if path.name not in PAGES]
    if pages is None:
        if unknown:
            raise SystemExit(f"no benchmark row in PAGES for {', '.join(unknown)}: add its first chart, "
                             "filter and done condition to benchmarks/bench_dashboards.py")  # fmt: skip
        return found
    wanted = [
        name if name.endswith(".ipynb") else f"{name}.ipynb"
        for name in map(str.strip, pages.split(","))
        if name
    ]
    untimed = [f"{name}: {NOT_TIMED[name]}" for name in wanted if name in NOT_TIMED]
    if untimed:
        raise SystemExit(f"--pages {pages!r}: not timed: {'; '.join(untimed)}")
    names = {path.name for path in found}
    missing = [name for name in wanted if name not in names]
    if missing or not wanted:
        raise SystemExit(f"--pages {pages!r}: not dashboards: {', '.join(missing) or '(none named)'}; "
                         f"choose from {', '.join(sorted(names))}")  # fmt: skip
    unknown = [name for name in wanted if name in unknown]
    if unknown:
        raise SystemExit(f"no benchmark row in PAGES for {', '.join(unknown)}")
    return [path for path in found if path.name in wanted]


def prepare_snapshot(store: Store, original: Path, *, copy_it: bool) -> None:
    """Put the copy's snapshot beside it: written (timed, sized) or copied from beside ``original``."""
    os.environ.pop(SNAPSHOT_ENV, None)  # the pages find it beside the store copy
    target = snapshot_path(store.url)
    if copy_it:
        shutil.copyfile(original.with_suffix(".duckdb"), target)
        opened = open_snapshot(store)  # a stale copy would be rebuilt here, not in the first page
        size = target.stat().st_size / 2**20
        print(f"snapshot copied from beside {original}: {size:,.0f} MiB ({opened.stamp})")
        return
    written = write_snapshot(store)
    print(f"snapshot written in {written.seconds:.1f} s: {written.size / 2**20:,.0f} MiB ({written.stamp})",
          flush=True)  # fmt: skip


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a SQLite store (copied first)")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--skip-preheat", action="store_true")
    parser.add_argument("--pages", help="comma-separated dashboards, such as team-lead,audit (default: all)")
    parser.add_argument("--skip-filters", action="store_true", help="time first charts only")
    parser.add_argument("--skip-first-charts", action="store_true",
                        help="time filter changes only (no cold or preheated first chart)")  # fmt: skip
    parser.add_argument("--copy-snapshot", action="store_true",
                        help="copy the snapshot beside --store rather than write the copy's own")  # fmt: skip
    args = parser.parse_args()
    # Stopped from outside, still stop the Voila servers (their context managers) and the browser.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    dashboards = dashboards_to_time(args.pages)
    work = Path(tempfile.mkdtemp(prefix="bench-dashboards-"))
    copy = work / "store.sqlite"
    shutil.copyfile(args.store, copy)
    url = f"sqlite:///{copy}"
    started = time.perf_counter()
    store = Store(url)
    counts = store.row_counts()  # upgrades the copy's schema once, outside the timings
    store.mark_demo()  # a copy of a synthetic store: the demo identities may view it
    print(f"store {args.store} copied and opened in {time.perf_counter() - started:.1f} s: "
          f"{counts['children']:,} children, {counts['outcomes']:,} outcomes, "
          f"{counts['outcome_reviews']:,} reviews")  # fmt: skip
    prepare_snapshot(store, args.store, copy_it=args.copy_snapshot)
    seen_by = viewers(store, work)
    for name, reason in NOT_TIMED.items():
        print(f"not timed: {name} ({reason})")
    print("viewed as:")
    for notebook in dashboards:
        viewer = seen_by[PAGES[notebook.name].user]
        who = viewer.identity
        print(f"  {notebook.name:<30}{who.user} ({who.name}, {who.title}; {viewer.source})")
    rows, failed = [], {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        env = {"WORKBENCH_STORE": url, **seen_by[HEAD_OF_PI].env}
        bare_cold, bare_uss = first_chart(browser, BARE, env, work, chart=BARE_CHART, preheat=False)
        bare_hot = (
            None
            if args.skip_preheat
            else first_chart(browser, BARE, env, work, chart=BARE_CHART, preheat=True)[0]
        )
        print(f"bare notebook, one chart: cold {bare_cold:.2f} s (kernel USS {bare_uss:.0f} MiB)"
              + ("" if bare_hot is None else f", preheated {bare_hot:.2f} s"), flush=True)  # fmt: skip
        for notebook in dashboards:
            spec = PAGES[notebook.name]
            viewer = seen_by[spec.user]
            env = {"WORKBENCH_STORE": url, **viewer.env}
            timed = {"chart": spec.chart, "opens": spec.opens}
            try:
                cold, uss = (
                    (float("nan"), float("nan"))
                    if args.skip_first_charts
                    else first_chart(browser, notebook, env, work, **timed, preheat=False)
                )
                hot = (
                    None
                    if args.skip_preheat or args.skip_first_charts
                    else first_chart(browser, notebook, env, work, **timed, preheat=True)[0]
                )
                chart_times, page_times, split = [], [], Split()
                if not args.skip_filters:
                    who = viewer.identity.name
                    timed_changes = filter_changes(browser, notebook, spec, who, env, work, args.changes)
                    chart_times, page_times, split = timed_changes
            except Exception as error:  # named in the table, and the run exits 1; the other pages go on
                failed[notebook.name] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
                print(
                    f"{notebook.name} as {viewer.identity.user}: FAILED {failed[notebook.name]}", flush=True
                )
                continue
            rows.append((notebook.name, cold, hot, chart_times, page_times, uss))
            hot_text = "-" if hot is None else f"{hot:.2f} s"
            chart_p95, page_p95 = p95(chart_times) * 1000, p95(page_times) * 1000
            print(f"{notebook.name} as {viewer.identity.user}: cold {cold:.2f} s (kernel USS {uss:.0f} MiB), "
                  f"preheated {hot_text}, filter p95 chart {chart_p95:.0f} ms, page {page_p95:.0f} ms "
                  f"({len(chart_times)} changes of {spec.filter})", flush=True)  # fmt: skip
            if chart_times:
                print(f"  to the chart, {split.text()}", flush=True)
        browser.close()
    print()
    print("Time to first chart (s) beside the bare notebook in the same run; target 1.5x.")
    print("Filter change to the new chart in the browser (ms); target p95 150 ms.")
    print("A cold kernel's own memory (USS, MiB) once its first chart is drawn; target 300 MiB.")
    header = (f"{'dashboard':<30}{'cold':>8}{'x bare':>8}{'preheat':>9}{'x bare':>8}{'USS MiB':>9}"
              f"{'chart p50':>11}{'chart p95':>11}{'page p50':>10}{'page p95':>10}")  # fmt: skip
    print(header)
    print(f"{'bare_chart.ipynb':<30}{bare_cold:>8.2f}{1:>8.2f}"
          f"{'-' if bare_hot is None else f'{bare_hot:.2f}':>9}{1:>8.2f}{bare_uss:>9.0f}")  # fmt: skip
    for name, cold, hot, chart_times, page_times, uss in rows:
        hot_text = "-" if hot is None else f"{hot:.2f}"
        ratio = "-" if hot is None or bare_hot is None else f"{hot / bare_hot:.2f}"
        filters = [
            f"{statistics.median(times) * 1000:.0f}" if times else "-" for times in (chart_times, page_times)
        ]
        print(f"{name:<30}{cold:>8.2f}{cold / bare_cold:>8.2f}{hot_text:>9}{ratio:>8}{uss:>9.0f}"
              f"{filters[0]:>11}{_p95_text(chart_times):>11}"
              f"{filters[1]:>10}{_p95_text(page_times):>10}")  # fmt: skip
    for name, reason in failed.items():
        print(f"{name:<30}FAILED {reason}")
    shutil.rmtree(work, ignore_errors=True)
    if failed:
        raise SystemExit(f"{len(failed)} dashboard(s) could not be timed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
