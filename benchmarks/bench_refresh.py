"""Benchmark: a refresh (validate, swap, what-changed report) beside a full load, in the same run.

DESIGN.md section 8 asks that memory stays under 2 GiB at la-decade size for a load. A
refresh does a load's work plus the report of what changed (worked out in SQL, inside the
transaction), so it is measured beside a full load of the same size on the same machine:

    .venv/bin/python -m workbench.cli demo-data --size la-decade --out /tmp/lad   # or bench_synth.py
    .venv/bin/python benchmarks/bench_refresh.py --extract /tmp/lad [--store-dir /tmp]

The next extract is the same one with the last ``--drop`` review rows left out (written beside
the store, with links to the other tables), so the report has something to count. Each phase
runs as its own ``workbench`` command, as a scheduled job would, and its peak RSS is that
process's own:

1. ``workbench load EXTRACT`` into a new SQLite store (a full load);
2. ``workbench refresh NEXT`` of that store (validation, the swap and the report).

It prints each phase's seconds and peak RSS, the refresh's time as a ratio of the load's, and
the report. The store and the next extract are deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workbench.core.model import EXTRACT_TABLES

ROOT = Path(__file__).resolve().parents[1]


def run_measured(command: list[str]) -> tuple[float, float, str]:
    """Run ``command``; return its seconds, its peak RSS in MiB and its output (stdout)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{output}")
    return elapsed, usage.ru_maxrss / 1024, output


def next_extract(extract: Path, folder: Path, drop: int) -> Path:
    """Write ``extract`` less its last ``drop`` review rows into ``folder`` (other tables linked)."""
    folder.mkdir(parents=True)
    for spec in EXTRACT_TABLES:
        source = extract / spec.filename
        if spec.name != "outcome_reviews":
            os.symlink(source.resolve(), folder / spec.filename)
            continue
        with source.open("rb") as handle:
            lines = handle.readlines()
        (folder / spec.filename).write_bytes(b"".join(lines[: max(1, len(lines) - drop)]))
    return folder


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--extract", type=Path, required=True, help="an extract folder (la-decade for the target)"
    )
    parser.add_argument("--store-dir", type=Path, default=None, help="where the throwaway store goes")
    parser.add_argument("--drop", type=int, default=1000, help="review rows the next extract leaves out")
    args = parser.parse_args()
    workbench = [sys.executable, "-m", "workbench.cli"]
    with tempfile.TemporaryDirectory(dir=args.store_dir) as scratch:
        store = f"sqlite:///{Path(scratch) / 'bench.sqlite'}"
        upcoming = next_extract(args.extract, Path(scratch) / "next", args.drop)
        load_s, load_mib, _ = run_measured([*workbench, "load", str(args.extract), "--store", store])
        refresh_s, refresh_mib, report = run_measured(
            [*workbench, "refresh", str(upcoming), "--store", store]
        )
    print(f"extract: {args.extract}  (next: the same less its last {args.drop:,} review rows)")
    print(f"{'full load':>16}: {load_s:8.1f} s   peak RSS {load_mib:8,.0f} MiB")
    print(f"{'refresh':>16}: {refresh_s:8.1f} s   peak RSS {refresh_mib:8,.0f} MiB")
    print(f"{'refresh / load':>16}: {refresh_s / load_s:8.2f}x time, {refresh_mib / load_mib:.2f}x memory")
    print("target: peak RSS under 2,048 MiB at la-decade (DESIGN.md section 8)")
    print(report.rstrip())


if __name__ == "__main__":
    main()
