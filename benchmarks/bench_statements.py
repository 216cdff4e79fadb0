"""Benchmark: reading the la-decade outcomes' statements, beside baselines measured in the same run.

Issue 8 asks that analysing 1,000,000 statements (the la-decade outcomes) takes under 60 s on
2 cores. This reads the ``statement`` column of the la-decade ``outcomes.csv`` with pyarrow
(about 893,000 rows), then times, in the same run:

- pyarrow reading that one column (baseline 1);
- a plain lower-case pass over the column (baseline 2: the least any reading must do);
- ``analyse_statements`` on the column, and on 1,000,000 rows made by repeating it;
- ``analyse_statements`` on distinct texts only (every statement different), so the per-text
  speed is known even where statements do not repeat.

    .venv/bin/python benchmarks/bench_statements.py --outcomes EXTRACT/outcomes.csv
        [--distinct 20000]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv

from workbench.text.statements import analyse_statements, labelled_statements, load_lexicon


def _timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _line(label: str, seconds: float, rows: int) -> None:
    rate = rows / seconds if seconds else float("inf")
    print(f"{label:<58}{rows:>11,} rows {seconds:>8.2f} s {rate:>14,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outcomes", type=Path, required=True, help="an extract's outcomes.csv")
    parser.add_argument("--distinct", type=int, default=20_000)
    args = parser.parse_args()

    load_lexicon()  # compile the patterns once, outside the timings
    read_seconds, table = _timed(
        lambda: pacsv.read_csv(
            args.outcomes, convert_options=pacsv.ConvertOptions(include_columns=["statement"])
        )
    )
    statements = table.column("statement").to_pandas(types_mapper=pd.ArrowDtype).astype("string[pyarrow]")
    rows = len(statements)
    print(f"{args.outcomes}: {rows:,} statements, {statements.nunique():,} distinct")
    _line("baseline 1: pyarrow reads the statement column", read_seconds, rows)
    lower_seconds, _ = _timed(lambda: statements.str.lower())
    _line("baseline 2: a plain lower-case pass", lower_seconds, rows)

    seconds, readings = _timed(lambda: analyse_statements(statements))
    _line("analyse_statements, la-decade outcomes", seconds, rows)
    print(
        "  reads as:",
        readings["kind"].where(readings["kind"] == "process", readings["clarity"]).value_counts().to_dict(),
    )

    million = pd.concat([statements] * (1_000_000 // rows + 1), ignore_index=True).iloc[:1_000_000]
    million_seconds, million_readings = _timed(lambda: analyse_statements(million))
    _line("analyse_statements, 1,000,000 rows (repeated)", million_seconds, len(million))
    assert len(million_readings) == 1_000_000
    lower_million = lower_seconds * 1_000_000 / rows
    print(f"  against baseline 2 (lower-case pass, same rows): {million_seconds / lower_million:.1f}x")

    # Distinct texts: labelled and la-decade wordings with a case number, so none repeats.
    wordings = pd.concat([labelled_statements()["statement"], pd.Series(statements.unique().astype(str))])
    wordings = wordings.reset_index(drop=True)
    distinct = pd.Series(
        [f"{wordings[i % len(wordings)]} (case {i})" for i in range(args.distinct)], dtype="string[pyarrow]"
    )
    distinct_seconds, _ = _timed(lambda: analyse_statements(distinct))
    _line("analyse_statements, every text distinct", distinct_seconds, len(distinct))
    print(f"  per distinct text: {distinct_seconds / len(distinct) * 1e6:,.0f} microseconds")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:,.0f} MiB")
    target = "under" if million_seconds < 60 else "OVER"
    print(f"target: 1,000,000 statements in under 60 s -> {million_seconds:.2f} s ({target})")


if __name__ == "__main__":
    main()
