"""Code lists, kept as data in ``data/codes/`` so that an authority can read and edit them.

Each list is a CSV whose first column is ``code``. The model names a list for every coded
field; the validator checks values against it and the data dictionary prints it.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

#: The project's ``data/`` folder: code lists, the demo extract, templates and mappings.
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
CODES_DIR = DATA_DIR / "codes"


@cache
def code_list(name: str) -> tuple[dict[str, str], ...]:
    """Return the rows of code list ``name`` (for example ``"plan_types"``) as dicts."""
    path = CODES_DIR / f"{name}.csv"
    if not path.exists():
        raise KeyError(f"no code list {name!r}: expected a file {path}")
    with path.open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


def codes(name: str) -> tuple[str, ...]:
    """Return just the codes of code list ``name``, in file order."""
    return tuple(row["code"] for row in code_list(name))


def labels(name: str) -> dict[str, str]:
    """Return ``{code: label}`` for code list ``name``."""
    return {row["code"]: row["label"] for row in code_list(name)}


def scale_ranges() -> dict[str, tuple[float, float]]:
    """Return ``{scale code: (lowest score, highest score)}`` for the outcome scales."""
    return {row["code"]: (float(row["min_score"]), float(row["max_score"])) for row in code_list("scales")}
