"""A team's audit grades and open audit actions, from the extract's audits and audit_answers tables.

Provisional: ``workbench.audits`` (audit_frame / action_frame) is being built on another
branch; when it lands, :func:`read_audits` is the one place to switch over. Until then an
*open audit action* is a question graded requires improvement or inadequate (the moderated
grade where there is one) in a child's latest completed audit in the year to D, while the
child is still in the viewer's scope at D.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from workbench.codes import labels
from workbench.store import Store

#: Short names of the outcome-focused audit questions (the demo template's q1 to q8).
QUESTIONS = {
    "q1": "Clear outcomes with a success measure",
    "q2": "Interventions chosen on evidence",
    "q3": "Outcomes agreed with the family",
    "q4": "The right people involved",
    "q5": "Outcomes kept constant",
    "q6": "Progress reviewed and scored",
    "q7": "The child's views recorded",
    "q8": "A difference for the child",
}
#: Grades that make a question an action.
ACTION_GRADES = ("requires_improvement", "inadequate")


def read_audits(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the audits and audit answers tables (the one place audits are read for dashboards)."""
    return store.read_table("audits"), store.read_table("audit_answers")


def _completed_in_year(audits: pd.DataFrame, at: date, child_ids: Iterable[str]) -> pd.DataFrame:
    when = pd.Timestamp(at)
    done = audits[
        audits["child_id"].isin(set(child_ids))
        & audits["status"].ne("draft").fillna(False)
        & (audits["audit_date"] > when - pd.Timedelta(days=365))
        & (audits["audit_date"] <= when)
    ]
    return done


def audit_grades(audits: pd.DataFrame, at: date, child_ids: Iterable[str]) -> pd.DataFrame:
    """Count completed audits in the year to ``at`` of ``child_ids`` by overall grade.

    Columns: grade (label), first (the auditor's grade), moderated (the moderated grade, or
    the first grade where not moderated). Grades run from outstanding to inadequate.
    """
    done = _completed_in_year(audits, at, child_ids)
    # A moderated grade counts only once moderation happened by D.
    moderated_by_d = done["moderation_date"].notna() & (done["moderation_date"] <= pd.Timestamp(at))
    agreed = done["moderated_grade"].where(
        moderated_by_d & done["moderated_grade"].notna(), done["overall_grade"]
    )
    names = {code: label for code, label in labels("audit_grades").items() if code != "not_applicable"}
    return pd.DataFrame(
        {
            "grade": list(names.values()),
            "first": [int((done["overall_grade"] == code).sum()) for code in names],
            "moderated": [int((agreed == code).sum()) for code in names],
        }
    )


def open_actions(
    audits: pd.DataFrame, answers: pd.DataFrame, at: date, child_ids: Iterable[str]
) -> pd.DataFrame:
    """Return the open actions from each child's latest completed audit in the year to ``at``.

    Columns: child_id, audit_id, audit_date, question, grade (label), evidence. Inadequate
    first, then by date, most recent first.
    """
    done = _completed_in_year(audits, at, child_ids)
    latest = done.sort_values(["child_id", "audit_date", "audit_id"]).drop_duplicates("child_id", keep="last")
    found = answers.merge(latest[["audit_id", "child_id", "audit_date"]], on="audit_id")
    found["agreed_grade"] = found["moderated_grade"].fillna(found["grade"])
    found = found[found["agreed_grade"].isin(ACTION_GRADES)]
    grade_names = labels("audit_grades")
    result = pd.DataFrame(
        {
            "child_id": found["child_id"],
            "audit_id": found["audit_id"],
            "audit_date": found["audit_date"],
            "question": found["question_id"].map(QUESTIONS).fillna(found["question_id"]),
            "grade": found["agreed_grade"].map(grade_names),
            "evidence": found["evidence"].fillna(""),
            "_rank": found["agreed_grade"].map({"inadequate": 0, "requires_improvement": 1}),
        }
    )
    result = result.sort_values(["_rank", "audit_date", "child_id"], ascending=[True, False, True])
    return result.drop(columns="_rank").reset_index(drop=True)
