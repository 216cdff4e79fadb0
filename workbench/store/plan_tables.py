"""Outcome plans made in the workbench (schema version 13): versions kept, saves checked, measures fed.

Four tables an extract load never replaces: ``plans`` (one per child's plan, with the number
of its latest version, the token that makes a save safe when two people edit at once),
``plan_versions`` (every save: the meeting, draft or agreed, who saved it), and the outcomes and
actions of each version (``plan_outcomes``, ``plan_actions``).

Each agreed version is also *projected* into the extract's own tables (``outcomes``,
``outcome_reviews``, ``interventions``, ``intervention_outcomes``), with ``source_file`` set to
:data:`PLAN_SOURCE`, so every measure counts a plan made in a meeting as it counts an imported
outcome. The projection is made again after every plan save and every extract load, so it
survives a refresh. An outcome the extract already holds under the same id (the plan was
recorded in the case record from the workbench's export and came back) is the extract's: the
projection leaves it alone rather than count it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.core.model import PLAN_SCALE, PlanAction, PlanOutcome, PlanVersion

#: ``source_file`` of the extract rows projected from plans made in the workbench.
PLAN_SOURCE = "workbench outcome plan"

#: What a review at a later meeting closes an outcome as, by decision.
CLOSING_STATUS = {"achieved": "achieved", "changed": "replaced", "withdrawn": "withdrawn"}


class PlanChangedError(RuntimeError):
    """The plan was saved by someone else since this editor opened it; nothing was written."""

    def __init__(self, latest: PlanVersion) -> None:
        super().__init__(
            f"plan {latest.plan_id} changed: version {latest.version} was saved by "
            f"{latest.saved_by or 'someone else'} at {latest.saved_at} while you were editing"
        )
        self.latest = latest


def _plan_tables(metadata: sa.MetaData) -> tuple[sa.Table, ...]:
    plans = sa.Table(
        "plans",
        metadata,
        sa.Column("plan_id", sa.String(64), primary_key=True, comment="Plan identifier."),
        # No foreign keys to extract tables: a load replaces them, plans stay.
        sa.Column("child_id", sa.String(64), nullable=False, index=True, comment="The child."),
        sa.Column("involvement_id", sa.String(64), nullable=False, comment="The involvement."),
        sa.Column("latest_version", sa.Integer, nullable=False, comment="The version saved last."),
        sa.Column("created_by", sa.String(200), nullable=False, comment="Trusted identity who started it."),
        sa.Column("created_at", sa.String(32), nullable=False, comment="When it was started (UTC)."),
        # One plan per involvement: two people starting one at once end up editing the same plan.
        sa.UniqueConstraint("child_id", "involvement_id", name="uq_plans_involvement"),
        comment="Outcome plans made in the workbench, one per child's involvement.",
    )
    versions = sa.Table(
        "plan_versions",
        metadata,
        sa.Column(
            "plan_id", sa.String(64), sa.ForeignKey("plans.plan_id"), primary_key=True, comment="The plan."
        ),
        sa.Column("version", sa.Integer, primary_key=True, comment="1, 2, ... in the order saved."),
        sa.Column("meeting_id", sa.String(64), comment="The extract's meeting, if recorded there."),
        sa.Column("meeting_type", sa.String(40), comment="data/codes/meeting_types.csv"),
        sa.Column("meeting_date", sa.Date, comment="Date of the meeting."),
        sa.Column("status", sa.String(16), nullable=False, comment="draft or agreed."),
        sa.Column("family_agreed", sa.Boolean, nullable=False, comment="The family agreed the outcomes."),
        sa.Column(
            "family_network_agreed",
            sa.Boolean,
            nullable=False,
            comment="The family agreed their wider family network is involved.",
        ),
        sa.Column("saved_by", sa.String(200), nullable=False, comment="Trusted identity who saved it."),
        sa.Column("saved_at", sa.String(32), nullable=False, comment="When it was saved (UTC)."),
        comment="Every saved version of a plan; an earlier meeting's version is never overwritten.",
    )
    outcomes = sa.Table(
        "plan_outcomes",
        metadata,
        sa.Column("plan_id", sa.String(64), primary_key=True, comment="The plan."),
        sa.Column("version", sa.Integer, primary_key=True, comment="The plan version."),
        sa.Column("outcome_key", sa.String(32), primary_key=True, comment="Stable across versions."),
        sa.Column("position", sa.Integer, nullable=False, comment="Order on the plan."),
        sa.Column("statement", sa.Text, comment="The desired outcome, as said."),
        sa.Column("whose_words", sa.String(40), comment="data/codes/whose_words.csv"),
        sa.Column("success_looks_like", sa.Text, comment="What success will look like."),
        sa.Column("domain", sa.String(40), comment="data/codes/outcome_domains.csv"),
        sa.Column("family_baseline", sa.Float, comment="The child's or family's score when agreed."),
        sa.Column("practitioner_baseline", sa.Float, comment="The practitioner's score when agreed."),
        sa.Column("target_score", sa.Float, comment="The score that would mean success."),
        sa.Column("target_date", sa.Date, comment="When the family hopes to reach it."),
        sa.Column("decision", sa.String(16), nullable=False, comment="data/codes/plan_decisions.csv"),
        sa.Column("family_score", sa.Float, comment="The family's score at this meeting (a review)."),
        sa.Column("practitioner_score", sa.Float, comment="The practitioner's score at this meeting."),
        sa.Column("change_reason", sa.Text, comment="Why it changed or was withdrawn."),
        sa.ForeignKeyConstraint(["plan_id", "version"], ["plan_versions.plan_id", "plan_versions.version"]),
        comment="The desired outcomes of each plan version.",
    )
    actions = sa.Table(
        "plan_actions",
        metadata,
        sa.Column("plan_id", sa.String(64), primary_key=True, comment="The plan."),
        sa.Column("version", sa.Integer, primary_key=True, comment="The plan version."),
        sa.Column("outcome_key", sa.String(32), primary_key=True, comment="The outcome."),
        sa.Column("action_key", sa.String(32), primary_key=True, comment="Stable across versions."),
        sa.Column("position", sa.Integer, nullable=False, comment="Order under the outcome."),
        sa.Column("owner_kind", sa.String(40), comment="data/codes/action_owners.csv"),
        sa.Column("owner_name", sa.Text, comment="The person or named agency."),
        sa.Column("action", sa.Text, comment="What they will do."),
        sa.Column("by_date", sa.Date, comment="By when."),
        sa.Column("intervention", sa.Text, comment="The intervention chosen, if any."),
        sa.Column("evidence_level", sa.String(40), comment="data/codes/evidence_levels.csv"),
        sa.ForeignKeyConstraint(
            ["plan_id", "version", "outcome_key"],
            ["plan_outcomes.plan_id", "plan_outcomes.version", "plan_outcomes.outcome_key"],
        ),
        comment="Who does what by when for each outcome of each plan version.",
    )
    return plans, versions, outcomes, actions


PLANS, PLAN_VERSIONS, PLAN_OUTCOMES, PLAN_ACTIONS = _plan_tables(sa.MetaData())


def create_plan_tables(conn: Connection) -> None:
    """Create the plan tables (the DDL of schema migration 13)."""
    metadata = sa.MetaData()
    _plan_tables(metadata)
    metadata.create_all(conn)


def has_plan_tables(conn: Connection) -> bool:
    """Whether the store has the plan tables (a store opened without upgrading may not)."""
    return sa.inspect(conn).has_table("plans")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _day(value) -> str:
    return "" if value is None else str(value)[:10]


def _date_or_none(text: str):
    return datetime.strptime(text, "%Y-%m-%d").date() if text else None


# ---------------------------------------------------------------------------------------------
# Saving and reading


def save_version(conn: Connection, plan: PlanVersion, saved_by: str) -> PlanVersion:
    """Save ``plan`` as the next version of its plan, in the caller's transaction; return it saved.

    ``plan.version`` is the version the editor started from (0 for a new plan). If the plan has
    been saved since, nothing is written and :class:`PlanChangedError` carries the latest
    version, so the editor can show both. The projection into the extract tables is remade.
    """
    now = _now()
    row = conn.execute(sa.select(PLANS.c.latest_version).where(PLANS.c.plan_id == plan.plan_id)).first()
    if row is None:
        if plan.version != 0:
            raise KeyError(f"no plan {plan.plan_id!r}")
        _start_plan(conn, plan, saved_by, now)
    else:
        # Compare and set: of two saves from the same version, exactly one moves it on.
        moved = conn.execute(
            PLANS.update()
            .where(PLANS.c.plan_id == plan.plan_id, PLANS.c.latest_version == plan.version)
            .values(latest_version=plan.version + 1)
        )
        if moved.rowcount != 1:
            raise PlanChangedError(read_version(conn, plan.plan_id))
    version = plan.version + 1
    conn.execute(PLAN_VERSIONS.insert().values(
        plan_id=plan.plan_id, version=version, meeting_id=plan.meeting_id or None,
        meeting_type=plan.meeting_type or None, meeting_date=_date_or_none(plan.meeting_date),
        status=plan.status, family_agreed=plan.family_agreed,
        family_network_agreed=plan.family_network_agreed, saved_by=saved_by, saved_at=now,
    ))  # fmt: skip
    outcome_rows, action_rows = [], []
    for position, outcome in enumerate(plan.outcomes, start=1):
        outcome_rows.append({
            "plan_id": plan.plan_id, "version": version, "outcome_key": outcome.key, "position": position,
            "statement": outcome.statement, "whose_words": outcome.whose_words or None,
            "success_looks_like": outcome.success_looks_like, "domain": outcome.domain or None,
            "family_baseline": outcome.family_baseline,
            "practitioner_baseline": outcome.practitioner_baseline,
            "target_score": outcome.target_score, "target_date": _date_or_none(outcome.target_date),
            "decision": outcome.decision, "family_score": outcome.family_score,
            "practitioner_score": outcome.practitioner_score, "change_reason": outcome.change_reason,
        })  # fmt: skip
        for number, action in enumerate(outcome.actions, start=1):
            action_rows.append({
                "plan_id": plan.plan_id, "version": version, "outcome_key": outcome.key,
                "action_key": action.key, "position": number, "owner_kind": action.owner_kind or None,
                "owner_name": action.owner_name, "action": action.action,
                "by_date": _date_or_none(action.by_date), "intervention": action.intervention,
                "evidence_level": action.evidence_level or None,
            })  # fmt: skip
    if outcome_rows:
        conn.execute(PLAN_OUTCOMES.insert(), outcome_rows)
    if action_rows:
        conn.execute(PLAN_ACTIONS.insert(), action_rows)
    project_plans(conn)
    return read_version(conn, plan.plan_id, version)


def _start_plan(conn: Connection, plan: PlanVersion, saved_by: str, now: str) -> None:
    """Insert a new plan; if its involvement has one already (someone started it first), say so."""
    existing = conn.execute(
        sa.select(PLANS.c.plan_id).where(
            PLANS.c.child_id == plan.child_id, PLANS.c.involvement_id == plan.involvement_id
        )
    ).scalar()
    if existing is None:
        try:
            with conn.begin_nested():
                conn.execute(PLANS.insert().values(plan_id=plan.plan_id, child_id=plan.child_id,
                                                   involvement_id=plan.involvement_id, latest_version=1,
                                                   created_by=saved_by, created_at=now))  # fmt: skip
            return
        except sa.exc.IntegrityError:  # started at the same moment elsewhere
            existing = conn.execute(
                sa.select(PLANS.c.plan_id).where(
                    PLANS.c.child_id == plan.child_id, PLANS.c.involvement_id == plan.involvement_id
                )
            ).scalar()
    raise PlanChangedError(read_version(conn, existing))


def _text(value) -> str:
    return "" if value is None else str(value)


def _score(value) -> float | None:
    return None if value is None else float(value)


def read_version(conn: Connection, plan_id: str, version: int | None = None) -> PlanVersion:
    """Return version ``version`` of a plan (its latest when None); raise KeyError if there is none."""
    plan = conn.execute(sa.select(PLANS).where(PLANS.c.plan_id == plan_id)).mappings().first()
    if plan is None:
        raise KeyError(f"no plan {plan_id!r}")
    version = plan["latest_version"] if version is None else version
    head = (
        conn.execute(
            sa.select(PLAN_VERSIONS).where(
                PLAN_VERSIONS.c.plan_id == plan_id, PLAN_VERSIONS.c.version == version
            )
        )
        .mappings()
        .first()
    )
    if head is None:
        raise KeyError(f"plan {plan_id!r} has no version {version}")
    actions: dict[str, list[PlanAction]] = {}
    for row in conn.execute(
        sa.select(PLAN_ACTIONS)
        .where(PLAN_ACTIONS.c.plan_id == plan_id, PLAN_ACTIONS.c.version == version)
        .order_by(PLAN_ACTIONS.c.position)
    ).mappings():
        actions.setdefault(row["outcome_key"], []).append(PlanAction(
            key=row["action_key"], owner_kind=_text(row["owner_kind"]), owner_name=_text(row["owner_name"]),
            action=_text(row["action"]), by_date=_day(row["by_date"]),
            intervention=_text(row["intervention"]),
            evidence_level=_text(row["evidence_level"]),
        ))  # fmt: skip
    outcomes = [
        PlanOutcome(
            key=row["outcome_key"],
            statement=_text(row["statement"]),
            whose_words=_text(row["whose_words"]),
            success_looks_like=_text(row["success_looks_like"]),
            domain=_text(row["domain"]),
            family_baseline=_score(row["family_baseline"]),
            practitioner_baseline=_score(row["practitioner_baseline"]),
            target_score=_score(row["target_score"]),
            target_date=_day(row["target_date"]),
            decision=row["decision"],
            family_score=_score(row["family_score"]),
            practitioner_score=_score(row["practitioner_score"]),
            change_reason=_text(row["change_reason"]),
            actions=actions.get(row["outcome_key"], []),
        )
        for row in conn.execute(
            sa.select(PLAN_OUTCOMES)
            .where(PLAN_OUTCOMES.c.plan_id == plan_id, PLAN_OUTCOMES.c.version == version)
            .order_by(PLAN_OUTCOMES.c.position)
        ).mappings()
    ]
    return PlanVersion(
        plan_id=plan_id, child_id=plan["child_id"], involvement_id=plan["involvement_id"], version=version,
        meeting_id=_text(head["meeting_id"]), meeting_type=_text(head["meeting_type"]),
        meeting_date=_day(head["meeting_date"]), status=head["status"],
        family_agreed=bool(head["family_agreed"]), family_network_agreed=bool(head["family_network_agreed"]),
        saved_by=head["saved_by"], saved_at=head["saved_at"], outcomes=outcomes,
    )  # fmt: skip


def plan_history(conn: Connection, plan_id: str) -> list[PlanVersion]:
    """Return every version of a plan, oldest first."""
    numbers = conn.execute(
        sa.select(PLAN_VERSIONS.c.version).where(PLAN_VERSIONS.c.plan_id == plan_id).order_by("version")
    ).scalars()
    return [read_version(conn, plan_id, number) for number in list(numbers)]


def plans_of_children(conn: Connection, child_ids: Iterable[str] | None = None) -> list[dict]:
    """Return the plans (id, child, involvement, latest version) of ``child_ids`` (every plan if None)."""
    query = sa.select(PLANS).order_by(PLANS.c.child_id, PLANS.c.created_at)
    if child_ids is not None:
        query = query.where(PLANS.c.child_id.in_(list(child_ids)))
    return [dict(row) for row in conn.execute(query).mappings()]


# ---------------------------------------------------------------------------------------------
# The projection into the extract's tables


def outcome_id(plan_id: str, key: str, version: int | None = None) -> str:
    """Return the extract outcome id of a plan outcome (``version`` when a change started it anew)."""
    return f"{plan_id}-{key}" if version is None else f"{plan_id}-{key}-v{version}"


def _agreed(history: Sequence[PlanVersion]) -> list[PlanVersion]:
    """Return the versions that stand for a meeting: the last agreed version saved at each meeting."""
    last: dict[tuple[str, str], PlanVersion] = {}
    for version in history:
        if version.status == "agreed":
            last[(version.meeting_date, version.meeting_type)] = version
    return sorted(last.values(), key=lambda v: (v.meeting_date, v.version))


class _Projection:
    """The extract rows of one plan's history: outcomes, reviews, interventions and their links."""

    def __init__(self) -> None:
        self.outcomes: dict[str, dict] = {}
        self.reviews: list[dict] = []
        self.interventions: list[dict] = []
        self.links: list[dict] = []
        #: (version, outcome key) -> the extract outcome id the outcome stands as at that version
        self.ids: dict[tuple[int, str], str] = {}


