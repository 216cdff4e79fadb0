"""A small extract for supervision and publishing, with every answer worked out by hand.

D = 2026-03-31. Workers: W1 Ann Example and W2 Bob Example (practitioners), W3 Cat Example (lead).

Children and their worker at D (the allocation open at D; the one that started last wins):

    C1  W1
    C2  W1
    C3  W2
    C4  nobody: the allocation to W1 ends on D, so it is not open at D
    C5  W1: open allocations to W2 (from 2025-01-01) and W1 (from 2026-01-01); W1 started last

Outcomes (0-10 scale unless said), and the prompts each gives at D:

    P1  C1  agreed 2025-06-01, baseline 3, scores 4, 5, 6 (last 2026-02-01), success written: none
    P2  C1  agreed 2025-01-10, baseline 5, scores 5, 4, 5 (last 2025-11-01, family 9), no success:
            not_reviewed (150 days), no_progress (5 before the three, 5 now), success_missing,
            score_gap (family 9, practitioner 5: 4 points)
    P3  C2  agreed 2025-12-01, never reviewed: not_reviewed (exactly 120 days)
    P4  C2  agreed 2025-12-02, never reviewed: 119 days, no prompt
    P5  C2  baseline 2, scores 3, 4 (family 7), 4, 4 (family 5, last 2026-03-01): none. The score
            rose from 3 before the last three reviews; the latest review both scored is 1 apart
    P6  C3  Goal Attainment, baseline -1, scores -1, -1, -1, family 2 at the last: no_progress;
            no score_gap (a 3-point gap on the -2 to +2 scale is not the rule's)
    P7  C1  closed 2026-02-01: not active at D, not shown
    P8  C1  agreed 2026-04-02, after D: not shown
    P9  C1  agreed 2025-10-01, baseline 4, scored 5 on 2025-11-15 and 9 on 2026-05-01 (after D):
            latest score at D is 5; not_reviewed (136 days)
    P10 C5  no success written (reviewed 2026-03-01): success_missing
    P11 C4  no success written, but C4 has no worker at D: in nobody's view

So W1 has children C1, C2, C5; outcomes P1, P2, P9, P3, P4, P5, P10; prompts not_reviewed 3
(P2, P3, P9), no_progress 1 (P2), success_missing 2 (P2, P10), score_gap 1 (P2): 7 in all.
W2 has C3, outcome P6, and one prompt: no_progress.

Statements read "<b>Pn</b> I will get to school on time at least 9 days in 10" (a clear outcome,
no statement prompt), except, with the statement prompt each gives (the most pressing flag):

    P3  "Mum to attend the parenting course": describes_service, so statement_process
    P4  "Dad to engage with services": compliance, so statement_process
    P5  "Children to be safe": no_sign_of_success (and vague), so statement_unclear
    P10 "Things will be better at home": vague, but success_missing already asks, so none

So W1 also has statement_process 2 (P3, P4) and statement_unclear 1 (P5): 10 prompts in all.

C1's last meeting on or before D is M2 (2026-02-01: PN7, no parent, wider family, no agency);
M3 (2026-04-10) is after D.
"""

from __future__ import annotations

import copy

from tests.unit.handworked import ROWS

AT = "2026-03-31"


def _child(cid, born, sex="F"):
    return {
        "child_id": cid, "birth_month": born, "sex": sex, "ethnicity": "WBRI", "disability": "N",
        "locality": "North",
    }  # fmt: skip


def _involvement(iid, child, start):
    return {
        "involvement_id": iid, "child_id": child, "plan_type": "cin", "start_date": start,
        "end_date": "", "end_reason": "", "team_id": "T1",
    }  # fmt: skip


def _outcome(oid, child, inv, agreed, baseline, success="Settled at school", scale="scaling_0_10",
             status="active", closed="", said="I will get to school on time at least 9 days in 10"):  # fmt: skip
    return {
        "outcome_id": oid, "child_id": child, "involvement_id": inv, "agreed_meeting_id": "",
        "agreed_date": agreed, "statement": f"<b>{oid}</b> {said}",
        "whose_words": "child", "agreed_with_family": "Y", "success_looks_like": success,
        "domain": "family_relationships", "scale": scale, "baseline_score": baseline,
        "target_score": "1" if scale == "gas" else "8", "target_date": "", "status": status, "closed_date": closed,
        "replaced_by": "",
    }  # fmt: skip


def _review(rid, oid, day, score, family=""):
    return {
        "review_id": rid, "outcome_id": oid, "review_date": day, "meeting_id": "", "score": score,
        "family_score": family, "reviewer_role": "practitioner", "note": "",
    }  # fmt: skip


