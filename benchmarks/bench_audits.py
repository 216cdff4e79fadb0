"""Benchmark: audits at la-decade size: opening a case, submitting, concurrency, findings.

    .venv/bin/python benchmarks/bench_audits.py --store sqlite:////tmp/copy-of-la-decade.sqlite

Use a copy of the store (opening it upgrades the schema, and this writes audits into it).
Each figure is printed beside a baseline measured in the same run:
- opening a case (outcomes, reviews and meetings of one child in the evidence window) for 30
  children, against one indexed look-up of each child's outcome ids;
- submitting 200 audits one after another (an audit, 8 answers, the draft cleared, each in its
  own transaction), against 200 one-row inserts, each in its own transaction;
- 8 processes submitting 100 audits each at once: wall time and audits per second;
- building every findings table for the whole service, against reading the outcomes table
  alone (which findings has to do), with peak resident memory.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import time
from datetime import date

import numpy as np
import sqlalchemy as sa

from workbench.practice.audits.casefile import case_file, data_end
from workbench.practice.audits.findings import build_findings
from workbench.practice.audits.recording import Answer, AuditRecord, submit_audit
from workbench.practice.audits.templates import current_template, load_template
from workbench.store.engine import Store


def _timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _record(template, child: str, auditor: str, on: date, tag: str) -> AuditRecord:
    answers = {q: Answer("good", f"{tag} {q} evidence from the case file") for q in template.question_ids}
    return AuditRecord(child, auditor, template, answers, "good", on, on.replace(year=on.year - 1), on)


def _submitter(url: str, worker: int, count: int, children: list[str], on: date, start) -> None:
    store = Store(url)
    template = load_template()
    start.wait()
    for number in range(count):
        submit_audit(store, _record(template, children[number % len(children)], f"BENCH{worker}", on,
                                    f"p{worker}n{number}"))  # fmt: skip
    store.engine.dispose()


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True)
    args = parser.parse_args()

    opened, store = _timed(lambda: Store(args.store))
    print(f"open and upgrade the store: {opened:.2f} s")
    template = current_template(store)
    end = data_end(store)
    children = store.read_table("children", ["child_id"])["child_id"].tolist()
    rng = np.random.default_rng(5)
    picks = [children[i] for i in rng.choice(len(children), 30, replace=False)]
    start = date(end.year - 1, end.month, 1)

    outcomes = store.metadata.tables["outcomes"]
    baseline, case = [], []
    with store.engine.connect() as conn:
        for child in picks:
            seconds, _ = _timed(
                lambda c=child: conn.execute(
                    sa.select(outcomes.c.outcome_id).where(outcomes.c.child_id == c)
                ).all()
            )
            baseline.append(seconds)
    for child in picks:
        seconds, _ = _timed(lambda c=child: case_file(store, c, start, end))
        case.append(seconds)
    print(f"open a case (30 children): median {statistics.median(case) * 1000:.1f} ms, "
          f"max {max(case) * 1000:.1f} ms; baseline one indexed look-up: median "
          f"{statistics.median(baseline) * 1000:.2f} ms")  # fmt: skip

    scratch = sa.Table("bench_scratch", sa.MetaData(), sa.Column("n", sa.Integer), sa.Column("t", sa.Text))
    scratch.create(store.engine, checkfirst=True)
    started = time.perf_counter()
    for i in range(200):
        with store.engine.begin() as conn:
            conn.execute(scratch.insert().values(n=i, t="x"))
    inserts = time.perf_counter() - started
    submits, _ = _timed(lambda: [submit_audit(store, _record(template, picks[i % 30], "BENCH", end, f"s{i}"))
                                 for i in range(200)])  # fmt: skip
    print(
        f"submit 200 audits one by one: {submits:.2f} s ({submits / 200 * 1000:.1f} ms each); "
        f"baseline 200 one-row transactions: {inserts:.2f} s ({inserts / 200 * 1000:.1f} ms each)"
    )
    scratch.drop(store.engine)

    count_sql = "SELECT COUNT(*) FROM recorded_audits WHERE auditor_id LIKE 'BENCH_%'"
    with store.engine.connect() as conn:
        before = conn.exec_driver_sql(count_sql).scalar()
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    workers = [context.Process(target=_submitter, args=(store.url, w, 100, picks, end, go)) for w in range(8)]
    for worker in workers:
        worker.start()
    time.sleep(3)  # let every process import and open the store before the clock starts
    started = time.perf_counter()
    go.set()
    for worker in workers:
        worker.join()
    together = time.perf_counter() - started
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql(count_sql).scalar() - before
    print(
        f"8 processes x 100 audits at once: {together:.2f} s ({800 / together:.0f} audits/s), "
        f"exit codes {[w.exitcode for w in workers]}, {stored} stored"
    )

    read, _ = _timed(lambda: store.read_table("outcomes"))
    built, findings = _timed(lambda: build_findings(store, end))
    print(
        f"build findings ({len(findings.audits):,} audits, {len(findings.answers):,} answers): "
        f"{built:.2f} s; "
        f"baseline read the outcomes table: {read:.2f} s"
    )
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
