"""Supervision: one worker's children at a date, prompts drawn from the data, and the records made.

In supervision a manager and a practitioner talk through the practitioner's children: are the
desired outcomes right, is anything changing, what should be challenged, what confirmed. This
module prepares that conversation from the store and keeps what was said.

**Whose children.** A worker's children at D are the children whose allocation open at D is
to that worker (DESIGN.md section 4: where two allocations are open, the one that started last
wins). For each child: the desired outcomes active at D, their scores over time (the baseline
at agreement, then each scored review on or before D), the last review, and who was at the
child's last meeting on or before D.

**Prompts** are questions for supervision, each drawn from the data and explained in plain
words. :func:`build_prompts` builds them in one place from :data:`PROMPT_SOURCES`, a list of
functions ``source(outcomes, reviews, at) -> DataFrame`` with :data:`PROMPT_COLUMNS`; a new kind
of prompt (for example flags on how an outcome statement is worded) joins by adding a source.
The four built in, for an outcome active at D:

- ``not_reviewed`` and ``no_progress``: as the rule book defines them
  (:mod:`workbench.practice.rules`), so supervision, the team lead's list and the Reviewed
  measure count the same outcomes;
- ``success_missing``: ``success_looks_like`` is empty;
- ``score_gap``: at the latest review where both the practitioner and the family gave a score,
  they differ by the rule book's ``score_gap.points`` (3) or more. Only on scales that span at
  least ``score_gap.min_scale_span`` (9) points (0 to 10 scaling, Outcomes Star): 3 points on
  Goal Attainment's -2 to +2 mean something else.

Every threshold is the rule book's (``data/rules.yaml``), so a prompt's title and explanation
give the number in force (:func:`prompt_titles`).

A fifth source reads the outcome's own words (``workbench.text.statements``, issue 8), and gives at
most one prompt per outcome, for the most pressing of the flags in :data:`STATEMENT_PROMPT_FLAGS`:

- ``statement_process``: the "outcome" describes a service, compliance, a professional task or
  support offered, not a change in the child's life;
- ``statement_unclear``: the statement is empty, or says nothing about how anyone will know it
  is met (no frequency, count, threshold, time frame or the family's own measure). Not raised
  when ``success_missing`` is: that prompt already asks the same question.

**Who may look, and who records.** The viewer is ``workbench.access.current_identity()`` (a
trusted proxy header, JupyterHub, the deployment's ``WORKBENCH_USER`` in its identity file, or a
demo identity), never a widget value. Their scope (``workbench.access.scope_for``) decides whose
caseload they may see: a practitioner their own, a team lead their team's workers, a service
lead the workers of their service's teams, the Head of Practice Improvement everyone.
:func:`supervision_view` and :func:`record_supervision` refuse a worker outside it, whatever a
page asks for; :func:`workers_in_scope` is what a chooser offers.

**Records.** What was discussed, challenged and confirmed is saved as a supervision record in
the table ``supervision_records`` (schema version 7). It is not an extract table, so loading a
new extract never touches it. The supervisor recorded is the trusted identity's user name
(:func:`trusted_user`). Since schema version 11 a record also holds, per child and per desired
outcome, whether it was discussed, challenged or confirmed, with a note
(:class:`OutcomeTalkedThrough`, table ``supervision_outcomes``), and the actions set, each with
an owner and a due date (:class:`ActionSet`, table ``supervision_actions``). Open actions come
back at the worker's next supervision and on the team lead's page
(``workbench.practice.supervision_actions``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa

from workbench.access import AccessRefusedError, Identity, Scope, current_identity, scope_for
from workbench.core.codes import labels, scale_ranges
from workbench.measures.service_data import ServiceData
from workbench.practice import rules
from workbench.practice.case_outcomes import HELP_COLUMNS, plan_actions_at, with_evidence
from workbench.store.engine import Store
from workbench.store.retry import write_with_retry
from workbench.store.supervision_tables import (
    OUTCOME_STANCES,
    SUPERVISION_ACTIONS,
    SUPERVISION_OUTCOMES,
    SUPERVISION_RECORDS,
)
from workbench.text.statements import flag_advice, statement_flags_for_outcomes

#: The columns every prompt source returns, in order.
PROMPT_COLUMNS: tuple[str, ...] = ("child_id", "outcome_id", "code", "title", "explanation")

#: The kinds of prompt, in the order they are listed.
PROMPT_CODES: tuple[str, ...] = (
    "not_reviewed", "past_target", "no_progress", "success_missing", "score_gap",
    "statement_process", "statement_unclear",
)  # fmt: skip


def prompt_titles(book: rules.RuleBook | None = None) -> dict[str, str]:
    """Return ``{prompt code: title}``, each title with the rule book's threshold in force."""
    book = book or rules.rule_book()
    return {
        "not_reviewed": f"Outcome not reviewed in {book.not_reviewed_days} days",
        "past_target": "Outcome past its target date",
        "no_progress": f"No progress over the last {book.no_progress_reviews} reviews",
        "success_missing": "Success measure not recorded",
        "score_gap": f"Family's score differs from the practitioner's by {book.score_gap_points} or more",
        "statement_process": "Outcome reads as a service or a task, not a change for the child",
        "statement_unclear": "Outcome does not say how anyone will know it is met",
    }


