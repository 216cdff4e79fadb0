"""Outcome plans made in a meeting: coach, check, agree, save safely, review at the next meeting, export.

The plan itself is in the model (:class:`~workbench.core.model.PlanVersion`) and the store
(:mod:`workbench.store.plan_tables`, which also projects agreed plans into the tables the
measures read). Here is what a chair does with one:

- :func:`coaching` reads an outcome as it is typed (flags and a question; it never blocks);
- :func:`agreement_gaps` is the check before a plan is agreed;
- :func:`save_plan` saves a version; when someone else saved first it raises
  :class:`~workbench.store.plan_tables.PlanChangedError`, and :func:`merge_plans` puts both
  people's changes together, so nothing either typed is lost;
- :func:`next_meeting` opens the plan at the next meeting, with the decisions to make;
- :func:`plan_export` writes the plan as the case-recording system takes it: flat CSV, and
  Mosaic's form answers in the shape ``data/mappings/mosaic-forms.yaml`` reads.
"""

from __future__ import annotations

import copy
import csv
import io
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import date

from workbench.core.codes import codes, labels
from workbench.core.model import ACTION_OWNERS, PlanAction, PlanOutcome, PlanVersion
from workbench.shapes import FORM_ANSWER_COLUMNS, OUTCOME_FORM, REVIEW_FORM, form_rows
from workbench.store.plan_tables import (
    plan_history,
    plans_of_children,
    project_history,
    read_version,
    save_version,
)
from workbench.store.retry import write_with_retry
from workbench.text.statements import Flag, analyse

#: The form a plan's actions are written on in the export; the workbench's own import leaves it
#: out (``ignore_form_types`` in the Mosaic mapping): interventions come from their own table.
ACTION_FORM = "Outcome Action"

#: Question codes of the action form (the demo authority's; docs/mosaic-forms.md).
ACTION_QUESTIONS = {
    "outcome_id": "ACT_OUTCOME_ID",
    "owner_kind": "ACT_OWNER_KIND",
    "owner_name": "ACT_OWNER_NAME",
    "action": "ACT_ACTION",
    "by_date": "ACT_BY_DATE",
    "intervention": "ACT_INTERVENTION",
    "evidence_level": "ACT_EVIDENCE_LEVEL",
}

#: The family's voice: whose_words codes that are the child's or family's own words.
FAMILY_VOICES = frozenset(row for row in codes("whose_words") if row != "practitioner")


def new_key(prefix: str = "O") -> str:
    """Return a key for a new outcome or action: unique even when two people add one at once."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def new_plan(child_id: str, involvement_id: str) -> PlanVersion:
    """Return a new, unsaved plan for a child's involvement, with one empty outcome."""
    return PlanVersion(
        plan_id=f"WBP-{uuid.uuid4().hex[:10]}",
        child_id=child_id,
        involvement_id=involvement_id,
        outcomes=[PlanOutcome(key=new_key(), actions=[PlanAction(key=new_key("A"))])],
    )


# ---------------------------------------------------------------------------------------------
# Coaching and the check before agreement


def coaching(statement: str) -> tuple[Flag, ...]:
    """Return what the statement reader flags in an outcome as typed, each with a question to ask."""
    if not statement.strip():
        return ()
    return analyse(statement).flags


def _gaps_of_outcome(number: int, outcome: PlanOutcome, review: bool) -> list[str]:
    where = f"Outcome {number}"
    gaps = []
    if not outcome.statement.strip():
        gaps.append(f"{where}: write what the family wants to be different.")
    if not outcome.whose_words:
        gaps.append(f"{where}: say whose words these are.")
    if not outcome.domain:
        gaps.append(f"{where}: choose the part of life it is about.")
    if not outcome.success_looks_like.strip():
        gaps.append(f"{where}: say what success will look like.")
    if outcome.family_baseline is None:
        gaps.append(f"{where}: ask the child or family for their score (0 to 10).")
    done = [a for a in outcome.actions if a.action.strip() and a.owner_name.strip() and a.by_date]
    if outcome.decision not in ("achieved", "withdrawn") and not done:
        gaps.append(f"{where}: add at least one action, with who will do it and by when.")
    if review and outcome.decision == "carried_on" and outcome.family_score is None:
        gaps.append(f"{where}: ask the child or family for their score today.")
    if outcome.decision in ("changed", "withdrawn") and not outcome.change_reason.strip():
        gaps.append(f"{where}: say why it changed.")
    return gaps


