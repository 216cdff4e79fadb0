"""A team's audit grades and open audit actions, from ``workbench.practice.audits`` (both sources).

Audits are :func:`workbench.store.audit_frames.audit_frame` (the extract's historic audits and those recorded
in the workbench, moderated or not) and actions are :func:`workbench.practice.audits.action_frame`: the
real actions arising from audits, each with its owner, due date and completion. An action is
*open* at the date D when its audit was done on or before D and it was not completed by D;
it is *overdue* when, besides, it was due before D. The dashboard shows the open and overdue
actions of the children in view (their scope at D), overdue first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

import pandas as pd

from workbench.core.codes import labels
from workbench.store.audit_frames import action_frame, action_status, answer_frame, audit_frame
from workbench.store.engine import Store


class TeamAudits(NamedTuple):
    """Every audit, answer and action, read once for a dashboard (filters then only select)."""

    audits: pd.DataFrame
    answers: pd.DataFrame
    actions: pd.DataFrame


def read_audits(store: Store) -> TeamAudits:
    """Return the audits, answers and actions from both sources (the one place dashboards read them)."""
    audits = audit_frame(store)
    return TeamAudits(audits, answer_frame(store, audits), action_frame(store))


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
    the first grade where not moderated by ``at``). Grades run from outstanding to inadequate.
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
    audits: pd.DataFrame, actions: pd.DataFrame, at: date, child_ids: Iterable[str]
) -> pd.DataFrame:
    """Return the actions of ``child_ids`` open at ``at``: not completed by then, from audits done by then.

    Columns: child_id, audit_id, audit_date, description, owner, due_date, status ("overdue"
    or "open"). Overdue first, then by due date, earliest first.
    """
    columns = ["child_id", "audit_id", "audit_date", "description", "owner", "due_date", "status"]
    when = pd.Timestamp(at)
    found = actions[actions["child_id"].isin(set(child_ids))].merge(
        audits[["audit_id", "audit_date"]], on="audit_id", how="inner"
    )
    found = found[found["audit_date"] <= when]
    found = found.assign(status=action_status(found, at))
    found = found[found["status"] != "completed"]
    found = found.assign(_rank=found["status"].map({"overdue": 0, "open": 1}))
    found = found.sort_values(["_rank", "due_date", "child_id", "action_id"])
    return found[columns].reset_index(drop=True)
