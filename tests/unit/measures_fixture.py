"""A small extract for the headline measures, with every answer worked out by hand.

D = 2026-03-31 throughout unless a test says otherwise. The dates that matter:

    D-90  = 2025-12-31    D-91  = 2025-12-30    D-365 = 2025-03-31    D-364 = 2025-04-01
    D-455 = 2024-12-31    D-454 = 2025-01-01    D-730 = 2024-03-31

Children (age band at D: completed years, the birthday counted as reached in its month):

    child  born     band    sex  ethnicity  disability  locality  worker/team at D
    C1     2014-05  10-15   F    WBRI       N           North     W1/T1 (was W2/T2 until 2026-01-01)
    C2     2010-03  16-17   M    BAFR       Y           North     W1/T1 (16 in March 2026: born in D's month)
    C3     2022-04  0-4     F    APKN       N           South     W1/T1 (W2 ends on D, W1 starts on D)
    C4     2008-01  18+     M    WBRI       N           South     none (allocation ended 2024-09-01)
    C5     2019-06  5-9     F    WBRI       Y           North     W2/T2
    C6     2026-05  unborn  U    WBRI       N           South     W2/T2 (a pre-birth plan)
    C7..C12 are children whose involvements ended long ago (Sustained); C7 had W1/T1 in 2025.

Involvements:

    I1  C1 cin         2025-01-01 ->              open at D
    I2  C2 cin         2024-06-01 ->              open at D
    I3  C3 cp          2025-02-01 ->              open at D
    I4  C5 early_help  2025-06-01 -> 2026-03-31   ends on D: not open at D (step up to I5)
    I5  C5 cin         2026-03-31 ->              starts on D: open at D
    I6  C6 cp          2026-01-10 ->              open at D
    I7  C4 cin         2023-01-01 -> 2024-09-01   closure; C4 never returns
    I8  C7 early_help  2024-01-01 -> 2024-04-01   closure; C7 returns on 2025-04-01 = E+365
    I9  C7 cin         2025-04-01 -> 2025-10-01
    I10 C8 cin         2024-01-01 -> 2024-03-31   ends on D-730: outside the Sustained year
    I12 C9 cp          2024-05-01 -> 2025-03-31   ends on D-365: inside; C9 returns 2026-04-01 = E+366
    I13 C9 cin         2026-04-01 ->              starts after D
    I14 C10 early_help 2024-02-01 -> 2024-06-01   step up: I15 opens the same day, not a closure
    I15 C10 cin        2024-06-01 -> 2024-12-01   closure; C10 never returns
    I16 C11 cin        2024-03-01 -> 2024-10-01   closure; one outcome withdrawn, so not all achieved
    I17 C12 early_help 2024-05-01 -> 2024-11-01   closure with no outcomes

Outcomes of the current work (scale 0-10 unless said):

    id   child inv agreed      status           closed      success  base  family words         domain
    P1   C1  I1  2025-01-10  active           -           yes      3     Y  child          education
    P2   C1  I1  2025-12-30  active           -           "  "     4     N  practitioner   health
    P3   C2  I2  2025-12-31  replaced by P4   2026-03-31  yes      -     Y  parent         family_relationships
    P4   C2  I2  2026-03-31  active           -           yes      2     Y  family         family_relationships
    P5   C3  I3  2025-02-10  achieved         2026-02-01  yes      5     Y  child          safe_from_abuse
    P6   C3  I3  2025-02-10  not_achieved     2025-03-31  yes      4     N  practitioner   health
    P7   C3  I3  2025-02-10  partly_achieved  2025-04-01  yes      4     Y  parent         housing
    P8   C3  I3  2025-01-01  withdrawn        2025-04-01  yes      -     Y  parent         housing
    P9   C3  I3  2025-02-10  withdrawn        2025-05-12  yes      5     Y  parent         health
    P10  C6  I6  2026-03-31  active           -           yes      -     N  practitioner   early_years
    P11  C5  I4  2025-07-01  achieved         2026-03-31  yes      2     Y  parent         education
    P12  C1  I1  2024-12-31  active           -           yes      6     Y  practitioner   education
    P13  C2  I2  2025-06-01  active (GAS)     -           yes      -1    Y  child          health
    P14  C1  I1  2026-04-02  active           -           yes      5     Y  child          health
    P15  C2  I2  2025-05-01  not_achieved     2025-11-01  yes      5     Y  parent         crime_prevention

Scored reviews: P1 5 on 2025-12-31 and 9 on 2026-05-01 (after D); P2 5 on 2025-12-30 (= D-91);
P5 8 on 2026-01-15; P6 6 on 2025-03-01; P7 4 on 2025-03-15; P9 4 on 2025-04-01; P11 6 on
2026-03-31 (on D); P12 8 (R9) and 7 (R9a) both on 2025-12-01, so the later review_id, R9a,
is the latest, and an unscored review on 2026-03-31; P13 1 on 2026-02-01.
Outcomes Q1..Q8 belong to the long-closed involvements and only Sustained sees them. Q9 (C7,
I9, agreed 2025-04-10, achieved and closed 2025-09-20, no baseline) is every outcome of I9,
whose follow-up year ends after D; it also counts in Constant and Achieved.

The working for each measure is in the test that checks it (tests/unit/test_measures_headline.py).
"""