def agreement_gaps(plan: PlanVersion) -> list[str]:
    """Return what stops a plan being agreed, in words for the chair; empty when it can be agreed.

    Each outcome needs what success looks like, a score from the child or family, and at least
    one action with an owner and a date; where the family agreed their wider network is
    involved, someone from it must own an action. Coaching flags never stop agreement.
    """
    gaps = []
    if not plan.meeting_type:
        gaps.append("Choose the kind of meeting.")
    if not plan.meeting_date:
        gaps.append("Give the date of the meeting.")
    if not plan.outcomes:
        gaps.append("Write at least one outcome.")
    review = any(o.decision != "new" for o in plan.outcomes)
    for number, outcome in enumerate(plan.outcomes, start=1):
        gaps += _gaps_of_outcome(number, outcome, review)
    if plan.family_network_agreed and not any(
        a.owner_kind == "wider_family" and a.owner_name.strip() for o in plan.outcomes for a in o.actions
    ):
        gaps.append("The family agreed their wider family would help: name someone from it on an action.")
    return gaps


# ---------------------------------------------------------------------------------------------
# Saving, and two people editing at once


def save_plan(store, plan: PlanVersion, saved_by: str) -> PlanVersion:
    """Save ``plan`` as its next version under ``saved_by`` (a trusted identity); return it saved.

    Raises :class:`~workbench.store.plan_tables.PlanChangedError` when someone saved the plan
    since ``plan.version`` was opened: nothing is written, and the error carries their version.
    """
    return write_with_retry(store, lambda conn: save_version(conn, plan, saved_by))


def load_plan(store, plan_id: str, version: int | None = None) -> PlanVersion:
    """Return a plan's latest version (or ``version``)."""
    with store.engine.connect() as conn:
        return read_version(conn, plan_id, version)


def load_history(store, plan_id: str) -> list[PlanVersion]:
    """Return every saved version of a plan, oldest first."""
    with store.engine.connect() as conn:
        return plan_history(conn, plan_id)


def child_plans(store, child_ids) -> list[dict]:
    """Return the plans of the given children (id, child, involvement, latest version)."""
    with store.engine.connect() as conn:
        return plans_of_children(conn, child_ids)


@dataclass(frozen=True)
class Conflict:
    """One thing two people changed differently: what, and each one's value."""

    where: str
    mine: str
    theirs: str


_PLAN_FIELDS = (
    "meeting_id", "meeting_type", "meeting_date", "status", "family_agreed", "family_network_agreed",
)  # fmt: skip
_OUTCOME_FIELDS = tuple(f.name for f in fields(PlanOutcome) if f.name not in ("key", "actions"))


def _pick(base, mine, theirs, where: str, conflicts: list[Conflict]):
    """Three-way choice: whoever changed it wins; when both did, mine stays and theirs is listed."""
    if mine == theirs or theirs == base:
        return mine
    if mine == base:
        return theirs
    conflicts.append(Conflict(where, str(mine), str(theirs)))
    return mine


def _merge_items(base: list, mine: list, theirs: list, merge_one) -> list:
    """Merge lists of keyed items: added by either are kept, removed by one and untouched by the other go."""
    base_by, theirs_by = {i.key: i for i in base}, {i.key: i for i in theirs}
    mine_keys = {i.key for i in mine}
    merged = []
    for item in mine:
        other = theirs_by.get(item.key)
        if other is None:
            # They removed it: it goes, unless it is new or I changed it (then mine is kept).
            if item.key in base_by and base_by[item.key] == item:
                continue
            merged.append(item)
        else:
            merged.append(merge_one(base_by.get(item.key), item, other))
    for item in theirs:
        if item.key not in mine_keys and (item.key not in base_by or base_by[item.key] != item):
            merged.append(item)  # theirs, new; or changed by them after I removed it: kept
    return merged


