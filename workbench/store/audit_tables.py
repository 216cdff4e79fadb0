"""Tables for what the workbench records about audits (schema version 6).

Historic audits arrive in the extract tables ``audits`` and ``audit_answers``, which every
extract load replaces. What auditors record in the workbench must survive a reload, so it
lives here, in tables of its own, with no foreign key into the extract (a child may leave a
later extract; the audit of their case stays).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_ID = 64


def define_audit_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """Add the workbench's audit tables to ``metadata`` and return them by name."""
    tables = [
        sa.Table(
            "audit_templates",
            metadata,
            sa.Column("template_id", sa.String(_ID), primary_key=True),
            sa.Column("version", sa.String(32), primary_key=True),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("yaml_text", sa.Text, nullable=False, comment="The template exactly as loaded."),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("loaded_at", sa.String(32), nullable=False),
            comment="Every audit template version seen; a stored version never changes.",
        ),
        sa.Table(
            "audit_rounds",
            metadata,
            sa.Column("round_id", sa.String(_ID), primary_key=True),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("method", sa.String(40), nullable=False, comment="random or stratified"),
            sa.Column("stratify_by", sa.String(40)),
            sa.Column("seed", sa.Integer, nullable=False),
            sa.Column("sample_size", sa.Integer, nullable=False),
            sa.Column("exclude_months", sa.Integer, nullable=False),
            sa.Column("at_date", sa.String(10), nullable=False),
            sa.Column("created_by", sa.String(_ID), nullable=False),
            sa.Column("created_at", sa.String(32), nullable=False),
            comment="An audit sample: which cases, drawn how.",
        ),
        sa.Table(
            "audit_round_cases",
            metadata,
            sa.Column("round_id", sa.String(_ID), sa.ForeignKey("audit_rounds.round_id"), primary_key=True),
            sa.Column("child_id", sa.String(_ID), primary_key=True),
            sa.Column("stratum", sa.Text),
        ),
        sa.Table(
            "recorded_audits",
            metadata,
            sa.Column("audit_id", sa.String(_ID), primary_key=True),
            sa.Column("child_id", sa.String(_ID), nullable=False, index=True),
            sa.Column("auditor_id", sa.String(_ID), nullable=False),
            sa.Column("audit_date", sa.String(10), nullable=False),
            sa.Column("template_id", sa.String(_ID), nullable=False),
            sa.Column("template_version", sa.String(32), nullable=False),
            sa.Column("evidence_from", sa.String(10), nullable=False),
            sa.Column("evidence_to", sa.String(10), nullable=False),
            sa.Column("overall_grade", sa.String(40), nullable=False),
            sa.Column("round_id", sa.String(_ID)),
            sa.Column("source", sa.String(40), nullable=False, comment="workbench, or import:<file>"),
            sa.Column("submitted_at", sa.String(32), nullable=False),
            sa.ForeignKeyConstraint(
                ["template_id", "template_version"],
                ["audit_templates.template_id", "audit_templates.version"],
            ),
            comment="Audits submitted in the workbench or imported from a spreadsheet (first grade).",
        ),
        sa.Table(
            "recorded_audit_answers",
            metadata,
            sa.Column(
                "audit_id", sa.String(_ID), sa.ForeignKey("recorded_audits.audit_id"), primary_key=True
            ),
            sa.Column("question_id", sa.String(_ID), primary_key=True),
            sa.Column("grade", sa.String(40), nullable=False),
            sa.Column("evidence", sa.Text, nullable=False),
        ),
        sa.Table(
            "audit_moderations",
            metadata,
            sa.Column("moderation_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("audit_id", sa.String(_ID), sa.ForeignKey("recorded_audits.audit_id"), index=True),
            sa.Column("moderator_id", sa.String(_ID), nullable=False),
            sa.Column("moderation_date", sa.String(10), nullable=False),
            sa.Column("overall_grade", sa.String(40), nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
            sa.Column("recorded_at", sa.String(32), nullable=False),
            comment="A second person's agreed grades, beside (never over) the first.",
        ),
        sa.Table(
            "audit_moderation_answers",
            metadata,
            sa.Column(
                "moderation_id",
                sa.Integer,
                sa.ForeignKey("audit_moderations.moderation_id"),
                primary_key=True,
            ),
            sa.Column("question_id", sa.String(_ID), primary_key=True),
            sa.Column("moderated_grade", sa.String(40), nullable=False),
            sa.Column("reason", sa.Text, nullable=False),
        ),
        sa.Table(
            "audit_actions",
            metadata,
            sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("audit_id", sa.String(_ID), nullable=False, index=True),
            sa.Column("child_id", sa.String(_ID), nullable=False),
            sa.Column("description", sa.Text, nullable=False),
            sa.Column("owner", sa.Text, nullable=False),
            sa.Column("due_date", sa.String(10), nullable=False),
            sa.Column("completed_date", sa.String(10)),
            sa.Column("recorded_by", sa.String(_ID), nullable=False),
            sa.Column("recorded_at", sa.String(32), nullable=False),
            comment="Actions arising from an audit: owner, due date, and when completed.",
        ),
        sa.Table(
            "audit_drafts",
            metadata,
            sa.Column("child_id", sa.String(_ID), primary_key=True),
            sa.Column("auditor_id", sa.String(_ID), primary_key=True),
            sa.Column("template_id", sa.String(_ID), nullable=False),
            sa.Column("template_version", sa.String(32), nullable=False),
            sa.Column("content_json", sa.Text, nullable=False, comment="Grades, evidence and window so far."),
            sa.Column("saved_at", sa.String(32), nullable=False),
            comment="An audit in progress, saved as the auditor types.",
        ),
    ]
    return {t.name: t for t in tables}


def create_audit_tables(conn: Connection) -> None:
    """Create the audit tables (migration 6)."""
    metadata = sa.MetaData()
    define_audit_tables(metadata)
    metadata.create_all(conn)


#: The tables, for queries (a private MetaData: the store's own metadata is the extract's).
AUDIT_METADATA = sa.MetaData()
T = define_audit_tables(AUDIT_METADATA)
