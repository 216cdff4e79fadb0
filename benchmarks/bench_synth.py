"""Benchmark: generating a synthetic authority, against pyarrow writing the same review rows.

DESIGN.md section 8 asks that memory stays under 2 GiB at la-decade size, and the brief for the
generator asks that la-decade completes well under 15 minutes on 2 cores. Machines are noisy,
so a baseline is measured in the same run: the time pyarrow takes to write a CSV with as many
rows as the generated outcome_reviews table (the largest table), read back from what was written.

    .venv/bin/python benchmarks/bench_synth.py --size la-decade --out /tmp/lad [--seed 2026]

It prints the elapsed seconds, peak RSS of this process (and of child processes, if any), the
rows and bytes written per table, then the baseline and the ratio. The output folder is left in
place; delete it afterwards, as la-decade is several GiB.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pacsv

from workbench.core.model import EXTRACT_TABLES, table
from workbench.synth import SIZES, generate_extract


def _peak_mib(who: int) -> float:
    """Return the peak resident set size in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="la-decade")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the extract into")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--progress", action="store_true", help="show the progress bar")
    args = parser.parse_args()

    started = time.perf_counter()
    counts = generate_extract(args.out, size=args.size, seed=args.seed, progress=args.progress)
    elapsed = time.perf_counter() - started
    peak_self = _peak_mib(resource.RUSAGE_SELF)  # before the baseline reads anything
    peak_children = _peak_mib(resource.RUSAGE_CHILDREN)

    sizes = {spec.name: (args.out / spec.filename).stat().st_size for spec in EXTRACT_TABLES}
    rows = sum(counts.values())
    total_bytes = sum(sizes.values())
    print(f"size: {args.size}  seed: {args.seed}  out: {args.out}")
    for name, count in counts.items():
        print(f"{name:>24}: {count:>12,} rows  {sizes[name] / 2**20:>10.1f} MiB")
    print(f"{'total':>24}: {rows:>12,} rows  {total_bytes / 2**20:>10.1f} MiB")
    print(f"{'generate':>24}: {elapsed:8.1f} s  {rows / elapsed:>12,.0f} rows/s")
    print(f"{'peak RSS':>24}: {peak_self:,.0f} MiB (children: {peak_children:,.0f} MiB)")

    # Baseline: pyarrow writing the same number of review rows (read untimed from the output).
    reviews = pacsv.read_csv(
        args.out / "outcome_reviews.csv",
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(table("outcome_reviews").columns, "string")
        ),
    )
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        pacsv.write_csv(reviews, Path(folder) / "outcome_reviews.csv")
        baseline = time.perf_counter() - started
    print(f"{'pyarrow write (baseline)':>24}: {baseline:8.2f} s for {reviews.num_rows:,} review rows")
    print(f"{'generate / baseline':>24}: {elapsed / baseline:8.1f}x")
    print("targets: la-decade well under 900 s on 2 cores; peak RSS under 2,048 MiB (DESIGN.md section 8)")


if __name__ == "__main__":
    main()