def merge_plans(
    base: PlanVersion, mine: PlanVersion, theirs: PlanVersion
) -> tuple[PlanVersion, list[Conflict]]:
    """Put together my unsaved edits and the version someone else saved, both made from ``base``.

    Returns the merged plan, ready to save on top of ``theirs``, and what we both changed
    differently (mine is kept there; theirs is listed, so the chair can choose).
    """
    conflicts: list[Conflict] = []
    merged = copy.deepcopy(theirs)
    for name in _PLAN_FIELDS:
        setattr(merged, name, _pick(getattr(base, name), getattr(mine, name), getattr(theirs, name),
                                    name.replace("_", " "), conflicts))  # fmt: skip

    def merge_action(base_action, my_action, their_action):
        if base_action is None:
            base_action = their_action if my_action == their_action else PlanAction(key=my_action.key)
        values = {
            name: _pick(getattr(base_action, name), getattr(my_action, name), getattr(their_action, name),
                        f"action {name.replace('_', ' ')}", conflicts)
            for name in asdict(my_action)
            if name != "key"
        }
        return PlanAction(key=my_action.key, **values)

    def merge_outcome(base_outcome, my_outcome, their_outcome):
        base_outcome = base_outcome or PlanOutcome(key=my_outcome.key)
        label = (my_outcome.statement or their_outcome.statement)[:40]
        values = {
            name: _pick(getattr(base_outcome, name), getattr(my_outcome, name), getattr(their_outcome, name),
                        f"“{label}”: {name.replace('_', ' ')}", conflicts)
            for name in _OUTCOME_FIELDS
        }
        actions = _merge_items(base_outcome.actions, my_outcome.actions, their_outcome.actions, merge_action)
        return PlanOutcome(key=my_outcome.key, actions=actions, **values)

    merged.outcomes = _merge_items(base.outcomes, mine.outcomes, theirs.outcomes, merge_outcome)
    merged.version = theirs.version
    return merged, conflicts


# ---------------------------------------------------------------------------------------------
# The next meeting


def next_meeting(latest: PlanVersion, meeting_type: str = "", meeting_date: str = "") -> PlanVersion:
    """Return the plan opened at the next meeting: a draft whose open outcomes await a decision.

    Outcomes achieved or withdrawn before are left off; the others are carried on until the
    meeting decides, with today's scores empty beside the earlier ones (see :func:`score_history`).
    """
    plan = copy.deepcopy(latest)
    plan.status = "draft"
    plan.meeting_id, plan.meeting_type, plan.meeting_date = "", meeting_type, meeting_date
    kept = []
    for outcome in plan.outcomes:
        if outcome.decision in ("achieved", "withdrawn"):
            continue
        outcome.decision = "carried_on"
        outcome.family_score = outcome.practitioner_score = None
        outcome.change_reason = ""
        kept.append(outcome)
    plan.outcomes = kept
    return plan


def score_history(history: list[PlanVersion], key: str) -> list[tuple[str, float | None, float | None]]:
    """Return an outcome's scores at each agreed meeting: (date, family score, practitioner score).

    The first is the baseline; later ones are the scores given at each review.
    """
    scores = []
    for version in history:
        if version.status != "agreed":
            continue
        outcome = next((o for o in version.outcomes if o.key == key), None)
        if outcome is None:
            continue
        if outcome.decision == "new":
            scores = [(version.meeting_date, outcome.family_baseline, outcome.practitioner_baseline)]
        else:
            scores.append((version.meeting_date, outcome.family_score, outcome.practitioner_score))
    return [s for i, s in enumerate(scores) if i == 0 or s != scores[i - 1]]


def is_past(iso: str, today: date) -> bool:
    """Whether an ISO date is before ``today`` (an action overdue)."""
    return bool(iso) and iso < today.isoformat()


# ---------------------------------------------------------------------------------------------
# The export for the case-recording system


