"""What people write and keep (schema version 12): appraisal entries and improvement plans.

Tables an extract load never replaces, and append-only: a save adds a version, so the history
of who wrote what, and when, is kept. The latest version is the one pages show.

- ``appraisal_entries``: an appraisee's or their manager's words for one worker's appraisal
  year, and the children (cases) they want to talk about.
- ``improvement_plans``: for one measure (or one part of the report card) and one population,
  the target, the story behind the curve and the partners; ``improvement_actions`` holds each
  version's actions (owner, due date, done).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_METADATA = sa.MetaData()


def _appraisal_entries(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "appraisal_entries",
        metadata,
        sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
        # No foreign key to workers: an extract load replaces the workers table, entries stay.
        sa.Column("worker_id", sa.String(64), nullable=False, index=True, comment="The worker appraised."),
        sa.Column("year_end", sa.Date, nullable=False, comment="The last day of the appraisal year (D)."),
        sa.Column("voice", sa.String(16), nullable=False, comment="appraisee or manager: whose words."),
        sa.Column("words", sa.Text, comment="What they wrote."),
        sa.Column("cases", sa.Text, comment="Child ids they want to talk about, comma-separated."),
        sa.Column("written_by", sa.String(200), nullable=False, comment="Trusted identity of the writer."),
        sa.Column("written_at", sa.String(32), nullable=False, comment="When it was saved (UTC)."),
        comment="Appraisal entries: each save is a new version (the latest is shown).",
    )


def _improvement_plans(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "improvement_plans",
        metadata,
        sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "subject", sa.String(120), nullable=False, index=True, comment="A measure, or a card part."
        ),
        sa.Column("population", sa.String(200), nullable=False, comment="Whom the plan is for."),
        sa.Column("target", sa.Float, comment="The target value (a share as 0 to 1, or a mean)."),
        sa.Column("story", sa.Text, comment="The story behind the curve."),
        sa.Column("partners", sa.Text, comment="Partners with a role to play."),
        sa.Column("written_by", sa.String(200), nullable=False, comment="Trusted identity of the writer."),
        sa.Column("written_by_role", sa.String(64), nullable=False, comment="The writer's role."),
        sa.Column("written_at", sa.String(32), nullable=False, comment="When it was saved (UTC)."),
        comment="Improvement plans: each save is a new version (the latest is shown).",
    )


def _improvement_actions(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "improvement_actions",
        metadata,
        sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("improvement_plans.version_id"),
            nullable=False,
            index=True,
            comment="The plan version the action belongs to.",
        ),
        sa.Column("position", sa.Integer, nullable=False, comment="Its order in the plan."),
        sa.Column("action", sa.Text, nullable=False, comment="What will be done."),
        sa.Column("owner", sa.String(200), comment="Who will do it (a role or team)."),
        sa.Column("due_date", sa.Date, comment="When it is due."),
        sa.Column("done", sa.Boolean, nullable=False, comment="Whether it is done."),
        comment="The actions of each improvement plan version.",
    )


APPRAISAL_ENTRIES = _appraisal_entries(_METADATA)
IMPROVEMENT_PLANS = _improvement_plans(_METADATA)
IMPROVEMENT_ACTIONS = _improvement_actions(_METADATA)


def create_improvement_plan_tables(conn: Connection) -> None:
    """Create the appraisal and improvement plan tables (the DDL of schema migration 12)."""
    metadata = sa.MetaData()
    for build in (_appraisal_entries, _improvement_plans, _improvement_actions):
        build(metadata)
    metadata.create_all(conn)
