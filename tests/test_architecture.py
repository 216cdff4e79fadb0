"""Arrows point one way: notebooks/dashboards -> widgets -> workbench, and down the core's layers.

``docs/architecture.md`` draws the layers in words. Every import counts here, including those
inside functions and under ``TYPE_CHECKING``: a cycle hidden in a function is still a cycle.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI_PACKAGES = {"ipywidgets", "voila", "IPython", "anywidget", "widgets"}

#: The core's layers, lowest first. A module may import from its own layer's package and from
#: any lower layer, never from a higher one, nor from another package of its own layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("imports", "text", "render", "synth", "states", "shapes"),
    ("store",),
    ("measures",),
    ("access",),
    ("practice",),
    ("pages", "publishing"),
    ("cli",),
)
LAYER_OF = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}

#: Where an import inside a function is allowed, and why: the CLI imports each command's
#: machinery when the command runs, so that ``workbench --help`` starts in a blink.
LAZY_IMPORTS_ALLOWED = ("workbench.cli",)

#: The most functions allowed over ruff's complexity limit (C901, ``max-complexity`` in
#: pyproject.toml), each marked with a noqa comment for C901. It only goes down: lower it when you
#: simplify one, never raise it.
COMPLEXITY_CEILING = 12


@dataclass(frozen=True)
class Import:
    """One ``workbench`` import: who imports what, which names, and whether inside a function."""

    importer: str
    imported: str
    names: tuple[str, ...]
    nested: bool
    line: int


def module_name(path: Path) -> str:
    """Return the dotted module name of a file under the project root."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def core_modules(root: Path = ROOT) -> dict[str, Path]:
    """Return every module of ``workbench`` by dotted name."""
    return {module_name(p): p for p in sorted((root / "workbench").rglob("*.py"))}


def workbench_imports(path: Path, importer: str, modules: set[str]) -> list[Import]:
    """Return the ``workbench`` imports of one file, with submodule imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        nested = id(node) not in top_level
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("workbench"):
                continue
            plain, submodules = [], []
            for alias in node.names:
                (submodules if f"{node.module}.{alias.name}" in modules else plain).append(alias.name)
            if plain:
                found.append(Import(importer, node.module, tuple(plain), nested, node.lineno))
            for name in submodules:
                found.append(Import(importer, f"{node.module}.{name}", (), nested, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("workbench"):
                    found.append(Import(importer, alias.name, (), nested, node.lineno))
    return found


def package_of(module: str) -> str:
    """Return the layer package a core module belongs to (``workbench.store.engine`` -> ``store``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def upward_imports(imports: list[Import]) -> list[str]:
    """Return each import that points up a layer, or sideways into another package of its layer."""
    wrong = []
    for imp in imports:
        here, there = package_of(imp.importer), package_of(imp.imported)
        if not here or not there or here == there:
            continue
        if here not in LAYER_OF or there not in LAYER_OF:
            wrong.append(f"{imp.importer}:{imp.line} imports {imp.imported}: a package with no layer")
        elif LAYER_OF[there] >= LAYER_OF[here]:
            wrong.append(
                f"{imp.importer}:{imp.line} imports {imp.imported} "
                f"({there} is layer {LAYER_OF[there]}, {here} is layer {LAYER_OF[here]})"
            )
    return wrong


def cycles(imports: list[Import]) -> list[list[str]]:
    """Return a cycle of modules (each once, sorted) if the imports have one, else nothing."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.importer, set()).add(imp.imported)
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        return [sorted(set(error.args[1]))]
    return []


def private_names(imports: list[Import]) -> list[str]:
    """Return each import of an underscored name from another module."""
    return [
        f"{imp.importer}:{imp.line} imports {name} from {imp.imported}"
        for imp in imports
        for name in imp.names
        if name.startswith("_") and not name.startswith("__")
    ]


def lazy_imports(imports: list[Import]) -> list[str]:
    """Return each import inside a function, outside the places allowed to import lazily."""
    return [
        f"{imp.importer}:{imp.line} imports {imp.imported} inside a function"
        for imp in imports
        if imp.nested and not imp.importer.startswith(LAZY_IMPORTS_ALLOWED)
    ]


def _all_core_imports(root: Path = ROOT) -> list[Import]:
    modules = core_modules(root)
    return [imp for name, path in modules.items() for imp in workbench_imports(path, name, set(modules))]


def _ui_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


# -- the rules, on the project ------------------------------------------------------------------


def test_workbench_imports_no_ui_package():
    offenders = {
        str(path.relative_to(ROOT)): sorted(_ui_imports(path) & UI_PACKAGES)
        for path in (ROOT / "workbench").rglob("*.py")
        if _ui_imports(path) & UI_PACKAGES
    }
    assert offenders == {}


def test_every_core_package_has_a_layer():
    packages = {package_of(name) for name in core_modules() if package_of(name)}
    assert packages - set(LAYER_OF) == set()


def test_no_import_points_up_a_layer():
    assert upward_imports(_all_core_imports()) == []


def test_the_core_has_no_import_cycle():
    assert cycles(_all_core_imports()) == []


def test_no_private_name_is_imported_from_another_module():
    imports = _all_core_imports()
    for folder in ("widgets",):
        modules = set(core_modules())
        for path in sorted((ROOT / folder).rglob("*.py")):
            imports += workbench_imports(path, module_name(path), modules)
    assert private_names(imports) == []


def service_data_internals(path: Path) -> list[str]:
    """Return each read of an underscored attribute of ``data``/``service`` (a ``ServiceData``) in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} reads {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and ast.unparse(node.value) in ("data", "service", "self.data", "self.service")
    ]


