"""Supervision by outcome: what each record says of each outcome, open actions, and a measure.

A supervision record (``workbench.practice.supervision.record_supervision``) holds, per child and
per desired outcome, whether the outcome was discussed, challenged or confirmed, with a note,
and the actions set, each with an owner and a due date. This module reads them back:

- :func:`open_actions`: the actions still open for the workers a viewer may see. They come back
  at the worker's next supervision and on the team lead's page, until someone in scope marks
  them done (:func:`mark_action_done`);
- :func:`outcomes_discussed`: the measure **outcomes discussed in supervision**
  (``docs/measures.md``), from the extract's supervisions and from the records made here.

Whose actions a viewer sees is the trusted identity's scope (``workbench.access.Scope``): a team
lead their team's workers, a practitioner their own, never a value from a page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd
import sqlalchemy as sa

from workbench.access import AccessRefusedError, Identity, Scope
from workbench.practice.supervision import (
    SupervisionError,
    supervision_scope,
    trusted_identity,
)
from workbench.store.engine import Store
from workbench.store.retry import write_with_retry
from workbench.store.supervision_tables import (
    SUPERVISION_ACTIONS,
    SUPERVISION_OUTCOMES,
    SUPERVISION_RECORDS,
)

#: The columns of :func:`open_actions`.
ACTION_COLUMNS: tuple[str, ...] = (
    "action_id", "record_id", "worker_id", "worker_name", "team_id", "child_id", "outcome_id",
    "description", "owner", "due_date", "overdue", "set_on", "set_by",
)  # fmt: skip


def _frame(store: Store, query) -> pd.DataFrame:
    with store.engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))


def _dates(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    for name in names:
        frame[name] = pd.to_datetime(frame[name].astype("string"), format="ISO8601")
    return frame


def open_actions(
    store: Store, scope: Scope, at: date | str, worker_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Return the supervision actions still open for the workers ``scope`` allows (:data:`ACTION_COLUMNS`).

    ``worker_ids`` narrows further (a page's team or worker filter; it never widens the scope).
    ``overdue`` says whether the due date is before ``at``; ``set_by`` is the supervisor's name
    when they are a worker in the store. Oldest due first.
    """
    act, rec = SUPERVISION_ACTIONS, SUPERVISION_RECORDS
    workers = store.metadata.tables["workers"]
    query = (
        sa.select(
            act.c.action_id, act.c.record_id, act.c.worker_id, workers.c.name.label("worker_name"),
            workers.c.team_id, act.c.child_id, act.c.outcome_id, act.c.description, act.c.owner,
            act.c.due_date, rec.c.supervision_date.label("set_on"), rec.c.supervisor.label("set_by"),
        )
        .select_from(
            act.join(rec, act.c.record_id == rec.c.record_id).join(
                workers, act.c.worker_id == workers.c.worker_id, isouter=True
            )
        )
        .where(act.c.status == "open")
    )  # fmt: skip
    if worker_ids is not None:
        query = query.where(act.c.worker_id.in_(sorted(set(worker_ids))))
    frame = _dates(_frame(store, query), "due_date", "set_on")
    allowed = pd.Series([scope.allows_worker(w) for w in frame["worker_id"]], index=frame.index, dtype=bool)
    frame = frame[allowed].copy()
    frame["overdue"] = frame["due_date"] < pd.Timestamp(at)
    # The supervisor is recorded by worker id where they have one: shown by name.
    names = (
        _frame(store, sa.select(workers.c.worker_id, workers.c.name)).dropna().set_index("worker_id")["name"]
    )
    frame["set_by"] = [names.get(who, who) for who in frame["set_by"]]
    frame = frame.sort_values(["due_date", "action_id"]).reset_index(drop=True)
    return frame[list(ACTION_COLUMNS)]


def mark_action_done(
    store: Store,
    action_id: int,
    on: date | str,
    identity: Identity | None = None,
    *,
    scope_at: date | str | None = None,
) -> None:
    """Mark supervision action ``action_id`` done on ``on``, by the trusted identity.

    Refused (:class:`workbench.practice.supervision.SupervisionError`) when there is no trusted
    identity, no such open action, or the action's worker is outside the viewer's scope at
    ``scope_at`` (the date of the page, by default ``on``).
    """
    try:
        identity = identity or trusted_identity()
    except AccessRefusedError as error:
        raise SupervisionError(f"no trusted identity, so nothing is saved: {error}") from None
    act = SUPERVISION_ACTIONS
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.select(act.c.worker_id, act.c.status).where(act.c.action_id == int(action_id))
        ).first()
    if found is None or found.status != "open":
        raise SupervisionError(f"no open supervision action {action_id}")
    day = pd.Timestamp(on).date()
    scope_day = day if scope_at is None else pd.Timestamp(scope_at).date()
    if not supervision_scope(store, scope_day, identity).allows_worker(found.worker_id):
        raise SupervisionError(f"{identity.user} may not change worker {found.worker_id!r}'s actions")

    def write(conn) -> None:
        conn.execute(
            act.update()
            .where((act.c.action_id == int(action_id)) & (act.c.status == "open"))
            .values(status="done", done_date=day, done_by=identity.record_id)
        )

    write_with_retry(store, write)