#: Statement flags worth a supervision prompt, and the prompt code each gives. Chosen because
#: they question whether the outcome is an outcome at all (process flags) or can ever be seen to
#: be met (empty, no sign of success, vague): what supervision is for. Left out on purpose:
#: ``professional_voice`` (most recorded statements are in professional words, so it would bury
#: the rest, and whose words is already on the page beside each outcome), ``jargon`` and
#: ``long`` (wording polish, better coached in the statements notebook than in supervision).
STATEMENT_PROMPT_FLAGS: dict[str, str] = {
    **dict.fromkeys(rules.PROCESS_FLAGS, "statement_process"),
    **dict.fromkeys(rules.VAGUE_FLAGS, "statement_unclear"),
}


#: Longest text kept in each field of a supervision record.
RECORD_TEXT_LIMIT = 20_000


class SupervisionError(ValueError):
    """A supervision record cannot be saved as asked; the message says why."""


def trusted_identity(store: Store | None = None) -> Identity:
    """Return the viewer's identity from ``workbench.access.current_identity`` (or refuse).

    The one place supervision learns who is using it: a trusted source set by whoever runs the
    server, never a widget or a URL. ``store`` is the store the page reads (the demo identities
    view only the demo). Raises :class:`workbench.access.AccessRefusedError`.
    """
    return current_identity(store=store)


def trusted_user() -> str | None:
    """Return the id of the trusted identity, or ``None`` when there is none we can trust.

    The same id audits record (:attr:`workbench.access.Identity.record_id`): the worker id when
    the identity has one, otherwise the user name.
    """
    try:
        return trusted_identity().record_id
    except AccessRefusedError:
        return None


class _People:
    """The teams, workers and allocations ``scope_for`` reads, without outcomes and reviews.

    ``ServiceData`` would read every outcome and review; a scope needs only who works where.
    """

    allocation_at = ServiceData.allocation_at

    def __init__(self, store: Store) -> None:
        self._store = store
        self.teams = store.read_table("teams")
        self.workers = store.read_table("workers")
        self.allocations = store.read_table("allocations")

    def localities(self) -> list[str]:
        kids = self._store.metadata.tables["children"]
        with self._store.engine.connect() as conn:
            found = conn.execute(sa.select(kids.c.locality).distinct()).scalars().all()
        return sorted(x for x in found if x)


def supervision_scope(store: Store, at: date | str, identity: Identity | None = None) -> Scope:
    """Return what ``identity`` (by default the trusted viewer) may see at ``at``, for supervision."""
    identity = identity or trusted_identity(store)
    return scope_for(identity, _People(store), _day(at))


def _check_scope(scope: Scope, worker_id: str) -> None:
    if not scope.allows_worker(worker_id):
        who = f"{scope.identity.user} ({scope.identity.title.lower()})"
        raise AccessRefusedError(f"{who} may not see worker {worker_id!r}'s caseload")


# ---------------------------------------------------------------------------------------------
# Reading a caseload at D.


def _day(value: date | str) -> date:
    return pd.Timestamp(value).date()


def _fmt(day) -> str:
    """Return a date as people write it: 3 November 2025 (empty when missing)."""
    if day is None or pd.isna(day):
        return ""
    return f"{pd.Timestamp(day).day} {pd.Timestamp(day):%B %Y}"


def _read(store: Store, query, dates: Sequence[str] = (), numbers: Sequence[str] = ()) -> pd.DataFrame:
    """Run ``query`` and return a DataFrame with dates and numbers typed, ids and text as strings."""
    with store.engine.connect() as conn:
        result = conn.execute(query)
        # Plain tuples: pandas probes SQLAlchemy Row objects attribute by attribute, which is slow.
        frame = pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))
    for name in frame.columns:
        if name in dates:
            frame[name] = pd.to_datetime(frame[name], format="ISO8601")
        elif name in numbers:
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        elif frame[name].dtype == object or frame[name].dtype == "string":
            frame[name] = frame[name].astype("string")
    return frame


def _as_text(column: sa.Column):
    # Dates arrive as ISO text and are parsed by pandas a column at a time (as Store.read_table does).
    return sa.type_coerce(column, sa.String).label(column.name)


