"""The practice rules: each defined once, and used by every page, prompt and pack that names it.

A rule picks the desired outcomes (active at D) that break it, with what a sentence about each
needs. How a page words it is the page's business; which outcomes break it is decided here.

- **Not reviewed** (:func:`not_reviewed`): agreed on or before D-:data:`NOT_REVIEWED_DAYS`
  with no scored review in (D-91, D], as the Reviewed headline measure counts it (DESIGN.md
  section 4), so the team lead's list, supervision prompts and the measure agree.
- **No progress** (:func:`no_progress`): the outcome has :data:`NO_PROGRESS_REVIEWS` or more
  scored reviews on or before D, and the latest score of the last three is no higher than the
  first of them.
"""

from __future__ import annotations

import pandas as pd

#: Days without a scored review before an outcome is "not reviewed" (as the Reviewed measure).
NOT_REVIEWED_DAYS = 91
#: How many of the latest scored reviews "no progress" looks at.
NO_PROGRESS_REVIEWS = 3


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