def _meeting(mid, child, inv, day, code, family, wider, agencies):
    return {
        "meeting_id": mid, "child_id": child, "involvement_id": inv, "meeting_type": "cin_review",
        "date": day, "child_participation": code, "family_attended": family,
        "wider_family_attended": wider, "agencies_attended": agencies,
    }  # fmt: skip


def supervision_rows() -> dict[str, list[dict[str, str]]]:
    """The rows of the supervision fixture (built on the hand-worked extract's workers and teams)."""
    rows = copy.deepcopy(ROWS)
    rows["children"] += [_child("C4", "2012-02", "M"), _child("C5", "2016-09")]
    rows["involvements"] += [_involvement("I4", "C4", "2025-01-01"), _involvement("I5", "C5", "2025-01-01")]
    rows["allocations"] += [
        {"child_id": "C4", "worker_id": "W1", "start_date": "2025-01-01", "end_date": AT},
        {"child_id": "C5", "worker_id": "W2", "start_date": "2025-01-01", "end_date": ""},
        {"child_id": "C5", "worker_id": "W1", "start_date": "2026-01-01", "end_date": ""},
    ]
    rows["meetings"] += [
        _meeting("M2", "C1", "I1", "2026-02-01", "PN7", "N", "Y", ""),
        _meeting("M3", "C1", "I1", "2026-04-10", "PN1", "Y", "Y", "school"),
    ]
    rows["outcomes"] = [
        _outcome("P1", "C1", "I1", "2025-06-01", "3"),
        _outcome("P2", "C1", "I1", "2025-01-10", "5", success=""),
        _outcome("P3", "C2", "I2", "2025-12-01", "2", said="Mum to attend the parenting course"),
        _outcome("P4", "C2", "I2", "2025-12-02", "", said="Dad to engage with services"),
        _outcome("P5", "C2", "I2", "2025-03-01", "2", said="Children to be safe"),
        _outcome("P6", "C3", "I3", "2025-06-01", "-1", scale="gas"),
        _outcome("P7", "C1", "I1", "2025-06-01", "3", success="", status="achieved", closed="2026-02-01"),
        _outcome("P8", "C1", "I1", "2026-04-02", "3", success=""),
        _outcome("P9", "C1", "I1", "2025-10-01", "4"),
        _outcome("P10", "C5", "I5", "2025-06-01", "5", success="", said="Things will be better at home"),
        _outcome("P11", "C4", "I4", "2025-06-01", "5", success=""),
    ]
    rows["outcome_reviews"] = [
        _review("R1", "P1", "2025-09-01", "4", "4"),
        _review("R2", "P1", "2025-12-01", "5", "5"),
        _review("R3", "P1", "2026-02-01", "6", "6"),
        _review("R4", "P2", "2025-04-01", "5"),
        _review("R5", "P2", "2025-07-01", "4"),
        _review("R6", "P2", "2025-11-01", "5", "9"),
        _review("R7", "P5", "2025-07-01", "3"),
        _review("R8", "P5", "2025-10-01", "4", "7"),
        _review("R9", "P5", "2026-01-01", "4"),
        _review("R10", "P5", "2026-03-01", "4", "5"),
        _review("R11", "P6", "2025-10-01", "-1"),
        _review("R12", "P6", "2025-12-01", "-1"),
        _review("R13", "P6", "2026-03-01", "-1", "2"),
        _review("R14", "P9", "2025-11-15", "5"),
        _review("R15", "P9", "2026-05-01", "9"),
        _review("R16", "P7", "2025-09-01", "6"),
        _review("R17", "P10", "2026-03-01", "5"),
    ]
    rows["intervention_outcomes"] = [{"intervention_id": "X1", "outcome_id": "P1"}]
    return rows


#: Identities for the fixture (an identity file as a deployment writes it): Cat leads T1 (W1 and
#: W3), Dee leads T2 (W2), Ann is the practitioner W1, Hope is the Head of Practice Improvement.
IDENTITIES = """
users:
  cat.example: {role: team_lead, team_id: T1, worker_id: W3, name: Cat Example}
  dee.lead: {role: team_lead, team_id: T2, name: Dee Lead}
  ann.example: {role: practitioner, worker_id: W1, name: Ann Example}
  hope.pi: {role: head_of_practice_improvement, name: Hope PI}
"""


def signed_in(monkeypatch, folder, user: str | None) -> None:
    """Run as ``user`` from the deployment's identity file (``None``: a deployment naming nobody)."""
    path = folder / "identities.yaml"
    path.write_text(IDENTITIES, encoding="utf-8")
    for name in ("WORKBENCH_TRUST_PROXY_HEADER", "JUPYTERHUB_USER", "WORKBENCH_DEMO_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORKBENCH_IDENTITY_FILE", str(path))
    if user is None:
        monkeypatch.delenv("WORKBENCH_USER", raising=False)
    else:
        monkeypatch.setenv("WORKBENCH_USER", user)
