"""The publish command: supervision and appraisal packs, one offline page per worker."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.options import at_option, day_of, store_option
from workbench.store.engine import Store, StoreError


@click.command()
@click.argument("kind", type=click.Choice(["supervision", "appraisal"]))
@click.option("--worker", "worker", metavar="ID", default=None, help="One worker (internal by default).")
@click.option(
    "--team", "team", metavar="ID", default=None, help="Every worker of a team with a caseload at D."
)
@click.option("--all", "everyone", is_flag=True, help="Every worker with a caseload at D.")
@at_option("The date D (YYYY-MM-DD).")
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
    from workbench.publishing.audience import PublishError
    from workbench.publishing.batch import publish as publish_packs

    try:
        target = Store(store)
        day = day_of(target, at)
        written = publish_packs(
            target, kind, day, out, worker=worker, team=team, everyone=everyone,
            audience=audience, pdf=pdf, processes=processes,
        )  # fmt: skip
    except (PublishError, StoreError) as error:
        raise click.ClickException(str(error)) from error
    pages = [p for p in written if p.suffix == ".html"]
    if not pages:
        from workbench.store.gaps import missing, missing_at

        notes = missing(target, []) + missing_at(target, day)
        for note in notes or [f"no worker has a caseload at {day.isoformat()}"]:
            click.echo(f"Note: {note}", err=True)
    chosen = audience or ("internal" if worker else "shared")
    pdfs = f" and {len(written) - len(pages)} PDF(s)" if pdf else ""
    click.echo(f"Wrote {len(pages)} {chosen} {kind} page(s) to {out}{pdfs}")