def _text(value) -> str:
    """Return a projected value written as the extract writes it (Y/N, plain numbers, ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


#: Columns of the flat plan export (``plan_outcomes.csv``): one row per outcome per meeting.
PLAN_CSV_COLUMNS = (
    "plan_id", "version", "child_id", "involvement_id", "meeting_type", "meeting_date", "status",
    "outcome_id", "statement", "whose_words", "success_looks_like", "domain", "family_baseline",
    "practitioner_baseline",
    "target_score", "target_date", "decision", "family_score", "practitioner_score", "change_reason",
)  # fmt: skip
#: Columns of ``plan_actions.csv``: one row per action per meeting.
ACTION_CSV_COLUMNS = (
    "plan_id", "version", "outcome_id", "owner_kind", "owner_name", "action", "by_date", "intervention",
    "evidence_level",
)  # fmt: skip


@dataclass
class PlanExport:
    """A plan as files for the case-recording system: name -> CSV text."""

    files: dict[str, str] = field(default_factory=dict)


def _csv(columns, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def plan_export(history: list[PlanVersion]) -> PlanExport:
    """Return a plan's agreed versions as ``plan_outcomes.csv``, ``plan_actions.csv`` and form answers.

    ``form_answers.csv`` is Mosaic's form-answer layout: a Desired Outcome form per outcome,
    an Outcome Review form per review, and an Outcome Action form per action; read through
    ``data/mappings/mosaic-forms.yaml`` it gives back the same outcomes and reviews.
    In the two flat files, which people open in a spreadsheet, a cell is never a formula (see
    :func:`cell`); ``form_answers.csv`` keeps every word exactly as said, for the import.
    """
    agreed = [v for v in history if v.status == "agreed"]
    projection = project_history(history)
    outcome_rows, action_rows, answers = [], [], []
    current = {}
    for version in agreed:
        for outcome in version.outcomes:
            ident = projection.ids.get((version.version, outcome.key), "")
            current[outcome.key] = ident
            outcome_rows.append([cell(_text(v)) for v in (
                version.plan_id, version.version, version.child_id, version.involvement_id,
                version.meeting_type, version.meeting_date, version.status, ident, outcome.statement,
                outcome.whose_words,
                outcome.success_looks_like, outcome.domain, outcome.family_baseline,
                outcome.practitioner_baseline, outcome.target_score, outcome.target_date, outcome.decision,
                outcome.family_score, outcome.practitioner_score, outcome.change_reason,
            )])  # fmt: skip
            for action in outcome.actions:
                action_rows.append([cell(_text(v)) for v in (
                    version.plan_id, version.version, ident, action.owner_kind, action.owner_name,
                    action.action, action.by_date, action.intervention, action.evidence_level,
                )])  # fmt: skip
    child = agreed[-1].child_id if agreed else ""
    for row in projection.outcomes.values():
        text_row = {name: _text(value) for name, value in row.items()}
        answers += form_rows(text_row, "outcomes", child, text_row["agreed_meeting_id"], OUTCOME_FORM,
                             text_row["agreed_date"])  # fmt: skip
    for row in projection.reviews:
        text_row = {name: _text(value) for name, value in row.items()}
        answers += form_rows(text_row, "outcome_reviews", child, text_row["meeting_id"], REVIEW_FORM,
                             text_row["review_date"])  # fmt: skip
    if agreed:
        answers += _action_answers(agreed[-1], current)
    return PlanExport({
        "plan_outcomes.csv": _csv(PLAN_CSV_COLUMNS, outcome_rows),
        "plan_actions.csv": _csv(ACTION_CSV_COLUMNS, action_rows),
        # Words exactly as said, for the case record's import (the flat files are for people).
        "form_answers.csv": _csv(FORM_ANSWER_COLUMNS, answers),
    })  # fmt: skip


def _action_answers(latest: PlanVersion, current: dict[str, str]) -> list[tuple[str, ...]]:
    """Return the Outcome Action forms of the latest agreed version: one form per action."""
    rows = []
    words = {"owner_kind": labels("action_owners"), "evidence_level": labels("evidence_levels")}
    for outcome in latest.outcomes:
        for action in outcome.actions:
            values = asdict(action) | {"outcome_id": current.get(outcome.key, "")}
            form = f"{current.get(outcome.key, latest.plan_id)}-{action.key}"
            for column, code in ACTION_QUESTIONS.items():
                value = str(values[column] or "")
                if not value:
                    continue
                if column == "by_date":
                    value = "/".join(reversed(value.split("-")))
                value = words.get(column, {}).get(value, value)
                rows.append((latest.child_id, latest.meeting_id, form, ACTION_FORM,
                             "/".join(reversed(latest.meeting_date.split("-"))), code, value))  # fmt: skip
    return rows


def cell(text: str) -> str:
    """Return text for a CSV cell that a spreadsheet will show as text, never run as a formula.

    A cell starting ``=``, ``+``, ``-``, ``@`` or a tab is prefixed with ``'`` (OWASP's advice
    against CSV injection); negative numbers are left as they are.
    """
    text = str(text)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


#: Who may own an action, in words for the page.
OWNER_WORDS = {code: labels("action_owners")[code] for code in ACTION_OWNERS}
