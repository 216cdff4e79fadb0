"""One case's desired outcomes with the help chosen for each, its owner and its target, as a table.

Shown on the team lead's page (the chosen child), in supervision and beside the audit
questions. Every value is escaped: statements, providers and names are typed by people.
"""

from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd

from workbench.core.dates import short_date
from workbench.pages.case_outcomes import CaseOutcomes

BELOW = "below the evidence threshold"
COLUMNS = ("Desired outcome", "Whose words, and owner", "Target", "Status at the date", "Help chosen")
CAPTION = "What will be done for each desired outcome: the help chosen, its evidence, who and by when"


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def _day(value: object) -> str:
    return "" if value is None or pd.isna(value) else short_date(value)


def _target(row: dict, at: object) -> str:
    score, when = row.get("target_score"), row.get("target_date")
    parts = []
    if score is not None and not pd.isna(score):
        parts.append(f"score {float(score):g}")
    if when is not None and not pd.isna(when):
        parts.append(f"by {_day(when)}")
    if not parts:
        return "<i>no target set</i>"
    shown = html.escape(", ".join(parts))
    dated = when is not None and not pd.isna(when)
    if dated and row.get("status_label") == "Active" and when < pd.Timestamp(at):
        shown += " <span class='wb-target-passed'>(date passed)</span>"
    return shown


def _help_list(help_rows: pd.DataFrame) -> str:
    if help_rows.empty:
        return "<i>No intervention recorded for this outcome</i>"
    items = []
    for row in help_rows.to_dict("records"):
        provider = f" ({_text(row['provider'])})" if _text(row.get("provider")) else ""
        met = "" if row["evidence_met"] else f" <span class='wb-below-threshold'>({BELOW})</span>"
        dates = f"from {_day(row['start_date'])}" if _day(row.get("start_date")) else "start not recorded"
        if _day(row.get("end_date")):
            dates += f" to {_day(row['end_date'])}"
        items.append(
            f"<li><b>{_text(row['name'])}</b>{provider}. Evidence: {_text(row['evidence'])}{met}; "
            f"{html.escape(dates)}</li>"
        )
    return f"<ul class='wb-help-list'>{''.join(items)}</ul>"


def case_outcomes_html(case: CaseOutcomes | None, empty: str = "No child chosen.") -> str:
    """Return the case's outcomes and help as an accessible, escaped HTML table (or ``empty``)."""
    if case is None:
        return f"<p>{html.escape(empty)}</p>"
    worker = html.escape(case.worker) if case.worker else "no worker allocated"
    lead = (
        f"<p>Case {html.escape(case.child_id)} at {html.escape(short_date(case.at))}: allocated worker "
        f"<b>{worker}</b>.</p>"
    )
    if case.outcomes.empty:
        return lead + "<p>No desired outcomes current for this child.</p>"
    rows = []
    for row in case.outcomes.to_dict("records"):
        statement = _text(row.get("statement")) or "<i>no statement recorded</i>"
        success = _text(row.get("success_looks_like")) or "<i>no success measure recorded</i>"
        rows.append(
            "<tr>"
            f"<th scope='row'>{row['number']}. {_text(row['domain_label'])}: {statement}"
            f"<br><small class='wb-success'>Success looks like: {success}</small></th>"
            f"<td>{_text(row['owner'])}<br><small>Worker: {worker}</small></td>"
            f"<td>{_target(row, case.at)}</td>"
            f"<td>{_text(row['status_label'])}</td>"
            f"<td>{_help_list(case.help_for(row['outcome_id']))}</td>"
            "</tr>"
        )
    head = "".join(
        f"<th scope='col'>{title}</th>"
        for title in COLUMNS
    )
    return (
        lead
        + "<style>.wb-case-help-table{border-collapse:collapse;margin-bottom:8px}"
        ".wb-case-help-table caption{text-align:left;font-weight:bold;padding:4px 0}"
        ".wb-case-help-table th,.wb-case-help-table td{text-align:left;vertical-align:top;line-height:1.35;"
        "padding:4px 12px 4px 0;border-top:1px solid #ddd}.wb-case-help-table thead th{border-top:none;"
        "border-bottom:2px solid #333}.wb-case-help-table .wb-success{font-weight:normal;color:#333}"
        ".wb-help-list{margin:0;padding-left:16px}.wb-below-threshold,.wb-target-passed{color:#8a4600}</style>"
        f"<table class='wb-case-help-table'><caption>{html.escape(CAPTION)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


class CaseOutcomesView(W.HTML):
    """The table of one case's outcomes and help; :meth:`show` puts a case in it (``case`` holds it)."""

    def __init__(self, case: CaseOutcomes | None = None, empty: str = "No child chosen.") -> None:
        self.case = case
        self.empty = empty
        super().__init__(case_outcomes_html(case, empty))
        self.add_class("wb-case-help")

    def show(self, case: CaseOutcomes | None) -> None:
        """Show ``case`` (None: the empty words)."""
        self.case = case
        self.value = case_outcomes_html(case, self.empty)
