"""Supervision records made in the workbench (schema version 7): a table an extract load never replaces."""

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
