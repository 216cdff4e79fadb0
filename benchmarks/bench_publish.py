"""Benchmark: publish shared supervision packs for every worker with a caseload at D.

Runs on the demo service (loaded into a temporary store) and, when given, on a la-decade store
(copied to a temporary file first: opening a store upgrades its schema in place). For each it
prints the workers published, the seconds taken (reading the caseloads, then the pages), the
time per worker, and the time for 300 workers at that rate beside the target (60 s on 2 cores).

Baseline, measured in the same run: drawing one small Vega-Lite bar chart to SVG with
vl-convert once per worker, the least any page with a chart must cost.

    .venv/bin/python benchmarks/bench_publish.py [--la-decade STORE.sqlite]
        [--processes 1|2] [--at 2026-03-31]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from workbench.practice.supervision import load_caseloads
from workbench.publishing.batch import publish
from workbench.store.engine import Store
from workbench.store.loading import load_extract

DEMO_EXTRACT = Path(__file__).resolve().parents[1] / "data" / "demo"
TARGET_WORKERS, TARGET_SECONDS = 300, 60.0


def baseline_seconds(workers: int) -> float:
    """Draw one small bar chart to SVG ``workers`` times."""
    chart = alt.Chart(pd.DataFrame({"domain": list("abcde"), "value": [1, 2, 3, 2, 1]}))
    spec = chart.mark_bar().encode(x="value:Q", y="domain:N").to_dict()
    vl_convert.vegalite_to_svg(spec)  # warm up, as publishing's first page also does
    started = time.perf_counter()
    for _ in range(workers):
        vl_convert.vegalite_to_svg(spec)
    return time.perf_counter() - started


def run(label: str, store: Store, at: str, out: Path, processes: int) -> None:
    started = time.perf_counter()
    caseloads = load_caseloads(store, at)
    read_s = time.perf_counter() - started
    workers = len(caseloads.workers_with_caseload())
    started = time.perf_counter()
    pages = publish(store, "supervision", at, out, everyone=True, audience="shared", processes=processes)
    publish_s = time.perf_counter() - started
    assert len(pages) == workers, (len(pages), workers)
    size_mb = sum(p.stat().st_size for p in pages) / 1e6
    base_s = baseline_seconds(workers)
    per_worker = publish_s / workers
    print(
        f"{label}: {workers:,} workers with a caseload at {at}, {processes} process(es)\n"
        f"  reading every caseload alone       {read_s:8.2f} s\n"
        f"  publishing every pack (incl. read) {publish_s:8.2f} s   {per_worker * 1000:7.1f} ms per worker"
        f"   {size_mb:.1f} MB of HTML\n"
        f"  baseline: one small chart per worker {base_s:6.2f} s   "
        f"{base_s / workers * 1000:7.1f} ms per worker"
        f"   (publishing is {publish_s / base_s:.1f}x the baseline)\n"
        f"  at this rate {TARGET_WORKERS} workers take {per_worker * TARGET_WORKERS:.1f} s "
        f"(target under {TARGET_SECONDS:.0f} s on 2 cores)",
        flush=True,
    )


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--la-decade", type=Path, default=None, help="A la-decade store (copied first).")
    parser.add_argument("--processes", type=int, choices=(1, 2), default=1)
    parser.add_argument("--at", default="2026-03-31")
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as folder:
        work = Path(folder)
        if not args.skip_demo:
            demo = Store(f"sqlite:///{work / 'demo.sqlite'}")
            load_extract(demo, DEMO_EXTRACT)
            run("demo", demo, args.at, work / "demo-packs", args.processes)
        if args.la_decade:
            copy = work / "la-decade.sqlite"
            shutil.copy(args.la_decade, copy)
            copy.chmod(0o644)
            started = time.perf_counter()
            big = Store(f"sqlite:///{copy}")
            print(f"la-decade: copied and upgraded to schema {big.schema_version()} in "
                  f"{time.perf_counter() - started:.1f} s (not counted below)", flush=True)  # fmt: skip
            run("la-decade", big, args.at, work / "la-decade-packs", args.processes)


if __name__ == "__main__":
    main()
