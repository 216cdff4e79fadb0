"""Loading checked files into the store: the outcome extract and the statutory returns.

Each load is all or nothing, and a file loaded before changes nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.core.model import EXTRACT_TABLES
from workbench.core.progress import CHECKING, STORING, ImportProgress, OnProgress, counter
from workbench.core.provenance import own_date, sha256_file
from workbench.imports.checking import check_files, is_refused
from workbench.imports.extract_stream import CHUNK_ROWS, ExtractStream, estimate_rows
from workbench.imports.problems import Problem
from workbench.imports.report import ParsedFile
from workbench.imports.sources import (
    IDENTITY,
    ExtractMapping,
)
from workbench.store.children import ORIGINS
from workbench.store.engine import Store
from workbench.store.snapshot import write_snapshot_after_load
from workbench.store.statutory_tables import CHILD_COLUMNS, statutory_specs


@dataclass(frozen=True)
class LoadResult:
    """What a load did: ``loaded`` or ``unchanged`` (the same extract was already loaded)."""

    status: str
    fingerprint: str
    rows: dict[str, int]
    #: What was loaded with a note (a header below a title) or blanked: reported, never silent.
    notices: tuple[Problem, ...] = ()
    #: The date the extract describes, and how it was known (see ``extract_as_at``).
    as_at: date | None = None
    as_at_basis: str | None = None


#: Steps :func:`load_extract` reports: each table checked, then each table written.
LOAD_STEPS = 2 * len(EXTRACT_TABLES)


def load_extract(
    store: Store,
    folder: Path,
    *,
    on_step: Callable[[str], None] | None = None,
    mapping: ExtractMapping = IDENTITY,
    on_progress: OnProgress | None = None,
    as_at: date | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> LoadResult:
    """Validate the extract in ``folder`` and load it into ``store``, all or nothing.

    A valid extract replaces the store's extract tables in one transaction. Loading the
    extract that was loaded last changes nothing and returns status ``unchanged``.
    ``on_step`` is called for each of :data:`LOAD_STEPS` steps, for a progress bar;
    ``mapping`` translates an authority's own columns (see ``workbench.imports.sources``).
    ``on_progress`` hears :class:`~workbench.core.progress.ImportProgress` events: each table
    checked, then the rows as they are written, a chunk at a time.

    The extract is read, checked and written a chunk of ``chunk_rows`` records at a time
    (:class:`~workbench.imports.extract_stream.ExtractStream`), inside one transaction: memory
    stays bounded at any size, and a problem anywhere still leaves the store as it was.

    The load records the date the extract describes: ``as_at`` if given, else the date in the
    folder's ``as_at.txt``, else the day of its latest dated record. The same files with
    another own date are another load.
    """
    folder = Path(folder)
    checked = counter(folder, CHECKING, len(EXTRACT_TABLES), "step", on_progress)

    def step(text: str) -> None:
        if on_step:
            on_step(text)
        checked(1)

    if as_at is None:
        own_date(folder)  # an unreadable as_at.txt is refused before anything is read
    stream = ExtractStream(folder, mapping, step, chunk_rows=chunk_rows)
    latest = store.latest_load()
    if latest and latest["fingerprint"] == stream.fingerprint:
        stream.check_only()  # the same files: still checked, and their date worked out
        day, basis = stream.as_at(as_at)
        if _same_day(latest.get("as_at"), day):
            return LoadResult(
                "unchanged", stream.fingerprint, stream.row_counts(), tuple(stream.notices), day, basis
            )
        stream = ExtractStream(folder, mapping, chunk_rows=chunk_rows)  # the same files, another date
    stored = counter(folder, STORING, estimate_rows(folder, mapping), "row", on_progress)

    def dated() -> tuple[date | None, str | None]:
        stream.finish()  # every row read: a problem anywhere undoes the whole transaction
        return stream.as_at(as_at)

    write_stream(
        store,
        stream,
        folder,
        as_at=dated,
        on_table=(lambda name, count: on_step(f"wrote {name}: {count:,} rows")) if on_step else None,
        on_rows=stored if on_progress else None,
    )
    day, basis = stream.as_at(as_at)
    return LoadResult("loaded", stream.fingerprint, stream.row_counts(), tuple(stream.notices), day, basis)


def write_stream(store: Store, stream: ExtractStream, folder: Path, **write) -> None:
    """Write a checked stream into the store in one transaction, then the store's snapshot.

    ``write`` goes to :meth:`Store.replace_extract` (the as-at, progress and refresh hooks). A
    key repeated across chunks, met first by the store's own constraint, is reported as the
    extract's checks report it. Load and refresh both write through here.
    """
    try:
        store.replace_extract(
            {spec.name: stream.rows(spec) for spec in EXTRACT_TABLES},
            fingerprint=stream.fingerprint,
            source=str(folder.resolve()),
            **write,
        )
    except sa.exc.IntegrityError as error:
        stream.explain(error)  # a key repeated across chunks: the whole report, as a check makes it
    write_snapshot_after_load(store)  # the columnar copy every viewer's kernel reads (issue 16)


def _same_day(stored, day: date | None) -> bool:
    """Return whether a stored as-at (a date, ISO text or None) is ``day``."""
    if stored is None or day is None:
        return stored is None and day is None
    return str(stored)[:10] == day.isoformat()


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
    :class:`~workbench.core.progress.ImportProgress` events within each file: checking (a column at
    a time for SSDA903 CSV), then storing, a chunk of rows at a time.
    """
    specs = {name: spec for name, spec in statutory_specs().items() if spec[0] == kind}
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
