"""What a refresh changed: children, involvements, outcomes and reviews added, closed and changed.

``workbench refresh`` writes one report per load it makes, in the ``extract_changes`` table
(schema version 9), so that ``workbench changes`` and an operator reading the log next
morning see the same figures. The report is worked out inside the refresh's own transaction:
before the old rows are deleted, the compared columns of the four tables are copied into
temporary tables; after the new rows are written, the two are compared in SQL. Nothing is
read into Python, so a la-decade refresh costs no more memory for its report.

Words, for each table (keyed by its id):

- *added*: a row the new extract has and the previous one did not;
- *removed*: a row the previous extract had and the new one does not (it left the extract);
- *closed*: a row in both that was open and now is not: an involvement that gained an
  ``end_date``, an outcome that gained a ``closed_date``, a child who had an involvement with no
  end date and now has none. Reviews are never closed;
- *changed*: a row in both with any other field different (a closed row is counted as
  closed, not also as changed; a child's characteristics count as changed, whether or not
  the child was closed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.core.model import EXTRACT_TABLES

#: The tables a report counts, with the column whose filling closes a row (None: never closed).
COMPARED: dict[str, str | None] = {
    "children": None,
    "involvements": "end_date",
    "outcomes": "closed_date",
    "outcome_reviews": None,
}
#: The words the report uses for each table.
TABLE_WORDS = {
    "children": "children",
    "involvements": "involvements",
    "outcomes": "outcomes",
    "outcome_reviews": "reviews",
}
#: How many of the load's blanked values and notes a report keeps word for word (all are counted).
KEPT_LINES = 200
_SPECS = {spec.name: spec for spec in EXTRACT_TABLES}
_OLD = "refresh_previous_"


def extract_changes_table(metadata: sa.MetaData) -> sa.Table:
    """Return the table that keeps each refresh's "what changed" report (schema version 9)."""
    return sa.Table(
        "extract_changes",
        metadata,
        sa.Column("load_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("previous_load_id", sa.Integer, nullable=True),
        sa.Column("made_at", sa.String(32), nullable=False),
        sa.Column(
            "report", sa.Text, nullable=False, comment="The report as JSON (see workbench.store.changes)."
        ),
    )


def create_extract_changes_table(conn: Connection) -> None:
    """Create ``extract_changes`` (migration 9)."""
    extract_changes_table(sa.MetaData()).create(conn)


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _differs(conn: Connection, left: str, right: str) -> str:
    if conn.dialect.name == "sqlite":
        return f"NOT ({left} IS {right})"
    return f"{left} IS DISTINCT FROM {right}"


def _where_extract(name: str) -> str:
    # Children named only by a statutory return are not the extract's (workbench.store.children).
    return " WHERE origin = 'extract'" if name == "children" else ""


def snapshot_previous(conn: Connection) -> dict[str, int]:
    """Copy the compared tables' rows into temporary tables, in ``conn``'s transaction.

    Call before the old rows are deleted. Returns each table's row count before the refresh.
    """
    counts = {}
    suffix = " ON COMMIT DROP" if conn.dialect.name == "postgresql" else ""
    for name in COMPARED:
        spec = _SPECS[name]
        columns = ", ".join(_quote(conn, c) for c in spec.columns)
        old = _quote(conn, _OLD + name)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {old}")
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {old}{suffix} AS "  # noqa: S608
            f"SELECT {columns} FROM {_quote(conn, name)}{_where_extract(name)}"
        )
        (key,) = spec.key
        indexed = [key, "child_id"] if name == "involvements" else [key]
        for column in indexed:  # the comparisons look rows up by key (and involvements by child)
            index = _quote(conn, f"{_OLD}{name}_{column}")
            conn.exec_driver_sql(f"CREATE INDEX {index} ON {old} ({_quote(conn, column)})")
        counts[name] = int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {old}").scalar())  # noqa: S608
    return counts


def _count(conn: Connection, sql: str) -> int:
    return int(conn.exec_driver_sql(sql).scalar() or 0)


def compare_with_previous(conn: Connection, before: dict[str, int]) -> dict[str, dict[str, int | None]]:
    """Count what changed in each compared table since :func:`snapshot_previous`; drop its copies.

    Call after the new rows are written, in the same transaction.
    """
    counts: dict[str, dict[str, int | None]] = {}
    for name, closing in COMPARED.items():
        spec = _SPECS[name]
        (key,) = spec.key
        new_table = _quote(conn, name)
        new = f"(SELECT * FROM {new_table}{_where_extract(name)})"  # noqa: S608
        old = _quote(conn, _OLD + name)
        k = _quote(conn, key)
        both = f"FROM {new} n JOIN {old} o ON o.{k} = n.{k}"
        closed_sql = None
        if closing:
            c = _quote(conn, closing)
            closed_sql = f"(o.{c} IS NULL AND n.{c} IS NOT NULL)"
        compared = [c for c in spec.columns if c != key]
        any_difference = " OR ".join(
            _differs(conn, f"n.{_quote(conn, c)}", f"o.{_quote(conn, c)}") for c in compared
        )
        changed_where = f"({any_difference})" + (f" AND NOT {closed_sql}" if closed_sql else "")
        row = {
            "before": before[name],
            "after": _count(conn, f"SELECT COUNT(*) FROM {new} n"),  # noqa: S608
            "added": _count(conn, f"SELECT COUNT(*) FROM {new} n WHERE NOT EXISTS "  # noqa: S608
                                  f"(SELECT 1 FROM {old} o WHERE o.{k} = n.{k})"),
            "removed": _count(conn, f"SELECT COUNT(*) FROM {old} o WHERE NOT EXISTS "  # noqa: S608
                                    f"(SELECT 1 FROM {new} n WHERE n.{k} = o.{k})"),
            "closed": _count(conn, f"SELECT COUNT(*) {both} WHERE {closed_sql}") if closed_sql else None,
            "changed": _count(conn, f"SELECT COUNT(*) {both} WHERE {changed_where}"),
        }  # fmt: skip
        counts[name] = row
    counts["children"]["closed"] = _children_closed(conn)
    for name in COMPARED:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_quote(conn, _OLD + name)}")
    return counts


