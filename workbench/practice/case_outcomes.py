"""One case's desired outcomes at a date and what is being done for each: the one case-level view.

The team lead's chosen child, supervision (the page and the pack), the audit case file and the
outcome plan page all show, for each desired outcome, the actions agreed in an outcome plan (who
does what by when), the interventions linked to it with their evidence level and provider, the
outcome's owner (whose words it is in), its scores and its target. They read it here, once, and
draw it with :func:`case_outcomes_html`, so an auditor grading "evidence-informed help" sees the
same help the team lead and the chair see.

The evidence window: the case is read *as it stood at D*. Nothing recorded after D shows: an
outcome agreed after D, an intervention that starts after D, a review dated after D, or a plan
version agreed at a meeting after D (the actions shown are those of the last version agreed on
or before D). An outcome closed after D was still active at D.

Read with queries filtered to the one child, so a case opens quickly at la-decade size.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.core.codes import labels
from workbench.core.dates import short_date
from workbench.measures.definitions import EVIDENCE_THRESHOLD
from workbench.measures.service_data import evidence_ranks
from workbench.store.engine import Store
from workbench.store.plan_tables import (
    PLAN_SOURCE,
    has_plan_tables,
    plan_history,
    plans_of_children,
    project_history,
)

OUTCOME_COLUMNS = [
    "outcome_id", "agreed_date", "statement", "whose_words", "agreed_with_family", "success_looks_like",
    "domain", "scale", "baseline_score", "target_score", "target_date", "status", "closed_date",
]  # fmt: skip
#: One row per thing being done for an outcome: an action of an agreed plan (``kind`` "action":
#: who, what, by when, with the help chosen) or an intervention the case record links to it
#: (``kind`` "intervention": who is the provider, dated from ``start_date`` to ``end_date``).
HELP_COLUMNS = [
    "child_id", "outcome_id", "kind", "who", "who_kind", "what", "by", "intervention", "evidence_level",
    "start_date", "end_date",
]  # fmt: skip

BELOW = "below the evidence threshold"
CAPTION = "What is being done for each desired outcome: who, by when, the help chosen and its evidence"
COLUMNS = (
    "Desired outcome", "Whose words", "Scores", "Target", "Status at the date",
    "What is being done",
)  # fmt: skip


@dataclass(frozen=True)
class CaseOutcomes:
    """A child's desired outcomes at D and what is being done for each.

    ``outcomes``: one row per outcome, in the order agreed, with ``number`` (1, 2, ...), the words
    to show (``domain_label``; ``owner``: whose words; ``status_label``, the status at D: "Active"
    until the outcome closed), and the latest review on or before D (``latest_date``,
    ``latest_score``, ``latest_family_score``; empty when none). ``help``: :data:`HELP_COLUMNS`
    plus ``evidence`` (the level's words, empty when no intervention is named) and
    ``evidence_met`` (at or above the authority's threshold). ``worker``: the worker allocated
    at D, by name (their id when the extract has no name; empty when none is allocated).
    """

    child_id: str
    at: date
    worker: str
    outcomes: pd.DataFrame
    help: pd.DataFrame

    def help_for(self, outcome_id: str) -> pd.DataFrame:
        """Return what is being done for one outcome: the plan's actions, then interventions by start."""
        return self.help[self.help["outcome_id"] == outcome_id]


def _frame(store: Store, query, columns: list[str]) -> pd.DataFrame:
    with store.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(query)]
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _dates(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column.astype("string"), errors="coerce", format="ISO8601")


def allocated_worker(store: Store, child_id: str, at: date) -> str:
    """Return the name (or id) of the worker allocated to the child at D; empty when none.

    Where two allocations are open, the one that started last (as the measures take it).
    """
    tables = store.metadata.tables
    allocations, workers = tables["allocations"], tables["workers"]
    query = (
        sa.select(allocations.c.worker_id, workers.c.name)
        .select_from(allocations.outerjoin(workers, workers.c.worker_id == allocations.c.worker_id))
        .where(
            allocations.c.child_id == child_id,
            allocations.c.start_date <= at,
            sa.or_(allocations.c.end_date.is_(None), allocations.c.end_date > at),
        )
        .order_by(allocations.c.start_date.desc(), allocations.c.worker_id.desc())
    )
    with store.engine.connect() as conn:
        found = conn.execute(query).first()
    if found is None:
        return ""
    return str(found.name or found.worker_id)


def plan_actions_at(conn: Connection, child_ids: Iterable[str], at: date) -> list[dict]:
    """Return the actions of the children's outcome plans as last agreed on or before D.

    One dict per action (:data:`HELP_COLUMNS`, ``kind`` "action"), under the extract outcome id
    the plan outcome stands as at that version. A version agreed at a meeting after D is not
    seen yet; a plan with no version agreed by D has no actions.
    """
    if not has_plan_tables(conn):
        return []
    day, wanted = at.isoformat(), set(child_ids)
    found = []
    # Every plan read, then kept by child: a caseload of thousands would overflow an IN list.
    for plan in (p for p in plans_of_children(conn) if p["child_id"] in wanted):
        history = plan_history(conn, plan["plan_id"])
        agreed = [v for v in history if v.status == "agreed" and v.meeting_date and v.meeting_date <= day]
        if not agreed:
            continue
        latest = max(agreed, key=lambda v: (v.meeting_date, v.version))
        ids = project_history(history).ids
        for outcome in latest.outcomes:
            ident = ids.get((latest.version, outcome.key))
            if ident is None:
                continue  # never projected (no domain): not an outcome of the case record
            found += [
                {"child_id": plan["child_id"], "outcome_id": ident, "kind": "action", "who": a.owner_name,
                 "who_kind": a.owner_kind, "what": a.action, "by": a.by_date or None,
                 "intervention": a.intervention, "evidence_level": a.evidence_level,
                 "start_date": latest.meeting_date, "end_date": None}
                for a in outcome.actions
            ]  # fmt: skip
    return found


def _latest_reviews(store: Store, outcome_ids: list[str], at: date) -> pd.DataFrame:
    """Return each outcome's last review on or before D (a review after D is not seen yet)."""
    reviews = store.metadata.tables["outcome_reviews"]
    columns = ["outcome_id", "latest_date", "latest_score", "latest_family_score"]
    found = _frame(
        store,
        sa.select(reviews.c.outcome_id, reviews.c.review_date, reviews.c.score, reviews.c.family_score)
        .where(reviews.c.outcome_id.in_(outcome_ids), reviews.c.review_date <= at)
        .order_by(reviews.c.outcome_id, reviews.c.review_date, reviews.c.review_id),
        columns,
    )
    return found.drop_duplicates("outcome_id", keep="last")


def _interventions(store: Store, child_id: str, outcome_ids: list[str], at: date) -> pd.DataFrame:
    """Return the interventions the case record links to the outcomes, started on or before D.

    Those projected from plans are left out: the plan's actions carry them, with who and by when.
    """
    tables = store.metadata.tables
    links, interventions = tables["intervention_outcomes"], tables["interventions"]
    imported = sa.or_(interventions.c.source_file.is_(None), interventions.c.source_file != PLAN_SOURCE)
    columns = ["outcome_id", "intervention", "evidence_level", "who", "start_date", "end_date"]
    found = _frame(
        store,
        sa.select(links.c.outcome_id, interventions.c.name, interventions.c.evidence_level,
                  interventions.c.provider, interventions.c.start_date, interventions.c.end_date)
        .join(interventions, interventions.c.intervention_id == links.c.intervention_id)
        .where(links.c.outcome_id.in_(outcome_ids), interventions.c.child_id == child_id, imported)
        .order_by(links.c.outcome_id, interventions.c.start_date, interventions.c.intervention_id),
        columns,
    )  # fmt: skip
    started = _dates(found["start_date"])
    # Help that starts after D was not yet chosen at D (no start date: shown, it cannot be placed).
    found = found[started.isna() | (started <= pd.Timestamp(at))]
    return found.assign(
        child_id=child_id, kind="intervention", what="", by=None,
        who_kind=["agency" if who else "" for who in found["who"]],
    )  # fmt: skip


def outcomes_current(
    store: Store, child_id: str, at: date, since: date, columns: list[str] = OUTCOME_COLUMNS
) -> pd.DataFrame:
    """Return the outcomes agreed by ``at`` and not closed before ``since`` (oldest first)."""
    outcomes = store.metadata.tables["outcomes"]
    return _frame(
        store,
        sa.select(*(outcomes.c[c] for c in columns))
        .where(
            outcomes.c.child_id == child_id,
            outcomes.c.agreed_date <= at,
            sa.or_(outcomes.c.closed_date.is_(None), outcomes.c.closed_date >= since),
        )
        .order_by(outcomes.c.agreed_date, outcomes.c.outcome_id),
        columns,
    )


def case_outcomes(store: Store, child_id: str, at: date, since: date | None = None) -> CaseOutcomes:
    """Return the child's desired outcomes current at D, each with what is being done, its owner and target.

    Current: agreed on or before ``at`` and not closed before ``since`` (by default the year to
    D, as the outcome journey shows them; the audit case file passes its evidence window).
    Nothing recorded after D is shown (see the module's words on the evidence window).
    """
    since = since or (pd.Timestamp(at) - pd.Timedelta(days=365)).date()
    found = outcomes_current(store, child_id, at, since)
    ids = list(found["outcome_id"])
    found = found.merge(_latest_reviews(store, ids, at), on="outcome_id", how="left")
    for column in ("agreed_date", "target_date", "closed_date", "latest_date"):
        found[column] = _dates(found[column])
    found.insert(0, "number", range(1, len(found) + 1))
    domains, owners, statuses = labels("outcome_domains"), labels("whose_words"), labels("outcome_statuses")
    found["domain_label"] = [domains.get(d, d or "") for d in found["domain"]]
    found["owner"] = [owners.get(w, w or "Not recorded") for w in found["whose_words"]]
    # The recorded status is the final one: an outcome closed after D was still active at D.
    open_at = found["closed_date"].isna() | (found["closed_date"] > pd.Timestamp(at))
    found["status_label"] = [
        "Active" if still else statuses.get(code, code or "")
        for code, still in zip(found["status"], open_at, strict=True)
    ]
    with store.engine.connect() as conn:
        agreed = [a for a in plan_actions_at(conn, [child_id], at) if a["outcome_id"] in set(ids)]
    actions = pd.DataFrame(agreed, columns=HELP_COLUMNS, dtype=object)
    helped = pd.concat([actions, _interventions(store, child_id, ids, at)[HELP_COLUMNS]], ignore_index=True)
    helped = helped.astype(object).where(helped.notna(), None)
    for column in ("start_date", "end_date"):
        helped[column] = _dates(helped[column])
    return CaseOutcomes(child_id, at, allocated_worker(store, child_id, at), found, with_evidence(helped))


def with_evidence(helped: pd.DataFrame) -> pd.DataFrame:
    """Add ``evidence`` (the level in words; empty with no intervention) and ``evidence_met`` to help rows."""
    levels, ranks = labels("evidence_levels"), evidence_ranks()
    threshold = ranks[EVIDENCE_THRESHOLD]
    pairs = zip(helped["evidence_level"], helped["intervention"], strict=True)
    return helped.assign(
        evidence=[levels.get(level or "not_rated", level) if name else "" for level, name in pairs],
        evidence_met=[ranks.get(level or "not_rated", 0) >= threshold for level in helped["evidence_level"]],
    ).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Drawing: one renderer, every typed value escaped (statements, names, providers, actions).


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def _day(value: object) -> str:
    return "" if value is None or pd.isna(value) else short_date(value)


def _score(value: object) -> str:
    return "-" if value is None or pd.isna(value) else f"{float(value):g}"


def _target(row: dict, at: date) -> str:
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


def help_item_html(row: dict) -> str:
    """Return one thing being done, escaped: who (and what kind of owner) will do what by when; the help.

    ``row``: a row of :attr:`CaseOutcomes.help` (or any dict with its columns and ``evidence``,
    ``evidence_met`` from :func:`with_evidence`).
    """
    owners = labels("action_owners")
    who = _text(row.get("who"))
    if row.get("kind") == "action":
        kind = owners.get(row.get("who_kind") or "", "")
        said = f"<b>{who or 'No owner named'}</b>" + (f" ({html.escape(kind.lower())})" if kind else "")
        if _text(row.get("what")):
            said += f": {_text(row['what'])}"
        said += f", by {_day(row.get('by'))}" if _day(row.get("by")) else ", <i>no date set</i>"
        if row.get("intervention"):
            said += f". Help: <b>{_text(row['intervention'])}</b>"
    else:
        said = f"<b>{_text(row.get('intervention'))}</b>" + (f" ({who})" if who else "")
    if row.get("intervention"):
        below = "" if row.get("evidence_met") else f" <span class='wb-below-threshold'>({BELOW})</span>"
        said += f". Evidence: {_text(row.get('evidence'))}{below}"
    if row.get("kind") != "action":
        dates = f"from {_day(row.get('start_date'))}" if _day(row.get("start_date")) else "start not recorded"
        if _day(row.get("end_date")):
            dates += f" to {_day(row['end_date'])}"
        said += f"; {html.escape(dates)}"
    return f"<li>{said}</li>"


def help_list_html(help_rows: pd.DataFrame) -> str:
    """Return an outcome's help as a list (:func:`help_item_html`), or says that none is recorded."""
    if help_rows.empty:
        return "<i>No action or intervention recorded for this outcome</i>"
    return f"<ul class='wb-help-list'>{''.join(help_item_html(r) for r in help_rows.to_dict('records'))}</ul>"


def _scores(row: dict) -> str:
    """Return the baseline and the last review by D, saying whose score each is."""
    baseline = f"Baseline {_score(row.get('baseline_score'))}"
    if row.get("latest_date") is None or pd.isna(row.get("latest_date")):
        return f"{baseline}<br><small>not reviewed yet</small>"
    pairs = (("family", _score(row.get("latest_family_score"))), ("worker", _score(row.get("latest_score"))))
    given = ", ".join(f"{who} {score}" for who, score in pairs if score != "-") or "not scored"
    return f"{baseline}<br>Latest: {given}<br><small>on {_day(row['latest_date'])}</small>"


def _agreed(row: dict) -> str:
    when = f"Agreed {_day(row.get('agreed_date'))}" if _day(row.get("agreed_date")) else "Agreed"
    family = "with the family" if row.get("agreed_with_family") else "<b>not</b> with the family"
    return f"{when}, {family}"


#: The table's look. In a narrow panel (the audit form's case file, a phone) each outcome stands
#: as a block, every cell named by its column (``data-label``), rather than a table cut off.
STYLE = (
    "<style>.wb-case-help-wrap{container-type:inline-size}"
    ".wb-case-help-table{border-collapse:collapse;margin-bottom:8px;width:100%}"
    ".wb-case-help-table caption{text-align:left;font-weight:bold;padding:4px 0}"
    ".wb-case-help-table th,.wb-case-help-table td{text-align:left;vertical-align:top;line-height:1.35;"
    "padding:4px 10px 4px 0;border-top:1px solid #ddd}.wb-case-help-table thead th{border-top:none;"
    "border-bottom:2px solid #333}.wb-case-help-table tbody th{min-width:10em;"
    "font-weight:normal}.wb-case-help-table .wb-statement{font-weight:bold}"
    ".wb-case-help-table td.wb-help-cell{min-width:14em}.wb-case-help-table td.wb-owner-cell,"
    ".wb-case-help-table td.wb-status-cell{min-width:6.5em}"
    # Typed text may hold a long unbroken run (a pasted link): it breaks rather than widen the table.
    ".wb-case-help-table tbody th,.wb-case-help-table td.wb-help-cell{overflow-wrap:anywhere}"
    ".wb-case-help-table td.wb-score-cell,.wb-case-help-table td.wb-target-cell{min-width:6.5em}"
    ".wb-case-help-table small{color:#333}"
    ".wb-help-list{margin:0;padding-left:16px}.wb-below-threshold,.wb-target-passed{color:#8a4600}"
    "@container (max-width: 860px){.wb-case-help-table thead{position:absolute;left:-10000px}"
    ".wb-case-help-table tbody,.wb-case-help-table tr,.wb-case-help-table tbody th,"
    ".wb-case-help-table td{display:block;min-width:0 !important;border-top:none;padding:2px 0}"
    ".wb-case-help-table tr{border-top:2px solid #bbb;padding:6px 0}"
    ".wb-case-help-table td::before{content:attr(data-label) ': ';font-weight:bold}}</style>"
)


def case_outcomes_html(case: CaseOutcomes | None, empty: str = "No child chosen.") -> str:
    """Return the case's outcomes and what is being done as an accessible, escaped table (or ``empty``)."""
    if case is None:
        return f"<p>{html.escape(empty)}</p>"
    worker = f"<b>{html.escape(case.worker)}</b>" if case.worker else "no worker allocated"
    at = html.escape(short_date(case.at))
    lead = f"<p>Case {html.escape(case.child_id)} at {at}: allocated worker {worker}.</p>"
    if case.outcomes.empty:
        return lead + "<p>No desired outcomes current for this child.</p>"
    rows = []
    for row in case.outcomes.to_dict("records"):
        done = help_list_html(case.help_for(row["outcome_id"]))
        statement = _text(row.get("statement")) or "<i>no statement recorded</i>"
        success = _text(row.get("success_looks_like")) or "<i>no success measure recorded</i>"
        rows.append(
            "<tr>"
            f"<th scope='row'><span class='wb-statement'>{row['number']}. {statement}</span>"
            f"<br><small>{_text(row['domain_label'])}. Success looks like: {success}</small>"
            f"<br><small>{_agreed(row)}</small></th>"
            f"<td class='wb-owner-cell' data-label='{COLUMNS[1]}'>{_text(row['owner'])}</td>"
            f"<td class='wb-score-cell' data-label='{COLUMNS[2]}'>{_scores(row)}</td>"
            f"<td class='wb-target-cell' data-label='{COLUMNS[3]}'>{_target(row, case.at)}</td>"
            f"<td class='wb-status-cell' data-label='{COLUMNS[4]}'>{_text(row['status_label'])}</td>"
            f"<td class='wb-help-cell' data-label='{COLUMNS[5]}'>{done}</td>"
            "</tr>"
        )
    head = "".join(f"<th scope='col'>{html.escape(title)}</th>" for title in COLUMNS)
    return (
        lead
        + STYLE
        + "<div class='wb-case-help-wrap'><table class='wb-case-help-table'>"
        f"<caption>{html.escape(CAPTION)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