from __future__ import annotations

import copy

from tests.unit.handworked import ROWS as HANDWORKED_ROWS
from tests.unit.handworked import write_extract
from workbench.extract import load_extract
from workbench.measures import ServiceData
from workbench.store import Store

D_TEXT = "2026-03-31"


def _child(cid, born, sex, ethnicity, disability, locality):
    return {
        "child_id": cid,
        "birth_month": born,
        "sex": sex,
        "ethnicity": ethnicity,
        "disability": disability,
        "locality": locality,
    }


def _involvement(iid, child, plan, start, end="", reason="", team="T1"):
    return {
        "involvement_id": iid,
        "child_id": child,
        "plan_type": plan,
        "start_date": start,
        "end_date": end,
        "end_reason": reason,
        "team_id": team,
    }


def _allocation(child, worker, start, end=""):
    return {"child_id": child, "worker_id": worker, "start_date": start, "end_date": end}


def _meeting(mid, child, inv, day, code, family):
    return {
        "meeting_id": mid,
        "child_id": child,
        "involvement_id": inv,
        "meeting_type": "cin_review",
        "date": day,
        "child_participation": code,
        "family_attended": family,
        "wider_family_attended": "N",
        "agencies_attended": "",
    }


def _outcome(
    oid,
    child,
    inv,
    agreed,
    status="active",
    closed="",
    success="A clear picture of success",
    baseline="",
    family="Y",
    words="child",
    domain="education",
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
        "whose_words": words,
        "agreed_with_family": family,
        "success_looks_like": success,
        "domain": domain,
        "scale": scale,
        "baseline_score": baseline,
        "target_score": "",
        "target_date": "",
        "status": status,
        "closed_date": closed,
        "replaced_by": replaced_by,
    }


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


def _intervention(xid, child, inv, level, start):
    return {
        "intervention_id": xid,
        "child_id": child,
        "involvement_id": inv,
        "name": "A programme",
        "evidence_level": level,
        "start_date": start,
        "end_date": "",
        "provider": "Council",
    }


def _audit(aid, child, day, status, grade, moderated="", moderated_on=""):
    return {
        "audit_id": aid,
        "child_id": child,
        "auditor_id": "W3",
        "audit_date": day,
        "template_id": "outcome-focused",
        "template_version": "1",
        "evidence_from": "2024-10-01",
        "evidence_to": day,
        "status": status,
        "overall_grade": grade,
        "moderator_id": "W3" if moderated else "",
        "moderated_grade": moderated,
        "moderation_date": moderated_on,
    }


