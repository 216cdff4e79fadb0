"""Disclosure control for anything published to a wider audience (DESIGN.md section 7).

Counts of 1 to 5 are shown as "c". A share is suppressed when its numerator, or what is left
of its denominator, is 1 to 5: "47 of 50" would reveal that 3 children did not. A zero is a
true zero and is shown. (Secondary suppression, so that totals cannot reveal a hidden cell,
matters for tables with totals; a report card's single figures have none.)
"""

from __future__ import annotations

import math

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