def _children_closed(conn: Connection) -> int:
    """Children in both extracts who had an involvement with no end date and now have none."""
    old_children = _quote(conn, _OLD + "children")
    old_involvements = _quote(conn, _OLD + "involvements")
    return _count(
        conn,
        f"SELECT COUNT(*) FROM {old_children} o "  # noqa: S608
        "WHERE EXISTS (SELECT 1 FROM children n WHERE n.child_id = o.child_id AND n.origin = 'extract') "
        f"AND EXISTS (SELECT 1 FROM {old_involvements} i "
        "WHERE i.child_id = o.child_id AND i.end_date IS NULL) "
        "AND NOT EXISTS (SELECT 1 FROM involvements i WHERE i.child_id = o.child_id AND i.end_date IS NULL)",
    )


@dataclass(frozen=True)
class ChangesReport:
    """One refresh's "what changed" report, as kept in ``extract_changes``."""

    load_id: int
    previous_load_id: int | None
    made_at: str
    source: str
    tables: dict[str, dict[str, int | None]]
    #: How many values the load blanked or read with a note (its rows were kept), and the first lines.
    set_aside: int
    set_aside_lines: tuple[str, ...]

    def to_json(self) -> str:
        """Return the report as the JSON kept in the store."""
        return json.dumps(
            {
                "source": self.source,
                "tables": self.tables,
                "set_aside": self.set_aside,
                "set_aside_lines": list(self.set_aside_lines),
            },
            sort_keys=True,
        )

    def lines(self) -> list[str]:
        """Return the report in plain lines, as `workbench refresh` and `workbench changes` print it."""
        since = f"load {self.previous_load_id}" if self.previous_load_id else "an empty store"
        out = [f"What changed in load {self.load_id} ({self.made_at}, from {self.source}) since {since}:"]
        out.append(
            f"  {'':<13}{'before':>10}{'after':>10}{'added':>9}{'closed':>9}{'changed':>9}{'removed':>9}"
        )
        for name in [n for n in COMPARED if n in self.tables]:
            row = self.tables[name]
            closed = "-" if row["closed"] is None else f"{row['closed']:,}"
            out.append(
                f"  {TABLE_WORDS[name]:<13}{row['before']:>10,}{row['after']:>10,}{row['added']:>9,}"
                f"{closed:>9}{row['changed']:>9,}{row['removed']:>9,}"
            )
        if self.set_aside:
            out.append(f"  {self.set_aside:,} value(s) blanked or read with a note (the rows were kept):")
            out += [f"    {line}" for line in self.set_aside_lines]
            if self.set_aside > len(self.set_aside_lines):
                out.append(f"    ... and {self.set_aside - len(self.set_aside_lines):,} more")
        else:
            out.append("  No row or value was rejected or blanked.")
        return out


def save_report(conn: Connection, report: ChangesReport) -> None:
    """Keep ``report`` in ``extract_changes``, in ``conn``'s transaction."""
    conn.execute(
        extract_changes_table(sa.MetaData())
        .insert()
        .values(
            load_id=report.load_id,
            previous_load_id=report.previous_load_id,
            made_at=report.made_at,
            report=report.to_json(),
        )
    )


def latest_report(engine: sa.Engine) -> ChangesReport | None:
    """Return the latest refresh's report, or None when no refresh has been made."""
    table = extract_changes_table(sa.MetaData())
    if not sa.inspect(engine).has_table("extract_changes"):
        return None
    with engine.connect() as conn:
        row = conn.execute(sa.select(table).order_by(table.c.load_id.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    body = json.loads(row["report"])
    return ChangesReport(
        load_id=row["load_id"],
        previous_load_id=row["previous_load_id"],
        made_at=row["made_at"],
        source=body["source"],
        tables=body["tables"],
        set_aside=body["set_aside"],
        set_aside_lines=tuple(body["set_aside_lines"]),
    )


def latest_load_id(engine: sa.Engine) -> int | None:
    """Return the id of the store's latest extract load (None when nothing was loaded).

    Cheap enough to poll every few seconds: the largest key of a small table.
    """
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT MAX(load_id) FROM extract_loads")).scalar()
    return None if found is None else int(found)


def kept_lines(lines: Iterable[str], limit: int = KEPT_LINES) -> tuple[str, ...]:
    """Return the first ``limit`` lines."""
    out = []
    for line in lines:
        if len(out) >= limit:
            break
        out.append(line)
    return tuple(out)
