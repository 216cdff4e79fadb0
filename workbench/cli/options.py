"""Options and helpers the commands share: where the store is, a column mapping, where to list problems."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from workbench.imports.extract import ExtractError
from workbench.imports.sources import IDENTITY, ExtractMapping, MappingError
from workbench.store.engine import ENV_VAR, Store

store_option = click.option(
    "--store",
    "store",
    metavar="URL",
    default=None,
    help=f"SQLAlchemy URL of the store (default: ${ENV_VAR}, then sqlite:///data/workbench.sqlite).",
)


def at_option(help_text: str = "The date D the figures are at (YYYY-MM-DD)."):
    """Return an ``--at`` option whose default is the data's date (see :func:`day_of`)."""
    return click.option(
        "--at",
        "at",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help=f"{help_text} Default: the data's date (the loaded extract's as-at; `workbench info`).",
    )


def day_of(target: Store, at: datetime | date | None) -> date:
    """Return the day asked for with ``--at``, else the date of the data in ``target``."""
    if at is not None:
        return at.date() if isinstance(at, datetime) else at
    day = target.data_date()
    if day is None:
        raise click.ClickException(
            f"the store {target} has no extract loaded, so no data's date: load one "
            "(workbench load data/demo) or give --at YYYY-MM-DD"
        )
    return day


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

year_option = click.option(
    "--year",
    type=int,
    default=None,
    help="Collection year of a statutory return (code lists change by year).",
)


def read_mapping(path: Path | None) -> ExtractMapping:
    """Return the column mapping at ``path`` (none: names as they are), or stop with its problem."""
    try:
        return ExtractMapping.load(path) if path else IDENTITY
    except MappingError as error:
        raise click.ClickException(str(error)) from error


def refused_error(error: ExtractError, problems_csv: Path | None) -> click.ClickException:
    """Return the error to stop with for a refused extract, listing every problem in a CSV if asked."""
    if problems_csv:
        error.to_frame().to_csv(problems_csv, index=False)
        click.echo(f"Every problem is listed in {problems_csv}", err=True)
    return click.ClickException(str(error))
