"""The practice rules: each defined once, and used by every page, prompt and pack that names it.

A rule picks the desired outcomes (active at D) that break it, with what a sentence about each
needs. How a page words it is the page's business; which outcomes break it is decided here, and
its threshold is data: ``data/rules.yaml``, read by :func:`rule_book` (a deployment overrides
any threshold with a file of its own named by ``WORKBENCH_RULES``). Change one number there and
the team lead's list, the supervision prompts and the packs all change with it.

- **Not reviewed** (:func:`not_reviewed`): agreed on or before D-N with no scored review in
  (D-N, D], N = ``not_reviewed.days`` (91 by default, as the Reviewed headline measure counts
  it, DESIGN.md section 4).
- **No progress** (:func:`no_progress`): the outcome has ``no_progress.reviews`` (3) or more
  scored reviews on or before D, and the latest score of the last of them is no higher than
  the first of them.
- **Past target date** (:func:`past_target_date`): the outcome is still open at D and its
  ``target_date`` is more than ``past_target.days`` (0) days before D, so it was not achieved
  by the date the family hoped for (the Timescales measure counts the others).
- **Score gap** (:func:`score_gap_applies`, thresholds only): at the latest review both scored,
  the family's and the practitioner's scores are ``score_gap.points`` (3) or more apart, on a
  scale spanning at least ``score_gap.min_scale_span`` (9) points.
- **No success measure** (:func:`no_success_measure`): ``success_looks_like`` is empty, so
  nobody can tell when the outcome is met.
- **Reads as a process** / **vague**: the statement reader raises one of :data:`PROCESS_FLAGS`
  (a service, compliance, a task or support, not a change in the child's life) or of
  :data:`VAGUE_FLAGS` (empty, or no sign of how anyone will know it is met).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from workbench.core.codes import DATA_DIR

#: The rule book's thresholds as shipped.
RULES_FILE = DATA_DIR / "rules.yaml"
#: The environment variable naming a deployment's own thresholds (a YAML file in the same shape).
RULES_ENV = "WORKBENCH_RULES"
#: Statement flags that make an outcome read as a process rather than a change for the child.
PROCESS_FLAGS: tuple[str, ...] = ("describes_service", "compliance", "professional_task", "support_offered")
#: Statement flags that make an outcome too vague to know when it is met.
VAGUE_FLAGS: tuple[str, ...] = ("empty", "no_sign_of_success", "vague")


class RuleBookError(ValueError):
    """The rule book's data cannot be read; the message names the file, the rule and the field."""


@dataclass(frozen=True)
class RuleBook:
    """The thresholds of the practice rules (see the module), as read from the data."""

    #: Days without a scored review before an outcome is "not reviewed".
    not_reviewed_days: int
    #: How many of the latest scored reviews "no progress" looks at.
    no_progress_reviews: int
    #: Days past its target date before an open outcome is "past its target date".
    past_target_days: int
    #: Points apart the family's and practitioner's scores must be for a "score gap".
    score_gap_points: int
    #: The narrowest scale (highest minus lowest score) a score gap applies on.
    score_gap_min_scale_span: int


#: Each threshold: (rule, field) in the YAML, its RuleBook attribute, and the least it may be.
_THRESHOLDS = {
    ("not_reviewed", "days"): ("not_reviewed_days", 1),
    ("no_progress", "reviews"): ("no_progress_reviews", 2),
    ("past_target", "days"): ("past_target_days", 0),
    ("score_gap", "points"): ("score_gap_points", 1),
    ("score_gap", "min_scale_span"): ("score_gap_min_scale_span", 1),
}


def _read_thresholds(path: Path) -> dict[str, int]:
    """Return {RuleBook attribute: value} for the thresholds ``path`` sets (or refuse, saying why)."""
    try:
        found = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RuleBookError(f"{path}: cannot read the rule book: {error}") from None
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise RuleBookError(
            f"{path}: expected rules by name (not_reviewed: ...), found {type(found).__name__}"
        )
    values = {}
    for rule, settings in found.items():
        if not isinstance(settings, dict):
            raise RuleBookError(f"{path}: rule {rule!r} must hold named thresholds, found {settings!r}")
        for name, value in settings.items():
            if (rule, name) not in _THRESHOLDS:
                known = ", ".join(f"{r}.{n}" for r, n in _THRESHOLDS)
                raise RuleBookError(f"{path}: no threshold {rule}.{name} in the rule book (known: {known})")
            attribute, least = _THRESHOLDS[(rule, name)]
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise RuleBookError(
                    f"{path}: {rule}.{name} must be a whole number, at least {least}; found {value!r}"
                )
            values[attribute] = value
    return values


