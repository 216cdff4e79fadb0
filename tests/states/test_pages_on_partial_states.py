"""Every dashboard and CLI command on every partial state: no error, and a plain word where data is missing.

The dashboards run as Voila runs them (a kernel executes every code cell, with ``WORKBENCH_STORE``
at the state's store), all of a state's dashboards in one kernel so that the states stay cheap, and
two states' kernels at a time (``tests/fixtures/kernels.py``).
Each dashboard's own closing cell asserts its figures or its message; the checks below add what
each state must say. The rendered pages in Chromium are in ``tests/browser/test_partial_pages.py``.
"""

from __future__ import annotations

import nbformat
import pytest
from click.testing import CliRunner

from tests.fixtures.kernels import KernelRuns, execute, kernel_env, selected_params
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
    ("empty", "appraisal.ipynb"): ("page.missing.messages", "Nothing has been loaded yet"),
    ("no-supervisions", "appraisal.ipynb"): ("page.missing.messages", "No supervision records yet"),
    ("empty", "audit.ipynb"): ("page.missing", "Nothing has been loaded yet"),
    ("empty", "service-overview.ipynb"): ("dashboard.missing.messages", "Nothing has been loaded yet"),
    ("empty", "supervision.ipynb"): ("page.missing.messages", "Nothing has been loaded yet"),
    ("empty", "outcome-plan.ipynb"): ("[page.status]", "Nothing has been loaded yet"),
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
    # Early help and CIN are all this state holds: the page has its children, and says nothing of plans.
    ("no-reviews", "early-help-and-cin.ipynb"): ("dashboard.missing.messages", "No outcome has been reviewed"),
    ("empty", "early-help-and-cin.ipynb"): ("dashboard.missing.messages", "Nothing has been loaded yet"),
}


def dashboard_cells(state: str) -> tuple[list, list[str]]:
    """Every dashboard's code cells, then the check of what it must say in ``state``; and each cell's dashboard."""
    cells, owners = [], []
    for name in DASHBOARDS:
        code = [
            c.source
            for c in nbformat.read(DASHBOARDS_DIR / name, as_version=4).cells
            if c.cell_type == "code"
        ]
        if (state, name) in MUST_SAY:
            said, words = MUST_SAY[(state, name)]
            code.append(f"assert any({words!r} in m for m in {said}), ({name!r}, {said})")
        cells += [
            nbformat.v4.new_code_cell(source, id=f"cell-{len(cells) + n}") for n, source in enumerate(code)
        ]
        owners += [name] * len(code)
    return cells, owners


async def run_dashboards(state: str, store_url: str) -> list[tuple[str, str]]:
    """Run every dashboard in one kernel on the store at ``store_url``; return (dashboard, error) pairs."""
    cells, owners = dashboard_cells(state)
    env = kernel_env({"WORKBENCH_STORE": store_url}, removed=DEMO_VIEWER)
    notebook = await execute(nbformat.v4.new_notebook(cells=cells), DASHBOARDS_DIR, env)
    errors = []
    for cell, owner in zip(notebook.cells, owners, strict=True):
        errors += [(owner, f"{o.ename}: {o.evalue[:400]}") for o in cell.outputs if o.output_type == "error"]
        errors += [
            (owner, o.text[-400:])
            for o in cell.outputs
            if o.output_type == "stream" and "Traceback" in o.text
        ]
    return errors


@pytest.fixture(scope="module")
def dashboard_runs(request, state_stores) -> KernelRuns:
    """Each selected state's run of every dashboard, made two kernels at a time as the tests ask."""
    keys = selected_params(request, "test_every_dashboard_runs_and_says_what_is_missing", ("state",))
    return KernelRuns(keys, lambda key: run_dashboards(key[0], state_stores[key[0]]))


@pytest.mark.parametrize("state", ["empty", *STATES])
def test_every_dashboard_runs_and_says_what_is_missing(dashboard_runs, state):
    """No error cell, no traceback; where data is missing the page says so in words (no deployment identity)."""
    assert dashboard_runs.result((state,)) == []


COMMANDS = [
    ["info"],
    ["measures"],
    ["measures", "--json"],
    ["measures", "--at", "1990-01-01"],  # before the first record
    ["measures", "--at", "2099-12-31"],  # after the last
    ["measures", "--by", "locality"],
]

#: What a command must say on stderr in a state (beside its answer on stdout).
CLI_MUST_SAY = {
    ("empty", "appraisal.ipynb"): ("page.missing.messages", "Nothing has been loaded yet"),
    ("no-supervisions", "appraisal.ipynb"): ("page.missing.messages", "No supervision records yet"),
    ("empty", "measures"): "Nothing has been loaded yet",
    ("no-audits", "measures"): "No audits yet",
    ("first-extract", "measures"): "No outcome has been reviewed yet",
    ("no-interventions", "measures"): "No interventions recorded",
    ("no-audits", "audit findings"): "No audits yet",
    ("empty", "audit findings"): "Nothing has been loaded yet",
}


@pytest.mark.parametrize("state", ["empty", *STATES])
def test_every_read_command_runs(state_stores, state, tmp_path):
    """The read-only commands answer on every state, with no traceback, and say on stderr what is missing.

    An empty store is not an error: ``measures`` exits 0 with a note on how to load.
    """
    runner = CliRunner()
    findings = ["audit", "findings", "--out", str(tmp_path / "findings"), "--at", "2026-03-31"]
    for command in [*COMMANDS, findings]:
        result = runner.invoke(main, [*command, "--store", state_stores[state]])
        assert "Traceback" not in result.output, (command, result.output)
        assert result.exit_code == 0 and result.exception is None, (command, result.output, result.exception)
        name = " ".join(command[:2]) if command[0] == "audit" else command[0]
        if (state, name) in CLI_MUST_SAY and len(command) <= 2:
            assert CLI_MUST_SAY[(state, name)] in result.stderr, (command, result.stderr)
        if command[1:] == ["--at", "1990-01-01"] and state != "empty":
            assert "is before the first record" in result.stderr, result.stderr
        if command[1:] == ["--at", "2099-12-31"] and state != "empty":
            assert "is after the last record" in result.stderr, result.stderr


@pytest.mark.parametrize("state", ["empty", "idle-team"])
def test_packs_for_nobody_say_why(state_stores, state, tmp_path):
    """Packs at a date before the records, and for a worker with no children, are written or explained."""
    from workbench.store.engine import Store

    runner = CliRunner()
    url = state_stores[state]
    before = runner.invoke(main, ["publish", "supervision", "--all", "--at", "1990-01-01",
                                  "--out", str(tmp_path / "before"), "--store", url])  # fmt: skip
    assert before.exit_code == 0 and before.exception is None, before.output
    assert ("Nothing has been loaded yet" if state == "empty" else "is before the first record") in before.stderr
    if state == "idle-team":  # a worker of the idle team has no children: an empty pack, not an error
        target = Store(url)
        team = target.read_table("teams")["team_id"].iloc[-1]
        workers = target.read_table("workers")
        worker = workers.loc[workers["team_id"] == team, "worker_id"].iloc[0]
        for kind in ("supervision", "appraisal"):
            result = runner.invoke(main, ["publish", kind, "--worker", worker, "--at", "2026-03-31",
                                          "--out", str(tmp_path / kind), "--store", url])  # fmt: skip
            assert "Traceback" not in result.output and result.exception is None, result.output
            assert result.exit_code == 0, result.output
