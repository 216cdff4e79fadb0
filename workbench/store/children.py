"""Children from every source in one ``children`` table (schema version 5).

Until version 5, ``children`` held only the extract's children (every characteristic
required), and children known only from a statutory return sat in ``statutory_children``.
From version 5:

- ``children.origin`` says where the row's characteristics came from: ``extract``, or the
  statutory return that first named the child (``ssda903``, ``cin`` or ``annex_a``);
- ``birth_month``, ``sex``, ``ethnicity``, ``disability`` and ``locality`` may be NULL, because
  a return does not give them all (SSDA903 says nothing of disability or locality);
- every ``child_id`` in a statutory table is a row of ``children``, so statutory rows join
  children by child id.

An extract load replaces only the extract's children (:func:`replace_extract_children`): a child
the extract names takes the extract's characteristics; a child it no longer names is removed
unless a statutory table still names it, in which case it stays, with the characteristics
last known, under the origin of that return. The extract itself still requires every
characteristic (``workbench.core.model``); only the store allows them to be missing.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.core.model import EXTRACT_TABLES
from workbench.store.statutory_tables import statutory_table_kinds
from workbench.store.tables import WRITE_CHUNK, chunks, sqlalchemy_table

#: Where a child's row came from: the extract, or a statutory return (by its import kind).
ORIGINS: dict[str, str] = {"extract": "extract", "ssda903": "ssda903", "cin": "cin", "annex-a": "annex_a"}
ORIGIN_COLUMN = "origin"
_CHILDREN = next(spec for spec in EXTRACT_TABLES if spec.name == "children")
#: The characteristics a statutory return may leave out.
OPTIONAL_CHARACTERISTICS: tuple[str, ...] = tuple(c for c in _CHILDREN.columns if c not in _CHILDREN.key)
_PROVENANCE = ("source_file", "source_sha256", "source_row")
#: Marks the previous extract's children while a new extract replaces them (one transaction).
_PREVIOUS = "extract_prev"


def origin_column() -> sa.Column:
    """Return the ``children.origin`` column."""
    return sa.Column(
        ORIGIN_COLUMN,
        sa.String(16),
        nullable=False,
        server_default="extract",
        comment="Where the child's characteristics came from: extract, ssda903, cin or annex_a.",
    )


def shape_children_table(table: sa.Table) -> None:
    """Give the metadata's ``children`` table its version-5 shape (origin; optional characteristics)."""
    for name in OPTIONAL_CHARACTERISTICS:
        table.c[name].nullable = True
    if ORIGIN_COLUMN not in table.c:
        table.append_column(origin_column())


def statutory_child_tables(conn: Connection) -> dict[str, list[str]]:
    """Return {origin: [statutory tables with a child_id column]} as they exist in the database."""
    inspector = sa.inspect(conn)
    existing = set(inspector.get_table_names())
    found: dict[str, list[str]] = {}
    for table, kind in statutory_table_kinds().items():
        if table in existing and any(c["name"] == "child_id" for c in inspector.get_columns(table)):
            found.setdefault(ORIGINS[kind], []).append(table)
    return found


# ---------------------------------------------------------------------------------------------
# Migration 5


def migrate_children(conn: Connection) -> None:
    """Apply schema migration 5: children from every source, with ``origin``; statutory_children folded in.

    Lossless: every extract child keeps its row (origin ``extract``), every row of
    ``statutory_children`` becomes a child with its return's origin, and a child id that only
    a statutory table names becomes a child with no characteristics.
    """
    if conn.dialect.name == "sqlite":
        _rebuild_children_sqlite(conn)
    else:
        quote = conn.dialect.identifier_preparer.quote
        for name in OPTIONAL_CHARACTERISTICS:
            conn.exec_driver_sql(f"ALTER TABLE children ALTER COLUMN {quote(name)} DROP NOT NULL")
        column = origin_column()
        type_sql = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(
            f"ALTER TABLE children ADD COLUMN {quote(ORIGIN_COLUMN)} {type_sql} DEFAULT 'extract' NOT NULL"
        )
    if sa.inspect(conn).has_table("statutory_children"):
        conn.exec_driver_sql(
            "INSERT INTO children (child_id, birth_month, sex, ethnicity, disability, origin, "
            "source_file, source_sha256) "
            "SELECT s.child_id, s.birth_month, s.sex, s.ethnicity, "
            "CASE s.disability WHEN 'Y' THEN TRUE WHEN 'N' THEN FALSE ELSE NULL END, "
            "CASE f.kind WHEN 'annex-a' THEN 'annex_a' ELSE f.kind END, f.file_name, s.source_sha256 "
            "FROM statutory_children s JOIN statutory_files f ON f.source_sha256 = s.source_sha256 "
            "WHERE NOT EXISTS (SELECT 1 FROM children c WHERE c.child_id = s.child_id)"
        )
        conn.exec_driver_sql("DROP TABLE statutory_children")
    add_named_children(conn)