def _outcome_row(plan: PlanVersion, outcome: PlanOutcome, ident: str) -> dict:
    baseline = outcome.practitioner_baseline
    return {
        "outcome_id": ident, "child_id": plan.child_id, "involvement_id": plan.involvement_id,
        "agreed_meeting_id": plan.meeting_id or None, "agreed_date": plan.meeting_date,
        "statement": outcome.statement, "whose_words": outcome.whose_words or "practitioner",
        "agreed_with_family": plan.family_agreed, "success_looks_like": outcome.success_looks_like or None,
        "domain": outcome.domain, "scale": PLAN_SCALE,
        # The practitioner's baseline when given, else the family's: the extract has one baseline.
        "baseline_score": outcome.family_baseline if baseline is None else baseline,
        "target_score": outcome.target_score, "target_date": outcome.target_date or None,
        "status": "active", "closed_date": None, "replaced_by": None,
    }  # fmt: skip


def _project_actions(projection: _Projection, plan: PlanVersion, outcome: PlanOutcome, ident: str) -> None:
    for action in outcome.actions:
        if not action.intervention.strip():
            continue
        intervention = f"{ident}-{action.key}"
        projection.interventions.append({
            "intervention_id": intervention, "child_id": plan.child_id, "involvement_id": plan.involvement_id,
            "name": action.intervention, "evidence_level": action.evidence_level or "not_rated",
            "start_date": plan.meeting_date, "end_date": None,
            "provider": action.owner_name if action.owner_kind == "agency" else None,
        })  # fmt: skip
        projection.links.append({"intervention_id": intervention, "outcome_id": ident})