@dataclass
class Caseloads:
    """Every worker's children at one date, with what supervision needs about them.

    Read once by :func:`load_caseloads`; :meth:`view` slices one worker out. Frames:

    - ``workers``: worker_id, name, team_id, team_name, role;
    - ``allocations``: child_id, worker_id: each child's allocation open at D;
    - ``children``: child_id, birth_month, age (completed years at D), sex, locality;
    - ``outcomes``: the outcomes active at D, with latest score and last review;
    - ``scores``: outcome_id, child_id, date, score, family_score, kind (baseline or review);
    - ``last_meetings``: each child's last meeting on or before D and who was there;
    - ``prompts``: :data:`PROMPT_COLUMNS`;
    - ``plan_actions``: the actions of outcome plans agreed in the workbench (who, what, by when,
      the intervention and its evidence level), by child and outcome, as last agreed on or before D
      (:func:`workbench.practice.case_outcomes.plan_actions_at`).
    """

    at: date
    workers: pd.DataFrame
    allocations: pd.DataFrame
    children: pd.DataFrame
    outcomes: pd.DataFrame
    scores: pd.DataFrame
    last_meetings: pd.DataFrame
    prompts: pd.DataFrame
    plan_actions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(HELP_COLUMNS)))

    def workers_with_caseload(self) -> list[str]:
        """Return the workers with at least one child allocated at D, sorted."""
        return sorted(self.allocations["worker_id"].dropna().unique().tolist())

    def _rows(self, name: str, worker_id: str) -> pd.DataFrame:
        """Return the rows of frame ``name`` whose child is allocated to ``worker_id`` (grouped once)."""
        if not hasattr(self, "_grouped"):
            worker_of = self.allocations.set_index("child_id")["worker_id"]
            self._grouped: dict[str, dict[str, np.ndarray]] = {}
            for frame_name in ("children", "outcomes", "scores", "prompts", "plan_actions"):
                frame = getattr(self, frame_name)
                owners = frame["child_id"].map(worker_of).to_numpy(dtype=object, na_value=None)
                self._grouped[frame_name] = pd.Series(np.arange(len(frame))).groupby(owners).indices
        rows = self._grouped[name].get(worker_id, np.array([], dtype="int64"))
        return getattr(self, name).iloc[rows]

    def view(self, worker_id: str) -> WorkerCaseload:
        """Return the supervision view of ``worker_id`` at D (empty frames when no child is allocated)."""
        found = self.workers[self.workers["worker_id"] == worker_id]
        if found.empty:
            raise KeyError(f"no worker {worker_id!r} in the store")
        worker = found.iloc[0]
        children = self._rows("children", worker_id)
        children = children.merge(self.last_meetings, on="child_id", how="left").sort_values("child_id")
        outcomes = self._rows("outcomes", worker_id)
        return WorkerCaseload(
            at=self.at,
            worker_id=worker_id,
            worker_name=str(worker["name"]) if pd.notna(worker["name"]) else worker_id,
            team_id=str(worker["team_id"]),
            team_name=str(worker["team_name"]) if pd.notna(worker["team_name"]) else "",
            children=children.reset_index(drop=True),
            outcomes=outcomes.sort_values(["child_id", "agreed_date", "outcome_id"]).reset_index(drop=True),
            scores=self._rows("scores", worker_id).reset_index(drop=True),
            prompts=self._rows("prompts", worker_id).reset_index(drop=True),
            plan_actions=self._rows("plan_actions", worker_id).reset_index(drop=True),
        )


@dataclass
class WorkerCaseload:
    """One worker's children at D, ready for supervision (see :class:`Caseloads` for the frames)."""

    at: date
    worker_id: str
    worker_name: str
    team_id: str
    team_name: str
    children: pd.DataFrame
    outcomes: pd.DataFrame
    scores: pd.DataFrame
    prompts: pd.DataFrame
    #: The agreed plan actions of this worker's children (see ``Caseloads.plan_actions``).
    plan_actions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(HELP_COLUMNS)))

    def prompt_counts(self) -> pd.Series:
        """Return the number of prompts of each kind (every kind listed, zeros included)."""
        counts = self.prompts["code"].value_counts()
        return pd.Series({code: int(counts.get(code, 0)) for code in PROMPT_CODES}, dtype="int64")


def read_workers(store: Store) -> pd.DataFrame:
    """Return every worker with their team's name: worker_id, name, team_id, team_name, role."""
    meta = store.metadata.tables
    workers, teams = meta["workers"], meta["teams"]
    return _read(
        store,
        sa.select(
            workers.c.worker_id, workers.c.name, workers.c.team_id, teams.c.name.label("team_name"),
            workers.c.role,
        ).select_from(workers.join(teams, workers.c.team_id == teams.c.team_id, isouter=True)),
    )  # fmt: skip


def load_caseloads(
    store: Store,
    at: date | str,
    worker_ids: Iterable[str] | None = None,
    *,
    workers: pd.DataFrame | None = None,
    prompts: bool = True,
) -> Caseloads:
    """Read the caseloads at ``at`` of ``worker_ids`` (every worker when ``None``) from the store.

    The work is pushed into SQL: only the children allocated at D, their outcomes active at D,
    and reviews and meetings on or before D are read. ``workers`` is :func:`read_workers`
    already read (a page keeps it between choices). With ``prompts=False`` the prompts are
    left empty, for a caller that draws the chart first and builds them after
    (:func:`build_prompts` on the worker's outcomes and scores gives the same prompts).
    """
    at = _day(at)
    alloc = store.metadata.tables["allocations"]
    wanted = None if worker_ids is None else sorted(set(worker_ids))
    worker_frame = read_workers(store) if workers is None else workers

    open_at = (alloc.c.start_date <= at) & (alloc.c.end_date.is_(None) | (alloc.c.end_date > at))
    # Every allocation open at D of the children concerned: "the one that started last wins"
    # must see a child's other open allocations too.
    concerned = sa.select(alloc.c.child_id).where(open_at)
    if wanted is not None:
        concerned = concerned.where(alloc.c.worker_id.in_(wanted))
    allocations = _read(
        store,
        sa.select(alloc.c.child_id, alloc.c.worker_id, _as_text(alloc.c.start_date)).where(
            open_at & alloc.c.child_id.in_(concerned)
        ),
        dates=("start_date",),
    )
    allocations = allocations.sort_values(["child_id", "start_date", "worker_id"]).drop_duplicates(
        "child_id", keep="last"
    )[["child_id", "worker_id"]]
    if wanted is not None:
        allocations = allocations[allocations["worker_id"].isin(wanted)]
    allocations = allocations.reset_index(drop=True)

    children = _children(store, concerned, at, set(allocations["child_id"]))
    outcomes, scores = _outcomes_and_scores(store, concerned, at, set(allocations["child_id"]))
    last_meetings = _last_meetings(store, concerned, at, set(allocations["child_id"]))
    found = build_prompts(outcomes, scores, at, sources=None if prompts else ())
    with store.engine.connect() as conn:
        # As agreed on or before D: a plan agreed at a later meeting is not seen yet.
        actions = plan_actions_at(conn, set(allocations["child_id"]), at)
    plan_actions = with_evidence(pd.DataFrame(actions, columns=HELP_COLUMNS, dtype=object))
    return Caseloads(
        at, worker_frame, allocations, children, outcomes, scores, last_meetings, found, plan_actions
    )


