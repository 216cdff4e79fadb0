"""Accessible HTML tables of figures: a caption, column headers, every value escaped.

Each chart on a dashboard has one of these beside it, so the numbers a chart draws can be
read without seeing it (and by a screen reader), numerator and denominator included.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping

import pandas as pd

Formatter = Callable[[object], str]


def share(value: object) -> str:
    """Format a share as a percentage; empty (never 0%) when there is none."""
    return "" if value is None or pd.isna(value) else f"{float(value):.1%}"


def mean(value: object) -> str:
    """Format a mean score with its sign; empty when there is none."""
    return "" if value is None or pd.isna(value) else f"{float(value):+.2f}"


def count(value: object) -> str:
    """Format a count with thousands separators (a sum of scores keeps one decimal)."""
    if value is None or pd.isna(value):
        return ""
    number = float(value)
    return f"{number:,.0f}" if math.isclose(number, round(number)) else f"{number:,.1f}"


def yes_no(value: object) -> str:
    """Format a flag for a table cell."""
    return "yes" if bool(value) else ""


def value_formatter(unit: str) -> Formatter:
    """Return the formatter for a measure's values: shares as %, means with a sign."""
    return share if unit == "share" else mean


def figures_table(
    frame: pd.DataFrame,
    columns: Mapping[str, tuple[str, Formatter | None]],
    caption: str,
    css_class: str = "wb-table",
) -> str:
    """Return ``frame`` as an HTML table: ``columns`` maps column to (header, formatter).

    The first column is a row header (``<th scope="row">``). Every cell is escaped, so text
    from the data (team names, codes) can never become markup.
    """
    text_class = ' class="wb-text"'
    head = "".join(
        f'<th scope="col"{"" if formatter or i == 0 else text_class}>{html.escape(title)}</th>'
        for i, (title, formatter) in enumerate(columns.values())
    )
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for i, (name, (_, formatter)) in enumerate(columns.items()):
            value = record.get(name)
            text = formatter(value) if formatter else ("" if value is None or pd.isna(value) else str(value))
            if i == 0:
                cells.append(f'<th scope="row">{html.escape(text)}</th>')
            else:
                # Words read left to right; numbers are right-aligned to compare down a column.
                kind = "" if formatter else ' class="wb-text"'
                cells.append(f"<td{kind}>{html.escape(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="{html.escape(css_class)}"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
