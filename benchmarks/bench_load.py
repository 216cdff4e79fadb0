"""Benchmark: loading an extract with ``workbench load``, against pyarrow reading the same CSVs.

DESIGN.md section 8 asks that imports run at no less than half the speed at which pyarrow
reads the same CSV, and that a load stays under 2 GiB at la-decade size. Machines are noisy,
so the baseline is measured in the same run:

    python benchmarks/bench_load.py --extract EXTRACT_DIR [--store-dir DIR] [--chunk-rows N]

It prints the pyarrow read (the baseline, the best of three), a read-and-check pass with
nothing stored (in this process), and the real load: ``workbench load`` run as its own process
into a new SQLite store, timed from start to exit, with the peak memory of its whole process
tree (sampled every 20 ms with psutil) and the kernel's own peak for it (``ru_maxrss``).
Each speed is printed as rows per second and as a ratio to the baseline's.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pyarrow.csv as pacsv

from workbench.cli.service import process_memory
from workbench.core.model import EXTRACT_TABLES
from workbench.imports.extract_stream import CHUNK_ROWS, ExtractStream

#: How often the process tree's memory is sampled, in seconds.
SAMPLE_SECONDS = 0.02


def _timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result



def run_sampled(command: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Run ``command``; return (seconds, peak tree RSS sampled, exit status)."""
    peak = 0
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(child.pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, process_memory(watched.pid))
            except psutil.Error:
                return
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _out, err = child.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        sys.stderr.write(err.decode(errors="replace")[-4000:])
    return seconds, peak, child.returncode


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extract", type=Path, required=True, help="an extract folder of CSV tables")
    parser.add_argument("--store-dir", type=Path, default=None, help="where the new store is made")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS)
    args = parser.parse_args()

    files = [args.extract / spec.filename for spec in EXTRACT_TABLES]
    size = sum(f.stat().st_size for f in files)
    rows = 0
    baseline = float("inf")
    for _ in range(3):
        seconds, tables = _timed(lambda: [pacsv.read_csv(f) for f in files if f.stat().st_size])
        baseline, rows = min(baseline, seconds), sum(t.num_rows for t in tables)
        del tables
    check_s, _ = _timed(lambda: ExtractStream(args.extract, chunk_rows=args.chunk_rows).check_only())
    with tempfile.TemporaryDirectory(dir=args.store_dir) as folder:
        url = f"sqlite:///{folder}/bench.sqlite"
        env = dict(os.environ)  # the same PYTHONPATH: the load runs the code this benchmark imports
        command = [sys.executable, "-m", "workbench.cli", "load", str(args.extract), "--store", url]
        load_s, peak, status = run_sampled(command, env)
        store_mib = Path(folder, "bench.sqlite").stat().st_size / 2**20
    kernel_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if status != 0:
        raise SystemExit(f"workbench load failed (exit {status})")

    print(f"extract: {args.extract}  {rows:,} rows in {len(files)} files, {size / 2**20:.1f} MiB; "
          f"chunks of {args.chunk_rows:,} rows")  # fmt: skip
    for name, seconds in [("pyarrow read (baseline)", baseline), ("read + check, nothing stored", check_s),
                          ("workbench load (new SQLite store)", load_s)]:  # fmt: skip
        print(f"{name:>36}: {seconds:7.2f} s  {rows / seconds:>12,.0f} rows/s  "
              f"{baseline / seconds:6.2f}x baseline speed")  # fmt: skip
    every = f"sampled every {SAMPLE_SECONDS * 1000:.0f} ms"
    print(f"{'load: peak RSS of the process tree':>36}: {peak / 2**20:,.0f} MiB ({every})")
    print(f"{'load: peak RSS (kernel, ru_maxrss)':>36}: {kernel_peak:,.0f} MiB")
    print(f"{'store file':>36}: {store_mib:,.0f} MiB")
    print("targets (DESIGN.md section 8): load peak < 2,048 MiB; import speed >= 0.5x baseline speed")
    print(f"  memory: {'met' if peak < 2 * 2**30 else 'missed'}; "
          f"speed: {'met' if baseline / load_s >= 0.5 else 'missed'} ({baseline / load_s:.2f}x)")


if __name__ == "__main__":
    main()
