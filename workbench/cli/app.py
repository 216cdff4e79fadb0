"""The ``workbench`` command line: make demo data, load extracts, inspect the store, serve dashboards.

Every command that touches the store takes ``--store URL`` (any SQLAlchemy URL); without it
the ``WORKBENCH_STORE`` environment variable, then ``data/workbench.sqlite``, is used. Each
group of commands lives in a module of its own; this one only gathers them under ``main``.
"""

from __future__ import annotations

import click

from workbench.cli.audit import audit
from workbench.cli.extracts import check, demo_data, dictionary, import_files, info, load
from workbench.cli.figures import measures, statements_command, train_statement_kind
from workbench.cli.packs import publish
from workbench.cli.refresh import changes, refresh
from workbench.cli.serving import serve, status
from workbench.cli.snapshot import snapshot_command


@click.group()
@click.version_option(package_name="outcome-workbench")
def main() -> None:
    """Outcome Workbench: outcome-focused practice improvement for children's services."""


for command in (demo_data, load, check, import_files, info, dictionary, serve, status, measures,
                statements_command, train_statement_kind, audit, publish, refresh, changes,
                snapshot_command):  # fmt: skip
    main.add_command(command)
