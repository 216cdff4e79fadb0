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
