"""Benchmark: the headline measures on a loaded store, and a dashboard's filter change.

DESIGN.md section 8 asks that a filter change shows the new chart within 150 ms (p95) at
la-decade size, with memory under 2 GiB. This measures the pandas side of that: recomputing
distance travelled by domain after a filter change. Machines are noisy, so a plain pandas
group-by mean over the reviews table is timed in the same run as a baseline:

    .venv/bin/python benchmarks/bench_measures.py [--store URL] [--at 2026-03-31] [--changes 20]

It prints seconds to read ServiceData, for the first distance travelled (what a dashboard's
first chart pays), to compute every headline measure for the whole service (the first time,
which reads meetings, interventions and audits and builds their arrays, then again), each
measure's time, the p50/p95 of a filter change across localities and teams, the time for a
new D, the baseline, peak RSS, and resident memory after reading ServiceData and at the end.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from datetime import date

import numpy as np

from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.headline import MEASURES, distance_travelled, headline_measures
from workbench.measures.service_data import ServiceData
from workbench.store.engine import Store


def _timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _rss_now_mib() -> float:
    """Resident memory now (Linux), to tell a transient peak from what stays in use."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _filter_values(data: ServiceData, count: int) -> list[Filters]:
    """Localities first, then teams, up to ``count`` filter states, as a user would click them."""
    choices = [Filters(locality=name) for name in data.localities()]
    choices += [Filters(team_id=team) for team in sorted(data.teams["team_id"])]
    return choices[:count]


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=None, help="store URL (default: $WORKBENCH_STORE, then data/)")
    parser.add_argument("--at", type=date.fromisoformat, default=DEMO_AT)
    parser.add_argument("--changes", type=int, default=20, help="how many filter changes to time")
    args = parser.parse_args()

    store = Store(args.store)
    load_s, data = _timed(lambda: ServiceData(store))
    rss_loaded = _rss_now_mib()
    rows = {
        "children": len(data.children),
        "outcomes": len(data.outcomes),
        "reviews": len(data.reviews),
    }
    # What a dashboard's first chart pays: the outcome arrays and reviews sorted once.
    first_distance_s, _ = _timed(lambda: distance_travelled(data, args.at, Filters(), by="domain"))
    first_s, table = _timed(lambda: headline_measures(data, args.at))
    again_s, _ = _timed(lambda: headline_measures(data, args.at))
    per_measure = {name: _timed(lambda m=m: m(data, args.at))[0] for name, m in MEASURES.items()}

    # Baseline: the simplest pandas work on the biggest table, in this run.
    baseline_s, _ = _timed(lambda: data.reviews.groupby("outcome_id")["score"].mean())

    # A filter change: the same D, a new filter. Warm the per-D arrays once, as a dashboard does.
    distance_travelled(data, args.at, Filters(), by="domain")
    changes = []
    for filters in _filter_values(data, args.changes):
        seconds, _ = _timed(lambda f=filters: distance_travelled(data, args.at, f, by="domain"))
        changes.append(seconds)
    # A change of D (a new period end) rebuilds each child's team and age band and each
    # outcome's latest score at that D.
    new_dates = [date(args.at.year - 1, month, 28) for month in range(1, 6)]
    new_d_s = [_timed(lambda d=d: distance_travelled(data, d, Filters(), by="domain"))[0] for d in new_dates]
    p50 = statistics.median(changes) if changes else float("nan")
    p95 = float(np.percentile(changes, 95)) if changes else float("nan")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"store: {store!r}  at {args.at}  " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    print(f"{'read ServiceData':>40}: {load_s:8.3f} s")
    print(f"{'first distance by domain (cold arrays)':>40}: {first_distance_s:8.3f} s")
    print(f"{'then all headline measures (first time)':>40}: {first_s:8.3f} s  ({len(table)} figures)")
    print(f"{'all headline measures (again)':>40}: {again_s:8.3f} s")
    for name, seconds in per_measure.items():
        print(f"{name:>40}: {seconds * 1000:8.1f} ms")
    print(f"{'baseline: reviews groupby-mean':>40}: {baseline_s * 1000:8.1f} ms")
    print(
        f"{'filter change, distance by domain':>40}: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
        f"over {len(changes)} filters ({p95 / baseline_s:.2f}x baseline at p95)"
    )
    new_d_ms = statistics.median(new_d_s) * 1000
    print(f"{'new D, distance by domain':>40}: median {new_d_ms:.1f} ms over 5 dates")
    print(f"{'peak RSS':>40}: {peak_mib:,.0f} MiB")
    print(f"{'RSS after reading ServiceData / at end':>40}: {rss_loaded:,.0f} / {_rss_now_mib():,.0f} MiB")
    print("targets (DESIGN.md section 8): filter change p95 < 150 ms and memory < 2 GiB at la-decade size")


if __name__ == "__main__":
    main()