@cache
def _rule_book(shipped: Path, shipped_stamp: tuple, local: Path | None, local_stamp: tuple) -> RuleBook:
    values = _read_thresholds(shipped)
    missing = [f.name for f in fields(RuleBook) if f.name not in values]
    if missing:
        raise RuleBookError(f"{shipped}: the rule book has no value for {', '.join(missing)}")
    if local is not None:
        values.update(_read_thresholds(local))
    return RuleBook(**values)


def _stamp(path: Path) -> tuple[int, int]:
    """Return what tells a changed file: its modification time and size."""
    try:
        found = path.stat()
    except OSError:
        return (-1, -1)  # read (and refused, by name) when the book is built
    return (found.st_mtime_ns, found.st_size)


def rule_book(environ=os.environ) -> RuleBook:
    """Return the rule book's thresholds: ``data/rules.yaml``, then a deployment's own file.

    ``WORKBENCH_RULES`` names the deployment's file (only the thresholds it changes). Read again
    whenever either file changes, so a page opened after an edit uses the new thresholds.
    Raises :class:`RuleBookError` naming the file, the rule and the field when a value is wrong.
    """
    named = environ.get(RULES_ENV, "").strip()
    local = Path(named) if named else None
    if local is not None and not local.is_file():
        raise RuleBookError(f"{RULES_ENV} names {local}, which is not a file")
    return _rule_book(RULES_FILE, _stamp(RULES_FILE), local, _stamp(local) if local else (0, 0))


def no_success_measure(outcomes: pd.DataFrame) -> pd.Series:
    """Return, for each outcome, whether ``success_looks_like`` is empty (blank or missing)."""
    text = outcomes["success_looks_like"].astype("string").str.strip()
    return (text.isna() | text.eq("")).astype(bool)


def past_target_date(outcomes: pd.DataFrame, at, book: RuleBook | None = None) -> pd.DataFrame:
    """Return the outcomes past their target date at ``at``: ``outcome_id``, ``target_date``, ``days_past``.

    ``outcomes`` are those active at D (so none is achieved yet) with a ``target_date`` column;
    an outcome with no target date is never past it; past means more than
    ``past_target.days`` days past. The result keeps the order of ``outcomes``.
    """
    book = book or rule_book()
    when = pd.Timestamp(at)
    target = pd.to_datetime(outcomes["target_date"])
    past = outcomes[
        (target + pd.Timedelta(days=book.past_target_days) < when).fillna(False).to_numpy(dtype=bool)
    ]
    days = (when - pd.to_datetime(past["target_date"])).dt.days
    return pd.DataFrame(
        {
            "outcome_id": past["outcome_id"].to_numpy(),
            "target_date": pd.to_datetime(past["target_date"]).to_numpy(),
            "days_past": days.to_numpy(dtype="int64"),
        }
    )


def not_reviewed(
    outcomes: pd.DataFrame, scored_reviews: pd.DataFrame, at, book: RuleBook | None = None
) -> pd.DataFrame:
    """Return the outcomes not reviewed at ``at``: ``outcome_id`` and ``last_scored`` (NaT if never).

    ``outcomes`` has ``outcome_id`` and ``agreed_date`` (active at D); ``scored_reviews`` has
    ``outcome_id``, ``review_date`` and ``score`` (reviews on or before D; unscored ones are
    ignored). The result keeps the order of ``outcomes``.
    """
    since = pd.Timestamp(at) - pd.Timedelta(days=(book or rule_book()).not_reviewed_days)
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


def no_progress(scored_reviews: pd.DataFrame, book: RuleBook | None = None) -> pd.DataFrame:
    """Return the outcomes making no progress: ``outcome_id``, ``scores`` (the last N), ``latest_date``.

    N is ``no_progress.reviews`` in the rule book (3 as shipped).
    ``scored_reviews`` has ``outcome_id``, ``review_date`` and ``score`` (reviews on or before
    D; unscored ones are ignored), and ``review_id`` when there is one to break a tie of dates.
    """
    needed = (book or rule_book()).no_progress_reviews
    order = ["outcome_id", "review_date", *(["review_id"] if "review_id" in scored_reviews else [])]
    reviews = scored_reviews.dropna(subset=["score"]).sort_values(order, kind="stable")
    last = reviews.groupby("outcome_id").tail(needed)
    grouped = last.groupby("outcome_id")
    scores, latest = grouped["score"].agg(list), grouped["review_date"].max()
    stalled = [oid for oid, s in scores.items() if len(s) == needed and s[-1] <= s[0]]
    return pd.DataFrame(
        {
            "outcome_id": stalled,
            "scores": [scores[oid] for oid in stalled],
            "latest_date": pd.to_datetime([latest[oid] for oid in stalled]),
        }
    )


def score_gap_applies(low: float, high: float, book: RuleBook | None = None) -> bool:
    """Whether the score gap rule applies on a scale from ``low`` to ``high`` (wide enough)."""
    return high - low >= (book or rule_book()).score_gap_min_scale_span