def _children(store: Store, concerned, at: date, kept: set[str]) -> pd.DataFrame:
    kids = store.metadata.tables["children"]
    frame = _read(
        store,
        sa.select(kids.c.child_id, kids.c.birth_month, kids.c.sex, kids.c.locality).where(
            kids.c.child_id.in_(concerned)
        ),
    )
    frame = frame[frame["child_id"].isin(kept)].reset_index(drop=True)
    year = pd.to_numeric(frame["birth_month"].str.slice(0, 4)).astype("int64")
    month = pd.to_numeric(frame["birth_month"].str.slice(5, 7)).astype("int64")
    # Completed years at D, counting the birthday as reached in its month (only the month is held).
    frame["age"] = (at.year - year - (at.month < month)).clip(lower=0).astype("int64")
    return frame


def _outcomes_and_scores(
    store: Store, concerned, at: date, kept: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    out, rev = store.metadata.tables["outcomes"], store.metadata.tables["outcome_reviews"]
    active = (out.c.agreed_date <= at) & (out.c.closed_date.is_(None) | (out.c.closed_date > at))
    mine = active & out.c.child_id.in_(concerned)
    outcomes = _read(
        store,
        sa.select(
            out.c.outcome_id, out.c.child_id, _as_text(out.c.agreed_date), out.c.statement,
            out.c.whose_words, out.c.agreed_with_family, out.c.success_looks_like, out.c.domain,
            out.c.scale, out.c.baseline_score, out.c.target_score, _as_text(out.c.target_date),
        ).where(mine),
        dates=("agreed_date", "target_date"),
        numbers=("baseline_score", "target_score"),
    )  # fmt: skip
    outcomes = outcomes[outcomes["child_id"].isin(kept)].reset_index(drop=True)
    outcomes["agreed_with_family"] = outcomes["agreed_with_family"].astype("boolean")
    reviews = _read(
        store,
        sa.select(
            rev.c.outcome_id, _as_text(rev.c.review_date), rev.c.score, rev.c.family_score, rev.c.meeting_id
        )
        .select_from(rev.join(out, rev.c.outcome_id == out.c.outcome_id))
        .where(mine & (rev.c.review_date <= at)),
        dates=("review_date",),
        numbers=("score", "family_score"),
    )
    reviews = reviews[reviews["outcome_id"].isin(set(outcomes["outcome_id"]))]
    child_of = outcomes.set_index("outcome_id")["child_id"]

    # Scores over time: the baseline at agreement, then every scored review on or before D.
    baseline = outcomes.dropna(subset=["baseline_score"])
    scores = pd.concat(
        [
            pd.DataFrame(
                {
                    "outcome_id": baseline["outcome_id"],
                    "date": baseline["agreed_date"],
                    "score": baseline["baseline_score"],
                    "family_score": np.nan,
                    "kind": "baseline",
                    "order": 0,
                }
            ),
            pd.DataFrame(
                {
                    "outcome_id": reviews["outcome_id"],
                    "date": reviews["review_date"],
                    "score": reviews["score"],
                    "family_score": reviews["family_score"],
                    "kind": "review",
                    "order": 1,
                }
            ),
        ],
        ignore_index=True,
    )
    scores["child_id"] = scores["outcome_id"].map(child_of).astype("string")
    scores = scores.sort_values(["outcome_id", "date", "order"], kind="stable").reset_index(drop=True)

    last_review = reviews.groupby("outcome_id")["review_date"].max()
    scored = scores[(scores["kind"] == "review") & scores["score"].notna()]
    latest = scored.groupby("outcome_id").tail(1).set_index("outcome_id")
    # reindex, not map: map() with an empty date series (no outcome reviewed yet) raises.
    outcomes["last_review_date"] = last_review.reindex(outcomes["outcome_id"]).to_numpy()
    outcomes["latest_score"] = outcomes["outcome_id"].map(latest["score"]).astype("float64")
    outcomes["latest_score_date"] = latest["date"].reindex(outcomes["outcome_id"]).to_numpy()
    outcomes["scored_reviews"] = outcomes["outcome_id"].map(scored["outcome_id"].value_counts()).fillna(0)
    outcomes["scored_reviews"] = outcomes["scored_reviews"].astype("int64")
    return outcomes, scores[["outcome_id", "child_id", "date", "score", "family_score", "kind"]]


def _last_meetings(store: Store, concerned, at: date, kept: set[str]) -> pd.DataFrame:
    meet = store.metadata.tables["meetings"]
    frame = _read(
        store,
        sa.select(
            meet.c.child_id, meet.c.meeting_id, meet.c.meeting_type, _as_text(meet.c.date),
            meet.c.child_participation, meet.c.family_attended, meet.c.wider_family_attended,
            meet.c.agencies_attended,
        ).where(meet.c.child_id.in_(concerned) & (meet.c.date <= at)),
        dates=("date",),
    )  # fmt: skip
    frame = frame[frame["child_id"].isin(kept)]
    frame = frame.sort_values(["child_id", "date", "meeting_id"]).drop_duplicates("child_id", keep="last")
    frame = frame.rename(columns={"date": "last_meeting_date", "meeting_type": "last_meeting_type"})
    frame["who_was_there"] = [
        who_was_there(code, family, wider, agencies)
        for code, family, wider, agencies in zip(
            frame["child_participation"],
            frame["family_attended"],
            frame["wider_family_attended"],
            frame["agencies_attended"],
            strict=True,
        )
    ]
    return frame[["child_id", "last_meeting_date", "last_meeting_type", "who_was_there"]].reset_index(
        drop=True
    )


def _yes(value) -> bool:
    if value is None or pd.isna(value):
        return False
    return value in (True, 1) or str(value).strip().upper() in ("Y", "TRUE", "1")


def who_was_there(participation, family, wider_family, agencies) -> str:
    """Say in plain words who took part in a meeting: the child, the family, wider family, agencies."""
    parts = []
    if participation is None or pd.isna(participation) or not str(participation).strip():
        parts.append("child's participation not recorded")
    else:
        label = labels("participation_codes").get(str(participation), str(participation))
        parts.append(f"{label} ({participation})")
    parts.append("parent or carer attended" if _yes(family) else "no parent or carer")
    parts.append("wider family attended" if _yes(wider_family) else "no wider family")
    text = "" if agencies is None or pd.isna(agencies) else str(agencies)
    named = [a.strip() for a in text.split(";") if a.strip()]
    parts.append(f"agencies: {', '.join(named)}" if named else "no other agency")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# Prompts.

PromptSource = Callable[[pd.DataFrame, pd.DataFrame, date], pd.DataFrame]


def _prompt_frame(picked: pd.DataFrame, code: str, explanations: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": picked["child_id"].astype("string").to_numpy(),
            "outcome_id": picked["outcome_id"].astype("string").to_numpy(),
            "code": code,
            "title": prompt_titles()[code],
            "explanation": list(explanations),
        },
        columns=list(PROMPT_COLUMNS),
    )


