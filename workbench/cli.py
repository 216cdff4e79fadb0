"""The ``workbench`` command line: make demo data, load extracts, inspect the store, serve dashboards.

Every command that touches the store takes ``--store URL`` (any SQLAlchemy URL); without it
the ``WORKBENCH_STORE`` environment variable, then ``data/workbench.sqlite``, is used.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import click
from tqdm import tqdm

from workbench.extract import LOAD_STEPS, ExtractError, load_extract, validate_extract
from workbench.extract_sources import IDENTITY, ExtractMapping, MappingError
from workbench.imports.checking import PARSERS, check_files, counts_frame, is_refused, rejections_frame
from workbench.service_outcomes import has_statutory_data
from workbench.serving import PROJECT_DIR, voila_command, voila_environment
from workbench.statutory_store import import_statutory
from workbench.store import ENV_VAR, Store, StoreError, absolute_store_url

store_option = click.option(
    "--store",
    "store",
    metavar="URL",
    default=None,
    help=f"SQLAlchemy URL of the store (default: ${ENV_VAR}, then sqlite:///data/workbench.sqlite).",
)


@click.group()
@click.version_option(package_name="outcome-workbench")
def main() -> None:
    """Outcome Workbench: outcome-focused practice improvement for children's services."""


@main.command("demo-data")
@click.option(
    "--size",
    type=click.Choice(["demo", "la-decade", "tiny"]),
    default="demo",
    show_default=True,
    help="demo: ~3,000 children. la-decade: ~100,000 (never commit).",
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
def demo_data(size: str, out: Path, seed: int) -> None:
    """Write a synthetic demo authority as an outcome extract."""
    from workbench.synth import generate_extract

    counts = generate_extract(out, size=size, seed=seed, progress=True)
    for name, count in counts.items():
        click.echo(f"{name:>24}  {count:>10,}")
    click.echo(f"Wrote the {size} extract to {out}")


mapping_option = click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="YAML column mapping from the authority's own export (see data/mappings/).",
)
problems_option = click.option(
    "--problems-csv",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="If the extract is refused, also write every problem to this CSV.",
)


#: What ``workbench check`` reads: the outcome extract and the statutory returns.
CHECK_KINDS = ["extract", *PARSERS]


def _check_statutory(kind: str, paths: tuple[Path, ...], year: int | None, problems_csv: Path | None) -> None:
    parsed = check_files(kind, paths, year)
    counts = counts_frame(parsed)
    click.echo(counts.to_string(index=False))
    rejections = rejections_frame(parsed)
    for line in [str(r) for p in parsed for r in p.rejections][:20]:
        click.echo(f"  - {line}")
    if len(rejections) > 20:
        click.echo(f"  ... and {len(rejections) - 20:,} more")
    if problems_csv is not None:
        rejections.to_csv(problems_csv, index=False)
        click.echo(f"Every rejection is listed in {problems_csv}")
    refused = [p.path.name for p in parsed if is_refused(p)]
    click.echo(
        f"{int(counts['accepted'].sum()):,} rows accepted, {int(counts['rejected'].sum()):,} rejected "
        f"from {len(parsed)} file(s)."
    )
    if refused:
        raise click.ClickException(f"refused, not {kind} files: {', '.join(refused)}")


def _mapping(path: Path | None) -> ExtractMapping:
    try:
        return ExtractMapping.load(path) if path else IDENTITY
    except MappingError as error:
        raise click.ClickException(str(error)) from error


def _refused(error: ExtractError, problems_csv: Path | None) -> click.ClickException:
    if problems_csv:
        error.to_frame().to_csv(problems_csv, index=False)
        click.echo(f"Every problem is listed in {problems_csv}", err=True)
    return click.ClickException(str(error))


@main.command()
@click.argument("extract_dir", type=click.Path(exists=True, path_type=Path))
@store_option
@mapping_option
@problems_option
def load(extract_dir: Path, store: str | None, mapping: Path | None, problems_csv: Path | None) -> None:
    """Validate EXTRACT_DIR (a folder of CSV files, or an XLSX workbook) and load it, all or nothing."""
    translation = _mapping(mapping)
    try:
        target = Store(store)
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Validating {extract_dir} ...")
    bar = tqdm(total=LOAD_STEPS, unit="step", desc="Loading", disable=None)

    def on_step(step: str) -> None:
        bar.set_postfix_str(step)
        bar.update(1)

    try:
        result = load_extract(target, extract_dir, on_step=on_step, mapping=translation)
    except ExtractError as error:
        bar.close()
        raise _refused(error, problems_csv) from error
    bar.close()
    if result.status == "unchanged":
        click.echo(
            f"This extract (fingerprint {result.fingerprint[:12]}) is already loaded; nothing changed."
        )
    else:
        total = sum(result.rows.values())
        click.echo(f"Loaded {total:,} rows from {extract_dir} into {target}.")