def test_service_data_internals_stay_in_the_measures_package():
    """Pages and practice tools use ServiceData's public rows (``outcome_rows``, ``scored_reviews``, ...)."""
    outside = [
        path
        for folder in ("workbench", "widgets")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "measures" not in path.relative_to(ROOT).parts
    ]
    assert [line for path in outside for line in service_data_internals(path)] == []


def test_the_check_would_catch_a_page_reading_service_data_internals(tmp_path, monkeypatch):
    page = tmp_path / "workbench" / "pages" / "page.py"
    page.parent.mkdir(parents=True)
    page.write_text("def f(data):\n    return data._outcome_units\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert service_data_internals(page) == ["workbench/pages/page.py:2 reads data._outcome_units"]


def test_no_import_hides_inside_a_function():
    assert lazy_imports(_all_core_imports()) == []


def test_package_inits_stay_thin():
    """A package's ``__init__`` holds its docstring (and dunders) only: importing it runs nothing else."""
    heavy = {}
    for path in sorted((ROOT / "workbench").rglob("__init__.py")):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        statements = [
            n
            for n in body
            if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
            and not (isinstance(n, ast.Assign) and all(t.id.startswith("__") for t in n.targets))
        ]
        if statements:
            heavy[str(path.relative_to(ROOT))] = len(statements)
    assert heavy == {}


def test_complexity_ceiling_only_goes_down():
    """Ruff's C901 is on; the functions excused from it are counted, and never more than the ceiling."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = config["tool"]["ruff"]["lint"]
    assert "C901" in lint["select"] and lint["mccabe"]["max-complexity"] == 10
    excused = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("workbench", "widgets", "tests", "benchmarks")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"#\s*noqa:[^#]*\bC901\b", line)
    ]
    assert len(excused) <= COMPLEXITY_CEILING, "\n".join(excused)


# -- the checks can fail -------------------------------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "workbench" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A small project of core modules, with ROOT pointed at it so module names resolve."""

    def make(files: dict[str, str]) -> list[Import]:
        root = _tree(tmp_path, files)
        monkeypatch.setattr(f"{__name__}.ROOT", root)
        return _all_core_imports(root)

    return make


def test_the_check_would_catch_an_upward_import(project):
    imports = project(
        {
            "store/engine.py": "from workbench.measures.headline import MEASURES\n",
            "measures/headline.py": "from workbench.store.engine import Store\n",
        }
    )
    assert upward_imports(imports) == [
        "workbench.store.engine:1 imports workbench.measures.headline (measures is layer 3, store is layer 2)"
    ]


def test_the_check_would_catch_an_upward_import_inside_a_function(project):
    imports = project(
        {"core/codes.py": "def f():\n    from workbench.practice import supervision\n    return supervision\n"}
    )
    assert len(upward_imports(imports)) == 1
    assert lazy_imports(imports) == ["workbench.core.codes:2 imports workbench.practice inside a function"]


def test_the_check_would_catch_a_sideways_import(project):
    imports = project({"render/charts.py": "from workbench.text.statements import analyse\n"})
    assert "text is layer 1, render is layer 1" in upward_imports(imports)[0]


def test_the_check_would_catch_a_cycle_and_a_private_name(project):
    imports = project(
        {
            "store/a.py": "from workbench.store.b import _helper\n",
            "store/b.py": "import workbench.store.a\n",
        }
    )
    assert cycles(imports) == [["workbench.store.a", "workbench.store.b"]]
    assert private_names(imports) == ["workbench.store.a:1 imports _helper from workbench.store.b"]


def test_the_check_would_catch_a_ui_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import ipywidgets as W\nfrom voila.app import Voila\n")
    assert _ui_imports(sample) & UI_PACKAGES == {"ipywidgets", "voila"}