def _score(value: float) -> str:
    return f"{value:g}"


def _scored_reviews(scores: pd.DataFrame) -> pd.DataFrame:
    """Return the scored reviews among ``scores`` (not baselines), as the rule book reads them."""
    reviews = scores[(scores["kind"] == "review") & scores["score"].notna()]
    return reviews.rename(columns={"date": "review_date"})


def not_reviewed_prompts(outcomes: pd.DataFrame, scores: pd.DataFrame, at: date) -> pd.DataFrame:
    """Outcomes not reviewed (the rule book's :func:`~workbench.practice.rules.not_reviewed`)."""
    when = pd.Timestamp(at)
    overdue = rules.not_reviewed(outcomes, _scored_reviews(scores), at)
    picked = outcomes.set_index("outcome_id", drop=False).loc[overdue["outcome_id"]]
    since = overdue["last_scored"].fillna(picked["agreed_date"].reset_index(drop=True))
    explanations = [
        (
            f"Last scored at a review on {_fmt(last)}, {(when - start).days} days before {_fmt(when)}."
            if pd.notna(last)
            else f"Never scored at a review since it was agreed on {_fmt(start)}, "
            f"{(when - start).days} days before {_fmt(when)}."
        )
        + f" Outcomes should be reviewed at least every {rules.rule_book().not_reviewed_days} days:"
        " is it still the right outcome?"
        for last, start in zip(overdue["last_scored"], since, strict=True)
    ]
    return _prompt_frame(picked.reset_index(drop=True), "not_reviewed", explanations)


def past_target_prompts(outcomes: pd.DataFrame, scores: pd.DataFrame, at: date) -> pd.DataFrame:
    """Outcomes past their target date (:func:`workbench.practice.rules.past_target_date`)."""
    past = rules.past_target_date(outcomes, at)
    picked = outcomes.set_index("outcome_id", drop=False).loc[past["outcome_id"]].reset_index(drop=True)
    explanations = [
        f"The target date was {_fmt(when)}, {days} days ago, and it is not yet achieved. "
        "Is the timescale still realistic, and does the family agree?"
        for when, days in zip(past["target_date"], past["days_past"], strict=True)
    ]
    return _prompt_frame(picked, "past_target", explanations)


def no_progress_prompts(outcomes: pd.DataFrame, scores: pd.DataFrame, at: date) -> pd.DataFrame:
    """Outcomes making no progress (the rule book's :func:`~workbench.practice.rules.no_progress`)."""
    book = rules.rule_book()
    stalled = rules.no_progress(_scored_reviews(scores), book).set_index("outcome_id")
    picked = outcomes[outcomes["outcome_id"].isin(stalled.index)].reset_index(drop=True)
    stalled = stalled.loc[picked["outcome_id"]]
    explanations = [
        f"Scored {', '.join(_score(x) for x in s)} at its last {book.no_progress_reviews} reviews, "
        f"the latest on {_fmt(d)}. What would help it move, or is it the right outcome?"
        for s, d in zip(stalled["scores"], stalled["latest_date"], strict=True)
    ]
    return _prompt_frame(picked, "no_progress", explanations)