@main.command()
@click.argument("kind", type=click.Choice(CHECK_KINDS))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@mapping_option
@click.option(
    "--year",
    type=int,
    default=None,
    help="Collection year of a statutory return (code lists change by year).",
)
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
        extract = validate_extract(paths[0], mapping=_mapping(mapping))
    except ExtractError as error:
        raise _refused(error, problems_csv) from error
    for name, count in extract.row_counts().items():
        click.echo(f"{name:>24}  {count:>10,}")
    unusual = {f: e for f, e in extract.encodings.items() if e != "utf-8-sig"}
    for name, encoding in unusual.items():
        click.echo(f"{name} was read as {encoding} (not UTF-8).")
    click.echo(f"{paths[0]} is a valid extract: {sum(extract.row_counts().values()):,} rows, no problems.")


@main.command("import")
@click.argument("kind", type=click.Choice(CHECK_KINDS))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@store_option
@mapping_option
@click.option(
    "--year",
    type=int,
    default=None,
    help="Collection year of a statutory return (code lists change by year).",
)
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
    bar = tqdm(total=len(paths), unit="file", desc=f"Importing {kind}", disable=None)

    def on_file(outcome) -> None:
        bar.set_postfix_str(f"{outcome.path.name}: {outcome.status}")
        bar.update(1)

    outcomes = import_statutory(target, kind, paths, year, on_file)
    bar.close()
    parsed = [o.parsed for o in outcomes if o.parsed is not None]
    if problems_csv is not None and parsed:
        rejections_frame(parsed).to_csv(problems_csv, index=False)
        click.echo(f"Every rejection is listed in {problems_csv}")
    for outcome in outcomes:
        counts = outcome.parsed.counts() if outcome.parsed else None
        rejected = int(counts["rejected"].sum()) if counts is not None else 0
        detail = {
            "imported": f"{sum(outcome.rows.values()):,} rows stored, {rejected:,} rejected, "
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


@main.command()
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
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"Store: {summary['store']}  (schema version {summary['schema_version']})")
    for name, count in counts.items():
        click.echo(f"{name:>24}  {count:>10,}")
    if latest:
        click.echo(f"Last load: {latest['source']} at {latest['loaded_at']}")
    else:
        click.echo("Nothing loaded yet: run `workbench load data/demo`.")


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=PROJECT_DIR / "docs" / "data-dictionary.md",
    show_default=True,
)
def dictionary(out: Path) -> None:
    """Regenerate the data dictionary from the model and the code lists."""
    from workbench.dictionary import render_data_dictionary

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_data_dictionary(), encoding="utf-8")
    click.echo(f"Wrote {out}")


@main.command()
@store_option
@click.option("--port", type=int, default=8866, show_default=True)
@click.option(
    "--ip",
    default="127.0.0.1",
    show_default=True,
    help="Bind address. Keep loopback unless behind an authenticating proxy.",
)
@click.option(
    "--preheat/--no-preheat",
    default=True,
    show_default=True,
    help="Run each dashboard once in a waiting kernel, so the first viewer waits less.",
)
def serve(store: str | None, port: int, ip: str, preheat: bool) -> None:
    """Serve the dashboards with standalone Voila (tracebacks hidden, offline template)."""
    url = absolute_store_url(store)
    try:
        counts = Store(url).row_counts()
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    if not counts["outcomes"]:
        raise click.ClickException(
            f"the store {url} holds no outcomes; load an extract first: workbench load data/demo"
        )
    click.echo(f"Serving the dashboards at http://{ip}:{port}/ (Ctrl+C to stop)")
    click.echo(f"  Service overview: http://{ip}:{port}/voila/render/service-overview.ipynb")
    try:
        command = voila_command(port=port, ip=ip, preheat=preheat)
        subprocess.run(command, env=voila_environment(url), check=False)
    except KeyboardInterrupt:
        click.echo("Stopped.")


