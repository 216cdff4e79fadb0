"""Altair comes through ``workbench.render.altair_import``, so no kernel builds jsonschema's IRI grammar.

The import's cost is the benchmarks' to measure; here, that the guard is in place whatever a
dashboard, notebook or command imports first.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

from workbench.cli.serving import PROJECT_DIR

FIRST_IMPORTS = [
    "widgets",
    "widgets.service_dashboard",
    "widgets.outcome_plan_page",
    "widgets.missing_note",
    "widgets.import_checker",
    "workbench.render.charts",
    "workbench.cli.app",
]


def modules_after(statement: str) -> dict[str, bool]:
    """Run ``statement`` in a fresh interpreter; say whether jsonschema and the IRI grammar got loaded."""
    probe = (
        f"{statement}\nimport sys\n"
        "print(int('jsonschema' in sys.modules), int(sys.modules.get('rfc3987_syntax') is not None))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    return {"jsonschema": found[0] == "1", "grammar": found[1] == "1"}


@pytest.mark.parametrize("module", FIRST_IMPORTS)
def test_no_first_import_loads_the_iri_grammar(module):
    assert not modules_after(f"import {module}")["grammar"]


def test_the_check_sees_the_grammar_when_altair_comes_in_directly():
    """Importing Altair by itself does load it (when installed): the probe above can tell."""
    try:
        metadata.distribution("rfc3987-syntax")
    except metadata.PackageNotFoundError:
        pytest.skip("rfc3987-syntax is not installed here")
    found = modules_after("import altair")
    assert found == {"jsonschema": True, "grammar": True}