def success_missing_prompts(outcomes: pd.DataFrame, scores: pd.DataFrame, at: date) -> pd.DataFrame:
    """Outcomes with no success measure (``success_looks_like`` empty)."""
    picked = outcomes[rules.no_success_measure(outcomes).to_numpy()]
    explanation = (
        "Nobody has written down what success will look like, so neither the family nor the "
        "practitioner can tell when it is achieved. Agree it with the family."
    )
    return _prompt_frame(picked, "success_missing", [explanation] * len(picked))


def score_gap_prompts(outcomes: pd.DataFrame, scores: pd.DataFrame, at: date) -> pd.DataFrame:
    """Outcomes whose family and practitioner scores, at the latest review both scored, differ by the gap."""
    book = rules.rule_book()
    wide = {code for code, (low, high) in scale_ranges().items() if rules.score_gap_applies(low, high, book)}
    both = scores[(scores["kind"] == "review") & scores["score"].notna() & scores["family_score"].notna()]
    latest = both.groupby("outcome_id").tail(1).set_index("outcome_id")
    frame = outcomes[outcomes["scale"].isin(wide)].set_index("outcome_id", drop=False)
    # Reindexed to the outcomes: an empty frame given a Series would adopt the Series' rows.
    frame = frame.assign(
        practitioner=latest["score"].reindex(frame.index),
        family=latest["family_score"].reindex(frame.index),
        review_date=latest["date"].reindex(frame.index),
    )
    gap = (frame["family"] - frame["practitioner"]).abs()
    picked = frame[(gap >= book.score_gap_points).fillna(False)]
    explanations = [
        f"At the review on {_fmt(d)} the family scored {_score(f)} and the practitioner {_score(p)}: "
        f"{_score(abs(f - p))} points apart. Whose view is the plan built on?"
        for f, p, d in zip(picked["family"], picked["practitioner"], picked["review_date"], strict=True)
    ]
    return _prompt_frame(picked, "score_gap", explanations)


def statement_prompts(outcomes: pd.DataFrame, scores: pd.DataFrame, at: date) -> pd.DataFrame:
    """Outcomes whose statement reads as a process, or as an outcome nobody could see met.

    One prompt per outcome: its most pressing flag among :data:`STATEMENT_PROMPT_FLAGS`, in
    the words of the statements lexicon (what the flag means, then the coaching question).
    """
    if outcomes.empty:
        return _prompt_frame(outcomes, "statement_process", [])
    flags = statement_flags_for_outcomes(outcomes[["outcome_id", "statement"]])
    flags = flags[flags["flag"].isin(STATEMENT_PROMPT_FLAGS)]
    # The success-measure prompt already asks how anyone will know; do not ask twice.
    no_success = set(outcomes.loc[rules.no_success_measure(outcomes).to_numpy(), "outcome_id"])
    flags = flags[
        ~(flags["flag"].isin(["no_sign_of_success", "vague"]) & flags["outcome_id"].isin(no_success))
    ]
    flags = flags.sort_values(["outcome_id", "rank"], kind="stable").drop_duplicates("outcome_id")
    picked = flags.merge(outcomes[["outcome_id", "child_id"]], on="outcome_id", how="left")
    codes = picked["flag"].map(STATEMENT_PROMPT_FLAGS)
    return pd.DataFrame(
        {
            "child_id": picked["child_id"].astype("string").to_numpy(),
            "outcome_id": picked["outcome_id"].astype("string").to_numpy(),
            "code": codes.to_numpy(),
            "title": codes.map(prompt_titles()).to_numpy(),
            "explanation": flag_advice(picked["explanation"], picked["prompt"]).to_numpy(),
        },
        columns=list(PROMPT_COLUMNS),
    )


#: The sources :func:`build_prompts` draws on, in the order prompts are listed. Append a source
#: ``(outcomes, scores, at) -> DataFrame`` with :data:`PROMPT_COLUMNS` to add a kind of prompt.
PROMPT_SOURCES: list[PromptSource] = [
    not_reviewed_prompts,
    past_target_prompts,
    no_progress_prompts,
    success_missing_prompts,
    score_gap_prompts,
    statement_prompts,
]


def build_prompts(
    outcomes: pd.DataFrame, scores: pd.DataFrame, at: date, sources: Sequence[PromptSource] | None = None
) -> pd.DataFrame:
    """Return every prompt for ``outcomes`` at ``at``, from each source in turn (one row per prompt).

    ``outcomes`` and ``scores`` are as in :class:`Caseloads`. Columns: :data:`PROMPT_COLUMNS`.
    """
    frames = [source(outcomes, scores, at) for source in (PROMPT_SOURCES if sources is None else sources)]
    frames = [frame[list(PROMPT_COLUMNS)] for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype="string") for name in PROMPT_COLUMNS})
    return pd.concat(frames, ignore_index=True).astype("string")


def caseload_sizes(store: Store, at: date | str) -> pd.DataFrame:
    """Return worker_id, name and children (allocated at D) for every worker with a caseload at ``at``."""
    at = _day(at)
    alloc, workers = store.metadata.tables["allocations"], store.metadata.tables["workers"]
    open_at = (alloc.c.start_date <= at) & (alloc.c.end_date.is_(None) | (alloc.c.end_date > at))
    frame = _read(
        store,
        sa.select(alloc.c.child_id, alloc.c.worker_id, _as_text(alloc.c.start_date)).where(open_at),
        dates=("start_date",),
    )
    frame = frame.sort_values(["child_id", "start_date", "worker_id"]).drop_duplicates(
        "child_id", keep="last"
    )
    sizes = frame.groupby("worker_id").size().rename("children").reset_index()
    names = _read(store, sa.select(workers.c.worker_id, workers.c.name))
    return sizes.merge(names, on="worker_id", how="left")[["worker_id", "name", "children"]]


