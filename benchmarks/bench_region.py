"""Benchmark: every headline measure on a regional pool, and one kernel's memory.

Issue 16 part 4: a pool of 15 authorities (``workbench demo-data --size region``, some 1.5
million children) loaded into one store. What a regional dashboard kernel pays is timed here,
in one process as a kernel would run it:

    python -m workbench.cli demo-data --size region --out REGION_DIR
    python -m workbench.cli load REGION_DIR --store sqlite:///REGION.sqlite
    python benchmarks/bench_region.py --store sqlite:///REGION.sqlite [--at 2026-03-31]

(``--size tiny-region`` makes a three-authority pool in seconds, to try the benchmark.)

It prints seconds to read the store (``ServiceData``), every headline measure for the whole
region (the first time, then again), each measure, the measures by locality (every authority's
localities at once) and for one authority's first locality alone, and the process's memory:
resident (RSS) and its own (USS, what no other process shares) after reading and at the end,
and its peak RSS. DESIGN.md section 8: a viewer's kernel keeps at most 300 MiB of its own.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date

import psutil

from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.headline import MEASURES, headline_measures
from workbench.measures.service_data import ServiceData
from workbench.store.engine import Store

MIB = 2**20


def _timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _memory() -> str:
    info = psutil.Process().memory_full_info()
    return f"RSS {info.rss / MIB:,.0f} MiB, USS {info.uss / MIB:,.0f} MiB"


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="SQLAlchemy URL of a store holding a regional pool")
    parser.add_argument("--at", type=date.fromisoformat, default=DEMO_AT)
    args = parser.parse_args()

    store = Store(args.store)
    counts = store.row_counts()
    print(f"store: {store!r} at {args.at}: {counts['children']:,} children, {counts['outcomes']:,} outcomes, "
          f"{counts['outcome_reviews']:,} reviews")  # fmt: skip
    read_s, data = _timed(lambda: ServiceData(store))
    after_read = _memory()
    localities = data.localities()
    authorities = sorted({name.split(" ", 1)[0] for name in localities})
    print(f"{len(authorities)} authorities ({', '.join(authorities)}), {len(localities)} localities")
    first_s, table = _timed(lambda: headline_measures(data, args.at))
    again_s, _ = _timed(lambda: headline_measures(data, args.at))
    per_measure = {name: _timed(lambda m=m: m(data, args.at))[0] for name, m in MEASURES.items()}
    by_locality_s, by_locality = _timed(lambda: headline_measures(data, args.at, by="locality"))
    one = localities[0]
    one_s, _ = _timed(lambda: headline_measures(data, args.at, Filters(locality=one)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    print(f"{'read ServiceData':>44}: {read_s:8.2f} s   ({after_read} after)")
    print(f"{'all headline measures, whole region (first)':>44}: {first_s:8.2f} s   ({len(table)} figures)")
    print(f"{'all headline measures, whole region (again)':>44}: {again_s:8.2f} s")
    for name, seconds in per_measure.items():
        print(f"{name:>44}: {seconds:8.2f} s")
    print(f"{'all headline measures by locality':>44}: {by_locality_s:8.2f} s   ({len(by_locality)} figures)")
    print(f"{f'all headline measures, {one} alone':>44}: {one_s:8.2f} s")
    print(f"{'memory at the end':>44}: {_memory()}; peak RSS {peak / MIB:,.0f} MiB")
    print("target (DESIGN.md section 8): a viewer's kernel keeps at most 300 MiB of its own (USS)")


if __name__ == "__main__":
    main()
