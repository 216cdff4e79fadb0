"""Drawing an audit sample, stored as an audit round.

The population is the children with an involvement open at the date D (start <= D and no end
or end > D). Children with a completed audit (from either source) dated in the last
``exclude_months`` months up to D are left out. A sample is random, or stratified by team
(the child's allocation open at D), plan type (the open involvement that started last) or
locality; a stratified sample gives each stratum its share of the sample in proportion to its
size (largest remainders break ties in stratum order). The same seed and data always give the
same sample: the population is sorted by child id before drawing.

Given the viewer's scope (``workbench.access.Scope``), the population is only the children in
it: a team lead samples their own team's cases.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa

from workbench.access import Scope
from workbench.core.model import TABLES_BY_NAME
from workbench.practice.audits.recording import AuditError
from workbench.store.audit_frames import audit_frame
from workbench.store.audit_tables import T
from workbench.store.retry import write_with_retry
from workbench.store.tables import typed

STRATA = ("team", "plan_type", "locality")


def audit_population(store, at: date, exclude_months: int = 12, scope: Scope | None = None) -> pd.DataFrame:
    """Return the children who may be sampled at ``at``: child_id, team, plan_type, locality.

    With ``scope``, only the children in it.
    """
    when = pd.Timestamp(at)
    involvements = _open_at(store, "involvements", ["child_id", "plan_type", "start_date"], at)
    latest = involvements.sort_values(["child_id", "start_date"]).drop_duplicates("child_id", keep="last")
    children = store.read_table("children", ["child_id", "locality"])
    alloc = _open_at(store, "allocations", ["child_id", "worker_id", "start_date"], at)
    workers = store.read_table("workers", ["worker_id", "team_id"])
    alloc = alloc.sort_values(["child_id", "start_date"]).drop_duplicates("child_id", keep="last")
    teams = alloc.merge(workers, on="worker_id", how="left")[["child_id", "team_id"]]
    frame = (
        latest[["child_id", "plan_type"]]
        .merge(children, on="child_id", how="left")
        .merge(teams, on="child_id", how="left")
        .rename(columns={"team_id": "team"})
    )
    if exclude_months > 0:
        audits = audit_frame(store)
        since = when - pd.DateOffset(months=exclude_months)
        recent = audits[(audits["audit_date"] > since) & (audits["audit_date"] <= when)]["child_id"]
        frame = frame[~frame["child_id"].isin(set(recent))]
    if scope is not None:
        frame = scope.restrict_children(frame)
    frame = frame[["child_id", "team", "plan_type", "locality"]].astype("string")
    return frame.sort_values("child_id", ignore_index=True)


def _open_at(store, name: str, columns: list[str], at: date) -> pd.DataFrame:
    """Rows of ``name`` open at ``at`` (start <= D and no end or end > D), filtered in the database."""
    table = store.metadata.tables[name]
    spec = TABLES_BY_NAME[name]
    picked = [sa.type_coerce(table.c[c], sa.String) if spec.field(c).kind.value == "date" else table.c[c]
              for c in columns]  # fmt: skip
    query = sa.select(*picked).where(
        table.c.start_date <= at, sa.or_(table.c.end_date.is_(None), table.c.end_date > at)
    )
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query)]
    return typed(pd.DataFrame(rows, columns=columns), spec)


def _allocate(sizes: pd.Series, total: int) -> pd.Series:
    """Share ``total`` between strata in proportion to ``sizes`` (largest remainder)."""
    exact = sizes / sizes.sum() * total
    counts = np.floor(exact).astype(int)
    short = total - int(counts.sum())
    remainders = (exact - counts).sort_values(ascending=False, kind="stable")
    counts[remainders.index[:short]] += 1
    return counts.clip(upper=sizes)


def draw_sample(
    store,
    size: int,
    seed: int,
    at: date,
    stratify_by: str | None = None,
    exclude_months: int = 12,
    scope: Scope | None = None,
) -> pd.DataFrame:
    """Draw ``size`` cases (of ``scope``, if given); return child_id, team, plan_type, locality, stratum."""
    if size < 1:
        raise AuditError("a sample needs at least one case")
    if stratify_by is not None and stratify_by not in STRATA:
        raise AuditError(f"cannot stratify by {stratify_by!r}; choose one of {', '.join(STRATA)}")
    population = audit_population(store, at, exclude_months, scope)
    if len(population) < size:
        raise AuditError(
            f"only {len(population)} cases can be sampled at {at}, fewer than the {size} asked for"
        )
    rng = np.random.default_rng(seed)
    if stratify_by is None:
        chosen = population.iloc[np.sort(rng.choice(len(population), size=size, replace=False))]
        return chosen.assign(stratum="all").reset_index(drop=True)
    population = population.assign(stratum=population[stratify_by].fillna("(none)"))
    counts = _allocate(population.groupby("stratum", sort=True).size(), size)
    parts = []
    for stratum, group in population.groupby("stratum", sort=True):
        take = int(counts[stratum])
        if take:
            parts.append(group.iloc[np.sort(rng.choice(len(group), size=take, replace=False))])
    return pd.concat(parts, ignore_index=True)


def create_round(
    store,
    name: str,
    sample: pd.DataFrame,
    *,
    seed: int,
    at: date,
    stratify_by: str | None,
    exclude_months: int,
    created_by: str,
) -> str:
    """Store ``sample`` as an audit round; return the round id."""
    round_id = f"R-{uuid.uuid4().hex[:10]}"

    def write(conn) -> str:
        conn.execute(
            T["audit_rounds"]
            .insert()
            .values(
                round_id=round_id,
                name=name.strip() or round_id,
                method="stratified" if stratify_by else "random",
                stratify_by=stratify_by,
                seed=seed,
                sample_size=len(sample),
                exclude_months=exclude_months,
                at_date=at.isoformat(),
                created_by=created_by,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )
        conn.execute(
            T["audit_round_cases"].insert(),
            [
                {"round_id": round_id, "child_id": c, "stratum": s}
                for c, s in zip(sample["child_id"], sample["stratum"], strict=True)
            ],
        )
        return round_id

    return write_with_retry(store, write)


def round_cases(store, round_id: str) -> pd.DataFrame:
    """Return the cases of an audit round: child_id, stratum."""
    table = T["audit_round_cases"]
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(table.c.child_id, table.c.stratum).where(table.c.round_id == round_id)
        ).fetchall()
    return pd.DataFrame(rows, columns=["child_id", "stratum"])


def round_assignments(store) -> dict[str, str]:
    """Return ``{child_id: round_id}`` for cases in an audit round not yet audited for that round.

    Where a case is in several rounds, the latest round (by creation time) wins.
    """
    rounds, cases, audits = T["audit_rounds"], T["audit_round_cases"], T["recorded_audits"]
    done = sa.select(audits.c.child_id, audits.c.round_id).where(audits.c.round_id.is_not(None)).subquery()
    query = (
        sa.select(cases.c.child_id, cases.c.round_id)
        .join(rounds, rounds.c.round_id == cases.c.round_id)
        .outerjoin(done, sa.and_(done.c.child_id == cases.c.child_id, done.c.round_id == cases.c.round_id))
        .where(done.c.child_id.is_(None))
        .order_by(rounds.c.created_at, cases.c.child_id)
    )
    with store.engine.connect() as conn:
        return dict(conn.execute(query).all())