# ---------------------------------------------------------------------------------------------
# The measure: outcomes discussed in supervision.


def supervision_cases(store: Store, at: date | str) -> pd.DataFrame:
    """Return every child discussed in a supervision dated in the year to ``at``, from both sources.

    One row per (supervision, child): source (``extract`` or ``workbench``), supervision,
    worker_id, team_id (the worker's team), child_id, outcomes_discussed (bool). From the
    extract: ``supervision_cases``, ``outcomes_discussed`` = Y. From the records made here: a
    child is in a record when one of their outcomes was talked through (so their outcomes were
    discussed) or an action was set about them (and, with no outcome talked through, they were not).
    """
    when = pd.Timestamp(at).date()
    start = (pd.Timestamp(at) - pd.Timedelta(days=365)).date()
    meta = store.metadata.tables
    sup, cases, workers = meta["supervisions"], meta["supervision_cases"], meta["workers"]
    in_year = (sup.c.date > start) & (sup.c.date <= when)
    extract = _frame(
        store,
        sa.select(sup.c.supervision_id.label("supervision"), sup.c.worker_id, cases.c.child_id,
                  cases.c.outcomes_discussed)
        .select_from(cases.join(sup, cases.c.supervision_id == sup.c.supervision_id))
        .where(in_year),
    )  # fmt: skip
    # Kept as a boolean by the loader (Y/N in the file); read either way.
    said = extract["outcomes_discussed"].astype("string").str.strip().str.upper()
    extract["outcomes_discussed"] = said.isin(["Y", "TRUE", "1"]).fillna(False).astype(bool)
    extract.insert(0, "source", "extract")

    rec, talked, act = SUPERVISION_RECORDS, SUPERVISION_OUTCOMES, SUPERVISION_ACTIONS
    made = (rec.c.supervision_date > start) & (rec.c.supervision_date <= when)
    discussed = _frame(
        store,
        sa.select(rec.c.record_id, rec.c.worker_id, talked.c.child_id)
        .select_from(talked.join(rec, talked.c.record_id == rec.c.record_id))
        .where(made),
    ).assign(outcomes_discussed=True)
    acted = _frame(
        store,
        sa.select(rec.c.record_id, rec.c.worker_id, act.c.child_id)
        .select_from(act.join(rec, act.c.record_id == rec.c.record_id))
        .where(made & act.c.child_id.is_not(None)),
    ).assign(outcomes_discussed=False)
    here = pd.concat([discussed, acted], ignore_index=True)
    here = (
        here.groupby(["record_id", "worker_id", "child_id"], as_index=False)["outcomes_discussed"].max()
        .rename(columns={"record_id": "supervision"})
    )  # fmt: skip
    here["supervision"] = "record " + here["supervision"].astype("string")
    here.insert(0, "source", "workbench")
    both = pd.concat([extract, here], ignore_index=True)
    teams = _frame(store, sa.select(workers.c.worker_id, workers.c.team_id)).set_index("worker_id")["team_id"]
    both["team_id"] = both["worker_id"].map(teams)
    both["outcomes_discussed"] = both["outcomes_discussed"].astype(bool)
    return both[["source", "supervision", "worker_id", "team_id", "child_id", "outcomes_discussed"]]


def outcomes_discussed(cases: pd.DataFrame, worker_ids: Iterable[str] | None = None) -> dict[str, object]:
    """Return the measure on :func:`supervision_cases`: numerator, denominator, value, and by source.

    Of the children discussed in supervision in the year to D (each supervision and child once),
    the share whose outcomes were discussed; ``worker_ids`` keeps the supervisions of those
    workers. A denominator of 0 gives an empty value, never 0%.
    """
    if worker_ids is not None:
        cases = cases[cases["worker_id"].isin(set(worker_ids))]
    numerator, denominator = int(cases["outcomes_discussed"].sum()), len(cases)
    by_source = {
        source: (int(part["outcomes_discussed"].sum()), len(part)) for source, part in cases.groupby("source")
    }
    return {
        "numerator": numerator,
        "denominator": denominator,
        "value": numerator / denominator if denominator else None,
        "extract": by_source.get("extract", (0, 0)),
        "workbench": by_source.get("workbench", (0, 0)),
    }
