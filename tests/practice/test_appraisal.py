"""Appraisal on the hand-worked fixture, and notebook 05 run for another worker by its parameters cell."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, supervision_rows
from workbench.access import AccessRefusedError, Identity
from workbench.measures.filters import Filters
from workbench.measures.headline import achieved
from workbench.measures.service_data import ServiceData
from workbench.practice.appraisal import (
    AppraisalError,
    audit_frame,
    build_appraisal,
    entry_history,
    save_entry,
    worker_on_day,
)
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
    # Worked with in the year: C1, C2, C5 and C4 (its allocation to W1 ends on D); 3 at D.
    assert (appraisal.children, appraisal.children_at_end) == (4, 3)
    # A1 audited C1 on 2025-06-01, when C1 was W1's.
    assert appraisal.audits["audit_id"].tolist() == ["A1"]
    assert build_appraisal(ServiceData(fixture_store), "W2", AT, audit_frame(fixture_store)).audits.empty
    page = render_appraisal_page(appraisal, "internal")
    assert "Proud of &lt;b&gt;P1&lt;/b&gt;" in page and "<b>P1</b>" not in page
    assert "<td>C1</td>" in page
    shared = render_appraisal_page(appraisal, "shared")
    assert "C1" not in shared and "<span class='wb-count'>3</span>" not in shared
    assert "Proud of" not in shared and "the appraisee's own words" in shared


def reallocated_rows() -> dict[str, list[dict[str, str]]]:
    """The supervision fixture and C6, whose case closed mid-year and went to another worker.

    C6 was W2's on a child-in-need plan (I6) from 2025-01-01. On 2025-08-01 the plan closed with
    a step down to early help (I7), and the case went to W1. Outcome P12 (baseline 2; scored 5
    on 2025-06-01, 7 on 2025-08-01) closed achieved on 2025-08-01; M4 was I6's closing meeting
    (PN1, family there), M5 the first meeting of I7 the same day (PN2, family not there).
    """
    rows = supervision_rows()
    rows["children"].append({**rows["children"][-1], "child_id": "C6"})
    rows["involvements"] += [
        {"involvement_id": "I6", "child_id": "C6", "plan_type": "cin", "start_date": "2025-01-01",
         "end_date": "2025-08-01", "end_reason": "step_down", "team_id": "T2"},
        {"involvement_id": "I7", "child_id": "C6", "plan_type": "early_help", "start_date": "2025-08-01",
         "end_date": "", "end_reason": "", "team_id": "T1"},
    ]  # fmt: skip
    rows["allocations"] += [
        {"child_id": "C6", "worker_id": "W2", "start_date": "2025-01-01", "end_date": "2025-08-01"},
        {"child_id": "C6", "worker_id": "W1", "start_date": "2025-08-01", "end_date": ""},
    ]
    p12 = {**rows["outcomes"][0], "outcome_id": "P12", "child_id": "C6", "involvement_id": "I6",
           "agreed_date": "2025-02-01", "baseline_score": "2", "status": "achieved", "closed_date": "2025-08-01"}  # fmt: skip
    rows["outcomes"].append(p12)
    review = rows["outcome_reviews"][0]
    rows["outcome_reviews"] += [
        {**review, "review_id": "R18", "outcome_id": "P12", "review_date": "2025-06-01", "score": "5"},
        {**review, "review_id": "R19", "outcome_id": "P12", "review_date": "2025-08-01", "score": "7"},
    ]
    meeting = rows["meetings"][-1]
    rows["meetings"] += [
        {**meeting, "meeting_id": "M4", "child_id": "C6", "involvement_id": "I6", "date": "2025-08-01",
         "child_participation": "PN1", "family_attended": "Y"},
        {**meeting, "meeting_id": "M5", "child_id": "C6", "involvement_id": "I7", "date": "2025-08-01",
         "child_participation": "PN2", "family_attended": "N"},
    ]  # fmt: skip
    return rows


def test_a_worker_whose_childs_case_closed_mid_year_gets_the_outcome(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", reallocated_rows()))
    data = ServiceData(store)
    # Counted by the child's worker at D (the old rule), P12 is W1's and W2 has nothing closed.
    assert achieved(data, AT, Filters(worker_id="W2"))[["numerator", "denominator"]].values.tolist() == [
        [0, 0]
    ]
    assert achieved(data, AT, Filters(worker_id="W1"))[["numerator", "denominator"]].values.tolist() == [
        [2, 2]
    ]

    w2_appraisal = build_appraisal(data, "W2", AT, audit_frame(store))
    w2 = w2_appraisal.figures.set_index("measure")
    # By the work done: P12 closed on W2's last day with C6, so it is W2's, achieved: 1 of 1.
    assert w2.loc["achieved", ["numerator", "denominator"]].tolist() == [1.0, 1]
    # Its distance too (its last score, 7, was given on the day it closed): 7 - 2 = +5 from 1.
    assert w2.loc["distance_travelled", ["numerator", "denominator"]].tolist() == [5.0, 1]
    # M4 (I6's closing meeting) is W2's: the child took part, the family came.
    assert w2.loc["participation", ["numerator", "denominator"]].tolist() == [1.0, 1]
    assert w2.loc["participation_family", ["numerator", "denominator"]].tolist() == [1.0, 1]

    # Scored reviews in the year: W2 gave R18 and R19 (P12) and R11 to R13 (P6, C3's): 5. W1 gave
    # R1 to R3 (P1), R4 to R6 (P2), R7 to R10 (P5), R14 (P9), R16 (P7) and R17 (P10, C5's): 13.
    assert w2_appraisal.reviews == 5
    assert "Scored reviews of desired outcomes in the year: <span class='wb-count'>5</span>" in (
        render_appraisal_page(w2_appraisal, "internal")
    )
    w1_appraisal = build_appraisal(data, "W1", AT, audit_frame(store))
    w1 = w1_appraisal.figures.set_index("measure")
    assert w1.loc["achieved", ["numerator", "denominator"]].tolist() == [1.0, 1]  # P7 only
    assert w1.loc["distance_travelled", ["numerator", "denominator"]].tolist() == [9.0, 6]
    # M5 (I7's first meeting, PN2) and M2 (PN7) are W1's; M1 is before the year.
    assert w1.loc["participation", ["numerator", "denominator"]].tolist() == [1.0, 2]
    assert w1.loc["participation_family", ["numerator", "denominator"]].tolist() == [0.0, 2]
    assert w1_appraisal.reviews == 13


def test_worker_on_the_day_of_a_handover():
    allocations = pd.DataFrame(
        {
            "child_id": ["C1", "C1"],
            "worker_id": ["W2", "W1"],
            "start_date": pd.to_datetime(["2025-01-01", "2025-08-01"]),
            "end_date": pd.to_datetime(["2025-08-01", None]),
        }
    )
    events = pd.DataFrame(
        {
            "child_id": ["C1", "C1", "C1", "C1", "C9"],
            "date": pd.to_datetime(["2025-07-31", "2025-08-01", "2025-08-01", "2024-12-31", "2025-08-01"]),
            "ending": [False, False, True, False, False],
        }
    )
    workers = worker_on_day(events, allocations, "date", "ending")
    assert workers.tolist()[:3] == ["W2", "W1", "W2"]
    assert workers.isna().tolist()[3:] == [True, True]  # before any allocation; a child never allocated


def test_appraisee_and_manager_save_their_words_in_scope(fixture_store):
    ann = Identity("ann.example", "practitioner", worker_id="W1", team_id="T1")
    cat = Identity("cat.example", "team_lead", team_id="T1", worker_id="W3")
    dee = Identity("dee.lead", "team_lead", team_id="T2")
    save_entry(fixture_store, ann, "W1", AT, "Proud of <script>C1</script>", ["C1", "C4"])
    save_entry(fixture_store, ann, "W1", AT, "Proud of <b>C1</b>'s plan", ["C1"])
    save_entry(fixture_store, cat, "W1", AT, "Ann's reviews <i>moved</i> C2 on")
    with pytest.raises(AccessRefusedError):
        save_entry(fixture_store, dee, "W1", AT, "Not my team")
    with pytest.raises(AccessRefusedError):
        save_entry(fixture_store, ann, "W2", AT, "Not me")
    with pytest.raises(AppraisalError, match="C3 not among the children W1 worked with"):
        save_entry(fixture_store, ann, "W1", AT, "", ["C3"])
    history = entry_history(fixture_store, "W1", AT)
    assert history[["voice", "written_by"]].values.tolist() == [
        ["appraisee", "W1"], ["appraisee", "W1"], ["manager", "W3"],
    ]  # fmt: skip
    appraisal = build_appraisal(ServiceData(fixture_store), "W1", AT, audit_frame(fixture_store))
    assert appraisal.narrative == "Proud of <b>C1</b>'s plan"  # the latest version
    assert appraisal.chosen_cases == ("C1",)
    page = render_appraisal_page(appraisal, "internal")
    assert "Proud of &lt;b&gt;C1&lt;/b&gt;&#x27;s plan" in page and "<b>C1</b>" not in page
    assert "moved</i>" not in page and "&lt;i&gt;moved&lt;/i&gt;" in page
    assert "saved by W1 on" in page and "saved by W3 on" in page
    assert "<section class='wb-chosen-cases'>" in page
    shared = render_appraisal_page(appraisal, "shared")
    assert "Proud of" not in shared and "moved" not in shared and "wb-chosen-cases" not in shared


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


def test_the_appraisal_has_the_workers_outcome_quality_and_supervision_history(tmp_path):
    """W1's outcomes agreed in the year to D (2025-03-31, 2026-03-31] while W1 held the case.

    P1, P7, P9 (C1), P3, P4 (C2) and P11 (C4, held until D): 6. P2 and P5 were agreed before the
    year, P8 after D, P10 while C5 was W2's. Clear (a success measure and a baseline): P1, P3, P9,
    3 of 6 (P4 has no baseline; P7, P11 no success measure). Reads as a clear outcome: P1, P7, P9,
    P11, 4 of 6 (P3 and P4 read as a service and as compliance). All six are agreed with the
    family and in the child's words. Supervision: S1 (2025-03-01) is before the year; S2 on
    2025-11-01 with W3 talked about C1 (outcomes discussed) and C2 (not).
    """
    rows = supervision_rows()
    rows["supervisions"].append(
        {"supervision_id": "S2", "worker_id": "W1", "supervisor_id": "W3", "date": "2025-11-01"}
    )
    rows["supervision_cases"] += [
        {"supervision_id": "S2", "child_id": "C1", "outcomes_discussed": "Y"},
        {"supervision_id": "S2", "child_id": "C2", "outcomes_discussed": "N"},
    ]
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", rows))
    appraisal = build_appraisal(ServiceData(store), "W1", AT, audit_frame(store))
    quality = appraisal.quality.set_index("measure")
    assert quality.loc["clear", ["numerator", "denominator"]].tolist() == [3, 6]
    assert quality.loc["clear_statements", ["numerator", "denominator"]].tolist() == [4, 6]
    assert (
        quality.loc["consensual", "numerator"] == 6 and quality.loc["consensual_own_words", "numerator"] == 6
    )
    history = appraisal.supervisions
    assert len(history) == 1
    assert history.iloc[0][["source", "children", "outcomes_discussed"]].tolist() == ["extract", 2, 1]
    assert history.iloc[0]["supervisor"].endswith("(W3)")
    page = render_appraisal_page(appraisal, "internal")
    clear_row = "Clear: a success measure and a baseline</th><td class='wb-figure'>50%</td>"
    assert clear_row + "<td><span class='wb-count'>3</span> of <span class='wb-count'>6</span>" in page
    assert "1 supervision(s) in the year." in page
