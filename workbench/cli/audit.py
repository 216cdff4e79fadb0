"""The audit commands: templates, samples, importing past audits and findings."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.options import problems_option, store_option
from workbench.store.engine import Store, StoreError


def _audit_store(store: str | None) -> Store:
    try:
        return Store(store)
    except StoreError as error:
        raise click.ClickException(str(error)) from error


def _audit_day(text: str | None, target: Store | None = None):
    """Return the day ``--at`` names; else the data's date (for ``target``), else today."""
    from datetime import date

    try:
        if text:
            return date.fromisoformat(text)
    except ValueError as error:
        raise click.BadParameter(f"expected a date written YYYY-MM-DD, not {text!r}") from error
    return (target.data_date() if target is not None else None) or date.today()


@click.group()
def audit() -> None:
    """Case audits: templates, samples, imports of past audits, findings."""


@audit.command("template")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@store_option
def audit_template(path: Path | None, store: str | None) -> None:
    """Check an audit template (default: data/audit-templates/outcome-focused.yaml) and keep it."""
    from workbench.practice.audits.templates import (
        DEFAULT_TEMPLATE,
        TemplateError,
        load_template,
        store_template,
    )

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
@click.option(
    "--at", "at", metavar="YYYY-MM-DD", default=None, help="Cases open on this date (the data's date)."
)
@click.option("--round", "round_name", metavar="NAME", default=None, help="Keep it as an audit round.")
@store_option
def audit_sample(size, seed, stratify, exclude_months, at, round_name, store) -> None:
    """Draw an audit sample of open cases; print it, and store it as a round with --round."""
    import getpass

    from workbench.practice.audits.recording import AuditError, IdentityError, current_user
    from workbench.practice.audits.sampling import create_round, draw_sample

    target = _audit_store(store)
    day = _audit_day(at, target)
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
    from workbench.practice.audits.importing import AuditImportError, import_audits

    try:
        result = import_audits(_audit_store(store), path)
    except AuditImportError as error:
        if problems_csv:
            error.to_frame().to_csv(problems_csv, index=False)
        raise click.ClickException(str(error)) from error
    click.echo(f"Imported {len(result.audit_ids)} audits from {path.name}.")


@audit.command("findings")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the findings page (offline) and workbook.")  # fmt: skip
@click.option("--at", "at", metavar="YYYY-MM-DD", default=None, help="Audits up to this date (today).")
@click.option("--with-ids", "identified", is_flag=True,
              help="The audit lead's working copy, with child, audit and worker ids.")  # fmt: skip
@store_option
def audit_findings(out: Path, at: str | None, identified: bool, store: str | None) -> None:
    """Write the audit findings as an offline HTML page and an XLSX workbook.

    By default the export to share: each audit a case number within it, no child, audit or
    worker id. ``--with-ids`` writes the working copy (its names end in ``-with-ids``).
    """
    from workbench.practice.audits.findings import build_findings, write_findings
    from workbench.store.gaps import missing

    target = _audit_store(store)
    findings = build_findings(target, _audit_day(at))
    for note in missing(target, ["audits"]):
        click.echo(f"Note: {note}", err=True)
    page, workbook = write_findings(findings, out, identified=identified)
    click.echo(f"{len(findings.audits):,} audits. Wrote {page} and {workbook}.")
