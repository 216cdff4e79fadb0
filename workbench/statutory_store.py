"""Statutory returns in the store: SSDA903, CIN census and Annex A tables, with provenance.

Each statutory table the parsers produce has a store table of its own (``ssda903_episodes``,
``cin_referrals``, ``annex_a_list_8`` ...), every column text (dates ISO), plus where the row
came from: ``source_sha256`` (the file, recorded in ``statutory_files``) and ``source_row``.
Rows are linked to children by ``child_id``.

Children the statutory files describe and the store does not know yet are added to
``children`` with the characteristics the file gives (schema version 5; until then they sat
in ``statutory_children``), and ``children.origin`` names the return. A child named only by
id (an episode, say) is added with no characteristics, so every statutory row's child is in
``children``. An extract load replaces only the extract's children and leaves these alone
(see :mod:`workbench.store_children`).

A file imports whole or not at all, and a file already imported (same sha256) changes
nothing. Rows a parser rejected are not stored: they stay in the import report.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.extract import sha256_file
from workbench.imports.checking import check_files, is_refused
from workbench.imports.report import ParsedFile
from workbench.progress import CHECKING, STORING, ImportProgress, OnProgress, counter
from workbench.store import Store


def _specs() -> dict[str, tuple[str, str, list[str], dict[str, str]]]:
    """Return {store table: (kind, parser table, store columns, parser column -> store column)}."""
    from workbench.imports.annex_a import ANNEX_A_LISTS
    from workbench.imports.cin_census import TABLE_COLUMNS
    from workbench.imports.ssda903 import table_columns

    specs = {}
    for table, columns in table_columns().items():
        rename = {c: ("child_id" if c == "CHILD" else c.lower()) for c in columns}
        specs[f"ssda903_{table.lower()}"] = ("ssda903", table, list(rename.values()), rename)
    for table, columns in TABLE_COLUMNS.items():
        specs[table] = ("cin", table, list(columns), {c: c for c in columns})
    for spec in ANNEX_A_LISTS.values():
        names = spec.column_names
        specs[spec.table] = ("annex-a", spec.table, names, {c: c for c in names})
    return specs


CHILD_COLUMNS = ("child_id", "birth_month", "sex", "ethnicity", "disability")


def statutory_table_kinds() -> dict[str, str]:
    """Return {store table: import kind} for every statutory table."""
    return {name: spec[0] for name, spec in _specs().items()}


def create_statutory_tables(conn: Connection) -> None:
    """Create the statutory tables (schema migration 3)."""
    metadata = sa.MetaData()
    sa.Table(
        "statutory_files",
        metadata,
        sa.Column("source_sha256", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("collection_year", sa.Integer),
        sa.Column("rows_accepted", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
    )
    sa.Table(
        "statutory_children",
        metadata,
        sa.Column("child_id", sa.String(64), primary_key=True),
        *(sa.Column(c, sa.Text) for c in CHILD_COLUMNS[1:]),
        sa.Column(
            "source_sha256", sa.String(64), sa.ForeignKey("statutory_files.source_sha256"), nullable=False
        ),
    )
    for name, (_kind, _table, columns, _rename) in _specs().items():
        sa.Table(
            name,
            metadata,
            sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
            *(sa.Column(c, sa.Text, index=c == "child_id") for c in columns),
            sa.Column(
                "source_sha256", sa.String(64), sa.ForeignKey("statutory_files.source_sha256"), nullable=False
            ),
            sa.Column("source_row", sa.Integer),
        )
    metadata.create_all(conn)


@dataclass
class ImportOutcome:
    """What importing one file did: ``imported``, ``unchanged`` or ``refused``."""

    path: Path
    sha256: str
    status: str
    parsed: ParsedFile | None = None
    rows: dict[str, int] = field(default_factory=dict)  # store table -> rows written
    new_children: int = 0
    notes: list[str] = field(default_factory=list)


def _store_frame(frame: pd.DataFrame, columns: list[str], rename: dict[str, str]) -> pd.DataFrame:
    renamed = frame.rename(columns=rename)
    return renamed.reindex(columns=[*columns, "source_row"])


#: Rows written to the database at a time (and between progress reports).
INSERT_CHUNK = 20_000


def _column_values(series: pd.Series) -> list:
    """Return a column as Python values for the driver, None for empty or missing."""
    if series.name == "source_row":
        values = series.astype("Int64").astype(object)
        return values.where(values.notna(), None).tolist()
    values = series.astype(object)
    return values.where(series.notna() & (series != ""), None).tolist()


def _insert(
    conn: Connection, table: str, frame: pd.DataFrame, sha: str, on_rows: Callable[[int], None] | None = None
) -> int:
    """Insert ``frame`` into ``table`` a chunk at a time; ``on_rows`` hears each chunk's size."""
    if frame.empty:
        return 0
    columns = [*frame.columns, "source_sha256"]
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join([marker] * len(columns))})"  # noqa: S608
    # Column lists zipped into tuples: no per-row pandas work.
    rows = zip(*(_column_values(frame[c]) for c in frame.columns), itertools.repeat(sha))
    while chunk := list(itertools.islice(rows, INSERT_CHUNK)):
        conn.exec_driver_sql(sql, chunk)
        if on_rows:
            on_rows(len(chunk))
    return len(frame)


