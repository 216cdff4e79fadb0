"""Benchmark: importing an SSDA903 episodes table scaled up, against pyarrow reading it.

DESIGN.md section 8 asks that imports run at no less than half the speed at which pyarrow
reads the same CSV. This scales the conformance episodes file (about 5,000 rows) up by
``--times`` with fresh child ids, then times, in the same run:

- pyarrow reading the CSV (the baseline: the best of three reads, so a cold first read does
  not flatter the import);
- parsing and checking it (``workbench check ssda903``);
- importing it into a new SQLite store (``workbench import ssda903``): parse, check and write;
  the write alone is the import's time less the check's.

    .venv/bin/python benchmarks/bench_import_903.py [--times 100] [--workdir /tmp]

The conformance files live in ../shared/conformance and are read from there, never copied.
"""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv

from workbench.imports.checking import check_files
from workbench.store.engine import Store
from workbench.store.loading import import_statutory

EPISODES = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "conformance"
    / "ssda903"
    / "d2i_fake"
    / "episodes.csv"
)


def _scaled(target: Path, times: int) -> int:
    with EPISODES.open(newline="", encoding="utf-8-sig") as handle:
        header, *rows = list(csv.reader(handle))
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for copy in range(times):
            # Child ids stay 1-10 letters or digits: a letter prefix per copy keeps them unique.
            prefix = f"{copy:03d}"[-3:]
            writer.writerows([[f"{prefix}{row[0]}"[-10:], *row[1:]] for row in rows])
    return times * len(rows)


def _timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=100)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        source = Path(folder) / "episodes.csv"
        rows = _scaled(source, args.times)
        size = source.stat().st_size
        baseline = min(_timed(lambda: pacsv.read_csv(source))[0] for _ in range(3))
        check_s, parsed = _timed(lambda: check_files("ssda903", [source]))
        store = Store(f"sqlite:///{folder}/bench.sqlite")
        import_s, outcomes = _timed(lambda: import_statutory(store, "ssda903", [source]))
        stored = sum(outcomes[0].rows.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"SSDA903 episodes x{args.times}: {rows:,} rows, {size / 2**20:.1f} MiB; {stored:,} stored")
    for name, seconds in [("pyarrow read (baseline)", baseline), ("parse and check", check_s),
                          ("parse, check and import into SQLite", import_s),
                          ("write into SQLite alone (import - check)", import_s - check_s)]:  # fmt: skip
        speed = f"{rows / seconds:>12,.0f} rows/s {baseline / seconds:6.3f}x baseline speed"
        print(f"{name:>42}: {seconds:7.2f} s {speed}")
    print(f"{'peak RSS':>42}: {peak:,.0f} MiB")
    print(f"{'rejected rows':>42}: {int(parsed[0].counts()['rejected'].sum()):,}")
    print("target: import speed >= 0.5x baseline speed (DESIGN.md section 8)")


if __name__ == "__main__":
    main()
