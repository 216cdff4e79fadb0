"""Disclosure control for anything published to a wider audience (DESIGN.md section 7).

Counts of 1 to 5 are shown as "c". A share is suppressed when its numerator, or what is left
of its denominator, is 1 to 5: "47 of 50" would reveal that 3 children did not. A zero is a
true zero and is shown. Secondary suppression, so that totals cannot reveal a hidden cell, is
:func:`suppress_with_total` for a table, and :class:`PageFigures` for the counts of a whole page,
where figures over one population can be subtracted (see the section below).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

SUPPRESSED = "c"
LOWEST, HIGHEST = 1, 5


def is_small(count: float | None) -> bool:
    """Return whether a count would identify children: 1 to 5."""
    return count is not None and not math.isnan(count) and LOWEST <= count <= HIGHEST


def safe_count(count: float | None) -> str:
    """Return a count for publication: ``"c"`` for 1 to 5, empty when unknown."""
    if count is None or math.isnan(count):
        return ""
    return SUPPRESSED if is_small(count) else f"{int(count):,}"


def share_is_disclosive(numerator: float, denominator: float) -> bool:
    """Return whether publishing ``numerator`` of ``denominator`` would reveal a small count."""
    return is_small(numerator) or is_small(denominator - numerator) or is_small(denominator)


def suppress_with_total(counts: list[int] | tuple[int, ...]) -> tuple[list[str], str]:
    """Return a row of counts and its total for publication, with secondary suppression.

    Counts of 1 to 5 are shown as ``"c"`` (primary). A published total would then reveal a
    lone hidden count, so more counts are hidden (secondary: the smallest shown non-zero count
    first) until no hidden count can be worked out from the total and the others. A reader knows
    each hidden count is at least 1 (zeros are shown), a primary one at most 5; a count is
    revealed when those bounds and the total leave it one value. When nothing more can be
    hidden, the total is hidden as well. Returns (the counts as shown, the total as shown).
    """
    values = [int(v) for v in counts]
    total = sum(values)
    hidden = {i for i, v in enumerate(values) if is_small(v)}
    if is_small(total):
        hidden |= {i for i, v in enumerate(values) if v > 0}
        return [SUPPRESSED if i in hidden else f"{v:,}" for i, v in enumerate(values)], SUPPRESSED

    def revealed() -> bool:
        if not hidden:
            return False
        hidden_sum = sum(values[i] for i in hidden)
        highs = {i: (HIGHEST if is_small(values[i]) else math.inf) for i in hidden}
        for i in hidden:
            others_low = len(hidden) - 1  # each other hidden count is at least 1
            others_high = sum(highs[j] for j in hidden if j != i)
            low = max(LOWEST, hidden_sum - others_high)
            high = min(highs[i], hidden_sum - others_low)
            if low == high:
                return True
        return False

    show_total = True
    while revealed():
        candidates = sorted((v, i) for i, v in enumerate(values) if v > 0 and i not in hidden)
        if not candidates:
            show_total = False
            break
        hidden.add(candidates[0][1])
    shown = [SUPPRESSED if i in hidden else f"{v:,}" for i, v in enumerate(values)]
    return shown, (f"{total:,}" if show_total else SUPPRESSED)


# ---------------------------------------------------------------------------------------------
# Disclosure control across the figures of a page.
#
# Each count on a page counts part of a population. A population is cut into cells: one per
# combination of a partition's parts and the yes/no properties its figures count by (cells that
# cannot happen, such as a part of a property that implies another without it, are left out). A
# figure is the number of members in a set of cells. A sum or difference of figures counts a
# real group of members exactly when every cell is counted once or not at all; that group's size
# is then known to whoever reads the page. The page is safe when no such group of 1 to 5 can be
# made from up to three figures shown.

#: How many figures a reader may add or subtract to work out a count (the issue's standard).
MOST_TERMS = 3


class Population:
    """A population counted by figures on one page, cut into the cells its figures count by.

    ``parts`` partitions it (say achieved, partly achieved, not achieved), or is empty for one
    part; each of ``properties`` is a yes/no property members may have in any part (say "agreed
    with the family"). ``implies`` maps a property to a part or property it implies, and
    ``excludes`` lists pairs of properties no member has both of, so that the cells follow what a
    reader knows from the definitions.
    """

    def __init__(
        self,
        name: str,
        parts: tuple[str, ...] = (),
        properties: tuple[str, ...] = (),
        implies: dict[str, tuple[str, ...]] | None = None,
        excludes: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.name = name
        self.parts = parts or ("all",)
        self.properties = properties
        implied = implies or {}
        cells = []
        for part in self.parts:
            for bits in itertools.product((False, True), repeat=len(properties)):
                has = {p for p, bit in zip(properties, bits, strict=True) if bit} | {part}
                if any(p in has and not set(needs) & has for p, needs in implied.items()):
                    continue
                if any(a in has and b in has for a, b in excludes):
                    continue
                cells.append(frozenset(has))
        self.cells: tuple[frozenset[str], ...] = tuple(cells)

    def count_of(self, *, parts: tuple[str, ...] = (), having: tuple[str, ...] = ()) -> np.ndarray:
        """Return each cell's weight (0 or 1) in counting members in any of ``parts`` with every ``having``.

        No ``parts`` means every part. Add the results of several calls for a figure that counts
        some members more than once (a total of prompts, say, where one outcome has two).
        """
        wanted = set(parts) if parts else set(self.parts)
        counted = [bool(cell & wanted) and all(p in cell for p in having) for cell in self.cells]
        return np.array(counted, dtype=np.int64)

    def everyone(self) -> np.ndarray:
        """Return the weights of a figure that counts every member once."""
        return np.ones(len(self.cells), dtype=np.int64)


@dataclass
class PageFigure:
    """One count shown on a page: its true value, how it counts its population's cells, shown or not."""

    key: str
    value: int
    population: Population
    weights: np.ndarray
    shown: bool = True


@dataclass
class PageFigures:
    """Every count a page would show, to be checked and suppressed as a whole before it is drawn."""

    figures: dict[str, PageFigure] = field(default_factory=dict)
    #: The counts :meth:`protect` hid that are not small themselves (the page should say so).
    hidden_for_others: list[str] = field(default_factory=list)

    def add(
        self,
        key: str,
        value: float,
        population: Population,
        weights: np.ndarray | None = None,
        shown: bool = True,
    ) -> None:
        """Add a count under ``key``: ``weights`` of ``population``'s cells (everyone by default).

        ``shown`` is False for a count already hidden (by a table's own suppression, say).
        """
        counted = population.everyone() if weights is None else np.asarray(weights, dtype=np.int64)
        self.figures[key] = PageFigure(key, int(value), population, counted, shown)

    def shown(self, key: str) -> bool:
        """Return whether the count under ``key`` may be shown."""
        return self.figures[key].shown

    def revealing(self) -> list[tuple[tuple[str, ...], int]]:
        """Return each sum or difference of up to three shown counts that gives a group of 1 to 5.

        Each is the figures' keys (a leading ``-`` marks one subtracted) and the group's size.
        """
        found = []
        by_population: dict[int, list[PageFigure]] = {}
        for figure in self.figures.values():
            if figure.shown:
                by_population.setdefault(id(figure.population), []).append(figure)
        for figures in by_population.values():
            found.extend(revealing_in(figures))
        return found

    def protect(self) -> list[str]:
        """Hide counts until no group of 1 to 5 can be worked out; return the keys hidden here.

        Each round hides, of the figures that work out a small group, the smallest non-zero one
        (zeros are true zeros and say nothing on their own).
        """
        hidden = []
        while found := self.revealing():
            terms, _size = found[0]
            keys = [term.lstrip("-") for term in terms]
            choice = min((self.figures[k] for k in keys if self.figures[k].value), key=lambda f: f.value)
            choice.shown = False
            hidden.append(choice.key)
        self.hidden_for_others = [k for k in hidden if not is_small(self.figures[k].value)]
        return hidden


def revealing_in(figures: list[PageFigure]) -> list[tuple[tuple[str, ...], int]]:
    """Return the sums and differences of up to :data:`MOST_TERMS` ``figures`` (one population) of 1 to 5.

    A signed sum counts a group when it counts every cell of the population once or not at all,
    and some cell once; only then is it the size of a group a reader could name.
    """
    found = []
    for size in range(1, MOST_TERMS + 1):
        for chosen in itertools.combinations(figures, size):
            # Every choice of signs: "outcomes - higher - no score" subtracts the first two.
            for signs in itertools.product((1, -1), repeat=size):
                weights = sum(sign * f.weights for sign, f in zip(signs, chosen, strict=True))
                if not weights.any() or ((weights != 0) & (weights != 1)).any():
                    continue
                group = sum(sign * f.value for sign, f in zip(signs, chosen, strict=True))
                if LOWEST <= group <= HIGHEST:
                    terms = tuple(("" if s > 0 else "-") + f.key for s, f in zip(signs, chosen, strict=True))
                    found.append((terms, group))
    return found