def import_statutory(
    store: Store,
    kind: str,
    paths: Sequence[Path],
    year: int | None = None,
    on_file: Callable[[ImportOutcome], None] | None = None,
    on_progress: OnProgress | None = None,
) -> list[ImportOutcome]:
    """Import statutory files of ``kind`` into ``store``: each file whole, or not at all.

    ``on_file`` hears each file's outcome; ``on_progress`` hears
    :class:`~workbench.progress.ImportProgress` events within each file: checking (a column at
    a time for SSDA903 CSV), then storing, a chunk of rows at a time.
    """
    specs = {name: spec for name, spec in _specs().items() if spec[0] == kind}
    by_parser_table = {spec[1]: (name, spec) for name, spec in specs.items()}
    outcomes = []
    for path in paths:
        sha = sha256_file(Path(path))
        with store.engine.connect() as conn:
            known = conn.execute(
                sa.text("SELECT 1 FROM statutory_files WHERE source_sha256 = :s"), {"s": sha}
            ).first()
        if known:
            outcome = ImportOutcome(Path(path), sha, "unchanged")
        else:
            on_step = None
            if on_progress:

                def on_step(done: int, total: int, path: Path = Path(path)) -> None:
                    on_progress(ImportProgress(path, CHECKING, done, total, "step"))

            parsed = check_files(kind, [Path(path)], year, on_step)[0]
            outcome = ImportOutcome(Path(path), sha, "refused" if is_refused(parsed) else "imported", parsed)
            if outcome.status == "imported":
                _write(store, outcome, by_parser_table, on_progress)
        outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    return outcomes


def _write(
    store: Store, outcome: ImportOutcome, by_parser_table: dict, on_progress: OnProgress | None = None
) -> None:
    parsed = outcome.parsed
    counts = parsed.counts()
    to_store = sum(len(frame) for table, frame in parsed.tables.items() if table in by_parser_table)
    stored = counter(outcome.path, STORING, to_store, "row", on_progress)
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO statutory_files (source_sha256, kind, file_name, collection_year, "
                "rows_accepted, rows_rejected, imported_at) "
                "VALUES (:sha, :kind, :name, :year, :acc, :rej, :at)"
            ),
            {"sha": outcome.sha256, "kind": parsed.kind, "name": parsed.path.name, "year": parsed.year,
             "acc": int(counts["accepted"].sum()), "rej": int(counts["rejected"].sum()),
             "at": datetime.now(UTC).isoformat(timespec="seconds")},
        )  # fmt: skip
        for table, frame in parsed.tables.items():
            if table not in by_parser_table:
                if len(frame):
                    raise ValueError(f"{parsed.path.name}: rows for {table!r}, which has no store table")
                continue
            name, (_kind, _table, columns, rename) = by_parser_table[table]
            extra = [
                c for c in frame.columns if c not in rename and c != "source_row" and c != "source_element"
            ]
            if extra and len(frame):
                outcome.notes.append(f"{table}: columns outside the format, not stored: {', '.join(extra)}")
            outcome.rows[name] = _insert(
                conn, name, _store_frame(frame, columns, rename), outcome.sha256, stored
            )
        named = _named_children(parsed, by_parser_table)
        outcome.new_children = _add_children(conn, parsed.children, named, outcome.sha256, parsed)


def _named_children(parsed: ParsedFile, by_parser_table: dict) -> set[str]:
    """Return every child id the file's stored rows name."""
    named: set[str] = set()
    for table, frame in parsed.tables.items():
        if table not in by_parser_table or not len(frame):
            continue
        _name, (_kind, _table, _columns, rename) = by_parser_table[table]
        source = next((c for c, target in rename.items() if target == "child_id"), None)
        if source in frame.columns:
            named.update(value for value in frame[source].tolist() if value)
    return named


def _add_children(
    conn: Connection, children: pd.DataFrame, named: set[str], sha: str, parsed: ParsedFile
) -> int:
    """Add children the store does not know yet, with the characteristics the file gives.

    A child first seen without (say) a sex gets it from a later file; what is known already
    is never overwritten, so the order files arrive in does not matter for known values. An
    extract child keeps the extract's characteristics. A child the file names without
    characteristics (``named``) is added bare. Returns how many children were added.
    """
    from workbench.store_children import ORIGINS

    origin = ORIGINS[parsed.kind]
    columns = list(CHILD_COLUMNS)
    if children is None or children.empty or "child_id" not in children.columns:
        frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    else:
        frame = children.drop_duplicates("child_id").reindex(columns=columns).astype(object)
        frame = frame.where(frame.notna() & (frame != ""), None)
        frame["disability"] = frame["disability"].map({"Y": True, "N": False}).astype(object)
        frame = frame.where(frame.notna(), None)
    frame = frame[frame["child_id"].notna()]
    bare = sorted(named - set(frame["child_id"]))
    if bare:
        frame = pd.concat([frame, pd.DataFrame({"child_id": bare})], ignore_index=True)
        frame = frame.astype(object).where(frame.notna(), None)
    rows = conn.exec_driver_sql("SELECT child_id, origin FROM children").fetchall()
    known = pd.DataFrame([tuple(row) for row in rows], columns=["child_id", "origin"])
    new = frame[~frame["child_id"].isin(known["child_id"])]
    seen = frame[frame["child_id"].isin(known.loc[known["origin"] != "extract", "child_id"])]
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    if len(new):
        conn.exec_driver_sql(
            f"INSERT INTO children ({', '.join(columns)}, origin, source_file, source_sha256) "  # noqa: S608
            f"VALUES ({', '.join([marker] * (len(columns) + 3))})",
            [(*row, origin, parsed.path.name, sha) for row in new.itertuples(index=False, name=None)],
        )
    if len(seen):
        fill = ", ".join(f"{c} = COALESCE({c}, {marker})" for c in columns[1:])
        conn.exec_driver_sql(
            f"UPDATE children SET {fill} WHERE child_id = {marker}",  # noqa: S608
            [(*row[1:], row[0]) for row in seen.itertuples(index=False, name=None)],
        )
    return len(new)