@main.command()
@click.option(
    "--at",
    "at",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2026-03-31",
    show_default=True,
    help="The date D the figures are at (YYYY-MM-DD).",
)
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--by",
    "by",
    metavar="COLUMN",
    default=None,
    help="Group each figure by locality, team_id, worker_id, plan_type, domain, age_band, sex, "
    "ethnicity, disability or meeting_type. Measures it does not apply to are left out.",
)
@click.option(
    "--evidence-threshold",
    default="level_3",
    show_default=True,
    help="The lowest evidence level that counts as evidence-informed (data/codes/evidence_levels.csv).",
)
def measures(at, store: str | None, as_json: bool, by: str | None, evidence_threshold: str) -> None:
    """Print every headline measure for the service at D, with numerator, denominator and value."""
    from workbench.measures import MEASURES, UNIT_COLUMNS, ServiceData, headline_measures

    groupings = sorted({name for columns in UNIT_COLUMNS.values() for name in columns})
    if by is not None and by not in groupings:
        raise click.ClickException(
            f"no measure can be grouped by {by!r}; choose one of {', '.join(groupings)}"
        )
    try:
        target = Store(store)
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    if not target.row_counts()["children"]:
        raise click.ClickException(
            f"the store {target} holds no children; load an extract first: workbench load data/demo"
        )
    day = at.date()
    try:
        table = headline_measures(ServiceData(target), day, by=by, evidence_threshold=evidence_threshold)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    skipped = table.attrs.get("not_applicable", [])
    records = []
    for row in table.to_dict("records"):
        share = MEASURES[row["measure"]].unit == "share"
        record = {"measure": row["measure"], "title": row["title"]}
        if by is not None:
            record[by] = None if _is_missing(row[by]) else _plain_value(row[by])
        record["numerator"] = int(row["numerator"]) if share else float(row["numerator"])
        record["denominator"] = int(row["denominator"])
        record["value"] = None if _is_missing(row["value"]) else float(row["value"])
        record["at"] = day.isoformat()
        records.append(record)
    if by is None and has_statutory_data(target):
        # Service-level outcomes, where statutory returns have been imported.
        from workbench.service_outcomes import TITLES, service_outcomes

        for row in service_outcomes(target, day).to_dict("records"):
            value = None if _is_missing(row["value"]) else float(row["value"])
            title = f"{TITLES[row['measure']]} (statutory returns)"
            records.append(
                {"measure": row["measure"], "title": title, "numerator": int(row["numerator"]),
                 "denominator": int(row["denominator"]), "value": value, "at": day.isoformat()}
            )  # fmt: skip
    if as_json:
        click.echo(json.dumps(records, indent=2))
    else:
        _print_measures(records, by, day)
    if skipped:
        click.echo(f"Not grouped by {by} (it does not apply): {', '.join(skipped)}", err=True)


def _is_missing(value) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _plain_value(value):
    """Return a JSON-friendly Python value for a group label (numpy bools become bools)."""
    return value.item() if hasattr(value, "item") else value


def _print_measures(records: list[dict], by: str | None, day) -> None:
    from workbench.measures import MEASURES

    scope = f"by {by}" if by else "for the whole service"
    click.echo(f"Headline measures at {day.isoformat()} {scope} (DESIGN.md section 4)")
    label = by or ""
    header = f"{'measure':<36}" + (f"{label:<16}" if by else "")
    click.echo(f"{header}{'numerator':>12}{'denominator':>13}{'value':>9}  title")
    for record in records:
        unit = MEASURES[record["measure"]].unit if record["measure"] in MEASURES else "share"
        value = record["value"]
        if value is None:
            shown = "-"  # a share over nobody is empty, never 0%
        elif unit == "share":
            shown = f"{value:.1%}"
        else:
            shown = f"{value:+.2f}"
        numerator = f"{record['numerator']:,}" if unit == "share" else f"{record['numerator']:,.1f}"
        group = f"{'(none)' if record.get(by) is None else record[by]!s:<16}" if by else ""
        click.echo(
            f"{record['measure']:<36}{group}{numerator:>12}{record['denominator']:>13,}{shown:>9}  "
            f"{record['title']}"
        )


# --- Supervision and appraisal packs (issue 7) -------------------------------------------------


@main.command()
@click.argument("kind", type=click.Choice(["supervision", "appraisal"]))
@click.option("--worker", "worker", metavar="ID", default=None, help="One worker (internal by default).")
@click.option(
    "--team", "team", metavar="ID", default=None, help="Every worker of a team with a caseload at D."
)
@click.option("--all", "everyone", is_flag=True, help="Every worker with a caseload at D.")
@click.option("--at", "at", type=click.DateTime(["%Y-%m-%d"]), required=True, help="The date D (YYYY-MM-DD).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write pages into.",
)
@click.option(
    "--audience",
    type=click.Choice(["internal", "shared"]),
    default=None,
    help="internal: the worker's own children by id. shared: disclosure control (DESIGN.md section 7). "
    "Default: internal for --worker, shared for --team and --all.",
)
@click.option("--pdf", is_flag=True, help="Also print each page to PDF with headless Chromium.")
@click.option(
    "--processes", type=click.IntRange(1, 2), default=1, show_default=True, help="Render in parallel."
)
@store_option
def publish(kind, worker, team, everyone, at, out, audience, pdf, processes, store) -> None:
    """Write one self-contained, offline HTML page per worker: supervision or appraisal packs."""
    from workbench.publishing import PublishError
    from workbench.publishing import publish as publish_packs

    try:
        written = publish_packs(
            Store(store), kind, at.date(), out, worker=worker, team=team, everyone=everyone,
            audience=audience, pdf=pdf, processes=processes,
        )  # fmt: skip
    except (PublishError, StoreError) as error:
        raise click.ClickException(str(error)) from error
    pages = [p for p in written if p.suffix == ".html"]
    chosen = audience or ("internal" if worker else "shared")
    pdfs = f" and {len(written) - len(pages)} PDF(s)" if pdf else ""
    click.echo(f"Wrote {len(pages)} {chosen} {kind} page(s) to {out}{pdfs}")


if __name__ == "__main__":  # pragma: no cover
    main()