def workers_in_scope(store: Store, at: date | str, scope: Scope) -> pd.DataFrame:
    """Return :func:`caseload_sizes` at ``at`` for the workers ``scope`` allows (what a chooser offers)."""
    sizes = caseload_sizes(store, at)
    # A boolean Series, not a list: an empty list would select no columns rather than no rows.
    allowed = pd.Series([scope.allows_worker(w) for w in sizes["worker_id"]], index=sizes.index, dtype=bool)
    return sizes[allowed].reset_index(drop=True)


def supervision_view(
    store: Store,
    worker_id: str,
    at: date | str,
    scope: Scope | None = None,
    *,
    workers: pd.DataFrame | None = None,
    prompts: bool = True,
) -> WorkerCaseload:
    """Return one worker's supervision view at ``at`` (reads only that worker's caseload).

    ``scope`` is the viewer's (by default the trusted viewer's, :func:`supervision_scope`); a
    worker outside it is refused with :class:`workbench.access.AccessRefusedError`.
    ``workers`` and ``prompts`` are as for :func:`load_caseloads`.
    """
    _check_scope(scope or supervision_scope(store, at), worker_id)
    return load_caseloads(store, at, [worker_id], workers=workers, prompts=prompts).view(worker_id)


# ---------------------------------------------------------------------------------------------
# Supervision records: a table of their own (schema version 7), never replaced by an extract load.


RECORD_COLUMNS: tuple[str, ...] = tuple(c.name for c in SUPERVISION_RECORDS.columns)


def _clean_text(value: str | None, field: str) -> str | None:
    text = (value or "").strip()
    if len(text) > RECORD_TEXT_LIMIT:
        raise SupervisionError(f"{field} is {len(text):,} characters; the most kept is {RECORD_TEXT_LIMIT:,}")
    return text or None


@dataclass(frozen=True)
class OutcomeTalkedThrough:
    """A desired outcome talked through in supervision: how (:data:`OUTCOME_STANCES`), and a note."""

    outcome_id: str
    stance: str
    note: str = ""


@dataclass(frozen=True)
class ActionSet:
    """An action set in supervision: what, who owns it, when it is due, and the outcome it is about."""

    description: str
    owner: str
    due_date: date | str
    outcome_id: str | None = None
    child_id: str | None = None


#: Longest owner name kept.
OWNER_LIMIT = 200


def _outcome_rows(outcomes: Sequence[OutcomeTalkedThrough], child_of: dict[str, str]) -> list[dict]:
    rows, seen = [], set()
    for n, item in enumerate(outcomes, start=1):
        if item.outcome_id not in child_of:
            raise SupervisionError(
                f"outcome {n} ({item.outcome_id!r}) is not one of this worker's desired outcomes on the date "
                "of the caseload"
            )
        if item.stance not in OUTCOME_STANCES:
            raise SupervisionError(
                f"outcome {n} ({item.outcome_id}): say whether it was {', '.join(OUTCOME_STANCES)}, "
                f"not {item.stance!r}"
            )
        if item.outcome_id in seen:
            raise SupervisionError(f"outcome {n} ({item.outcome_id}) is listed twice: keep one")
        seen.add(item.outcome_id)
        rows.append(
            {
                "child_id": child_of[item.outcome_id],
                "outcome_id": item.outcome_id,
                "stance": item.stance,
                "note": _clean_text(item.note, f"the note on outcome {item.outcome_id}"),
            }
        )
    return rows


def _action_rows(
    actions: Sequence[ActionSet], worker_id: str, child_of: dict[str, str], children: set[str], now: str
) -> list[dict]:
    rows = []
    for n, action in enumerate(actions, start=1):
        description = _clean_text(action.description, f"action {n}")
        owner = (action.owner or "").strip()
        if not description:
            raise SupervisionError(f"action {n}: say what is to be done")
        if not owner or len(owner) > OWNER_LIMIT:
            raise SupervisionError(f"action {n}: name who owns it (at most {OWNER_LIMIT} characters)")
        try:
            due = _day(action.due_date)
        except (TypeError, ValueError):
            due = None
        if due is None or pd.isna(due):
            raise SupervisionError(f"action {n}: give a due date, not {action.due_date!r}")
        child = action.child_id
        if action.outcome_id is not None:
            if action.outcome_id not in child_of:
                raise SupervisionError(
                    f"action {n}: {action.outcome_id!r} is not one of this worker's outcomes"
                )
            child = child_of[action.outcome_id]
        if child is not None and child not in children:
            raise SupervisionError(f"action {n}: {child!r} is not one of this worker's children")
        rows.append(
            {
                "worker_id": worker_id,
                "child_id": child,
                "outcome_id": action.outcome_id,
                "description": description,
                "owner": owner,
                "due_date": due,
                "status": "open",
                "created_at": now,
            }
        )
    return rows


