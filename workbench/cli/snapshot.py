"""``workbench snapshot``: write the store's snapshot, the columnar copy the dashboards read."""

from __future__ import annotations

import click

from workbench.cli.options import store_option
from workbench.store.engine import Store, StoreError


@click.command("snapshot")
@store_option
def snapshot_command(store: str | None) -> None:
    """Write the snapshot the dashboards read (docs/snapshot.md), replacing the old one whole.

    Every load and refresh writes it; run this where a load could not (its log says so), or to
    put a PostgreSQL store's snapshot on the machine that serves the dashboards.
    """
    from workbench.measures import service_figures  # noqa: F401 - the snapshot keeps the service's figures
    from workbench.store.snapshot import SnapshotError, write_snapshot

    try:
        target = Store(store)
        written = write_snapshot(target)
    except (StoreError, SnapshotError, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Snapshot written to {written.path}: {written.size / 2**20:,.1f} MiB in {written.seconds:.1f} s "
        f"({written.stamp})."
    )
