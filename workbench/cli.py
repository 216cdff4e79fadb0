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

from workbench.extract import ExtractError, load_extract, validate_extract
from workbench.extract_sources import IDENTITY, ExtractMapping, MappingError
from workbench.imports.checking import PARSERS, check_files, counts_frame, is_refused, rejections_frame
from workbench.progress import ImportProgress
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
    bars = ProgressBars()

    def on_step(step: str) -> None:
        bars.note(step)

    try:
        result = load_extract(target, extract_dir, on_step=on_step, mapping=translation, on_progress=bars)
    except ExtractError as error:
        bars.close()
        raise _refused(error, problems_csv) from error
    bars.close()
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
    bars = ProgressBars(files=len(paths))

    def on_file(outcome) -> None:
        bars.file_done(f"{outcome.path.name}: {outcome.status}")

    outcomes = import_statutory(target, kind, paths, year, on_file, on_progress=bars)
    bars.close()
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
@click.option(
    "--trust-proxy-header",
    metavar="NAME",
    default=None,
    help="Take the viewer's user name from this request header (e.g. X-Workbench-User), set by an "
    "authenticating proxy that strips any copy from the client. Needs --identity-file.",
)
@click.option(
    "--identity-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="YAML file mapping user names to roles (docs/deploy.md); turns the demo identities off.",
)
@click.option(
    "--demo-user",
    metavar="USER",
    default=None,
    help="View the demo as this user from data/demo-identities.yaml (default: demo-head-of-pi).",
)
def serve(
    store: str | None,
    port: int,
    ip: str,
    preheat: bool,
    trust_proxy_header: str | None = None,
    identity_file: Path | None = None,
    demo_user: str | None = None,
) -> None:
    """Serve the dashboards with standalone Voila (tracebacks hidden, offline template)."""
    from workbench.serving import identity_environment

    if trust_proxy_header and identity_file is None:
        raise click.ClickException("--trust-proxy-header needs --identity-file to map users to roles")
    if demo_user and (identity_file or trust_proxy_header):
        raise click.ClickException(
            "--demo-user is for the demo; a deployment takes users from its identity file"
        )
    if ip not in ("127.0.0.1", "localhost", "::1") and not trust_proxy_header:
        raise click.ClickException(
            f"refusing to listen on {ip} without an authenticating proxy: use --trust-proxy-header "
            "and --identity-file (docs/deploy.md), or keep the loopback address"
        )
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
    click.echo(f"  Team lead:        http://{ip}:{port}/voila/render/team-lead.ipynb")
    if not (identity_file or trust_proxy_header):
        click.echo(f"  Viewing as the demo user {demo_user or 'demo-head-of-pi'} (data/demo-identities.yaml)")
    try:
        command = voila_command(port=port, ip=ip, preheat=preheat, trust_proxy_header=trust_proxy_header)
        env = identity_environment(
            voila_environment(url),
            trust_proxy_header=trust_proxy_header,
            identity_file=identity_file,
            demo_user=demo_user,
        )
        subprocess.run(command, env=env, check=False)
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
@click.option(
    "--as",
    "as_user",
    metavar="USER",
    default=None,
    help="Only what USER may see: their role's scope, from $WORKBENCH_IDENTITY_FILE "
    "(or data/demo-identities.yaml when it is unset).",
)
@click.option(
    "--team", "team_id", metavar="TEAM_ID", default=None, help="Only children allocated to this team at D."
)
@click.option(
    "--worker", "worker_id", metavar="WORKER_ID", default=None, help="Only this worker's caseload at D."
)
@click.option(
    "--service", "service", metavar="SERVICE", default=None, help="Only teams of this service (cla, cp, ...)."
)
@click.option("--locality", "locality", default=None, help="Only children living in this locality.")
@click.option("--plan-type", "plan_type", default=None, help="Only this plan type (cla, cp, cin, ...).")
@click.option("--domain", "domain", default=None, help="Only outcomes in this domain.")
def measures(
    at,
    store: str | None,
    as_json: bool,
    by: str | None,
    evidence_threshold: str,
    as_user: str | None = None,
    **filter_values: str | None,
) -> None:
    """Print every headline measure for the service at D, with numerator, denominator and value.

    ``--as USER`` gives the figures USER's dashboards show: their scope, narrowed by any
    other filter (a filter outside the scope is refused).
    """
    from workbench.measures import MEASURES, UNIT_COLUMNS, Filters, ServiceData, headline_measures

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
    data = ServiceData(target)
    try:
        filters = Filters(**filter_values)
        if as_user is not None:
            filters = _scope_of_user(as_user, data, day).restrict(filters)
        table = headline_measures(data, day, filters, by=by, evidence_threshold=evidence_threshold)
    except (ValueError, PermissionError) as error:
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
    if by is None and not filters.active() and has_statutory_data(target):
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
        if filters.active():
            chosen = ", ".join(f"{name}={value}" for name, value in filters.active().items())
            click.echo(f"Only: {chosen}" + (f" (the scope of {as_user})" if as_user else ""))
        _print_measures(records, by, day, scoped=bool(filters.active()))
    if skipped:
        click.echo(f"Not grouped by {by} (it does not apply): {', '.join(skipped)}", err=True)