def _rebuild_children_sqlite(conn: Connection) -> None:
    """Rebuild ``children`` without NOT NULL on its characteristics (SQLite cannot drop them).

    Foreign keys stay on and are checked at commit: dropping ``children`` counts each
    involvement, meeting ... that names a child as a violation, and putting the child back
    un-counts it, so the commit fails if any child went missing.
    """
    raw = conn.connection.driver_connection
    if not raw.in_transaction:
        # Python's sqlite3 runs DDL outside a transaction unless one is open: open one, so the
        # rebuild and the version record commit together or not at all.
        conn.exec_driver_sql("BEGIN")
    conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # off again at COMMIT or ROLLBACK
    old_columns = [c["name"] for c in sa.inspect(conn).get_columns("children")]
    conn.exec_driver_sql("CREATE TEMP TABLE children_v4 AS SELECT * FROM children")
    conn.exec_driver_sql("DROP TABLE children")
    table = _version_5_children()
    table.create(conn)
    copied = ", ".join(c.name for c in table.columns if c.name in old_columns)
    conn.exec_driver_sql(f"INSERT INTO children ({copied}) SELECT {copied} FROM children_v4")  # noqa: S608
    conn.exec_driver_sql("DROP TABLE children_v4")
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"children rebuild would break {len(broken)} foreign keys, e.g. {broken[0]}")


def _version_5_children() -> sa.Table:
  # the extract tables' one definition

    table = sqlalchemy_table(_CHILDREN, sa.MetaData())
    shape_children_table(table)
    return table


# ---------------------------------------------------------------------------------------------
# Keeping children whole across extract loads and statutory imports


def _marker(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def replace_extract_children(conn: Connection, rows, on_rows: Callable[[int], None] | None = None) -> int:
    """Replace the extract's children with ``rows`` (store tuples with provenance), in ``conn``'s transaction.

    Children from statutory returns stay. A child the new extract names takes its
    characteristics and becomes an extract child; an extract child it no longer names is
    removed, unless a statutory table names it, when it stays under that return's origin.
    Returns the rows written. Call after the other extract tables are emptied.
    """
    conn.exec_driver_sql(f"UPDATE children SET origin = '{_PREVIOUS}' WHERE origin = 'extract'")  # noqa: S608
    names = [*_CHILDREN.columns, *_PROVENANCE]
    marks = ", ".join([_marker(conn)] * (len(names) + 1))
    updates = ", ".join(f"{n} = excluded.{n}" for n in [*names[1:], ORIGIN_COLUMN])
    sql = (
        f"INSERT INTO children ({', '.join(names)}, {ORIGIN_COLUMN}) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT (child_id) DO UPDATE SET {updates}"
    )
    written = 0
    for chunk in chunks(rows, WRITE_CHUNK):
        conn.exec_driver_sql(sql, [(*row, "extract") for row in chunk])
        written += len(chunk)
        if on_rows:
            on_rows(len(chunk))
    for origin, tables in statutory_child_tables(conn).items():
        named = " UNION ".join(f"SELECT child_id FROM {table}" for table in tables)  # noqa: S608
        conn.exec_driver_sql(
            f"UPDATE children SET origin = '{origin}' "  # noqa: S608
            f"WHERE origin = '{_PREVIOUS}' AND child_id IN ({named})"
        )
    conn.exec_driver_sql(f"DELETE FROM children WHERE origin = '{_PREVIOUS}'")  # noqa: S608
    return written


def add_named_children(conn: Connection) -> int:
    """Add a bare child (no characteristics) for each child id only a statutory table names.

    Returns how many were added. Runs in ``conn``'s transaction.
    """
    added = 0
    for origin, tables in statutory_child_tables(conn).items():
        for table in tables:
            result = conn.exec_driver_sql(
                f"INSERT INTO children (child_id, origin) "  # noqa: S608
                f"SELECT DISTINCT t.child_id, '{origin}' FROM {table} t WHERE t.child_id IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM children c WHERE c.child_id = t.child_id)"
            )
            added += max(result.rowcount, 0)
    return added
