"""Headline measures, computed from the store into tidy DataFrames (DESIGN.md section 4).

Definitions are the contract in DESIGN.md section 4; a figure that disagrees with them is a
bug. Every result carries its numerator and denominator, and a share or mean over nobody is
empty (``NA``), never 0.

This module starts with the measure the first dashboard needs, distance travelled; the other
headline measures build on the same :class:`ServiceData` and :class:`Filters`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import pandas as pd

from workbench.store import Store

#: The date demo figures are "at": the end of the demo's last financial year.
DEMO_AT = date(2026, 3, 31)


@dataclass(frozen=True)
class Filters:
    """Who a measure is about. ``None`` means no restriction.

    Locality is the child's; team and worker are the child's allocation open at D.
    """

    locality: str | None = None
    team_id: str | None = None
    worker_id: str | None = None
    plan_type: str | None = None
    domain: str | None = None

    def active(self) -> dict[str, str]:
        """Return only the filters that restrict something."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


class ServiceData:
    """The tables measures need, read from the store once and shared by every measure."""

    def __init__(self, store: Store) -> None:
        self.children = store.read_table("children")
        self.teams = store.read_table("teams")
        self.workers = store.read_table("workers")
        self.involvements = store.read_table("involvements")
        self.allocations = store.read_table("allocations")
        self.outcomes = store.read_table("outcomes")
        self.reviews = store.read_table(
            "outcome_reviews", ["review_id", "outcome_id", "review_date", "score"]
        )

    def localities(self) -> list[str]:
        """Return the localities children live in, sorted."""
        return sorted(self.children["locality"].dropna().unique().tolist())

    def allocation_at(self, at: date) -> pd.DataFrame:
        """Return each child's worker and team from the allocation open at ``at``.

        Where two allocations are open, the one that started last wins.
        """
        when = pd.Timestamp(at)
        alloc = self.allocations
        open_at = alloc[
            (alloc["start_date"] <= when) & (alloc["end_date"].isna() | (alloc["end_date"] > when))
        ]
        latest = open_at.sort_values(["child_id", "start_date"]).drop_duplicates("child_id", keep="last")
        return latest.merge(self.workers[["worker_id", "team_id"]], on="worker_id", how="left")[
            ["child_id", "worker_id", "team_id"]
        ]


def _active_or_closed_in_year(outcomes: pd.DataFrame, at: date) -> pd.Series:
    when = pd.Timestamp(at)
    year_start = when - pd.Timedelta(days=365)
    agreed = outcomes["agreed_date"] <= when
    active = agreed & (outcomes["closed_date"].isna() | (outcomes["closed_date"] > when))
    closed_in_year = (outcomes["closed_date"] > year_start) & (outcomes["closed_date"] <= when)
    return active | (agreed & closed_in_year.fillna(False))


def _apply_filters(data: ServiceData, outcomes: pd.DataFrame, at: date, filters: Filters) -> pd.DataFrame:
    frame = outcomes.merge(data.children[["child_id", "locality"]], on="child_id", how="left")
    frame = frame.merge(data.involvements[["involvement_id", "plan_type"]], on="involvement_id", how="left")
    if filters.team_id or filters.worker_id:
        frame = frame.merge(data.allocation_at(at), on="child_id", how="left")
    for name, value in filters.active().items():
        frame = frame[frame[name] == value]
    return frame


def outcome_distances(
    data: ServiceData, at: date = DEMO_AT, filters: Filters | None = None, scale: str = "scaling_0_10"
) -> pd.DataFrame:
    """Return one row per outcome counted by *distance travelled* at ``at``.

    Counted: outcomes on ``scale`` with a baseline and at least one scored review on or
    before D, that are active at D or were closed in the year to D. ``distance`` is the
    latest score on or before D minus the baseline. Scales are never mixed: a 0-10 step and
    a Goal Attainment step mean different things.
    """
    filters = filters or Filters()
    when = pd.Timestamp(at)
    outcomes = data.outcomes[(data.outcomes["scale"] == scale) & data.outcomes["baseline_score"].notna()]
    outcomes = outcomes[_active_or_closed_in_year(outcomes, at)]
    outcomes = _apply_filters(data, outcomes, at, filters)
    reviews = data.reviews[(data.reviews["review_date"] <= when) & data.reviews["score"].notna()]
    latest = (
        reviews.sort_values(["outcome_id", "review_date", "review_id"])
        .drop_duplicates("outcome_id", keep="last")[["outcome_id", "score"]]
        .rename(columns={"score": "latest_score"})
    )
    counted = outcomes.merge(latest, on="outcome_id", how="inner")
    counted["distance"] = counted["latest_score"] - counted["baseline_score"]
    return counted[
        [
            "outcome_id",
            "child_id",
            "domain",
            "locality",
            "plan_type",
            "baseline_score",
            "latest_score",
            "distance",
        ]
    ].reset_index(drop=True)


def distance_travelled(
    data: ServiceData,
    at: date = DEMO_AT,
    filters: Filters | None = None,
    by: str | None = "domain",
    scale: str = "scaling_0_10",
) -> pd.DataFrame:
    """Mean distance travelled at ``at``, grouped ``by`` a column (or for the whole service).

    Returns columns ``[by], numerator, denominator, value``: the sum of distances, the number
    of outcomes counted, and their mean (``NA`` when none are counted).
    """
    counted = outcome_distances(data, at, filters, scale)
    if by is None:
        result = pd.DataFrame({"numerator": [counted["distance"].sum()], "denominator": [len(counted)]})
    else:
        result = (
            counted.groupby(by, observed=True)["distance"]
            .agg(numerator="sum", denominator="count")
            .reset_index()
        )
    result["numerator"] = result["numerator"].astype("float64")
    result["denominator"] = result["denominator"].astype("int64")
    result["value"] = (result["numerator"] / result["denominator"]).where(result["denominator"] > 0)
    return result
