"""Commands that bring data in and describe it: demo-data, check, load, import, info and dictionary."""

from __future__ import annotations

import json
from pathlib import Path

import click
from tqdm import tqdm

from workbench.cli.options import (
    mapping_option,
    problems_option,
    read_mapping,
    refused_error,
    store_option,
    year_option,
)
from workbench.cli.serving import PROJECT_DIR
from workbench.core.progress import ImportProgress
from workbench.core.provenance import AS_AT_FILE, AsAtError
from workbench.imports.checking import (
    PARSERS,
    check_files,
    check_report,
    counts_frame,
    is_refused,
    rejections_frame,
)
from workbench.imports.extract import Extract, ExtractError, problems_frame, validate_extract
from workbench.imports.problems import notice_lines
from workbench.measures import service_figures  # noqa: F401 - every snapshot a load writes keeps the service's figures
from workbench.states import STATES, TABLE_GROUPS
from workbench.store.engine import Store, StoreError
from workbench.store.loading import import_statutory, load_extract
from workbench.synth import WINDOW_END


@click.command("demo-data")
@click.option(
    "--size",
    type=click.Choice(["demo", "la-decade", "tiny", "region", "tiny-region"]),
    default="demo",
    show_default=True,
    help="demo: ~3,000 children. la-decade: ~100,000 (never commit). region: 15 authorities pooled, "
    "~1,500,000 children, ids suffixed with the authority (-A01...; about 9 GB, never commit). "
    "tiny-region: 3 tiny authorities pooled, for tests.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the extract's CSV tables into.",
)
@click.option(
    "--seed", type=int, default=2026, show_default=True, help="The same seed gives byte-identical files."
)
@click.option(
    "--state",
    type=click.Choice(list(STATES)),
    default=None,
    help="Write a partial extract, as a real authority's may be (e.g. no-audits, one-locality).",
)
@click.option(
    "--without",
    default="",
    help=f"Comma-separated tables to leave empty (header only): {', '.join(TABLE_GROUPS)}.",
)
@click.option(
    "--shape",
    type=click.Choice(["extract", "mosaic-forms"]),
    default="extract",
    show_default=True,
    help="mosaic-forms: meetings, outcomes and reviews as one long form_answers.csv, one row per "
    "question answered, as Mosaic reports them (load with --mapping data/mappings/mosaic-forms.yaml).",
)
@click.option(
    "--as-at",
    "as_at",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The extract's own date, written to as_at.txt (default: the demo's last day, "
    f"{WINDOW_END.isoformat()}).",
)
def demo_data(
    size: str, out: Path, seed: int, state: str | None, without: str, shape: str, as_at=None
) -> None:
    """Write a synthetic demo authority as an outcome extract, whole or in a partial state.

    With ``--shape mosaic-forms`` it is written as a case-recording system exports it: the
    meetings, outcomes and reviews as form answers (see docs/mosaic-forms.md).
    """
    from workbench.shapes import write_form_answer_export
    from workbench.states import unknown_groups, write_partial_extract
    from workbench.synth import generate_extract

    left_out = tuple(name.strip() for name in without.split(",") if name.strip())
    if unknown_groups(left_out):
        raise click.BadParameter(
            f"no such tables: {', '.join(unknown_groups(left_out))}; choose from {', '.join(TABLE_GROUPS)}",
            param_hint="--without",
        )
    counts = generate_extract(out, size=size, seed=seed, progress=True)
    if state or left_out:
        counts = write_partial_extract(out, out, STATES.get(state), left_out)
    if shape == "mosaic-forms":
        counts = write_form_answer_export(out, out)
    day = as_at.date() if as_at else WINDOW_END
    (out / AS_AT_FILE).write_text(f"{day.isoformat()}\n", encoding="utf-8")
    for name, count in counts.items():
        click.echo(f"{name:>24}  {count:>10,}")
    click.echo(f"{AS_AT_FILE:>24}  {day.isoformat():>10}")
    described = f" ({STATES[state].description})" if state else ""
    emptied = f", without {', '.join(left_out)}" if left_out else ""
    shaped = " as Mosaic form answers" if shape == "mosaic-forms" else ""
    click.echo(f"Wrote the {size} extract{described}{emptied}{shaped} to {out}")


#: What ``workbench check`` reads: the outcome extract and the statutory returns.
CHECK_KINDS = ["extract", *PARSERS]


def _check_statutory(kind: str, paths: tuple[Path, ...], year: int | None, problems_csv: Path | None) -> None:
    parsed = check_files(kind, paths, year)
    counts = counts_frame(parsed)
    for line in check_report(parsed):
        click.echo(line)
    click.echo("Rows per table:")
    click.echo(counts.to_string(index=False))
    if problems_csv is not None:
        rejections_frame(parsed).to_csv(problems_csv, index=False)
        click.echo(f"Every rejected row, blanked value and note is listed in {problems_csv}")
    refused = [p.path.name for p in parsed if is_refused(p)]
    blanked = sum(len(p.blanked) for p in parsed)
    click.echo(
        f"{int(counts['accepted'].sum()):,} rows accepted, {int(counts['rejected'].sum()):,} rejected "
        f"from {len(parsed)} file(s); {blanked:,} value(s) blanked in rows that were kept."
    )
    if refused:
        raise click.ClickException(f"refused, not {kind} files: {', '.join(refused)}")


