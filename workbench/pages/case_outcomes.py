"""One case's desired outcomes and the help chosen for each: what will be done, by whom, by when.

Case-level pages (the team lead's chosen child, supervision, the audit case file) show, for
each desired outcome, the interventions linked to it (``intervention_outcomes``) with their
evidence level and provider, and the outcome's target score and date and its owner: whose words
it is in, and the worker allocated at D. An auditor grading "evidence-informed help" then sees
the help.

Read with queries filtered to the one child, so a case opens quickly at la-decade size. The
frames are kept apart (outcomes, help) so that more about each outcome, such as the actions of
an outcome plan, can join on ``outcome_id`` later without changing what is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa

from workbench.core.codes import labels
from workbench.measures.definitions import EVIDENCE_THRESHOLD
from workbench.measures.service_data import evidence_ranks
from workbench.store.engine import Store

OUTCOME_COLUMNS = [
    "outcome_id", "agreed_date", "statement", "whose_words", "agreed_with_family", "success_looks_like",
    "domain", "scale", "baseline_score", "target_score", "target_date", "status", "closed_date",
]  # fmt: skip
HELP_COLUMNS = [
    "outcome_id", "intervention_id", "name", "evidence_level", "provider", "start_date", "end_date",
]  # fmt: skip


@dataclass(frozen=True)
class CaseOutcomes:
    """A child's desired outcomes at D and the help linked to each.

    ``outcomes``: one row per outcome, in the order agreed, with ``number`` (1, 2, ...) and the
    words to show (``domain_label``, ``owner``: whose words; ``status_label``, the status at D:
    "Active" until the outcome closed). ``help``: one row
    per (outcome, intervention), with ``evidence`` (the level's words) and ``evidence_met``
    (at or above the authority's threshold). ``worker``: the worker allocated at D, by name
    (their id when the extract has no name; empty when none is allocated).
    """

    child_id: str
    at: date
    worker: str
    outcomes: pd.DataFrame
    help: pd.DataFrame

    def help_for(self, outcome_id: str) -> pd.DataFrame:
        """Return the help linked to one outcome, in the order it started."""
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


def case_outcomes(store: Store, child_id: str, at: date, since: date | None = None) -> CaseOutcomes:
    """Return the child's desired outcomes current at D, each with its help, owner and target.

    Current: agreed on or before ``at`` and not closed before ``since`` (by default the year to
    D, as the outcome journey shows them; the audit case file passes its evidence window).
    """
    since = since or (pd.Timestamp(at) - pd.Timedelta(days=365)).date()
    tables = store.metadata.tables
    outcomes, links, interventions = (
        tables[name] for name in ("outcomes", "intervention_outcomes", "interventions")
    )
    found = _frame(
        store,
        sa.select(*(outcomes.c[c] for c in OUTCOME_COLUMNS))
        .where(
            outcomes.c.child_id == child_id,
            outcomes.c.agreed_date <= at,
            sa.or_(outcomes.c.closed_date.is_(None), outcomes.c.closed_date >= since),
        )
        .order_by(outcomes.c.agreed_date, outcomes.c.outcome_id),
        OUTCOME_COLUMNS,
    )
    for column in ("agreed_date", "target_date", "closed_date"):
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
    helped = _frame(
        store,
        sa.select(links.c.outcome_id, *(interventions.c[c] for c in HELP_COLUMNS[1:]))
        .join(interventions, interventions.c.intervention_id == links.c.intervention_id)
        .where(links.c.outcome_id.in_(list(found["outcome_id"])), interventions.c.child_id == child_id)
        .order_by(links.c.outcome_id, interventions.c.start_date, interventions.c.intervention_id),
        HELP_COLUMNS,
    )
    for column in ("start_date", "end_date"):
        helped[column] = _dates(helped[column])
    # Help that starts after D was not yet chosen at D.
    helped = helped[helped["start_date"].isna() | (helped["start_date"] <= pd.Timestamp(at))]
    levels, ranks = labels("evidence_levels"), evidence_ranks()
    threshold = ranks[EVIDENCE_THRESHOLD]
    helped = helped.assign(
        evidence=[levels.get(e, e) if e else "Not recorded" for e in helped["evidence_level"]],
        evidence_met=[ranks.get(e, 0) >= threshold for e in helped["evidence_level"]],
    ).reset_index(drop=True)
    return CaseOutcomes(child_id, at, allocated_worker(store, child_id, at), found, helped)