def record_supervision(
    store: Store,
    worker_id: str,
    supervision_date: date | str,
    view_at: date | str,
    *,
    discussed: str = "",
    challenged: str = "",
    confirmed: str = "",
    outcomes: Sequence[OutcomeTalkedThrough] = (),
    actions: Sequence[ActionSet] = (),
) -> int:
    """Save a supervision record for ``worker_id``; return its record id.

    The supervisor is the trusted identity's user (:func:`trusted_identity`); with none, nothing
    is saved. The worker must be in the supervisor's scope at ``view_at``. Something must be
    recorded: discussed, challenged or confirmed in words, an outcome talked through, or an
    action. ``outcomes`` must be the worker's desired outcomes active at ``view_at`` (the ones the
    page showed); an action may name one of them, or one of the worker's children, or neither
    (about the caseload). Record, outcomes and actions are saved together or not at all. Text
    is kept as typed and escaped wherever it is shown.
    """
    try:
        identity = trusted_identity(store)
    except AccessRefusedError as error:
        raise SupervisionError(f"no trusted identity, so nothing is saved: {error}") from None
    supervisor = identity.record_id  # the worker_id, else the user name (as audits do)
    workers = store.metadata.tables["workers"]
    with store.engine.connect() as conn:
        known = conn.execute(sa.select(workers.c.worker_id).where(workers.c.worker_id == worker_id)).first()
    if known is None:
        raise SupervisionError(f"no worker {worker_id!r} in the store")
    try:
        _check_scope(supervision_scope(store, view_at, identity), worker_id)
    except AccessRefusedError as error:
        raise SupervisionError(str(error)) from None
    texts = {
        "discussed": _clean_text(discussed, "discussed"),
        "challenged": _clean_text(challenged, "challenged"),
        "confirmed": _clean_text(confirmed, "confirmed"),
    }
    child_of: dict[str, str] = {}
    children: set[str] = set()
    if outcomes or actions:
        # The outcomes the page showed: the worker's, active at the caseload's date.
        view = load_caseloads(store, view_at, [worker_id], prompts=False).view(worker_id)
        child_of = dict(zip(view.outcomes["outcome_id"], view.outcomes["child_id"], strict=True))
        children = set(view.children["child_id"])
    now = datetime.now(UTC).isoformat(timespec="seconds")
    outcome_rows = _outcome_rows(outcomes, child_of)
    action_rows = _action_rows(actions, worker_id, child_of, children, now)
    if not any(texts.values()) and not outcome_rows and not action_rows:
        raise SupervisionError(
            "write what was discussed, challenged or confirmed, or add an outcome or an action, before saving"
        )
    row = {
        "worker_id": worker_id,
        "supervisor": supervisor,
        "supervision_date": _day(supervision_date),
        "view_at": _day(view_at),
        "created_at": now,
        **texts,
    }

    def write(conn) -> int:
        record_id = int(conn.execute(SUPERVISION_RECORDS.insert().values(**row)).inserted_primary_key[0])
        if outcome_rows:
            conn.execute(SUPERVISION_OUTCOMES.insert(), [{**r, "record_id": record_id} for r in outcome_rows])
        if action_rows:
            conn.execute(SUPERVISION_ACTIONS.insert(), [{**r, "record_id": record_id} for r in action_rows])
        return record_id

    # Several supervisors save at once: wait out SQLite's write lock, as audits do.
    return write_with_retry(store, write)


def supervision_records(store: Store, worker_id: str | None = None) -> pd.DataFrame:
    """Return supervision records (of ``worker_id``, or all), newest first.

    Columns: :data:`RECORD_COLUMNS`, then ``outcomes`` (for each record, a list of the outcomes
    talked through: child_id, outcome_id, stance, note) and ``actions`` (a list of its actions:
    action_id, child_id, outcome_id, description, owner, due_date, status, done_date, done_by).
    """
    table = SUPERVISION_RECORDS
    query = sa.select(*(_as_text(c) if isinstance(c.type, sa.Date) else c for c in table.columns))
    if worker_id is not None:
        query = query.where(table.c.worker_id == worker_id)
    frame = _read(store, query, dates=("supervision_date", "view_at"))
    frame = frame.sort_values(["supervision_date", "record_id"], ascending=False).reset_index(drop=True)
    talked, actions = _record_details(store, frame["record_id"].tolist())
    frame["outcomes"] = [talked.get(int(r), []) for r in frame["record_id"]]
    frame["actions"] = [actions.get(int(r), []) for r in frame["record_id"]]
    return frame


def _record_details(store: Store, record_ids: list) -> tuple[dict[int, list[dict]], dict[int, list[dict]]]:
    """Return, by record id, the outcomes talked through and the actions set, in recorded order."""
    if not record_ids:
        return {}, {}
    ids = [int(r) for r in record_ids]
    out, act = SUPERVISION_OUTCOMES, SUPERVISION_ACTIONS
    talked = _read(
        store,
        sa.select(out.c.record_id, out.c.child_id, out.c.outcome_id, out.c.stance, out.c.note)
        .where(out.c.record_id.in_(ids))
        .order_by(out.c.record_id, out.c.id),
    )
    actions = _read(
        store,
        sa.select(
            act.c.record_id, act.c.action_id, act.c.child_id, act.c.outcome_id, act.c.description,
            act.c.owner, _as_text(act.c.due_date), act.c.status, _as_text(act.c.done_date), act.c.done_by,
        ).where(act.c.record_id.in_(ids)).order_by(act.c.record_id, act.c.action_id),
        dates=("due_date", "done_date"),
    )  # fmt: skip

    def by_record(frame: pd.DataFrame) -> dict[int, list[dict]]:
        rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
        grouped: dict[int, list[dict]] = {}
        for row in rows:
            grouped.setdefault(int(row.pop("record_id")), []).append(row)
        return grouped

    return by_record(talked), by_record(actions)