ROWS: dict[str, list[dict[str, str]]] = {
    "children": [
        _child("C1", "2014-05", "F", "WBRI", "N", "North"),
        _child("C2", "2010-03", "M", "BAFR", "Y", "North"),
        _child("C3", "2022-04", "F", "APKN", "N", "South"),
        _child("C4", "2008-01", "M", "WBRI", "N", "South"),
        _child("C5", "2019-06", "F", "WBRI", "Y", "North"),
        _child("C6", "2026-05", "U", "WBRI", "N", "South"),
        _child("C7", "2012-02", "M", "WBRI", "N", "North"),
        _child("C8", "2012-02", "M", "WBRI", "N", "North"),
        _child("C9", "2012-02", "F", "WBRI", "N", "South"),
        _child("C10", "2012-02", "F", "WBRI", "N", "South"),
        _child("C11", "2012-02", "M", "WBRI", "N", "North"),
        _child("C12", "2012-02", "F", "WBRI", "N", "North"),
    ],
    "teams": HANDWORKED_ROWS["teams"],
    "workers": HANDWORKED_ROWS["workers"],
    "involvements": [
        _involvement("I1", "C1", "cin", "2025-01-01"),
        _involvement("I2", "C2", "cin", "2024-06-01"),
        _involvement("I3", "C3", "cp", "2025-02-01", team="T2"),
        _involvement("I4", "C5", "early_help", "2025-06-01", "2026-03-31", "step_up", team="T2"),
        _involvement("I5", "C5", "cin", "2026-03-31", team="T2"),
        _involvement("I6", "C6", "cp", "2026-01-10", team="T2"),
        _involvement("I7", "C4", "cin", "2023-01-01", "2024-09-01", "outcomes_met"),
        _involvement("I8", "C7", "early_help", "2024-01-01", "2024-04-01", "outcomes_met"),
        _involvement("I9", "C7", "cin", "2025-04-01", "2025-10-01", "outcomes_met"),
        _involvement("I10", "C8", "cin", "2024-01-01", "2024-03-31", "outcomes_met"),
        _involvement("I12", "C9", "cp", "2024-05-01", "2025-03-31", "outcomes_met", team="T2"),
        _involvement("I13", "C9", "cin", "2026-04-01", team="T2"),
        _involvement("I14", "C10", "early_help", "2024-02-01", "2024-06-01", "step_up"),
        _involvement("I15", "C10", "cin", "2024-06-01", "2024-12-01", "outcomes_met"),
        _involvement("I16", "C11", "cin", "2024-03-01", "2024-10-01", "outcomes_met"),
        _involvement("I17", "C12", "early_help", "2024-05-01", "2024-11-01", "family_declined"),
    ],
    "allocations": [
        _allocation("C1", "W2", "2025-01-01", "2026-01-01"),
        _allocation("C1", "W1", "2026-01-01"),
        _allocation("C2", "W1", "2024-06-01"),
        _allocation("C3", "W2", "2025-02-01", "2026-03-31"),
        _allocation("C3", "W1", "2026-03-31"),
        _allocation("C4", "W2", "2023-01-01", "2024-09-01"),
        _allocation("C5", "W2", "2025-06-01"),
        _allocation("C6", "W2", "2026-01-10"),
        _allocation("C7", "W1", "2025-04-01", "2025-10-01"),
    ],
    "meetings": [
        _meeting("M1", "C1", "I1", "2025-03-31", "PN1", "Y"),  # on D-365: outside the year
        _meeting("M2", "C1", "I1", "2025-04-01", "PN1", "Y"),
        _meeting("M3", "C1", "I1", "2025-12-31", "PN4", "N"),
        _meeting("M4", "C2", "I2", "2026-01-15", "PN7", "Y"),
        _meeting("M5", "C3", "I3", "2026-02-01", "PN0", "Y"),
        _meeting("M6", "C3", "I3", "2026-03-31", "", "N"),  # on D: inside; blank code
        _meeting("M7", "C6", "I6", "2026-04-01", "PN1", "Y"),  # after D
        _meeting("M8", "C5", "I4", "2025-09-01", "PN6", "Y"),
    ],
    "outcomes": [
        _outcome("P1", "C1", "I1", "2025-01-10", baseline="3", words="child", domain="education"),
        _outcome(
            "P2",
            "C1",
            "I1",
            "2025-12-30",
            success="  ",
            baseline="4",
            family="N",
            words="practitioner",
            domain="health",
        ),
        _outcome(
            "P3",
            "C2",
            "I2",
            "2025-12-31",
            "replaced",
            "2026-03-31",
            words="parent",
            domain="family_relationships",
            replaced_by="P4",
        ),
        _outcome("P4", "C2", "I2", "2026-03-31", baseline="2", words="family", domain="family_relationships"),
        _outcome(
            "P5", "C3", "I3", "2025-02-10", "achieved", "2026-02-01", baseline="5", domain="safe_from_abuse"
        ),
        _outcome(
            "P6",
            "C3",
            "I3",
            "2025-02-10",
            "not_achieved",
            "2025-03-31",
            baseline="4",
            family="N",
            words="practitioner",
            domain="health",
        ),
        _outcome(
            "P7",
            "C3",
            "I3",
            "2025-02-10",
            "partly_achieved",
            "2025-04-01",
            baseline="4",
            words="parent",
            domain="housing",
        ),
        _outcome("P8", "C3", "I3", "2025-01-01", "withdrawn", "2025-04-01", words="parent", domain="housing"),
        _outcome(
            "P9",
            "C3",
            "I3",
            "2025-02-10",
            "withdrawn",
            "2025-05-12",
            baseline="5",
            words="parent",
            domain="health",
        ),
        _outcome("P10", "C6", "I6", "2026-03-31", family="N", words="practitioner", domain="early_years"),
        _outcome(
            "P11",
            "C5",
            "I4",
            "2025-07-01",
            "achieved",
            "2026-03-31",
            baseline="2",
            words="parent",
            domain="education",
        ),
        _outcome("P12", "C1", "I1", "2024-12-31", baseline="6", words="practitioner", domain="education"),
        _outcome("P13", "C2", "I2", "2025-06-01", baseline="-1", domain="health", scale="gas"),
        _outcome("P14", "C1", "I1", "2026-04-02", baseline="5", domain="health"),
        _outcome(
            "P15",
            "C2",
            "I2",
            "2025-05-01",
            "not_achieved",
            "2025-11-01",
            baseline="5",
            words="parent",
            domain="crime_prevention",
        ),
        # The long-closed involvements (Sustained only).
        _outcome("Q1", "C4", "I7", "2023-02-01", "achieved", "2024-08-20"),
        _outcome("Q2", "C7", "I8", "2024-01-10", "achieved", "2024-03-20"),
        _outcome("Q3", "C8", "I10", "2024-01-10", "achieved", "2024-03-20"),
        _outcome("Q4", "C9", "I12", "2024-05-10", "achieved", "2025-03-20"),
        _outcome("Q5", "C10", "I14", "2024-02-10", "achieved", "2024-05-20"),
        _outcome("Q6", "C10", "I15", "2024-06-15", "achieved", "2024-11-20"),
        _outcome("Q7", "C11", "I16", "2024-03-10", "achieved", "2024-09-20"),
        _outcome("Q8", "C11", "I16", "2024-03-10", "withdrawn", "2024-09-20"),
        # C7's second involvement: all achieved, but its year of follow-up ends after D.
        _outcome("Q9", "C7", "I9", "2025-04-10", "achieved", "2025-09-20"),
    ],
    "outcome_reviews": [
        _review("R1", "P1", "2025-12-31", "5"),
        _review("R2", "P1", "2026-05-01", "9"),
        _review("R3", "P2", "2025-12-30", "5"),
        _review("R4", "P5", "2026-01-15", "8"),
        _review("R5", "P6", "2025-03-01", "6"),
        _review("R6", "P7", "2025-03-15", "4"),
        _review("R7", "P9", "2025-04-01", "4"),
        _review("R8", "P11", "2026-03-31", "6"),
        # Two scores on one date, written out of order: review_id decides, and R9a follows R9.
        _review("R9a", "P12", "2025-12-01", "7"),
        _review("R9", "P12", "2025-12-01", "8"),
        _review("R10", "P12", "2026-03-31", ""),
        _review("R11", "P13", "2026-02-01", "1"),
    ],
    "interventions": [
        _intervention("X1", "C1", "I1", "level_3", "2025-03-31"),  # on D-365: outside
        _intervention("X2", "C1", "I1", "level_3", "2025-04-01"),
        _intervention("X3", "C2", "I2", "level_2", "2025-06-01"),
        _intervention("X4", "C3", "I3", "not_rated", "2025-09-01"),
        _intervention("X5", "C6", "I6", "level_4", "2026-03-31"),  # on D: inside
        _intervention("X6", "C5", "I4", "level_4", "2026-04-01"),  # after D
    ],
    "intervention_outcomes": [{"intervention_id": "X2", "outcome_id": "P1"}],
    "supervisions": [],
    "supervision_cases": [],
    "audits": [
        _audit("A1", "C1", "2025-03-31", "submitted", "good"),  # on D-365: outside
        _audit("A2", "C1", "2025-04-01", "submitted", "good"),
        _audit("A3", "C2", "2025-10-01", "moderated", "requires_improvement", "good", "2025-11-01"),
        _audit("A4", "C3", "2026-01-10", "moderated", "good", "requires_improvement", "2026-04-15"),
        _audit("A5", "C5", "2026-02-01", "draft", ""),
        _audit("A6", "C6", "2026-03-31", "submitted", "outstanding"),
        _audit("A7", "C2", "2025-06-01", "moderated", "outstanding", "outstanding", "2025-06-20"),
        _audit("A8", "C4", "2025-08-01", "submitted", "inadequate"),
        _audit("A9", "C1", "2025-05-01", "submitted", "not_applicable"),
    ],
    "audit_answers": [],
}


def service_with_statements(statements: dict[str, str], folder) -> ServiceData:
    """Load this fixture with some outcome statements replaced (``{outcome_id: statement}``) and read it."""
    rows = copy.deepcopy(ROWS)
    for outcome in rows["outcomes"]:
        outcome["statement"] = statements.get(outcome["outcome_id"], outcome["statement"])
    url = f"sqlite:///{folder / 'store.sqlite'}"
    load_extract(Store(url), write_extract(folder / "extract", rows))
    return ServiceData(Store(url))