class ProgressBars:
    """Draw import progress as tqdm bars: one per file and stage, by steps then by rows.

    Quiet when the output is not a terminal (tqdm's ``disable=None``), as every bar here is.
    """

    def __init__(self, files: int = 1) -> None:
        self.files, self.finished = files, 0
        self.bar: tqdm | None = None
        self.current: tuple[Path, str] | None = None

    def __call__(self, event: ImportProgress) -> None:
        """Show ``event``: a new bar when the file or stage changes, else move the bar on."""
        if (event.path, event.stage) != self.current:
            self.close()
            which = f"[{self.finished + 1}/{self.files}] " if self.files > 1 else ""
            self.bar = tqdm(total=event.total, unit=event.unit, unit_scale=event.unit == "row",
                            desc=f"{which}{event.path.name}: {event.stage}", disable=None)  # fmt: skip
            self.current = (event.path, event.stage)
        self.bar.update(event.done - self.bar.n)

    def note(self, text: str) -> None:
        """Show a short note beside the bar."""
        if self.bar is not None:
            self.bar.set_postfix_str(text)

    def file_done(self, text: str) -> None:
        """Count a file as finished."""
        self.note(text)
        self.finished += 1

    def close(self) -> None:
        """Close the bar on screen, if any."""
        if self.bar is not None:
            self.bar.close()
        self.bar, self.current = None, None


@click.command()
@click.argument("extract_dir", type=click.Path(exists=True, path_type=Path))
@store_option
@mapping_option
@problems_option
@click.option(
    "--as-at",
    "as_at",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The date the extract describes (YYYY-MM-DD). Default: the date in the folder's "
    "as_at.txt, else the day of its latest dated record.",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Mark the store as the synthetic demo, so `workbench serve` may show it with the demo "
    "identities (data/demo-identities.yaml). Never use it for a real authority's extract.",
)
def load(
    extract_dir: Path,
    store: str | None,
    mapping: Path | None,
    problems_csv: Path | None,
    as_at=None,
    demo: bool = False,
) -> None:
    """Validate EXTRACT_DIR (a folder of CSV files, or an XLSX workbook) and load it, all or nothing.

    The load records the data's date ("as at"), which every page and command counts from.
    """
    translation = read_mapping(mapping)
    try:
        target = Store(store)
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Validating {extract_dir} ...")
    bars = ProgressBars()

    def on_step(step: str) -> None:
        bars.note(step)

    try:
        result = load_extract(
            target,
            extract_dir,
            on_step=on_step,
            mapping=translation,
            on_progress=bars,
            as_at=as_at.date() if as_at else None,
        )
    except ExtractError as error:
        bars.close()
        raise refused_error(error, problems_csv) from error
    except AsAtError as error:
        bars.close()
        raise click.ClickException(f"refused, nothing was loaded: {error}") from error
    bars.close()
    if result.notices:
        click.echo("Read with a note, or blanked (the rows were kept):")
        for line in notice_lines(list(result.notices)):
            click.echo(line)
    if problems_csv is not None and result.notices:
        problems_frame(list(result.notices)).to_csv(problems_csv, index=False)
        click.echo(f"Every note and blanked value is listed in {problems_csv}")
    _say_loaded(result, extract_dir, target)
    if demo:
        target.mark_demo()
        click.echo("Marked the store as the demo: `workbench serve` may show it with the demo identities.")


def _say_loaded(result, extract_dir: Path, target: Store) -> None:
    """Say what a load did: rows loaded (or nothing changed) and the data's date."""
    if result.status == "unchanged":
        click.echo(
            f"This extract (fingerprint {result.fingerprint[:12]}) is already loaded; nothing changed."
        )
    else:
        total = sum(result.rows.values())
        click.echo(f"Loaded {total:,} rows from {extract_dir} into {target}.")
    if result.as_at is not None:
        click.echo(f"The data's date: {result.as_at.isoformat()} ({result.as_at_basis}).")


@click.command()
@click.argument("kind", type=click.Choice(CHECK_KINDS))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@mapping_option
@year_option
@problems_option
def check(
    kind: str, paths: tuple[Path, ...], mapping: Path | None, year: int | None, problems_csv: Path | None
) -> None:
    """Validate files of KIND without loading them: rows read, accepted and rejected, and why.

    KIND is ``extract`` (a folder of CSV files or an XLSX workbook, optionally through
    ``--mapping``) or a statutory return: ``ssda903`` CSV or XML files, ``cin`` census XML,
    ``annex-a`` workbooks. A statutory file's good rows are accepted and its bad rows rejected
    with their reasons; a file that is not of the kind at all is refused (exit status 1).
    """
    if kind != "extract":
        _check_statutory(kind, paths, year, problems_csv)
        return
    if len(paths) != 1:
        raise click.UsageError("check extract takes one folder or workbook")
    try:
        extract = validate_extract(paths[0], mapping=read_mapping(mapping))
    except ExtractError as error:
        raise refused_error(error, problems_csv) from error
    for name, count in extract.row_counts().items():
        click.echo(f"{name:>24}  {count:>10,}")
    unusual = {f: e for f, e in extract.encodings.items() if e != "utf-8-sig"}
    for name, encoding in unusual.items():
        click.echo(f"{name} was read as {encoding} (not UTF-8).")
    _echo_notices(extract, problems_csv)
    click.echo(f"{paths[0]} is a valid extract: {sum(extract.row_counts().values()):,} rows, no problems.")


