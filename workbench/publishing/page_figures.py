"""The counts a shared page shows, checked as a whole so that none of 1 to 5 can be worked out.

A shared pack or report card shows many counts. Each is safe alone (1 to 5 shown as "c"), but
two or three of them can be subtracted to give a count no table shows: "achieved 6 of 16"
beside "partly achieved 9 of 16" tells the reader that 1 outcome was not achieved. Each page
lists its counts here, with the population each counts and which part of it
(:class:`workbench.core.disclosure.Population`), and :meth:`PageFigures.protect` hides more
until no sum or difference of up to three shown counts gives a group of 1 to 5. The page is
then drawn from what is left, and says that figures were hidden to protect children.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.core.disclosure import SUPPRESSED, PageFigures, Population, suppress_with_total

#: What a page says when a count was hidden only because others would reveal a small one.
HIDDEN_FOR_OTHERS = (
    "Some figures are hidden (shown as c) even though they are not small: together with other "
    "figures on this page they would reveal a count of 1 to 5."
)


def add_table(
    figures: PageFigures,
    population: Population,
    prefix: str,
    rows: Sequence[tuple[str, int]],
    total_key: str,
    total: int | None = None,
) -> None:
    """Add a table of counts, one per part of ``population``, and its total, as the table hides them.

    The table's own suppression (:func:`suppress_with_total`, which also knows that a hidden
    count is 1 to 5) decides first; the page check may hide more. ``total`` defaults to the sum
    (give it when the total is already on the page under ``total_key`` with another value).
    """
    values = [int(v) for _, v in rows]
    shown, shown_total = suppress_with_total(values)
    for (part, value), cell in zip(rows, shown, strict=True):
        figures.add(
            f"{prefix}:{part}", value, population, population.count_of(parts=(part,)), cell != SUPPRESSED
        )
    existing = figures.figures.get(total_key)
    figures.add(
        total_key,
        sum(values) if total is None else total,
        population,
        shown=(shown_total != SUPPRESSED) and (existing is None or existing.shown),
    )


def published(figures: PageFigures, key: str) -> str:
    """Return the count under ``key`` as the page shows it: the number, or ``c`` when hidden."""
    figure = figures.figures[key]
    return f"{figure.value:,}" if figure.shown else SUPPRESSED


def published_table(
    figures: PageFigures, prefix: str, parts: Sequence[str], total_key: str
) -> tuple[list[str], str]:
    """Return a table's cells and total as the page shows them (for ``counts_table`` and its chart)."""
    return [published(figures, f"{prefix}:{part}") for part in parts], published(figures, total_key)
