"""Appraisal on the hand-worked fixture, and notebook 05 run for another worker by its parameters cell."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, supervision_rows
from workbench.measures.service_data import ServiceData
from workbench.practice.appraisal import audit_frame, build_appraisal
from workbench.practice.supervision import caseload_sizes
from workbench.publishing.appraisal_pack import render_appraisal_page
from workbench.store.engine import Store
from workbench.store.loading import load_extract

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fixture_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", supervision_rows()))
    return store


def test_appraisal_figures_are_the_measures_for_the_workers_children(fixture_store):
    appraisal = build_appraisal(
        ServiceData(fixture_store), "W1", AT, audit_frame(fixture_store), "Proud of <b>P1</b>"
    )
    figures = appraisal.figures.set_index("measure")
    # Distance: P1 +3, P2 0, P9 +1, P5 +2, P10 0, and P7 (closed as achieved in the year) +3: 9 / 6.
    assert figures.loc["distance_travelled", ["numerator", "denominator"]].tolist() == [9.0, 6]
    assert figures.loc["distance_travelled", "value"] == pytest.approx(1.5)
    # Achieved: P7 is the only outcome of W1's children closed with a result in the year.
    assert figures.loc["achieved", ["numerator", "denominator"]].tolist() == [1.0, 1]
    assert appraisal.children == 3
    # A1 audited C1 on 2025-06-01, when C1 was W1's.
    assert appraisal.audits["audit_id"].tolist() == ["A1"]
    assert build_appraisal(ServiceData(fixture_store), "W2", AT, audit_frame(fixture_store)).audits.empty
    page = render_appraisal_page(appraisal, "internal")
    assert "Proud of &lt;b&gt;P1&lt;/b&gt;" in page and "<b>P1</b>" not in page
    assert "<td>C1</td>" in page
    shared = render_appraisal_page(appraisal, "shared")
    assert "C1" not in shared and "<span class='wb-count'>3</span>" not in shared
    assert "Proud of" not in shared and "the appraisee's own words" in shared


def test_notebook_05_runs_for_any_worker(tmp_path):
    store = Store(os.environ["WORKBENCH_STORE"])
    sizes = caseload_sizes(store, "2026-03-31").sort_values(["children", "worker_id"])
    worker = sizes["worker_id"].iloc[len(sizes) // 2]  # not the default (largest caseload)
    notebook = nbformat.read(ROOT / "notebooks" / "05-appraisal.ipynb", as_version=4)
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    # Injected after the parameters cell, as papermill does.
    injected = nbformat.v4.new_code_cell(
        f"worker_id = {json.dumps(worker)}\nyear_end = '2025-03-31'\naudience = 'shared'\nnarrative = 'A <i>year</i>'"
    )
    notebook.cells.insert(notebook.cells.index(parameters[0]) + 1, injected)
    NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert f"({worker}), year to 2025-03-31" in printed
    page = next(
        o["data"]["text/html"]
        for c in notebook.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {}) and "Appraisal:" in o["data"]["text/html"]
    )
    # A shared pack carries no free text: the narrative is left out, and the page says so.
    assert "wb-audience'>Shared" in page and "year&lt;/i&gt;" not in page and "<i>year" not in page
    assert "Left out of a shared pack" in page


def test_appraisal_counts_audits_recorded_in_the_workbench_with_their_moderated_grade(fixture_store):
    """Workbench audits count beside historic ones, with their moderated grade.

    C2 (W1's since 2024) is audited in the workbench on 2026-02-01, graded requires improvement
    and moderated to good; C3 (W2's) is audited too. W1's appraisal lists A1 (historic) and C2's.
    """
    from workbench.practice.audits.moderation import moderate_audit
    from workbench.practice.audits.recording import Answer, AuditRecord, submit_audit
    from workbench.practice.audits.templates import load_template

    template = load_template()

    def submit(child: str, grade: str) -> str:
        answers = {q: Answer(grade, "") for q in template.question_ids}
        on = date(2026, 2, 1)
        return submit_audit(
            fixture_store, AuditRecord(child, "W3", template, answers, grade, on, date(2025, 8, 1), on)
        )

    c2_audit = submit("C2", "requires_improvement")
    submit("C3", "good")
    moderate_audit(
        fixture_store, c2_audit, "W2", dict.fromkeys(template.question_ids, ("good", "evidence seen")),
        "good", "the plan shows the change", date(2026, 2, 10),
    )  # fmt: skip
    appraisal = build_appraisal(ServiceData(fixture_store), "W1", AT, audit_frame(fixture_store))
    audits = appraisal.audits.set_index("audit_id")
    assert audits.index.tolist() == ["A1", c2_audit]
    assert audits.loc[c2_audit, ["child_id", "overall_grade", "moderated_grade"]].tolist() == [
        "C2", "requires_improvement", "good",
    ]  # fmt: skip
    assert build_appraisal(ServiceData(fixture_store), "W2", AT, audit_frame(fixture_store)).audits[
        "child_id"
    ].tolist() == ["C3"]
