"""The practice rules: each defined once, and used by every page, prompt and pack that names it.

A rule picks the desired outcomes (active at D) that break it, with what a sentence about each
needs. How a page words it is the page's business; which outcomes break it is decided here.

- **Not reviewed** (:func:`not_reviewed`): agreed on or before D-:data:`NOT_REVIEWED_DAYS`
  with no scored review in (D-91, D], as the Reviewed headline measure counts it (DESIGN.md
  section 4), so the team lead's list, supervision prompts and the measure agree.
- **No progress** (:func:`no_progress`): the outcome has :data:`NO_PROGRESS_REVIEWS` or more
  scored reviews on or before D, and the latest score of the last three is no higher than the
  first of them.
- **Past target date** (:func:`past_target_date`): the outcome is still open at D and its
  ``target_date`` is before D, so it was not achieved by the date the family hoped for (the
  Timescales measure counts the others).
- **No success measure** (:func:`no_success_measure`): ``success_looks_like`` is empty, so
  nobody can tell when the outcome is met.
- **Reads as a process** / **vague**: the statement reader raises one of :data:`PROCESS_FLAGS`
  (a service, compliance, a task or support, not a change in the child's life) or of
  :data:`VAGUE_FLAGS` (empty, or no sign of how anyone will know it is met).
"""

from __future__ import annotations

import pandas as pd

#: Days without a scored review before an outcome is "not reviewed" (as the Reviewed measure).
NOT_REVIEWED_DAYS = 91
#: How many of the latest scored reviews "no progress" looks at.
NO_PROGRESS_REVIEWS = 3
#: Statement flags that make an outcome read as a process rather than a change for the child.
PROCESS_FLAGS: tuple[str, ...] = ("describes_service", "compliance", "professional_task", "support_offered")
#: Statement flags that make an outcome too vague to know when it is met.
VAGUE_FLAGS: tuple[str, ...] = ("empty", "no_sign_of_success", "vague")


def no_success_measure(outcomes: pd.DataFrame) -> pd.Series:
    """Return, for each outcome, whether ``success_looks_like`` is empty (blank or missing)."""
    text = outcomes["success_looks_like"].astype("string").str.strip()
    return (text.isna() | text.eq("")).astype(bool)


def past_target_date(outcomes: pd.DataFrame, at) -> pd.DataFrame:
    """Return the outcomes past their target date at ``at``: ``outcome_id``, ``target_date``, ``days_past``.

    ``outcomes`` are those active at D (so none is achieved yet) with a ``target_date`` column;
    an outcome with no target date is never past it. The result keeps the order of ``outcomes``.
    """
    when = pd.Timestamp(at)
    target = pd.to_datetime(outcomes["target_date"])
    past = outcomes[(target < when).fillna(False).to_numpy(dtype=bool)]
    days = (when - pd.to_datetime(past["target_date"])).dt.days
    return pd.DataFrame(
        {
            "outcome_id": past["outcome_id"].to_numpy(),
            "target_date": pd.to_datetime(past["target_date"]).to_numpy(),
            "days_past": days.to_numpy(dtype="int64"),
        }
    )


def not_reviewed(outcomes: pd.DataFrame, scored_reviews: pd.DataFrame, at) -> pd.DataFrame:
    """Return the outcomes not reviewed at ``at``: ``outcome_id`` and ``last_scored`` (NaT if never).

    ``outcomes`` has ``outcome_id`` and ``agreed_date`` (active at D); ``scored_reviews`` has
    ``outcome_id``, ``review_date`` and ``score`` (reviews on or before D; unscored ones are
    ignored). The result keeps the order of ``outcomes``.
    """
    since = pd.Timestamp(at) - pd.Timedelta(days=NOT_REVIEWED_DAYS)
    scored = scored_reviews.dropna(subset=["score"])
    last = scored.groupby("outcome_id")["review_date"].max()
    due = outcomes[pd.to_datetime(outcomes["agreed_date"]) <= since]
    latest = pd.to_datetime(last.reindex(due["outcome_id"].to_numpy()).to_numpy())
    overdue = due[~(latest > since)]
    return pd.DataFrame(
        {
            "outcome_id": overdue["outcome_id"].to_numpy(),
            "last_scored": pd.to_datetime(last.reindex(overdue["outcome_id"].to_numpy()).to_numpy()),
        }
    )


def no_progress(scored_reviews: pd.DataFrame) -> pd.DataFrame:
    """Return the outcomes making no progress: ``outcome_id``, ``scores`` (last three), ``latest_date``.

    ``scored_reviews`` has ``outcome_id``, ``review_date`` and ``score`` (reviews on or before
    D; unscored ones are ignored), and ``review_id`` when there is one to break a tie of dates.
    """
    order = ["outcome_id", "review_date", *(["review_id"] if "review_id" in scored_reviews else [])]
    reviews = scored_reviews.dropna(subset=["score"]).sort_values(order, kind="stable")
    last = reviews.groupby("outcome_id").tail(NO_PROGRESS_REVIEWS)
    grouped = last.groupby("outcome_id")
    scores, latest = grouped["score"].agg(list), grouped["review_date"].max()
    stalled = [oid for oid, s in scores.items() if len(s) == NO_PROGRESS_REVIEWS and s[-1] <= s[0]]
    return pd.DataFrame(
        {
            "outcome_id": stalled,
            "scores": [scores[oid] for oid in stalled],
            "latest_date": pd.to_datetime([latest[oid] for oid in stalled]),
        }
    )
