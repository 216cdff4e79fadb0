"""Audits survive concurrency: 8 processes each submit 100 audits at once to one SQLite file."""

from __future__ import annotations

import multiprocessing
from datetime import date

import pytest

from workbench.practice.audits.recording import Answer, AuditRecord, submit_audit
from workbench.practice.audits.templates import current_template, load_template
from workbench.store.engine import Store

PROCESSES = 8
AUDITS_EACH = 100


def submit_many(url: str, worker: int, start, results) -> None:
    """One auditor process: wait for the start signal, then submit audits as fast as it can."""
    store = Store(url)
    template = load_template()
    start.wait()
    done = 0
    for number in range(AUDITS_EACH):
        # Every answer's evidence names its own audit, so a mixed-up write would show.
        tag = f"p{worker}-n{number}"
        answers = {q: Answer("good", f"{tag} {q} <script>alert(1)</script>") for q in template.question_ids}
        record = AuditRecord(
            child_id=f"C{worker:02d}{number:04d}", auditor_id=f"W{worker}", template=template, answers=answers,
            overall_grade="good", audit_date=date(2026, 3, 1), evidence_from=date(2025, 9, 1),
            evidence_to=date(2026, 3, 1), audit_id=f"WA-{tag}",
        )  # fmt: skip
        submit_audit(store, record)
        done += 1
    store.engine.dispose()
    results.put((worker, done))


@pytest.mark.timeout(300)
def test_eight_processes_submitting_at_once_store_every_audit_whole(tmp_path):
    url = f"sqlite:///{tmp_path / 'audits.sqlite'}"
    store = Store(url)
    template = current_template(store)
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=submit_many, args=(url, w, start, results)) for w in range(PROCESSES)]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(240)
    finished = dict(results.get(timeout=5) for _ in processes)
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    assert finished == dict.fromkeys(range(PROCESSES), AUDITS_EACH)

    questions = len(template.questions)
    with store.engine.connect() as conn:
        sql = conn.exec_driver_sql
        assert sql("PRAGMA journal_mode").scalar() == "wal"
        assert sql("PRAGMA integrity_check").scalar() == "ok"
        assert sql("PRAGMA foreign_key_check").fetchall() == []
        assert sql("SELECT COUNT(*) FROM recorded_audits").scalar() == PROCESSES * AUDITS_EACH
        assert (
            sql("SELECT COUNT(*) FROM recorded_audit_answers").scalar() == PROCESSES * AUDITS_EACH * questions
        )
        incomplete = sql(
            "SELECT a.audit_id FROM recorded_audits a LEFT JOIN recorded_audit_answers q USING (audit_id) "
            "GROUP BY a.audit_id HAVING COUNT(q.question_id) != ?",
            (questions,),
        ).fetchall()
        assert incomplete == []
        mixed = sql(
            "SELECT COUNT(*) FROM recorded_audit_answers WHERE evidence != "
            "substr(audit_id, 4) || ' ' || question_id || ' <script>alert(1)</script>'"
        ).scalar()
        assert mixed == 0
        assert sql("SELECT COUNT(DISTINCT auditor_id) FROM recorded_audits").scalar() == PROCESSES
