"""A tiny extract whose measure answers were worked out by hand (see each test for the sums).

At D = 2026-03-31, distance travelled on the 0-10 scale counts:
- O1 (C1, North, education): baseline 3, latest score on or before D is 6 (the 9 is after D): +3
- O2 (C1, North, health): baseline 4, latest 3: -1
- O3 (C2, North, education): baseline 2, latest 7, achieved and closed 2026-01-15 (in the year): +5
and leaves out:
- O4: no baseline; O5: no scored review; O6: closed 2025-03-01, before the year to D;
- O7: Goal Attainment scale, never mixed with 0-10; O8: replaced in 2024, before the year.
So education is (3 + 5) / 2 = 4.0, health is -1 / 1 = -1.0, and the service is 7 / 3.
"""

from __future__ import annotations

import csv
from pathlib import Path

from workbench.model import EXTRACT_TABLES

ROWS: dict[str, list[dict[str, str]]] = {
    "children": [
        {
            "child_id": "C1",
            "birth_month": "2014-05",
            "sex": "F",
            "ethnicity": "WBRI",
            "disability": "N",
            "locality": "North",
        },
        {
            "child_id": "C2",
            "birth_month": "2010-11",
            "sex": "M",
            "ethnicity": "BAFR",
            "disability": "Y",
            "locality": "North",
        },
        {
            "child_id": "C3",
            "birth_month": "2022-01",
            "sex": "F",
            "ethnicity": "APKN",
            "disability": "N",
            "locality": "South",
        },
    ],
    "teams": [
        {"team_id": "T1", "name": "North CIN", "locality": "North", "service": "cin"},
        {"team_id": "T2", "name": "South CP", "locality": "South", "service": "cp"},
    ],
    "workers": [
        {
            "worker_id": "W1",
            "name": "Ann Example",
            "team_id": "T1",
            "role": "practitioner",
            "start_date": "2020-01-01",
            "end_date": "",
        },
        {
            "worker_id": "W2",
            "name": "Bob Example",
            "team_id": "T2",
            "role": "practitioner",
            "start_date": "2021-01-01",
            "end_date": "",
        },
        {
            "worker_id": "W3",
            "name": "Cat Example",
            "team_id": "T1",
            "role": "team_lead",
            "start_date": "2019-01-01",
            "end_date": "",
        },
    ],
    "involvements": [
        {
            "involvement_id": "I1",
            "child_id": "C1",
            "plan_type": "cin",
            "start_date": "2025-01-01",
            "end_date": "",
            "end_reason": "",
            "team_id": "T1",
        },
        {
            "involvement_id": "I2",
            "child_id": "C2",
            "plan_type": "cin",
            "start_date": "2024-06-01",
            "end_date": "",
            "end_reason": "",
            "team_id": "T1",
        },
        {
            "involvement_id": "I3",
            "child_id": "C3",
            "plan_type": "cp",
            "start_date": "2025-02-01",
            "end_date": "",
            "end_reason": "",
            "team_id": "T2",
        },
    ],
    "allocations": [
        {"child_id": "C1", "worker_id": "W1", "start_date": "2025-01-01", "end_date": ""},
        {"child_id": "C2", "worker_id": "W1", "start_date": "2024-06-01", "end_date": ""},
        {"child_id": "C3", "worker_id": "W2", "start_date": "2025-02-01", "end_date": ""},
    ],
    "meetings": [
        {
            "meeting_id": "M1",
            "child_id": "C1",
            "involvement_id": "I1",
            "meeting_type": "cin_review",
            "date": "2025-01-10",
            "child_participation": "PN1",
            "family_attended": "Y",
            "wider_family_attended": "N",
            "agencies_attended": "school;health",
        },
    ],
    "outcomes": [],
    "outcome_reviews": [],
    "interventions": [
        {
            "intervention_id": "X1",
            "child_id": "C1",
            "involvement_id": "I1",
            "name": "Triple P",
            "evidence_level": "level_3",
            "start_date": "2025-02-01",
            "end_date": "",
            "provider": "Council",
        },
    ],
    "intervention_outcomes": [{"intervention_id": "X1", "outcome_id": "O1"}],
    "supervisions": [
        {"supervision_id": "S1", "worker_id": "W1", "supervisor_id": "W3", "date": "2025-03-01"},
    ],
    "supervision_cases": [{"supervision_id": "S1", "child_id": "C1", "outcomes_discussed": "Y"}],
    "audits": [
        {
            "audit_id": "A1",
            "child_id": "C1",
            "auditor_id": "W3",
            "audit_date": "2025-06-01",
            "template_id": "outcome-focused",
            "template_version": "1",
            "evidence_from": "2024-12-01",
            "evidence_to": "2025-06-01",
            "status": "submitted",
            "overall_grade": "good",
            "moderator_id": "",
            "moderated_grade": "",
            "moderation_date": "",
        },
    ],
    "audit_answers": [
        {
            "audit_id": "A1",
            "question_id": "q1",
            "grade": "good",
            "evidence": "Clear <b>outcomes</b>",
            "moderated_grade": "",
            "moderation_reason": "",
        },
    ],
}