def _echo_notices(extract: Extract, problems_csv: Path | None) -> None:
    """Show what was read with a note or blanked, and list it in the problems CSV if asked."""
    if extract.notices:
        click.echo("Read with a note, or blanked (the rows were kept):")
        for line in extract.notice_lines():
            click.echo(line)
    if problems_csv is not None:
        problems_frame(extract.notices).to_csv(problems_csv, index=False)
        click.echo(f"Every note and blanked value is listed in {problems_csv}")


@click.command("import")
@click.argument("kind", type=click.Choice(CHECK_KINDS))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@store_option
@mapping_option
@year_option
@problems_option
def import_files(
    kind: str,
    paths: tuple[Path, ...],
    store: str | None,
    mapping: Path | None,
    year: int | None,
    problems_csv: Path | None,
) -> None:
    """Import files of KIND into the store: an extract, or statutory returns file by file.

    Each statutory file imports whole or not at all, with its good rows (each keeping its
    file's sha256 and its row) and a report of the rejected ones; a file imported before
    changes nothing. ``import extract PATH`` is ``load PATH``.
    """
    if kind == "extract":
        if len(paths) != 1:
            raise click.UsageError("import extract takes one folder or workbook")
        click.get_current_context().invoke(load, extract_dir=paths[0], store=store, mapping=mapping,
                                           problems_csv=problems_csv)  # fmt: skip
        return
    try:
        target = Store(store)
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    bars = ProgressBars(files=len(paths))

    def on_file(outcome) -> None:
        bars.file_done(f"{outcome.path.name}: {outcome.status}")

    outcomes = import_statutory(target, kind, paths, year, on_file, on_progress=bars)
    bars.close()
    parsed = [o.parsed for o in outcomes if o.parsed is not None]
    if problems_csv is not None and parsed:
        rejections_frame(parsed).to_csv(problems_csv, index=False)
        click.echo(f"Every rejected row, blanked value and note is listed in {problems_csv}")
    for outcome in outcomes:
        counts = outcome.parsed.counts() if outcome.parsed else None
        rejected = int(counts["rejected"].sum()) if counts is not None else 0
        blanked = len(outcome.parsed.blanked) if outcome.parsed else 0
        blanked_part = f"{blanked:,} value(s) blanked in rows kept, " if blanked else ""
        detail = {
            "imported": f"{sum(outcome.rows.values()):,} rows stored, {rejected:,} rejected, {blanked_part}"
            f"{outcome.new_children:,} children new to the store",
            "unchanged": "imported before; nothing changed",
            "refused": "; ".join(str(r) for r in outcome.parsed.rejections) if outcome.parsed else "",
        }[outcome.status]
        click.echo(f"{outcome.path.name}: {outcome.status}: {detail}")
        for note in outcome.notes:
            click.echo(f"  note: {note}")
    refused = [o.path.name for o in outcomes if o.status == "refused"]
    if refused:
        raise click.ClickException(
            f"refused, not {kind} files (nothing from them was stored): {', '.join(refused)}"
        )


def _iso(value) -> str | None:
    """Return a stored date (a date or ISO text) as ``YYYY-MM-DD``, None for none."""
    return None if value is None else str(value)[:10]


@click.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def info(store: str | None, as_json: bool) -> None:
    """Print the schema version and the row count of every table."""
    try:
        target = Store(store)
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    counts = target.row_counts()
    latest = target.latest_load()
    summary = {
        "store": repr(target),
        "schema_version": target.schema_version(),
        "tables": counts,
        "last_load": {k: latest[k] for k in ("fingerprint", "source", "loaded_at")} if latest else None,
        "as_at": _iso(latest.get("as_at")) if latest else None,
        "as_at_basis": latest.get("as_at_basis") if latest else None,
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"Store: {summary['store']}  (schema version {summary['schema_version']})")
    for name, count in counts.items():
        click.echo(f"{name:>24}  {count:>10,}")
    if latest:
        click.echo(f"Last load: {latest['source']} at {latest['loaded_at']}")
        if summary["as_at"]:
            click.echo(f"The data's date: {summary['as_at']} ({summary['as_at_basis']})")
    else:
        click.echo("Nothing loaded yet: run `workbench load data/demo --demo`.")


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=PROJECT_DIR / "docs" / "data-dictionary.md",
    show_default=True,
)
def dictionary(out: Path) -> None:
    """Regenerate the data dictionary from the model and the code lists."""
    from workbench.cli.dictionary import render_data_dictionary

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_data_dictionary(), encoding="utf-8")
    click.echo(f"Wrote {out}")
