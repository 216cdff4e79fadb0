"""Distance travelled in full: its distribution, GAS outcomes as T-scores, Star readings by Star and edition.

The headline *distance travelled* is a mean on the 0-10 scale (``headline.distance_travelled``).
A mean hides how many outcomes went backwards, and scales cannot be mixed, so:

- :func:`distance_distribution` counts the outcomes whose latest score went up, stayed the same,
  or went back from the baseline (the same outcomes the mean counts);
- :func:`gas_t_scores` reads Goal Attainment Scaling outcomes as Kiresuk–Sherman T-scores, one
  per child (all the child's GAS outcomes counted at D), at baseline and at the latest review;
- :func:`star_distance_travelled` reports Outcomes Star readings for each Star and edition on
  its own, counting only the readings the worker approved.

The assumptions (equal weights, inter-correlation rho = 0.3) are stated in ``docs/measures.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from workbench.measures.filters import CHILD_COLUMNS, Filters
from workbench.measures.headline import counted_distances, counted_distances_by, outcome_distances
from workbench.measures.periods import period_ends
from workbench.measures.service_data import ServiceData

#: The three directions of travel, in the order they are shown (worst first).
DIRECTIONS: tuple[str, ...] = ("went back", "stayed the same", "went up")

#: Columns of :func:`distribution_of` and :func:`distance_distribution`.
DISTRIBUTION_COLUMNS: tuple[str, ...] = ("direction", "outcomes", "share")

#: The Kiresuk–Sherman inter-correlation of goal scores assumed when none is given.
GAS_RHO = 0.3


def distribution_of(distances: Sequence[float] | pd.Series) -> pd.DataFrame:
    """Count distances below, at and above zero: one row per :data:`DIRECTIONS`, with each share.

    Missing distances are not counted. ``share`` is empty (NA) when nothing is counted, never 0.
    """
    values = pd.Series(distances, dtype="float64").dropna().to_numpy()
    counts = [int((values < 0).sum()), int((values == 0).sum()), int((values > 0).sum())]
    total = sum(counts)
    return pd.DataFrame(
        {
            "direction": list(DIRECTIONS),
            "outcomes": pd.Series(counts, dtype="int64"),
            "share": pd.Series([c / total if total else pd.NA for c in counts], dtype="Float64"),
        }
    )


def distance_distribution(
    data: ServiceData, at: date, filters: Filters | None = None, scale: str = "scaling_0_10"
) -> pd.DataFrame:
    """How many outcomes counted by distance travelled at ``at`` went back, stayed the same, went up."""
    return distribution_of(counted_distances(data, at, filters, scale))


def _counts(distances: pd.Series | np.ndarray) -> list[int]:
    return [int(n) for n in distribution_of(distances)["outcomes"]]


def distribution_by(
    data: ServiceData, at: date, filters: Filters | None, by: str, groups: Sequence[object]
) -> pd.DataFrame:
    """How many outcomes went back, stayed the same, went up at ``at``, for each of ``groups`` of ``by``.

    Each group is the same outcomes the mean for that group counts (``filters`` with ``by`` set to
    the group). Columns: ``by``, then one count column per :data:`DIRECTIONS`, one row per group
    in the order given.
    """
    active = (filters or Filters()).active()
    if by in CHILD_COLUMNS:
        distances = [counted_distances(data, at, Filters(**{**active, by: group})) for group in groups]
    else:  # an outcome's own column: the other filters worked out once for every group
        distances = counted_distances_by(data, at, filters, by, groups)
    rows = [[group, *_counts(found)] for group, found in zip(groups, distances, strict=True)]
    return pd.DataFrame(rows, columns=[by, *DIRECTIONS]).astype(dict.fromkeys(DIRECTIONS, "int64"))


def distribution_over_periods(
    data: ServiceData, start: date, end: date, frequency: str = "quarterly", filters: Filters | None = None
) -> pd.DataFrame:
    """How many outcomes went back, stayed the same, went up at the end of each period in [start, end].

    The periods are those of :func:`workbench.measures.periods.measure_over_periods`, so each row
    sits beside the mean drawn for that period. Columns: period, period_end, then one count column
    per :data:`DIRECTIONS`.
    """
    periods = period_ends(start, end, frequency)
    counts = [
        _counts(counted_distances(data, period_end.date(), filters))
        for period_end in periods["period_end"]
    ]
    spread = pd.DataFrame(counts, columns=list(DIRECTIONS), dtype="int64")
    return pd.concat([periods.reset_index(drop=True), spread], axis=1)


def gas_t_score(
    scores: Sequence[float], weights: Sequence[float] | None = None, rho: float = GAS_RHO
) -> float:
    """Return the Kiresuk–Sherman T-score of one person's goal scores (each -2 to +2).

    T = 50 + 10·Σwᵢxᵢ / √((1−ρ)Σwᵢ² + ρ(Σwᵢ)²), with equal weights unless given. Goals all at
    their expected level (0) give 50; one goal one level above gives 60. NaN when there are no
    scores.
    """
    x = np.asarray(scores, dtype="float64")
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    if x.shape != w.shape:
        raise ValueError(f"{x.size} goal scores but {w.size} weights")
    if x.size == 0:
        return math.nan
    denominator = math.sqrt((1 - rho) * float((w**2).sum()) + rho * float(w.sum()) ** 2)
    return 50 + 10 * float((w * x).sum()) / denominator


#: Columns of :func:`gas_t_scores`.
GAS_COLUMNS: tuple[str, ...] = ("child_id", "goals", "baseline_t", "latest_t", "change")


def gas_t_scores(
    data: ServiceData, at: date, filters: Filters | None = None, rho: float = GAS_RHO
) -> pd.DataFrame:
    """One row per child with GAS outcomes counted at ``at``: T-scores at baseline and latest.

    The outcomes are those distance travelled counts on the GAS scale (a baseline and a scored
    review on or before D; active at D or closed in the year to D), weighted equally. ``change``
    is latest_t minus baseline_t.
    """
    counted = outcome_distances(data, at, filters, scale="gas")
    rows = [
        (
            child_id,
            len(goals),
            gas_t_score(goals["baseline_score"].to_numpy(), rho=rho),
            gas_t_score(goals["latest_score"].to_numpy(), rho=rho),
        )
        for child_id, goals in counted.groupby("child_id", sort=True)
    ]
    frame = pd.DataFrame(rows, columns=list(GAS_COLUMNS[:4]))
    frame["goals"] = frame["goals"].astype("int64")
    frame[["baseline_t", "latest_t"]] = frame[["baseline_t", "latest_t"]].astype("float64")
    frame["change"] = frame["latest_t"] - frame["baseline_t"]
    return frame


def gas_summary(t_scores: pd.DataFrame) -> dict[str, float | int]:
    """Children counted, their mean T-score at baseline and latest, and the mean change."""
    n = len(t_scores)
    mean = (lambda column: float(t_scores[column].mean())) if n else (lambda _column: math.nan)
    return {
        "children": n,
        "baseline_t": mean("baseline_t"),
        "latest_t": mean("latest_t"),
        "change": mean("change"),
    }


#: Columns of :func:`star_distances`.
STAR_COLUMNS: tuple[str, ...] = (
    "outcome_id",
    "child_id",
    "star",
    "star_edition",
    "baseline_score",
    "latest_score",
    "distance",
)


def star_distances(data: ServiceData, at: date, filters: Filters | None = None) -> pd.DataFrame:
    """One row per Outcomes Star outcome counted at ``at``, read from approved readings only.

    Counted as distance travelled counts (a baseline; active at D or closed in the year to D),
    but the latest reading is the latest the worker approved on or before D, and an outcome with
    no approved reading is not counted. An outcome with no Star named reads as "Star not recorded".
    """
    counted = outcome_distances(data, at, filters, scale="outcomes_star")
    reviews = _approved_star_reviews(data)
    approved = reviews[
        reviews["outcome_id"].isin(counted["outcome_id"]) & (reviews["review_date"] <= pd.Timestamp(at))
    ].sort_values(["outcome_id", "review_date", "review_id"])
    latest = approved.groupby("outcome_id", sort=False)["score"].last().astype("float64")
    outcomes = data.outcomes.set_index("outcome_id")[["star", "star_edition"]]
    frame = counted[counted["outcome_id"].isin(latest.index)].reset_index(drop=True)
    frame["latest_score"] = frame["outcome_id"].map(latest).astype("float64")
    frame["distance"] = frame["latest_score"] - frame["baseline_score"]
    named = frame["outcome_id"].map(outcomes["star"]).astype(object)
    edition = frame["outcome_id"].map(outcomes["star_edition"]).astype(object)
    frame["star"] = named.where(named.notna() & (named != ""), "Star not recorded")
    frame["star_edition"] = edition.where(edition.notna() & (edition != ""), "edition not recorded")
    return frame[list(STAR_COLUMNS)]


def _approved_star_reviews(data: ServiceData) -> pd.DataFrame:
    """Scored reviews the worker approved, of outcomes on the Outcomes Star scale (found once per data).

    :func:`star_distances` picks among these rather than searching every review of the store on
    each call (millions at la-decade size, few of them Star readings).
    """
    kept = data.page_caches.setdefault(("approved star reviews", None), {})
    if "reviews" not in kept:
        reviews = data.reviews
        star = data.outcomes["outcome_id"][data._scale_mask("outcomes_star")]
        kept["reviews"] = reviews[
            reviews["outcome_id"].isin(star)
            & reviews["score"].notna()
            & reviews["approved"].fillna(False).astype(bool)
        ]
    return kept["reviews"]


#: Columns of :func:`star_distance_travelled`.
STAR_SUMMARY_COLUMNS: tuple[str, ...] = (
    "star",
    "star_edition",
    "outcomes",
    "mean_distance",
    *DIRECTIONS,
)


def star_distance_travelled(data: ServiceData, at: date, filters: Filters | None = None) -> pd.DataFrame:
    """Distance travelled on the Outcomes Star, one row per Star and edition (never pooled).

    Columns: star, star_edition, outcomes (counted), mean_distance, and the counts that went
    back, stayed the same and went up. Approved readings only (see :func:`star_distances`).
    """
    rows = []
    for (star, edition), part in star_distances(data, at, filters).groupby(
        ["star", "star_edition"], sort=True
    ):
        counts = distribution_of(part["distance"]).set_index("direction")["outcomes"]
        rows.append((star, edition, len(part), float(part["distance"].mean()), *counts.tolist()))
    frame = pd.DataFrame(rows, columns=list(STAR_SUMMARY_COLUMNS))
    for column in ("outcomes", *DIRECTIONS):
        frame[column] = frame[column].astype("int64")
    frame["mean_distance"] = frame["mean_distance"].astype("float64")
    return frame
