"""HTML tables for audit views and pages: every cell escaped, one look everywhere."""

from __future__ import annotations

import html
from datetime import date

import pandas as pd

#: Scoped to ``.wb-audit-table`` so it cannot restyle the rest of a dashboard.
TABLE_STYLE = (
    "<style>table.wb-audit-table{border-collapse:collapse;font-size:13px;margin:4px 0 12px}"
    "table.wb-audit-table th{background:#f2f2f2;text-align:left}"
    "table.wb-audit-table th,table.wb-audit-table td{border:1px solid #ddd;padding:2px 6px;"
    "vertical-align:top}</style>"
)


def cell_text(value, fmt: str | None = None) -> str:
    """Return a value as plain text: empty for missing, ISO for dates, ``fmt`` if given."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if fmt:
        return fmt.format(value)
    if isinstance(value, pd.Timestamp | date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def html_table(
    frame: pd.DataFrame,
    css: str = "",
    formats: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    empty: str = "None.",
    caption: str | None = None,
) -> str:
    """Return ``frame`` as an HTML table, every header and cell escaped (evidence is typed by people).

    ``caption`` names the table (a chart's figures in words carry one, for screen readers).
    """
    if frame.empty:
        return f"<p class='{html.escape(css)} wb-empty'>{html.escape(empty)}</p>"
    formats, headers = formats or {}, headers or {}
    head = "".join(
        f"<th>{html.escape(headers.get(str(c), str(c).replace('_', ' ').capitalize()))}</th>"
        for c in frame.columns
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(cell_text(v, formats.get(c)))}</td>"
            for c, v in zip(frame.columns, row, strict=True)
        )
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        f"<table class='wb-audit-table {html.escape(css)}'>"
        + (f"<caption>{html.escape(caption)}</caption>" if caption else "")
        + f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
