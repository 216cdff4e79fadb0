"""The store's own settings: a small name/value table (schema version 10).

One setting so far: ``demo``, written by the demo loader (``workbench load --demo``), which
says the store holds the synthetic demo authority. Only such a store may be viewed with the
demo identities (``data/demo-identities.yaml``); ``workbench serve`` refuses any other store
that has no identity file (security review 2026-12, finding 3: fail closed).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

SETTINGS_TABLE = "workbench_settings"
DEMO_SETTING = "demo"


def settings_table(metadata: sa.MetaData) -> sa.Table:
    """Return the name/value table of the store's settings."""
    return sa.Table(
        SETTINGS_TABLE,
        metadata,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def create_settings_table(conn: Connection) -> None:
    """Migration 10: create the settings table."""
    settings_table(sa.MetaData()).create(conn)


def read_setting(engine: Engine, name: str) -> str | None:
    """Return a setting's value, or None when it is not set (or the table does not exist yet)."""
    if not sa.inspect(engine).has_table(SETTINGS_TABLE):
        return None
    table = settings_table(sa.MetaData())
    with engine.connect() as conn:
        return conn.execute(sa.select(table.c.value).where(table.c.name == name)).scalar()


def write_setting(engine: Engine, name: str, value: str) -> None:
    """Set ``name`` to ``value`` (replacing any earlier value), in one transaction."""
    table = settings_table(sa.MetaData())
    with engine.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.name == name))
        conn.execute(sa.insert(table).values(name=name, value=value))
