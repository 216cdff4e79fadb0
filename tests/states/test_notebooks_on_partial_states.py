"""Every notebook in ``notebooks/`` on the most telling partial states: no error cell, and a plain note.

One kernel per notebook and state (with ``WORKBENCH_STORE`` at the state's store, shared for the
session by the ``state_stores`` fixture), two kernels at a time (``tests/fixtures/kernels.py``). The notebooks' own asserts check their figures where the
data is there; the checks below add what each state must say where it is not: the same
missing-data notes the dashboards show (``workbench.store.gaps``, shown by ``widgets.missing_note``).
Three states keep it cheap (see ``CASES``); the full demo runs under nbval.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from tests.fixtures.kernels import KernelRuns, execute, kernel_env, selected_params
from workbench.cli.serving import PROJECT_DIR

pytestmark = [pytest.mark.notebook, pytest.mark.timeout(600)]

NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
#: (state, notebooks): every notebook on nothing loaded; every notebook that reads the store's figures on a
#: first extract (no audits, supervisions, interventions or reviews); those that break figures down
#: by plan type on only some plan types. The other states are covered by the dashboards' test.
CASES = [
    *[("empty", name) for name in NOTEBOOKS],
    *[("first-extract", name) for name in NOTEBOOKS if not name.startswith("01")],
    ("some-plan-types", "02-explore-outcome-trends.ipynb"),
    ("some-plan-types", "06-outcome-statements.ipynb"),
]
DEMO_VIEWER = ("WORKBENCH_IDENTITY_FILE", "WORKBENCH_USER", "WORKBENCH_TRUST_PROXY_HEADER",
               "JUPYTERHUB_USER", "WORKBENCH_DEMO_USER")  # fmt: skip

#: What a notebook must say in a state (the note, in any output of any cell).
MUST_SAY = {
    **{("empty", name): "Nothing has been loaded yet" for name in NOTEBOOKS if not name.startswith("01")},
    ("first-extract", "00-tour.ipynb"): "No audits yet",
    ("first-extract", "02-explore-outcome-trends.ipynb"): "No interventions recorded",
    ("first-extract", "03-run-a-case-audit.ipynb"): "No audits yet: audit a case",
    ("first-extract", "04-supervision.ipynb"): "No supervision records yet",
    ("first-extract", "05-appraisal.ipynb"): "No outcome has been reviewed yet",
}


def output_text(output) -> str:
    """The text a reader sees in one output: a stream, an error, or a display's HTML or plain text."""
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    data = output.get("data", {})
    return data.get("text/html", "") + data.get("text/plain", "")


async def run_notebook(name: str, store_url: str) -> nbformat.NotebookNode:
    """Run ``name`` in a fresh kernel on the store at ``store_url``, keeping going past errors."""
    env = kernel_env(
        {
            "WORKBENCH_STORE": store_url,
            # The kernel imports this checkout's packages, not another installed copy.
            "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR), os.environ.get("PYTHONPATH", "")]),
        },
        removed=DEMO_VIEWER,
    )
    return await execute(nbformat.read(NOTEBOOKS_DIR / name, as_version=4), NOTEBOOKS_DIR, env)


@pytest.fixture(scope="module")
def notebook_runs(request, state_stores) -> KernelRuns:
    """Each selected case's run, made two kernels at a time as the tests ask for them."""
    keys = selected_params(request, "test_every_notebook_runs_and_says_what_is_missing", ("state", "name"))
    return KernelRuns(keys, lambda key: run_notebook(key[1], state_stores[key[0]]))


@pytest.mark.parametrize(("state", "name"), CASES)
def test_every_notebook_runs_and_says_what_is_missing(notebook_runs, state, name):
    """No error cell, no traceback; where data is missing the notebook says so in the dashboards' words."""
    notebook = notebook_runs.result((state, name))
    outputs = [(n, output) for n, cell in enumerate(notebook.cells) for output in cell.get("outputs", [])]
    errors = [
        (n, output_text(o)[-400:])
        for n, o in outputs
        if o.output_type == "error" or (o.output_type == "stream" and "Traceback" in o.text)
    ]
    assert errors == [], (state, name)
    if (state, name) in MUST_SAY:
        words = MUST_SAY[(state, name)]
        assert any(words in output_text(o).replace("&#x27;", "'") for _, o in outputs), (state, name, words)


def test_committed_notebooks_have_no_outputs():
    """Notebooks are committed clean: outputs hold data, and they change on every run."""
    for path in Path(NOTEBOOKS_DIR).glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), path.name
