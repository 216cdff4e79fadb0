"""What an auditor reads beside the questions: one case's desired outcomes, reviews and meetings.

Read with queries filtered to the one child, so opening a case stays quick at la-decade size.
Outcomes shown are those active at any time in the evidence window (agreed on or before its
end, and not closed before its start); reviews and meetings are those dated in the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import sqlalchemy as sa

from workbench.core.codes import labels
from workbench.store.plan_tables import HELP_COLUMNS, outcome_help


@dataclass
class CaseFile:
    """One case, as the auditor sees it."""

    child_id: str
    found: bool
    outcomes: pd.DataFrame
    reviews: pd.DataFrame
    meetings: pd.DataFrame
    #: What is being done for each outcome: interventions linked to it, and the actions of an
    #: outcome plan made in the workbench (who, what, by when, the help and its evidence level).
    help: pd.DataFrame = field(default_factory=pd.DataFrame)


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
    outcome_rows = _frame(
        store,
        sa.select(*(outcomes.c[c] for c in outcome_columns))
        .where(
            outcomes.c.child_id == child_id,
            outcomes.c.agreed_date <= end,
            sa.or_(outcomes.c.closed_date.is_(None), outcomes.c.closed_date >= start),
        )
        .order_by(outcomes.c.agreed_date, outcomes.c.outcome_id),
        outcome_columns,
    )
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
    return CaseFile(child_id, found is not None, outcome_rows, review_rows, meeting_rows,
                    _help_rows(store, child_id, list(outcome_rows["outcome_id"])))  # fmt: skip


def _help_rows(store, child_id: str, outcome_ids: list[str]) -> pd.DataFrame:
    """Return what is being done for the case's outcomes (see :attr:`CaseFile.help`)."""
    with store.engine.connect() as conn:
        rows = [row for row in outcome_help(conn, [child_id]) if row["outcome_id"] in set(outcome_ids)]
    return pd.DataFrame(rows, columns=list(HELP_COLUMNS))


def _help_item(row: dict) -> str:
    """Return one thing being done: who (and what kind of owner), what, by when, the help and its evidence."""
    kind = f" ({_cell(_label('action_owners', row['who_kind']))})" if row["who_kind"] else ""
    parts = [f"{_cell(row['who']) or 'no owner'}{kind}"]
    if row["what"]:
        parts.append(_cell(row["what"]))
    if row["by"]:
        parts.append(f"by {_cell(row['by'])}")
    if row["intervention"]:
        level = _label("evidence_levels", row["evidence_level"] or "not_rated").lower()
        parts.append(f"intervention: {_cell(row['intervention'])}, evidence {_cell(level)}")
    return f"<li>{' · '.join(parts)}</li>"


def _help_list(case_help: pd.DataFrame | None, outcome_id) -> str:
    """Return an outcome's help as a list: who does what by when, the intervention and its evidence."""
    if case_help is None or case_help.empty:
        return ""
    mine = case_help[case_help["outcome_id"] == outcome_id]
    if mine.empty:
        return "<br><small>What is being done: <i>nothing recorded</i></small>"
    items = "".join(_help_item(row) for row in mine.to_dict("records"))
    return f"<br><small>What is being done:</small><ul class='wb-case-help'>{items}</ul>"


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
    "text-align:left;vertical-align:top}.wb-case-outcome{border-left:4px solid #0072B2;padding:4px 8px;"
    "margin:6px 0;background:#f6f9fc}.wb-case-outcome small{color:#444}</style>"
)


def _label(kind: str, code) -> str:

    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return ""
    return labels(kind).get(str(code), str(code))


def _outcome_cards(outcomes: pd.DataFrame, case_help: pd.DataFrame | None = None) -> str:
    import html

    if outcomes.empty:
        return "<p class='wb-case-outcomes wb-empty'>No desired outcomes active in the window.</p>"
    cards = []
    for row in outcomes.to_dict("records"):
        success = _cell(row.get("success_looks_like")) or "<i>no success measure recorded</i>"
        facts = [
            html.escape(_label("whose_words", row.get("whose_words"))),
            "agreed with the family" if row.get("agreed_with_family") else "<b>not</b> agreed with family",
            f"baseline {_cell(row.get('baseline_score')) or 'none'}, "
            f"target {_cell(row.get('target_score')) or 'none'}",
            f"agreed {_cell(row.get('agreed_date'))}",
            html.escape(_label("outcome_statuses", row.get("status")).lower()),
        ]
        cards.append(
            f"<div class='wb-case-outcome'><b>{_cell(row.get('statement'))}</b><br>"
            f"Success looks like: {success}<br><small>{' · '.join(facts)}</small>"
            f"{_help_list(case_help, row.get('outcome_id'))}</div>"
        )
    return f"<div class='wb-case-outcomes'>{''.join(cards)}</div>"


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
            _outcome_cards(case.outcomes, case.help),
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