def project_history(history: Sequence[PlanVersion]) -> _Projection:
    """Return the extract rows one plan's history stands for (agreed versions only).

    An outcome is agreed at the first meeting it appears at; at each later meeting its scores
    are a review, and its decision closes it (achieved, withdrawn) or replaces it with its new
    wording (changed: the old outcome closes as replaced, so the "constant" measure sees it).
    """
    projection = _Projection()
    current: dict[str, str] = {}  # outcome key -> the extract outcome id it stands as now
    for plan in _agreed(history):
        if not plan.meeting_date:
            continue
        for outcome in plan.outcomes:
            ident = current.get(outcome.key)
            if ident is None:
                if outcome.decision != "new" or not outcome.domain:
                    continue  # carried from a version never agreed: nothing to review
                ident = current[outcome.key] = outcome_id(plan.plan_id, outcome.key)
                projection.outcomes[ident] = _outcome_row(plan, outcome, ident)
                _project_actions(projection, plan, outcome, ident)
                continue
            row = projection.outcomes[ident]
            if row["status"] != "active" or outcome.decision == "new":
                continue
            if outcome.practitioner_score is not None or outcome.family_score is not None:
                projection.reviews.append({
                    "review_id": f"{ident}-r{plan.version}", "outcome_id": ident,
                    "review_date": plan.meeting_date, "meeting_id": plan.meeting_id or None,
                    "score": outcome.practitioner_score, "family_score": outcome.family_score,
                    "reviewer_role": "practitioner", "note": outcome.change_reason or None,
                })  # fmt: skip
            if outcome.decision in CLOSING_STATUS:
                row.update(status=CLOSING_STATUS[outcome.decision], closed_date=plan.meeting_date)
            if outcome.decision == "changed":
                new = current[outcome.key] = outcome_id(plan.plan_id, outcome.key, plan.version)
                row["replaced_by"] = new
                projection.outcomes[new] = _outcome_row(plan, outcome, new)
                score = outcome.practitioner_score
                projection.outcomes[new]["baseline_score"] = row["baseline_score"] if score is None else score
                _project_actions(projection, plan, outcome, new)
        projection.ids.update({(plan.version, key): ident for key, ident in current.items()})
    return projection