def _outcome(
    oid,
    child,
    inv,
    agreed,
    domain,
    baseline,
    status="active",
    closed="",
    scale="scaling_0_10",
    replaced_by="",
):
    return {
        "outcome_id": oid,
        "child_id": child,
        "involvement_id": inv,
        "agreed_meeting_id": "",
        "agreed_date": agreed,
        "statement": f"Outcome {oid}",
        "whose_words": "child",
        "agreed_with_family": "Y",
        "success_looks_like": "",
        "domain": domain,
        "scale": scale,
        "baseline_score": baseline,
        "target_score": "",
        "target_date": "",
        "status": status,
        "closed_date": closed,
        "replaced_by": replaced_by,
    }


ROWS["outcomes"] = [
    _outcome("O1", "C1", "I1", "2025-01-10", "education", "3"),
    _outcome("O2", "C1", "I1", "2025-01-10", "health", "4"),
    _outcome("O3", "C2", "I2", "2024-07-01", "education", "2", "achieved", "2026-01-15"),
    _outcome("O4", "C2", "I2", "2024-07-01", "education", ""),
    _outcome("O5", "C3", "I3", "2025-02-10", "education", "5"),
    _outcome("O6", "C3", "I3", "2025-02-10", "health", "1", "not_achieved", "2025-03-01"),
    _outcome("O7", "C3", "I3", "2025-02-10", "health", "-1", scale="gas"),
    _outcome("O8", "C2", "I2", "2024-06-10", "education", "2", "replaced", "2024-07-01", replaced_by="O3"),
]


def _review(rid, oid, day, score):
    return {
        "review_id": rid,
        "outcome_id": oid,
        "review_date": day,
        "meeting_id": "",
        "score": score,
        "family_score": "",
        "reviewer_role": "practitioner",
        "note": "",
    }


ROWS["outcome_reviews"] = [
    _review("R1", "O1", "2025-06-01", "5"),
    _review("R2", "O1", "2026-01-10", "6"),
    _review("R3", "O1", "2026-05-01", "9"),
    _review("R4", "O2", "2025-09-01", "3"),
    _review("R5", "O3", "2025-12-01", "7"),
    _review("R6", "O5", "2025-06-01", ""),
    _review("R7", "O6", "2025-02-20", "4"),
    _review("R8", "O7", "2025-06-01", "1"),
    _review("R9", "O8", "2024-06-20", "3"),
]


def write_extract(folder: Path, rows: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """Write the hand-worked extract (or ``rows``) as CSV files into ``folder``."""
    rows = rows if rows is not None else ROWS
    folder.mkdir(parents=True, exist_ok=True)
    for spec in EXTRACT_TABLES:
        with (folder / spec.filename).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=spec.columns)
            writer.writeheader()
            writer.writerows(rows[spec.name])
    return folder


def workbook_extract(empty: tuple[str, ...] = ()):
    """Return the hand-worked extract as an openpyxl Workbook, a sheet per table.

    Sheets named in ``empty`` are created with nothing in them. Save it with ``book.save(path)``.
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for spec in EXTRACT_TABLES:
        sheet = book.create_sheet(spec.name)
        if spec.name in empty:
            continue
        sheet.append(spec.columns)
        for row in ROWS[spec.name]:
            sheet.append([row[c] for c in spec.columns])
    return book
