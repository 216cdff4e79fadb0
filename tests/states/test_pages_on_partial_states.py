"""Every dashboard and CLI command on every partial state: no error, and a plain word where data is missing.

The dashboards run as Voila runs them (a kernel executes every code cell, with ``WORKBENCH_STORE``
at the state's store), all of a state's dashboards in one kernel so that the states stay cheap.
Each dashboard's own closing cell asserts its figures or its message; the checks below add what
each state must say. The rendered pages in Chromium are in ``tests/browser/test_partial_pages.py``.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

from workbench.cli.app import main
from workbench.cli.serving import DASHBOARDS_DIR
from workbench.states import STATES

pytestmark = [pytest.mark.notebook, pytest.mark.timeout(600)]

DASHBOARDS = sorted(p.name for p in DASHBOARDS_DIR.glob("*.ipynb"))
#: No deployment identity: the demo identities decide who is looking (the Head of Practice Improvement).
DEMO_VIEWER = ("WORKBENCH_IDENTITY_FILE", "WORKBENCH_USER", "WORKBENCH_TRUST_PROXY_HEADER",
               "JUPYTERHUB_USER", "WORKBENCH_DEMO_USER")  # fmt: skip

#: What a dashboard must say in a state, checked in the kernel right after the dashboard ran.
MUST_SAY = {
    ("empty", "audit.ipynb"): ("page.missing", "Nothing has been loaded yet"),
    ("empty", "service-overview.ipynb"): ("dashboard.missing.messages", "Nothing has been loaded yet"),
    ("empty", "supervision.ipynb"): ("page.missing.messages", "Nothing has been loaded yet"),
    ("empty", "team-lead.ipynb"): ("page.missing.messages", "Nothing has been loaded yet"),
    ("no-audits", "audit.ipynb"): ("page.missing", "No audits yet: audit a case on the first tab"),
    ("first-extract", "audit.ipynb"): ("page.missing", "No audits yet"),
    ("no-supervisions", "supervision.ipynb"): ("page.missing.messages", "No supervision records yet"),
    ("no-reviews", "service-overview.ipynb"): ("dashboard.missing.messages", "No outcome has been reviewed"),
    ("no-interventions", "service-overview.ipynb"): ("dashboard.missing.messages", "No interventions"),
    ("some-plan-types", "child-protection.ipynb"): (
        "dashboard.missing.messages",
        "No child protection plans",
    ),
    ("some-plan-types", "children-looked-after.ipynb"): ("dashboard.missing.messages", "No children looked"),
}


def run_dashboards(store_url: str, state: str) -> list[tuple[str, str]]:
    """Run every dashboard's code cells in one kernel on ``store_url``; return (dashboard, error) pairs."""
    cells, owners = [], []
    for name in DASHBOARDS:
        for cell in nbformat.read(DASHBOARDS_DIR / name, as_version=4).cells:
            if cell.cell_type == "code":
                cells.append(nbformat.v4.new_code_cell(cell.source))
                owners.append(name)
        if (state, name) in MUST_SAY:
            said, words = MUST_SAY[(state, name)]
            cells.append(nbformat.v4.new_code_cell(
                f"assert any({words!r} in m for m in {said}), ({name!r}, {said})"))  # fmt: skip
            owners.append(name)
    notebook = nbformat.v4.new_notebook(cells=cells)
    nbformat.validator.normalize(notebook)
    saved = {name: os.environ.pop(name, None) for name in DEMO_VIEWER}
    previous = os.environ.get("WORKBENCH_STORE")
    os.environ["WORKBENCH_STORE"] = store_url  # the kernel inherits it
    try:
        NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(DASHBOARDS_DIR)}}).execute()  # fmt: skip
    finally:
        if previous is not None:
            os.environ["WORKBENCH_STORE"] = previous
        os.environ.update({k: v for k, v in saved.items() if v is not None})
    errors = []
    for cell, owner in zip(notebook.cells, owners, strict=True):
        for output in cell.outputs:
            if output.output_type == "error":
                errors.append((owner, f"{output.ename}: {output.evalue[:400]}"))
            elif output.output_type == "stream" and "Traceback" in output.text:
                errors.append((owner, output.text[-400:]))
    return errors


@pytest.mark.parametrize("state", ["empty", *STATES])
def test_every_dashboard_runs_and_says_what_is_missing(state_stores, state):
    """No error cell, no traceback; where data is missing the page says so in words."""
    assert run_dashboards(state_stores[state], state) == []


COMMANDS = [
    ["info"],
    ["measures"],
    ["measures", "--at", "1990-01-01"],  # before the first record
    ["measures", "--at", "2099-12-31"],  # after the last
    ["measures", "--by", "locality"],
]


@pytest.mark.parametrize("state", ["empty", *STATES])
def test_every_read_command_runs(state_stores, state, tmp_path):
    """The read-only commands answer on every state, with no traceback."""
    runner = CliRunner()
    for command in [*COMMANDS, ["audit", "findings", "--out", str(tmp_path / "findings")]]:
        result = runner.invoke(main, [*command, "--store", state_stores[state]])
        assert "Traceback" not in result.output, (command, result.output)
        if state == "empty" and result.exit_code == 1:
            # Nothing to count: refused with one line that says how to load, not a traceback.
            assert isinstance(result.exception, SystemExit) and "load an extract" in result.output, (
                result.output
            )
            continue
        assert result.exit_code == 0 and result.exception is None, (command, result.output, result.exception)