#: The extract tables a plan is projected into, in the order they are written.
PROJECTED = ("outcomes", "outcome_reviews", "interventions", "intervention_outcomes")


def _forget_projection(conn: Connection, tables: dict[str, sa.Table]) -> None:
    """Delete the rows the last projection wrote (those marked :data:`PLAN_SOURCE`)."""
    outcomes = tables["outcomes"]
    marked = outcomes.c.source_file == PLAN_SOURCE
    links = tables["intervention_outcomes"]
    conn.execute(links.delete().where(links.c.outcome_id.in_(sa.select(outcomes.c.outcome_id).where(marked))))
    for name in ("interventions", "outcome_reviews"):
        conn.execute(tables[name].delete().where(tables[name].c.source_file == PLAN_SOURCE))
    # Replaced outcomes point at their replacement: clear the links before deleting.
    conn.execute(outcomes.update().where(marked).values(replaced_by=None))
    conn.execute(outcomes.delete().where(marked))


def _rows_to_write(projection: _Projection, taken: set[str], meetings: set[str]) -> dict[str, list[dict]]:
    """Return one plan's projected rows that may be written: not the extract's, meetings known."""
    outcomes = [row for ident, row in projection.outcomes.items() if ident not in taken]
    kept = {row["outcome_id"] for row in outcomes}
    reviews = [row for row in projection.reviews if row["outcome_id"] in kept]
    for row in outcomes:
        row["agreed_meeting_id"] = row["agreed_meeting_id"] if row["agreed_meeting_id"] in meetings else None
        row["replaced_by"] = row["replaced_by"] if row["replaced_by"] in kept else None
    for row in reviews:
        row["meeting_id"] = row["meeting_id"] if row["meeting_id"] in meetings else None
    links = [row for row in projection.links if row["outcome_id"] in kept]
    linked = {row["intervention_id"] for row in links}
    interventions = [row for row in projection.interventions if row["intervention_id"] in linked]
    return {"outcomes": outcomes, "outcome_reviews": reviews, "interventions": interventions,
            "intervention_outcomes": links}  # fmt: skip


