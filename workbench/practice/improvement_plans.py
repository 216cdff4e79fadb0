"""Improvement plans that are kept: a target, the story behind the curve, partners and actions.

One plan per measure (or per part of the report card) and population ("All children", or
"Children in North"), saved in the store (schema version 12) with who wrote it and when. A
save never overwrites: it adds a version, so the history is kept and the latest version is the
plan. Turn-the-curve charts draw its target, and the report card carries it.

Only the Head of Practice Improvement writes the service's plans; everyone who may see the
service pages reads them. Text is kept as typed and escaped wherever it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa

from workbench.access import HEAD_OF_PRACTICE_IMPROVEMENT, AccessRefusedError, Identity
from workbench.measures.headline import MEASURES
from workbench.store.engine import Store
from workbench.store.improvement_plan_tables import IMPROVEMENT_ACTIONS, IMPROVEMENT_PLANS
from workbench.store.retry import write_with_retry

#: The population a plan is for when no locality is chosen.
ALL_CHILDREN = "All children"
#: The most characters kept of a story, the partners or an action.
PLAN_TEXT_LIMIT = 20_000
#: Roles that may write plans.
PLAN_WRITERS = (HEAD_OF_PRACTICE_IMPROVEMENT,)
#: A report card part's story is kept as the plan of this subject (the part's title after it).
CARD_PART_PREFIX = "card part: "


class PlanError(ValueError):
    """A plan that cannot be saved, with the reason in words."""


@dataclass(frozen=True)
class PlanAction:
    """One action: what will be done, by whom, by when, and whether it is done."""

    action: str
    owner: str = ""
    due_date: date | None = None
    done: bool = False


@dataclass
class ImprovementPlan:
    """The latest version of one plan (or an empty plan, never saved: ``version_id`` 0)."""

    subject: str
    population: str = ALL_CHILDREN
    target: float | None = None
    story: str = ""
    partners: str = ""
    actions: list[PlanAction] = field(default_factory=list)
    version_id: int = 0
    written_by: str = ""
    written_by_role: str = ""
    written_at: str = ""

    @property
    def saved(self) -> bool:
        """Whether the plan has been saved at least once."""
        return self.version_id > 0

    @property
    def empty(self) -> bool:
        """Whether the plan says nothing (no target, story, partners or action)."""
        return self.target is None and not self.story and not self.partners and not self.actions


def population_of(locality: str | None) -> str:
    """Return the population a plan is for: the children of a locality, or all children."""
    return f"Children in {locality}" if locality else ALL_CHILDREN


def card_part_subject(part: str) -> str:
    """Return the subject under which a report card part's story is kept."""
    return CARD_PART_PREFIX + part


def may_write_plans(identity: Identity | None) -> bool:
    """Whether ``identity`` may write the service's improvement plans."""
    return identity is not None and identity.role in PLAN_WRITERS


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if len(text) > PLAN_TEXT_LIMIT:
        raise PlanError(f"the {what} is {len(text):,} characters; the most kept is {PLAN_TEXT_LIMIT:,}")
    return text


def _check_subject(subject: str) -> None:
    if subject not in MEASURES and not subject.startswith(CARD_PART_PREFIX):
        raise PlanError(f"no measure {subject!r}; plans are for a measure ({', '.join(sorted(MEASURES))})")


def save_plan(store: Store, identity: Identity, plan: ImprovementPlan) -> int:
    """Save ``plan`` as the latest version of its plan, written by ``identity``; return the version id.

    Refuses a writer whose role may not write plans, an unknown measure, and an action with
    no words. Every earlier version stays in the store.
    """
    if not may_write_plans(identity):
        raise AccessRefusedError(
            f"{identity.user} ({identity.title.lower()}) may not write the service's improvement plans"
        )
    _check_subject(plan.subject)
    actions = []
    for number, action in enumerate(plan.actions, start=1):
        words = _text(action.action, f"action {number}")
        if not words:
            raise PlanError(f"action {number} says nothing: write what will be done, or remove it")
        actions.append(
            {
                "position": number,
                "action": words,
                "owner": _text(action.owner, f"owner of action {number}") or None,
                "due_date": pd.Timestamp(action.due_date).date() if action.due_date else None,
                "done": bool(action.done),
            }
        )
    row = {
        "subject": plan.subject,
        "population": plan.population or ALL_CHILDREN,
        "target": None if plan.target is None or pd.isna(plan.target) else float(plan.target),
        "story": _text(plan.story, "story") or None,
        "partners": _text(plan.partners, "partners") or None,
        "written_by": identity.record_id,
        "written_by_role": identity.role,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }

    def write(conn) -> int:
        version = int(conn.execute(IMPROVEMENT_PLANS.insert().values(**row)).inserted_primary_key[0])
        if actions:
            conn.execute(IMPROVEMENT_ACTIONS.insert(), [{**a, "version_id": version} for a in actions])
        return version

    return write_with_retry(store, write)


def plan_history(store: Store, subject: str | None = None, population: str | None = None) -> pd.DataFrame:
    """Return every saved version (of one subject and population, or all), oldest first.

    Columns are those of ``improvement_plans``, with ``actions``, the number of actions.
    """
    plans, actions = IMPROVEMENT_PLANS, IMPROVEMENT_ACTIONS
    counted = (
        sa.select(actions.c.version_id, sa.func.count().label("actions"))
        .group_by(actions.c.version_id)
        .subquery()
    )
    query = sa.select(plans, sa.func.coalesce(counted.c.actions, 0).label("actions")).outerjoin(
        counted, counted.c.version_id == plans.c.version_id
    )
    if subject is not None:
        query = query.where(plans.c.subject == subject)
    if population is not None:
        query = query.where(plans.c.population == population)
    with store.engine.connect() as conn:
        rows = conn.execute(query.order_by(plans.c.version_id)).mappings().all()
    return pd.DataFrame(rows, columns=[*(c.name for c in plans.columns), "actions"])


def latest_plans(store: Store, population: str = ALL_CHILDREN) -> dict[str, ImprovementPlan]:
    """Return the latest version of every plan for ``population``, by subject."""
    history = plan_history(store, population=population)
    if history.empty:
        return {}
    latest = history.drop_duplicates("subject", keep="last")
    table = IMPROVEMENT_ACTIONS
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(table)
            .where(table.c.version_id.in_([int(v) for v in latest["version_id"]]))
            .order_by(table.c.version_id, table.c.position)
        ).mappings()
        by_version: dict[int, list[PlanAction]] = {}
        for row in rows:
            by_version.setdefault(int(row["version_id"]), []).append(
                PlanAction(row["action"], row["owner"] or "", row["due_date"], bool(row["done"]))
            )
    plans = {}
    for row in latest.itertuples(index=False):
        plans[row.subject] = ImprovementPlan(
            subject=row.subject,
            population=row.population,
            target=None if pd.isna(row.target) else float(row.target),
            story=row.story or "",
            partners=row.partners or "",
            actions=by_version.get(int(row.version_id), []),
            version_id=int(row.version_id),
            written_by=row.written_by,
            written_by_role=row.written_by_role,
            written_at=row.written_at,
        )
    return plans


def latest_plan(store: Store, subject: str, population: str = ALL_CHILDREN) -> ImprovementPlan:
    """Return the latest version of one plan, or an empty plan when none has been saved."""
    return latest_plans(store, population).get(subject) or ImprovementPlan(subject, population)
