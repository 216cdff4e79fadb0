"""Which desired outcomes need a team lead's attention this week, and why, in plain words.

An outcome counts when it is active at D (agreed on or before D, not closed by D). The
reasons (DESIGN.md section 1: clear, constant, consensual), each a check in :data:`CHECKS`:

- ``no_success_measure``: ``success_looks_like`` is empty, so nobody can tell when it is met;
- ``not_reviewed``: agreed on or before D-N with no scored review in (D-N, D], N the rule
  book's ``not_reviewed.days`` (91 as shipped, as the Reviewed measure counts it);
- ``past_target``: its target date is before D and it is still open, so it was not achieved
  when the family hoped (the rule book's ``past_target_date``);
- ``no_progress``: it has N or more scored reviews on or before D (the rule book's
  ``no_progress.reviews``, 3 as shipped), and the latest of the last N is no higher than the first;
- ``not_agreed``: not agreed with the family;
- ``family_absent``: the family did not attend the last meeting (on or before D) of the
  involvement the outcome belongs to;
- ``reads_as_process``: the statement (read by ``workbench.text.statements``) describes a service,
  compliance, a professional task or support offered, not a change in the child's life;
- ``vague_statement``: the statement is empty, or does not say how anyone will know it is met.
  Not given when ``no_success_measure`` is (it already says so) or the statement reads as a
  process (that is the first thing to fix).

The statement reasons need a ``statement`` column; frames without one give none.

Each check is a pure function of :class:`AttentionInputs` returning ``outcome_id, reason,
explanation``; :func:`attention_reasons` runs them all. Extra reasons join in one place,
:data:`CHECKS` (statement-quality flags from ``workbench.text.statements`` are meant to go there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import pandas as pd

from workbench.measures.service_data import ServiceData
from workbench.practice import rules
from workbench.text.statements import flag_advice, statement_flags_for_outcomes

#: Reason codes, in the order a list shows them (:func:`reason_headings` words them).
REASONS: tuple[str, ...] = (
    "no_success_measure", "not_reviewed", "past_target", "no_progress", "not_agreed",
    "family_absent", "reads_as_process", "vague_statement",
)  # fmt: skip


def reason_headings(book: rules.RuleBook | None = None) -> dict[str, str]:
    """Return ``{reason code: heading}``, each heading with the rule book's threshold in force."""
    book = book or rules.rule_book()
    return {
        "no_success_measure": "No success measure",
        "not_reviewed": f"Not reviewed in {book.not_reviewed_days} days",
        "past_target": "Past its target date",
        "no_progress": f"No progress over the last {_number(book.no_progress_reviews)} reviews",
        "not_agreed": "Not agreed with the family",
        "family_absent": "Family absent from the last meeting",
        "reads_as_process": "Reads as a service or task, not an outcome",
        "vague_statement": "Does not say how anyone will know it is met",
    }


# The statement flags for "reads as a process" and "vague" are the rule book's. Professional
# voice, jargon and length are left to the statements notebook: a team lead's list is for what
# stops an outcome being an outcome.

_COLUMNS = ["child_id", "outcome_id", "reason", "heading", "explanation"]


@dataclass(frozen=True)
class AttentionInputs:
    """The frames the checks read: outcomes active at D, their scored reviews and meetings to D."""

    at: pd.Timestamp
    outcomes: pd.DataFrame
    reviews: pd.DataFrame
    meetings: pd.DataFrame

    @cached_property
    def statement_flags(self) -> pd.DataFrame:
        """The statement flags of the outcomes (read once for both statement reasons)."""
        if "statement" not in self.outcomes.columns:
            return pd.DataFrame(columns=["outcome_id", "flag", "explanation", "prompt", "rank"])
        return statement_flags_for_outcomes(self.outcomes[["outcome_id", "statement"]])


def _day(value: pd.Timestamp) -> str:
    return f"{value.day} {value:%B %Y}"


def _number(n: int) -> str:
    """Return a small whole number in words, as a sentence reads it (a larger one in figures)."""
    words = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n] if 0 <= n < len(words) else f"{n:,}"


def _reasons(outcome_ids: Iterable[str], reason: str, explanations: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"outcome_id": list(outcome_ids), "reason": reason, "explanation": list(explanations)}
    )