def project_plans(conn: Connection) -> dict[str, int]:
    """Write every plan's agreed versions into the extract tables (replacing the last projection).

    Runs in the caller's transaction. A plan whose child or involvement is no longer in the
    store is left out (its own tables keep it); an outcome whose id the extract holds already
    is the extract's. Returns the rows written per table.
    """
    if not has_plan_tables(conn):
        return {}
    metadata = sa.MetaData()
    tables = {name: sa.Table(name, metadata, autoload_with=conn) for name in PROJECTED}
    _forget_projection(conn, tables)
    children = set(conn.execute(sa.text("SELECT child_id FROM children")).scalars())
    involvements = set(conn.execute(sa.text("SELECT involvement_id FROM involvements")).scalars())
    meetings = set(conn.execute(sa.text("SELECT meeting_id FROM meetings")).scalars())
    taken = set(conn.execute(sa.select(tables["outcomes"].c.outcome_id)).scalars())
    written = dict.fromkeys(PROJECTED, 0)
    for plan in plans_of_children(conn):
        if plan["child_id"] not in children or plan["involvement_id"] not in involvements:
            continue
        rows = _rows_to_write(project_history(plan_history(conn, plan["plan_id"])), taken, meetings)
        for name in PROJECTED:
            if rows[name]:
                marked = [_typed(row) | {"source_file": PLAN_SOURCE} for row in rows[name]]
                conn.execute(tables[name].insert(), marked)
                written[name] += len(marked)
    return written


def _typed(row: dict) -> dict:
    """Return a projected row with its dates as dates (the store's Date columns want them)."""
    dated = ("agreed_date", "target_date", "closed_date", "review_date", "start_date", "end_date")
    return {name: (_date_or_none(value) if name in dated and isinstance(value, str) else value)
            for name, value in row.items()}  # fmt: skip
