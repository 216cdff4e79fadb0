"""``workbench refresh`` for a scheduled job, and ``workbench changes`` to read what it changed.

Exit codes a scheduler can act on: 0 the store holds the extract (refreshed, or it was
already loaded); 1 the extract was refused (nothing changed); 3 another refresh of the store
is running (nothing changed); 4 the store could not be opened or written (nothing changed).
Each step is one log line on stderr (``workbench-refresh <UTC time> event=... key=value``),
which journald and cron's mail keep; the report of what changed goes to stdout.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import click
import sqlalchemy as sa

from workbench.cli.log_lines import format_log_line
from workbench.cli.options import mapping_option, problems_option, read_mapping, store_option
from workbench.imports.extract import ExtractError
from workbench.store.changes import latest_report
from workbench.store.engine import Store, StoreError

#: Exit codes of ``workbench refresh``.
EXIT_OK, EXIT_REFUSED, EXIT_LOCKED, EXIT_FAILED = 0, 1, 3, 4
LOG_PREFIX = "workbench-refresh"




def refresh_log_line(event: str, fields: Mapping[str, object]) -> str:
    """Return one log line: ``workbench-refresh <UTC time> event=<event> key=value ...``.

    The form ``workbench serve`` logs in (workbench.cli.service): a value with anything but
    letters, digits and ``_ . @ : / + , -`` is JSON-quoted, a missing one is ``-``.
    """
    return format_log_line(LOG_PREFIX, event, fields)


def _log(event: str, fields: Mapping[str, object]) -> None:
    sys.stderr.write(refresh_log_line(event, fields) + "\n")
    sys.stderr.flush()


@click.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@mapping_option
@store_option
@problems_option
def refresh(source: Path, mapping: Path | None, store: str | None, problems_csv: Path | None) -> None:
    """Refresh the store from SOURCE (an extract folder or workbook), for a scheduled job.

    The extract is validated as `workbench load` validates it while pages keep reading the
    old data, then swapped in whole in one transaction, with a report of what changed
    (`workbench changes` shows it again). A refused, failed or killed refresh leaves the
    previous data in place. Exit status: 0 done (or already loaded), 1 extract refused,
    3 another refresh is running, 4 the store could not be opened or written.
    """
    from workbench.measures import service_figures  # noqa: F401 - the snapshot keeps the service's figures
    from workbench.store.refresh import RefreshLockedError, refresh_extract

    started = time.monotonic()
    translation = read_mapping(mapping)
    _log("start", {"source": str(source), "mapping": str(mapping) if mapping else None})
    try:
        target = Store(store)
    except (StoreError, sa.exc.SQLAlchemyError) as error:
        _log("failed", {"reason": str(error)})
        click.echo(f"Error: the store could not be opened: {error}", err=True)
        sys.exit(EXIT_FAILED)
    try:
        result = refresh_extract(target, source, mapping=translation, log=_log)
    except RefreshLockedError as error:
        _log("locked", {"reason": str(error)})
        click.echo(f"Refused: {error}.", err=True)
        sys.exit(EXIT_LOCKED)
    except ExtractError as error:
        if problems_csv:
            error.to_frame().to_csv(problems_csv, index=False)
        _log("refused", {"problems": len(error.problems), "previous_data": "kept"})
        click.echo(str(error), err=True)
        click.echo("The extract was refused; the store still holds the previous data.", err=True)
        sys.exit(EXIT_REFUSED)
    except (StoreError, sa.exc.SQLAlchemyError, OSError) as error:
        _log("failed", {"reason": type(error).__name__, "previous_data": "kept"})
        click.echo(
            f"Error: the refresh failed and was undone; the previous data is in place: {error}", err=True
        )
        sys.exit(EXIT_FAILED)
    seconds = f"{time.monotonic() - started:.1f}"
    if result.status == "unchanged":
        _log("done", {"status": "unchanged", "seconds": seconds})
        click.echo(
            f"This extract (fingerprint {result.fingerprint[:12]}) is already loaded; nothing changed."
        )
        return
    _log("done", {"status": "refreshed", "load_id": result.report.load_id, "seconds": seconds})
    for line in result.report.lines():
        click.echo(line)


@click.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def changes(store: str | None, as_json: bool) -> None:
    """Show what the latest refresh changed: rows added, closed, changed and removed; values set aside."""
    try:
        target = Store(store)
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    report = latest_report(target.engine)
    if report is None:
        raise click.ClickException(
            "no refresh has been made in this store yet: run `workbench refresh SOURCE`"
        )
    if as_json:
        body = json.loads(report.to_json())
        body.update(load_id=report.load_id, previous_load_id=report.previous_load_id, made_at=report.made_at)
        click.echo(json.dumps(body, indent=2, sort_keys=True))
        return
    for line in report.lines():
        click.echo(line)
