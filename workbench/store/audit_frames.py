"""Audits as DataFrames, from both sources: historic (the extract) and recorded in the workbench.

These are the figures other views build on (team-lead dashboard, appraisal view, findings).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from workbench.store.audit_tables import T

AUDIT_COLUMNS = [
    "audit_id",
    "child_id",
    "auditor_id",
    "audit_date",
    "template_id",
    "template_version",
    "status",
    "overall_grade",
    "moderated_grade",
    "source",
    "moderation_date",
]
ANSWER_COLUMNS = [
    "audit_id",
    "question_id",
    "grade",
    "evidence",
    "moderated_grade",
    "moderation_reason",
    "source",
]
ACTION_COLUMNS = [
    "action_id",
    "audit_id",
    "child_id",
    "description",
    "owner",
    "due_date",
    "completed_date",
    "status",
]


def _query(store, query) -> pd.DataFrame:
    with store.engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame([tuple(r) for r in result], columns=list(result.keys()))


def _latest_moderations(store) -> pd.DataFrame:
    mods = T["audit_moderations"]
    latest = sa.select(sa.func.max(mods.c.moderation_id)).group_by(mods.c.audit_id).scalar_subquery()
    return _query(
        store,
        sa.select(
            mods.c.moderation_id,
            mods.c.audit_id,
            mods.c.overall_grade,
            mods.c.moderator_id,
            mods.c.moderation_date,
        ).where(mods.c.moderation_id.in_(latest)),
    )


def _strings(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = frame[column].astype("string").replace("", pd.NA)
    return frame


def audit_frame(store) -> pd.DataFrame:
    """One row per completed audit (submitted or moderated; drafts left out), from both sources.

    Columns: audit_id, child_id, auditor_id, audit_date (datetime), template_id,
    template_version, status ("submitted" or "moderated"), overall_grade (the first grade),
    moderated_grade (the latest agreed grade, or NA), source ("extract" or "workbench"),
    moderation_date (datetime of that moderation, or NaT).
    """
    historic = store.read_table("audits", [c for c in AUDIT_COLUMNS if c != "source"])
    historic = historic[historic["status"].ne("draft").fillna(True)].assign(source="extract")
    recorded = _query(store, sa.select(T["recorded_audits"]))
    moderations = _latest_moderations(store)
    recorded = recorded.merge(
        moderations[["audit_id", "overall_grade", "moderation_date"]].rename(
            columns={"overall_grade": "moderated_grade"}
        ),
        on="audit_id",
        how="left",
    )
    recorded["status"] = recorded["moderated_grade"].notna().map({True: "moderated", False: "submitted"})
    recorded["source"] = "workbench"
    frame = pd.concat(
        [historic.reindex(columns=AUDIT_COLUMNS), recorded.reindex(columns=AUDIT_COLUMNS)], ignore_index=True
    )
    for column in ("audit_date", "moderation_date"):
        frame[column] = pd.to_datetime(frame[column], format="ISO8601")
    frame = _strings(frame, [c for c in AUDIT_COLUMNS if c not in ("audit_date", "moderation_date")])
    return frame.sort_values(["audit_date", "audit_id"], ignore_index=True)


def answer_frame(store, audits: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per answered question of every completed audit, from both sources.

    Columns: audit_id, question_id, grade (first), evidence, moderated_grade,
    moderation_reason (the latest moderation's, or NA), source. ``audits`` may pass
    :func:`audit_frame` already read, so it is not read twice.
    """
    completed = (audit_frame(store) if audits is None else audits)[["audit_id", "source"]]
    historic = store.read_table("audit_answers").assign(source="extract")
    answers = _query(store, sa.select(T["recorded_audit_answers"]))
    latest = _latest_moderations(store)
    mod_answers = _query(store, sa.select(T["audit_moderation_answers"]))
    mod_answers = mod_answers[mod_answers["moderation_id"].isin(latest["moderation_id"])]
    mod_answers = mod_answers.merge(latest[["moderation_id", "audit_id"]], on="moderation_id")
    answers = answers.merge(
        mod_answers[["audit_id", "question_id", "moderated_grade", "reason"]].rename(
            columns={"reason": "moderation_reason"}
        ),
        on=["audit_id", "question_id"],
        how="left",
    ).assign(source="workbench")
    frame = pd.concat(
        [historic.reindex(columns=ANSWER_COLUMNS), answers.reindex(columns=ANSWER_COLUMNS)], ignore_index=True
    )
    frame = frame.merge(completed, on=["audit_id", "source"], how="inner")
    return _strings(frame, ANSWER_COLUMNS).reset_index(drop=True)


def action_status(actions: pd.DataFrame, at: date) -> pd.Series:
    """Return each action's status at ``at`` ("completed", "overdue" or "open"; see :func:`action_frame`)."""
    when = pd.Timestamp(at)
    done = actions["completed_date"].notna() & (actions["completed_date"] <= when)
    overdue = ~done & (actions["due_date"] < when)
    status = pd.Series("open", index=actions.index, dtype=object)
    status[overdue] = "overdue"
    status[done] = "completed"
    return status


def action_frame(store, at: date | None = None) -> pd.DataFrame:
    """Every action arising from audits, with its status at ``at`` (default today).

    Status: "completed" if completed on or before ``at``; otherwise "overdue" if due before
    ``at``; otherwise "open". Dates are datetimes.
    """
    frame = _query(store, sa.select(T["audit_actions"])).reindex(columns=ACTION_COLUMNS[:-1])
    for column in ("due_date", "completed_date"):
        frame[column] = pd.to_datetime(frame[column], format="ISO8601")
    frame["status"] = action_status(frame, at or date.today())
    frame["action_id"] = frame["action_id"].astype("Int64")
    return _strings(frame, ["audit_id", "child_id", "description", "owner", "status"]).sort_values(
        "action_id", ignore_index=True
    )
