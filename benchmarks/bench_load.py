"""Benchmark: validating and loading an extract, against pyarrow reading the same CSVs.

DESIGN.md section 8 asks that imports run at no less than half the speed at which pyarrow
reads the same CSV. Machines are noisy, so the baseline is measured in the same run:

    .venv/bin/python benchmarks/bench_load.py [--extract data/demo] [--store-dir /tmp]

It prints seconds and rows per second for the pyarrow read (baseline, the best of three),
for validation alone, for validation plus loading into a new SQLite store, and for the write
alone (the load's time less validation's), each with its ratio to the baseline, and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv

from workbench.core.model import EXTRACT_TABLES
from workbench.imports.extract import validate_extract
from workbench.store.engine import Store
from workbench.store.loading import load_extract


def _timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extract", type=Path, default=Path("data/demo"))
    parser.add_argument("--store-dir", type=Path, default=None)
    args = parser.parse_args()

    files = [args.extract / spec.filename for spec in EXTRACT_TABLES]
    size = sum(f.stat().st_size for f in files)
    rows = 0
    baseline = float("inf")
    for _ in range(3):
        seconds, tables = _timed(lambda: [pacsv.read_csv(f) for f in files])
        baseline, rows = min(baseline, seconds), sum(t.num_rows for t in tables)
        del tables
    validate_s, _ = _timed(lambda: validate_extract(args.extract))
    with tempfile.TemporaryDirectory(dir=args.store_dir) as folder:
        store = Store(f"sqlite:///{folder}/bench.sqlite")
        load_s, _ = _timed(lambda: load_extract(store, args.extract))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"extract: {args.extract}  {rows:,} rows in {len(files)} files, {size / 2**20:.1f} MiB")
    for name, seconds in [("pyarrow read (baseline)", baseline), ("validate", validate_s),
                          ("validate + load into SQLite", load_s),
                          ("write into SQLite alone (load - validate)", load_s - validate_s)]:
        print(f"{name:>42}: {seconds:7.2f} s  {rows / seconds:>12,.0f} rows/s  "
              f"{baseline / seconds:6.2f}x baseline speed")
    print(f"{'peak RSS':>42}: {peak_mib:,.0f} MiB")
    print("target: import speed >= 0.5x baseline speed (DESIGN.md section 8)")


if __name__ == "__main__":
    main()
