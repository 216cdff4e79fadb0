"""Supervision records made in the workbench (schema versions 7 and 11): never replaced by an extract load."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_RECORDS_METADATA = sa.MetaData()


def _records_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "supervision_records",
        metadata,
        sa.Column("record_id", sa.Integer, primary_key=True, autoincrement=True),
        # No foreign key to workers: an extract load replaces the workers table, records stay.
        sa.Column("worker_id", sa.String(64), nullable=False, index=True, comment="The worker supervised."),
        sa.Column(
            "supervisor", sa.String(200), nullable=False, comment="Trusted identity of the supervisor."
        ),
        sa.Column("supervision_date", sa.Date, nullable=False, comment="Date of the supervision."),
        sa.Column("view_at", sa.Date, nullable=False, comment="The date D the caseload view was at."),
        sa.Column("discussed", sa.Text, comment="What was discussed."),
        sa.Column("challenged", sa.Text, comment="What was challenged."),
        sa.Column("confirmed", sa.Text, comment="What was confirmed."),
        sa.Column("created_at", sa.String(32), nullable=False, comment="When the record was saved (UTC)."),
        comment="Supervision records made in the workbench (what was discussed, challenged, confirmed).",
    )


SUPERVISION_RECORDS = _records_table(_RECORDS_METADATA)


def create_supervision_records_table(conn: Connection) -> None:
    """Create ``supervision_records`` (the DDL of schema migration 7)."""
    _records_table(sa.MetaData()).create(conn)


# Schema version 11: supervision by outcome. Each outcome talked through in a record, with how
# (discussed, challenged or confirmed) and a note; and the actions a supervision sets, each with
# an owner and a due date, open until someone marks it done. Named for supervision: outcome plans
# (plan meetings) keep actions of their own.

#: How an outcome was talked through in supervision.
OUTCOME_STANCES: tuple[str, ...] = ("discussed", "challenged", "confirmed")
#: The states of a supervision action.
ACTION_STATUSES: tuple[str, ...] = ("open", "done")


def _outcomes_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "supervision_outcomes",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "record_id", sa.Integer, sa.ForeignKey("supervision_records.record_id"), nullable=False,
            index=True, comment="The supervision record.",
        ),
        # No foreign keys to the extract: a load replaces children and outcomes, records stay.
        sa.Column("child_id", sa.String(64), nullable=False, comment="The child whose outcome it is."),
        sa.Column("outcome_id", sa.String(64), nullable=False, comment="The desired outcome talked through."),
        sa.Column("stance", sa.String(16), nullable=False, comment="discussed, challenged or confirmed."),
        sa.Column("note", sa.Text, comment="What was said about it."),
        sa.UniqueConstraint("record_id", "outcome_id", name="uq_supervision_outcomes_record_outcome"),
        sa.CheckConstraint(
            "stance IN ('discussed', 'challenged', 'confirmed')", name="ck_supervision_outcomes_stance"
        ),
        comment="Desired outcomes talked through in a supervision, and how (schema version 11).",
    )  # fmt: skip


def _actions_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "supervision_actions",
        metadata,
        sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "record_id", sa.Integer, sa.ForeignKey("supervision_records.record_id"), nullable=False,
            index=True, comment="The supervision record that set the action.",
        ),
        sa.Column("worker_id", sa.String(64), nullable=False, index=True, comment="The worker supervised."),
        sa.Column("child_id", sa.String(64), comment="The child it is about (empty: the caseload)."),
        sa.Column("outcome_id", sa.String(64), comment="The desired outcome it is about, if one."),
        sa.Column("description", sa.Text, nullable=False, comment="What is to be done."),
        sa.Column("owner", sa.String(200), nullable=False, comment="Who is to do it."),
        sa.Column("due_date", sa.Date, nullable=False, comment="When it is due."),
        sa.Column("status", sa.String(16), nullable=False, default="open", comment="open or done."),
        sa.Column("done_date", sa.Date, comment="When it was marked done."),
        sa.Column("done_by", sa.String(200), comment="Trusted identity of who marked it done."),
        sa.Column("created_at", sa.String(32), nullable=False, comment="When it was set (UTC)."),
        sa.CheckConstraint("status IN ('open', 'done')", name="ck_supervision_actions_status"),
        comment="Actions set in supervision, with owner and due date, open until done (schema version 11).",
    )  # fmt: skip


SUPERVISION_OUTCOMES = _outcomes_table(_RECORDS_METADATA)
SUPERVISION_ACTIONS = _actions_table(_RECORDS_METADATA)


def create_supervision_outcome_tables(conn: Connection) -> None:
    """Create ``supervision_outcomes`` and ``supervision_actions`` (the DDL of schema migration 11)."""
    metadata = sa.MetaData()
    # The foreign keys need the records table in the same metadata (it exists already: version 7).
    _records_table(metadata)
    _outcomes_table(metadata).create(conn)
    _actions_table(metadata).create(conn)
