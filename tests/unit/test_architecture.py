"""Arrows point one way: notebooks/dashboards -> widgets -> workbench."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI_PACKAGES = {"ipywidgets", "voila", "IPython", "anywidget", "widgets"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_workbench_imports_no_ui_package():
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & UI_PACKAGES)
        for path in (ROOT / "workbench").rglob("*.py")
        if _imports(path) & UI_PACKAGES
    }
    assert offenders == {}


def test_the_check_would_catch_a_ui_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import ipywidgets as W\nfrom voila.app import Voila\n")
    assert _imports(sample) & UI_PACKAGES == {"ipywidgets", "voila"}
