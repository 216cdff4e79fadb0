"""`workbench audit ...`: template, sample (and round), import, findings."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from workbench.cli.app import main
from workbench.practice.audits.templates import load_template
from workbench.store.audit_frames import audit_frame
from workbench.store.loading import load_extract


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_audit_commands_end_to_end(store, handworked_dir, tmp_path):
    load_extract(store, handworked_dir)
    url = store.url
    result = run("audit", "template", "--store", url)
    assert result.exit_code == 0 and "outcome-focused version 1: 8 questions, stored" in result.output

    broken = tmp_path / "broken.yaml"
    broken.write_text("template_id: x\nversion: '1'\ntitle: t\nquestions: nope\n")
    result = run("audit", "template", broken, "--store", url)
    assert result.exit_code == 1 and f"{broken}: questions must be a non-empty list" in result.output

    result = run("audit", "sample", "--size", "2", "--seed", "4", "--at", "2026-03-31", "--exclude-months", "0",
                 "--round", "Spring", "--store", url)  # fmt: skip
    assert result.exit_code == 0 and "Stored as audit round R-" in result.output
    lines = result.output.splitlines()
    drawn = {ln.split()[0] for ln in lines[1:3]}
    assert lines[0].split()[:2] == ["child_id", "team"] and len(drawn) == 2 and drawn <= {"C1", "C2", "C3"}

    template = load_template()
    row = {"child_id": "C2", "auditor_id": "W3", "audit_date": "2026-02-01", "evidence_from": "2025-08-01",
           "evidence_to": "2026-02-01", "overall_grade": "good", "template_id": "outcome-focused",
           "template_version": "1"}  # fmt: skip
    row |= {f"{q}_grade": "good" for q in template.question_ids}
    good = tmp_path / "past.csv"
    pd.DataFrame([row]).to_csv(good, index=False)
    result = run("audit", "import", good, "--store", url)
    assert result.exit_code == 0 and "Imported 1 audits from past.csv" in result.output
    bad = tmp_path / "bad.csv"
    pd.DataFrame([row | {"child_id": "C404", "audit_date": "2026-02-02"}]).to_csv(bad, index=False)
    problems = tmp_path / "problems.csv"
    result = run("audit", "import", bad, "--store", url, "--problems-csv", problems)
    assert result.exit_code == 1 and "C404" in result.output
    assert pd.read_csv(problems)[["row", "field", "value"]].values.tolist() == [[2, "child_id", "C404"]]
    assert (audit_frame(store)["source"] == "workbench").sum() == 1

    result = run("audit", "findings", "--out", tmp_path / "out", "--at", "2026-03-31", "--store", url)
    assert result.exit_code == 0 and "2 audits." in result.output
    shared = tmp_path / "out" / "audit-findings-2026-03-31.xlsx"
    assert (tmp_path / "out" / "audit-findings-2026-03-31.html").exists() and shared.exists()
    assert "child_id" not in pd.read_excel(shared, sheet_name="audits").columns
    result = run("audit", "findings", "--out", tmp_path / "out", "--at", "2026-03-31", "--store", url, "--with-ids")
    assert result.exit_code == 0
    assert "child_id" in pd.read_excel(tmp_path / "out" / "audit-findings-2026-03-31-with-ids.xlsx", "audits")