def _is_missing(value) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _plain_value(value):
    """Return a JSON-friendly Python value for a group label (numpy bools become bools)."""
    return value.item() if hasattr(value, "item") else value


def _print_measures(records: list[dict], by: str | None, day, scoped: bool = False) -> None:
    from workbench.measures import MEASURES

    scope = f"by {by}" if by else ("for the children above" if scoped else "for the whole service")
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


# ---------------------------------------------------------------------------------------------
# Outcome statements (issue 8): read each statement of a CSV column.


@main.command("statements")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--column", "column", default="statement", show_default=True, help="The column of statements.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON array: one object per row, in input order."
)
def statements_command(path: Path, column: str, as_json: bool) -> None:
    """Read the outcome statements in a CSV: outcome or process, clear or vague, voice, jargon, flags.

    Each row gives kind, clarity (null for a process), voice, jargon, flags (each with an
    explanation and a coaching prompt) and an explanation of what triggered the reading.
    """
    from workbench.extract_sources import read_text_csv
    from workbench.statements import analyse_statements, load_lexicon

    if not path.is_file():
        raise click.ClickException(f"{path}: no such file; expected a CSV with a {column!r} column")
    ragged: list[str] = []
    try:
        frame = read_text_csv(
            path, on_ragged=lambda row, _text, expected: ragged.append(f"row {row}: {expected}")
        )
    except (ValueError, OSError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise click.ClickException(f"{path}: could not be read as CSV ({error})") from error
    if ragged:
        raise click.ClickException(f"{path}: rows with the wrong number of fields, " + "; ".join(ragged[:5]))
    if column not in frame.columns:
        found = ", ".join(frame.columns) or "none"
        raise click.ClickException(f"{path}: no column {column!r}; the columns are: {found}")
    readings = analyse_statements(frame[column])
    if as_json:
        flags = load_lexicon().flags
        records = [
            {
                "kind": kind,
                "clarity": None if _is_missing(clarity) else clarity,
                "voice": voice,
                "jargon": list(jargon),
                "flags": [flags[code].to_json() for code in codes],
                "explanation": explanation,
            }
            for kind, clarity, voice, jargon, codes, explanation in readings[
                ["kind", "clarity", "voice", "jargon", "flag_codes", "explanation"]
            ].itertuples(index=False)
        ]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'row':>5}  {'kind':<8} {'clarity':<8} {'voice':<13} {'flags':<44} statement")
    for number, (statement, kind, clarity, voice, codes) in enumerate(
        zip(frame[column], readings["kind"], readings["clarity"], readings["voice"], readings["flag_codes"],
            strict=True),
        start=2,  # the file's row number: the header is row 1
    ):  # fmt: skip
        text = "" if _is_missing(statement) else " ".join(str(statement).split())
        shown = text if len(text) <= 70 else text[:67] + "..."
        clarity_text = "-" if _is_missing(clarity) else clarity
        click.echo(f"{number:>5}  {kind:<8} {clarity_text:<8} {voice:<13} {', '.join(codes):<44} {shown}")


# --- Case audits (issue 5) --------------------------------------------------------------------


def _audit_store(store: str | None) -> Store:
    try:
        return Store(store)
    except StoreError as error:
        raise click.ClickException(str(error)) from error