def no_success_measure(inputs: AttentionInputs) -> pd.DataFrame:
    """Outcomes whose ``success_looks_like`` is empty."""
    out = inputs.outcomes
    picked = out[rules.no_success_measure(out).to_numpy()]
    return _reasons(
        picked["outcome_id"],
        "no_success_measure",
        ["It does not say what success will look like, so nobody can tell when it is met."] * len(picked),
    )


def not_reviewed(inputs: AttentionInputs) -> pd.DataFrame:
    """Outcomes not reviewed (the rule book's :func:`~workbench.practice.rules.not_reviewed`)."""
    overdue = rules.not_reviewed(inputs.outcomes, inputs.reviews, inputs.at)
    explanations = [
        f"No scored review since {_day(last)}." if pd.notna(last) else "It has never had a scored review."
        for last in overdue["last_scored"]
    ]
    return _reasons(overdue["outcome_id"], "not_reviewed", explanations)


def past_target(inputs: AttentionInputs) -> pd.DataFrame:
    """Outcomes past their target date (:func:`workbench.practice.rules.past_target_date`)."""
    if "target_date" not in inputs.outcomes.columns:
        return pd.DataFrame(columns=["outcome_id", "reason", "explanation"])
    past = rules.past_target_date(inputs.outcomes, inputs.at)
    explanations = [
        f"The family hoped to reach it by {_day(when)}, {days} days ago. Is the target still realistic?"
        for when, days in zip(past["target_date"], past["days_past"], strict=True)
    ]
    return _reasons(past["outcome_id"], "past_target", explanations)


def no_progress(inputs: AttentionInputs) -> pd.DataFrame:
    """Outcomes making no progress (the rule book's :func:`~workbench.practice.rules.no_progress`)."""
    stalled = rules.no_progress(inputs.reviews)
    return _reasons(
        stalled["outcome_id"],
        "no_progress",
        [
            f"The last {_number(len(s))} scores were {', '.join(f'{x:g}' for x in s)}."
            for s in stalled["scores"]
        ],
    )


def not_agreed(inputs: AttentionInputs) -> pd.DataFrame:
    """Outcomes not agreed with the family."""
    out = inputs.outcomes
    picked = out[~out["agreed_with_family"].fillna(False).astype(bool)]
    return _reasons(
        picked["outcome_id"],
        "not_agreed",
        ["The family has not agreed this outcome."] * len(picked),
    )


def family_absent(inputs: AttentionInputs) -> pd.DataFrame:
    """Outcomes whose involvement's last meeting on or before D went ahead without the family."""
    meetings = inputs.meetings.sort_values(["involvement_id", "date", "meeting_id"])
    last = meetings.drop_duplicates("involvement_id", keep="last").set_index("involvement_id")
    absent = last[~last["family_attended"].fillna(False).astype(bool)]
    out = inputs.outcomes[inputs.outcomes["involvement_id"].isin(absent.index)]
    explanations = [
        f"The family was not at the last meeting ({str(absent.at[inv, 'meeting_type']).replace('_', ' ')}, "
        f"{_day(absent.at[inv, 'date'])})."
        for inv in out["involvement_id"]
    ]
    return _reasons(out["outcome_id"], "family_absent", explanations)


def _statement_reason(flags: pd.DataFrame, reason: str) -> pd.DataFrame:
    first = flags.sort_values(["outcome_id", "rank"], kind="stable").drop_duplicates("outcome_id")
    return _reasons(first["outcome_id"], reason, flag_advice(first["explanation"], first["prompt"]).tolist())


def reads_as_process(inputs: AttentionInputs) -> pd.DataFrame:
    """Outcomes whose statement describes a service, compliance, a task or support, not a change."""
    flags = inputs.statement_flags
    return _statement_reason(flags[flags["flag"].isin(rules.PROCESS_FLAGS)], "reads_as_process")


def vague_statement(inputs: AttentionInputs) -> pd.DataFrame:
    """Outcomes whose statement is empty or gives no sign of success (success measure written)."""
    flags = inputs.statement_flags
    process = set(flags.loc[flags["flag"].isin(rules.PROCESS_FLAGS), "outcome_id"])
    out = inputs.outcomes
    blank = rules.no_success_measure(out).to_numpy()
    # no_success_measure already says nobody can tell when it is met; an empty statement still counts.
    no_success = set(out.loc[blank, "outcome_id"])
    picked = flags[flags["flag"].isin(rules.VAGUE_FLAGS) & ~flags["outcome_id"].isin(process)]
    picked = picked[(picked["flag"] == "empty") | ~picked["outcome_id"].isin(no_success)]
    return _statement_reason(picked, "vague_statement")


