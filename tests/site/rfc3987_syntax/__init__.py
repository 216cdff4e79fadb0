"""Test-only stand-in for ``rfc3987_syntax`` that builds its grammar on first use, not on import.

Why: ``jsonschema`` imports ``rfc3987_syntax`` for its "iri" format check, and the real package
compiles an Earley grammar at import time (about 1.2 s of CPU). Every Voila server (through
``jupyter_events``) and every kernel that imports ``altair`` or ``nbformat`` pays that, although
no test validates an IRI. The root ``conftest.py`` puts ``tests/site`` first on ``PYTHONPATH`` for
the processes the tests start; nothing outside the tests sees this folder.

The package's ``__path__`` is the real package's folder, so ``rfc3987_syntax.syntax_helpers`` is
the real module; the names below load it when first asked for, and behave exactly as the real ones.
"""

from __future__ import annotations

import importlib
import sys
from importlib.machinery import PathFinder
from pathlib import Path

_HERE = Path(__file__).resolve().parent.parent


def _real_package_dir() -> str:
    """The installed package's folder: the first ``rfc3987_syntax`` on ``sys.path`` after this one."""
    others = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
    spec = PathFinder.find_spec("rfc3987_syntax", others)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("rfc3987_syntax is not installed")  # jsonschema then skips the iri check
    return next(iter(spec.submodule_search_locations))


__path__ = [_real_package_dir()]


def is_valid_syntax(term: str, value: str) -> bool:
    """The real ``is_valid_syntax``, its grammar compiled on the first call."""
    return importlib.import_module("rfc3987_syntax.syntax_helpers").is_valid_syntax(term, value)


def __getattr__(name: str):
    """Every other name of the real package (``parse``, ``syntax_parser`` ...), loaded on first use."""
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(importlib.import_module("rfc3987_syntax.syntax_helpers"), name)