def _audit_day(text: str | None):
    from datetime import date

    try:
        return date.fromisoformat(text) if text else date.today()
    except ValueError as error:
        raise click.BadParameter(f"expected a date written YYYY-MM-DD, not {text!r}") from error


@main.group()
def audit() -> None:
    """Case audits: templates, samples, imports of past audits, findings."""


@audit.command("template")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@store_option
def audit_template(path: Path | None, store: str | None) -> None:
    """Check an audit template (default: data/audit-templates/outcome-focused.yaml) and keep it."""
    from workbench.audits.templates import DEFAULT_TEMPLATE, TemplateError, load_template, store_template

    try:
        template = load_template(path or DEFAULT_TEMPLATE)
        new = store_template(_audit_store(store), template)
    except TemplateError as error:
        raise click.ClickException(str(error)) from error
    state = "stored" if new else "already stored, unchanged"
    questions = len(template.questions)
    click.echo(f"{template.template_id} version {template.version}: {questions} questions, {state}")


@audit.command("sample")
@click.option("--size", type=click.IntRange(min=1), required=True, help="How many cases to draw.")
@click.option("--seed", type=int, required=True, help="The same seed (and data) draws the same sample.")
@click.option("--stratify", type=click.Choice(["team", "plan_type", "locality"]), default=None)
@click.option("--exclude-months", type=click.IntRange(min=0), default=12, show_default=True,
              help="Leave out cases audited in this many months up to --at.")  # fmt: skip
@click.option("--at", "at", metavar="YYYY-MM-DD", default=None, help="Cases open on this date (today).")
@click.option("--round", "round_name", metavar="NAME", default=None, help="Keep it as an audit round.")
@store_option
def audit_sample(size, seed, stratify, exclude_months, at, round_name, store) -> None:
    """Draw an audit sample of open cases; print it, and store it as a round with --round."""
    import getpass

    from workbench.audits.recording import AuditError, IdentityError, current_user
    from workbench.audits.sampling import create_round, draw_sample

    target, day = _audit_store(store), _audit_day(at)
    try:
        sample = draw_sample(target, size, seed, day, stratify, exclude_months)
    except AuditError as error:
        raise click.ClickException(str(error)) from error
    click.echo(sample.to_string(index=False))
    if round_name:
        try:
            who = current_user()
        except IdentityError:
            who = getpass.getuser()  # the command line's own user
        round_id = create_round(target, round_name, sample, seed=seed, at=day, stratify_by=stratify,
                                exclude_months=exclude_months, created_by=who)  # fmt: skip
        click.echo(f"Stored as audit round {round_id} ({len(sample)} cases).")


@audit.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
@problems_option
def audit_import(path: Path, store: str | None, problems_csv: Path | None) -> None:
    """Import past audits from a spreadsheet (XLSX or CSV), all or nothing."""
    from workbench.audits.importing import AuditImportError, import_audits

    try:
        result = import_audits(_audit_store(store), path)
    except AuditImportError as error:
        if problems_csv:
            error.to_frame().to_csv(problems_csv, index=False)
        raise click.ClickException(str(error)) from error
    click.echo(f"Imported {len(result.audit_ids)} audits from {path.name}.")


@audit.command("findings")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for findings.html (offline) and findings.xlsx.")  # fmt: skip
@click.option("--at", "at", metavar="YYYY-MM-DD", default=None, help="Audits up to this date (today).")
@store_option
def audit_findings(out: Path, at: str | None, store: str | None) -> None:
    """Write the audit findings as an offline HTML page and an XLSX workbook."""
    from workbench.audits.findings import build_findings, write_findings

    findings = build_findings(_audit_store(store), _audit_day(at))
    page, workbook = write_findings(findings, out)
    click.echo(f"{len(findings.audits):,} audits. Wrote {page} and {workbook}.")


# --- Scope by role (issue 6): `measures --as USER` -------------------------------------------


def _scope_of_user(user: str, data, day):
    """Return USER's scope at ``day``, from the deployment's identity file or the demo's."""
    import os

    from workbench.access import DEMO_IDENTITIES, IDENTITY_FILE_ENV, read_identities, scope_for

    path = os.environ.get(IDENTITY_FILE_ENV) or str(DEMO_IDENTITIES)
    identities = read_identities(path)
    if user not in identities:
        raise click.ClickException(f"the user {user!r} is not in the identity file {path}")
    return scope_for(identities[user], data, day)


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