#: Every check, in the order reasons are listed. Extra reasons (such as statement-quality
#: flags) join here: a function of AttentionInputs returning outcome_id, reason, explanation,
#: with its reason code added to REASONS and its heading to reason_headings.
CHECKS: list[Callable[[AttentionInputs], pd.DataFrame]] = [
    no_success_measure,
    not_reviewed,
    past_target,
    no_progress,
    not_agreed,
    family_absent,
    reads_as_process,
    vague_statement,
]


def active_outcomes(outcomes: pd.DataFrame, at: date) -> pd.DataFrame:
    """Return the outcomes active at ``at``: agreed on or before it and not closed by it."""
    when = pd.Timestamp(at)
    closed = outcomes["closed_date"]
    return outcomes[(outcomes["agreed_date"] <= when) & (closed.isna() | (closed > when))]


def attention_reasons(
    outcomes: pd.DataFrame, reviews: pd.DataFrame, meetings: pd.DataFrame, at: date
) -> pd.DataFrame:
    """Return one row per (outcome, reason) for the outcomes active at ``at`` that need attention.

    ``outcomes`` has the extract's outcome columns; ``reviews`` has outcome_id, review_id,
    review_date and score (unscored reviews are ignored); ``meetings`` has meeting_id,
    involvement_id, meeting_type, date and family_attended. Only data dated on or before
    ``at`` is used. Columns: child_id, outcome_id, reason, heading, explanation; rows in
    child, outcome and :data:`REASONS` order.
    """
    when = pd.Timestamp(at)
    active = active_outcomes(outcomes, at)
    ids = set(active["outcome_id"])
    scored = reviews[
        reviews["outcome_id"].isin(ids) & reviews["score"].notna() & (reviews["review_date"] <= when)
    ]
    met = meetings[
        meetings["involvement_id"].isin(set(active["involvement_id"])) & (meetings["date"] <= when)
    ]
    inputs = AttentionInputs(at=when, outcomes=active, reviews=scored, meetings=met)
    found = [check(inputs) for check in CHECKS]
    found = [frame for frame in found if len(frame)]
    if not found:
        return pd.DataFrame(columns=_COLUMNS)
    result = pd.concat(found, ignore_index=True)
    result = result.merge(active[["outcome_id", "child_id"]], on="outcome_id", how="left")
    result["heading"] = result["reason"].map(reason_headings()).fillna(result["reason"])
    order = {code: n for n, code in enumerate(REASONS)}
    result["_order"] = result["reason"].map(order).fillna(len(order))
    result = result.sort_values(["child_id", "outcome_id", "_order"]).reset_index(drop=True)
    return result[_COLUMNS]


def attention_by_child(reasons: pd.DataFrame) -> pd.DataFrame:
    """Return one row per child: child_id, outcomes (how many need attention) and reasons (headings).

    Children with the most outcomes needing attention come first.
    """
    if reasons.empty:
        return pd.DataFrame(columns=["child_id", "outcomes", "reasons"])
    order = {heading: n for n, heading in enumerate(reason_headings().values())}
    grouped = reasons.groupby("child_id").agg(
        outcomes=("outcome_id", "nunique"),
        reasons=("heading", lambda h: "; ".join(sorted(set(h), key=lambda x: order.get(x, len(order))))),
    )
    return (
        grouped.reset_index()
        .sort_values(["outcomes", "child_id"], ascending=[False, True])
        .reset_index(drop=True)
    )


def attention_for(
    data: ServiceData,
    at: date,
    child_ids: Iterable[str],
    plan_type: str | None = None,
    domain: str | None = None,
) -> pd.DataFrame:
    """Run :func:`attention_reasons` for ``child_ids`` (already scoped), narrowed by plan type and domain."""
    wanted = list(child_ids)
    rows = data.outcome_rows(wanted, plan_type, domain)
    meetings = data.meetings.iloc[data.meeting_rows(wanted)]
    return attention_reasons(data.outcomes.iloc[rows], data.scored_reviews(rows), meetings, at)
