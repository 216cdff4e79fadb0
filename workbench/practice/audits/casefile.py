"""What an auditor reads beside the questions: one case's desired outcomes, reviews and meetings.

Read with queries filtered to the one child, so opening a case stays quick at la-decade size.
Outcomes shown are those active at any time in the evidence window (agreed on or before its
end, and not closed before its start); reviews and meetings are those dated in the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa

from workbench.core.codes import labels
from workbench.practice.case_outcomes import CaseOutcomes, case_outcomes, case_outcomes_html, outcomes_current


@dataclass
class CaseFile:
    """One case, as the auditor sees it."""

    child_id: str
    found: bool
    outcomes: pd.DataFrame
    reviews: pd.DataFrame
    meetings: pd.DataFrame
    #: The outcomes as every case-level page shows them, at the window's end: what is being done
    #: for each (the plan's actions, the interventions and their evidence), owners, targets.
    view: CaseOutcomes | None = None


def _frame(store, query, columns: list[str]) -> pd.DataFrame:
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query)]
    return pd.DataFrame(rows, columns=columns)


def case_file(store, child_id: str, evidence_from: date, evidence_to: date) -> CaseFile:
    """Return the case's outcomes, reviews and meetings for the evidence window."""
    tables = store.metadata.tables
    children, outcomes, reviews, meetings = (
        tables[n] for n in ("children", "outcomes", "outcome_reviews", "meetings")
    )
    with store.engine.connect() as conn:
        found = conn.execute(sa.select(children.c.child_id).where(children.c.child_id == child_id)).first()
    start, end = evidence_from, evidence_to
    outcome_columns = [
        "outcome_id", "agreed_date", "statement", "whose_words", "agreed_with_family", "success_looks_like",
        "domain", "baseline_score", "target_score", "status", "closed_date",
    ]  # fmt: skip
    outcome_rows = outcomes_current(store, child_id, end, start, outcome_columns)
    review_columns = ["review_date", "outcome_id", "score", "family_score", "reviewer_role", "note"]
    review_rows = _frame(
        store,
        sa.select(*(reviews.c[c] for c in review_columns))
        .join(outcomes, outcomes.c.outcome_id == reviews.c.outcome_id)
        .where(outcomes.c.child_id == child_id, reviews.c.review_date.between(start, end))
        .order_by(reviews.c.review_date, reviews.c.review_id),
        review_columns,
    )
    meeting_columns = [
        "date", "meeting_type", "child_participation", "family_attended", "wider_family_attended",
        "agencies_attended",
    ]  # fmt: skip
    meeting_rows = _frame(
        store,
        sa.select(*(meetings.c[c] for c in meeting_columns))
        .where(meetings.c.child_id == child_id, meetings.c.date.between(start, end))
        .order_by(meetings.c.date),
        meeting_columns,
    )
    view = case_outcomes(store, child_id, end, since=start)
    return CaseFile(child_id, found is not None, outcome_rows, review_rows, meeting_rows, view)


def _cell(value) -> str:
    import html

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return html.escape(
        str(value).replace("_", " ") if not isinstance(value, str) or " " not in value else value
    )


def _table(frame: pd.DataFrame, columns: dict[str, str], css: str, empty: str) -> str:
    import html

    if frame.empty:
        return f"<p class='{css} wb-empty'>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(title)}</th>" for title in columns.values())
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(row[c])}</td>" for c in columns) + "</tr>"
        for row in frame.to_dict("records")
    )
    return f"<table class='{css}'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


_CASE_CSS = (
    "<style>.wb-case-file-body table{border-collapse:collapse;font-size:13px;width:100%}"
    ".wb-case-file-body th,.wb-case-file-body td{border-bottom:1px solid #ddd;padding:2px 4px;"
    "text-align:left;vertical-align:top}</style>"
)


def _label(kind: str, code) -> str:

    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return ""
    return labels(kind).get(str(code), str(code))


def case_file_html(case: CaseFile, evidence_from: date, evidence_to: date) -> str:
    """Return the case file as HTML, every value escaped (statements and notes are typed by people)."""
    import html

    if not case.found:
        return f"<p class='wb-case-missing'>No child {html.escape(case.child_id)} in the store.</p>"
    window = f"{evidence_from:%d %b %Y} to {evidence_to:%d %b %Y}"
    meetings = case.meetings.copy()
    if "meeting_type" in meetings:
        meetings["meeting_type"] = [_label("meeting_types", m) for m in meetings["meeting_type"]]
        meetings["agencies_attended"] = [a.replace(";", "; ") if isinstance(a, str) else a
                                         for a in meetings["agencies_attended"]]  # fmt: skip
    return "".join(
        [
            _CASE_CSS,
            "<div class='wb-case-file-body'>",
            f"<h4>Case {html.escape(case.child_id)}: evidence window {html.escape(window)}</h4>",
            f"<h5>Desired outcomes ({len(case.outcomes)})</h5>",
            "<div class='wb-case-outcomes'>",
            case_outcomes_html(case.view) if case.view is not None else "",
            "</div>",
            f"<h5>Reviews in the window ({len(case.reviews)})</h5>",
            _table(
                case.reviews,
                {"review_date": "Date", "outcome_id": "Outcome", "score": "Score",
                 "family_score": "Family's score", "note": "Note"},
                "wb-case-reviews", "No reviews in the window.",
            ),
            f"<h5>Meetings in the window ({len(case.meetings)})</h5>",
            _table(
                meetings,
                {"date": "Date", "meeting_type": "Meeting", "child_participation": "Child took part",
                 "family_attended": "Family", "agencies_attended": "Agencies"},
                "wb-case-meetings", "No meetings in the window.",
            ),
            "</div>",
        ]
    )  # fmt: skip


def data_end(store) -> date | None:
    """Return the latest review or meeting date in the store: where the case records run to."""
    tables = store.metadata.tables
    with store.engine.connect() as conn:
        found = [
            conn.execute(sa.select(sa.func.max(tables["outcome_reviews"].c.review_date))).scalar(),
            conn.execute(sa.select(sa.func.max(tables["meetings"].c.date))).scalar(),
        ]
    days = [d if isinstance(d, date) else date.fromisoformat(str(d)) for d in found if d]
    return max(days) if days else None
