"""Audits on a real PostgreSQL server: the same recording, moderation, frames and findings as SQLite."""

from datetime import date

import pandas as pd

from tests.fixtures.handworked import write_extract
from workbench.practice.audits.casefile import case_file
from workbench.practice.audits.findings import build_findings
from workbench.practice.audits.importing import import_audits
from workbench.practice.audits.moderation import agreement, moderate_audit
from workbench.practice.audits.recording import (
    Answer,
    AuditRecord,
    load_draft,
    record_action,
    save_draft,
    submit_audit,
)
from workbench.practice.audits.sampling import create_round, draw_sample, round_cases
from workbench.practice.audits.templates import load_template
from workbench.store.audit_frames import action_frame, answer_frame, audit_frame
from workbench.store.loading import load_extract


def test_audits_record_moderate_and_report_on_postgres(pg_store, tmp_path):
    load_extract(pg_store, write_extract(tmp_path / "extract"))
    template = load_template()
    answers = {q: Answer("good", f"{q} <script>x</script>") for q in template.question_ids}
    save_draft(
        pg_store,
        "C1",
        "W1",
        template,
        {"q1": Answer("good", "typed")},
        "",
        date(2025, 9, 1),
        date(2026, 3, 1),
    )
    save_draft(pg_store, "C1", "W1", template, {"q1": Answer("good", "typed more")}, "", date(2025, 9, 1),
               date(2026, 3, 1))  # fmt: skip
    assert load_draft(pg_store, "C1", "W1").answers["q1"].evidence == "typed more"
    audit_id = submit_audit(
        pg_store,
        AuditRecord(
            "C1", "W1", template, answers, "good", date(2026, 3, 1), date(2025, 9, 1), date(2026, 3, 1)
        ),
    )
    assert load_draft(pg_store, "C1", "W1") is None
    grades = dict.fromkeys(template.question_ids, ("good", "agreed")) | {"q1": ("inadequate", "no measures")}
    moderate_audit(pg_store, audit_id, "W3", grades, "requires_improvement", "panel", date(2026, 3, 8))
    record_action(pg_store, audit_id, "C1", "Agree measures", "W3", date(2026, 4, 1), "W3")

    audits = audit_frame(pg_store).set_index("audit_id")
    assert (audits.loc[audit_id, "overall_grade"], audits.loc[audit_id, "moderated_grade"]) == (
        "good", "requires_improvement",
    )  # fmt: skip
    assert set(audits["source"]) == {"extract", "workbench"}
    q1 = agreement(answer_frame(pg_store)).set_index("question_id").loc["q1"]
    assert (q1["pairs"], q1["agreed"]) == (1, 0)
    assert action_frame(pg_store, date(2026, 5, 1))["status"].tolist() == ["overdue"]
    assert case_file(pg_store, "C1", date(2025, 9, 1), date(2026, 3, 31)).found
    findings = build_findings(pg_store, date(2026, 3, 31))
    assert audit_id in set(findings.audits["audit_id"])

    sample = draw_sample(pg_store, 2, seed=1, at=date(2026, 3, 31), exclude_months=0)
    round_id = create_round(pg_store, "PG", sample, seed=1, at=date(2026, 3, 31), stratify_by=None,
                            exclude_months=0, created_by="W3")  # fmt: skip
    assert len(round_cases(pg_store, round_id)) == 2

    row = {"child_id": "C2", "auditor_id": "W3", "audit_date": "2026-02-01", "evidence_from": "2025-08-01",
           "evidence_to": "2026-02-01", "overall_grade": "good", "template_id": "outcome-focused",
           "template_version": "1"} | {f"{q}_grade": "good" for q in template.question_ids}  # fmt: skip
    path = tmp_path / "past.csv"
    pd.DataFrame([row]).to_csv(path, index=False)
    assert len(import_audits(pg_store, path).audit_ids) == 1
