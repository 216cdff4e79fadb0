"""Altair comes through ``workbench.render.altair_import``, so no kernel builds jsonschema's IRI grammar.

The import's cost is the benchmarks' to measure; here, that the guard is in place whatever a
dashboard, notebook or command imports first.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from workbench.cli.serving import PROJECT_DIR

ROOT = PROJECT_DIR
GUARD = ROOT / "workbench" / "render" / "altair_import.py"


def top_level_altair_imports(path: Path) -> list[int]:
    """Lines of ``path`` that import Altair at module level (inside a function, the guard has run)."""
    lines = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        if any(name == "altair" or name.startswith("altair.") for name in names):
            lines.append(node.lineno)
    return lines


def test_altair_is_imported_only_through_the_guard():
    found = {
        str(path.relative_to(ROOT)): lines
        for package in ("workbench", "widgets")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != GUARD and (lines := top_level_altair_imports(path))
    }
    assert found == {}, "import Altair from workbench.render.altair_import"


def test_the_static_check_sees_a_direct_import(tmp_path):
    module = tmp_path / "chart.py"
    module.write_text("import pandas as pd\nimport altair as alt\nfrom altair import Chart\n")
    assert top_level_altair_imports(module) == [2, 3]


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


def test_a_dashboards_first_import_loads_no_iri_grammar():
    """Every dashboard starts by importing ``widgets``: in a fresh interpreter, no grammar after it."""
    assert modules_after("import widgets") == {"jsonschema": True, "grammar": False}


def test_the_check_sees_the_grammar_when_altair_comes_in_directly():
    """Importing Altair by itself does load it (when installed): the probe above can tell."""
    try:
        metadata.distribution("rfc3987-syntax")
    except metadata.PackageNotFoundError:
        pytest.skip("rfc3987-syntax is not installed here")
    found = modules_after("import altair")
    assert found == {"jsonschema": True, "grammar": True}
