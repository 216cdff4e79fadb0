"""Progress within one file as it is imported: checked, then stored, for a progress bar.

The importers call ``on_progress(ImportProgress(...))`` as they go; the command line draws a
tqdm bar from these events (quiet when the output is not a terminal), and tests read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Stages of one file's import, in order.
CHECKING = "checking"
STORING = "storing"


@dataclass(frozen=True)
class ImportProgress:
    """``done`` of ``total`` ``unit``s of ``stage`` for the file (or extract folder) ``path``."""

    path: Path
    stage: str  # CHECKING or STORING
    done: int
    total: int
    unit: str  # "step" while checking (a table or column at a time), "row" while storing


OnProgress = Callable[[ImportProgress], None]


def counter(
    path: Path, stage: str, total: int, unit: str, on_progress: OnProgress | None
) -> Callable[[int], None]:
    """Return a function that adds a number done and reports the running total (a no-op if unheard)."""
    done = 0

    def add(count: int) -> None:
        nonlocal done
        done += count
        if on_progress:
            on_progress(ImportProgress(path, stage, done, total, unit))

    if on_progress:
        on_progress(ImportProgress(path, stage, 0, total, unit))
    return add
