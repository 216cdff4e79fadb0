"""What works: distance travelled and achievement by outcome domain and intervention evidence level.

Each desired outcome is placed by the *best-evidenced* intervention linked to it (through
``intervention_outcomes``), or under "no intervention linked". Then, for each domain and
evidence level:

- **distance travelled** at D, as the headline measure defines it, with a 95% interval for the
  mean (normal approximation: mean ± 1.96 × standard deviation / √n), and how many of its
  outcomes went back, stayed the same and went up (``measures.distance``): a mean never alone;
- **achieved**: of outcomes closed in the year to D as achieved, partly or not achieved, the
  share achieved, with a 95% Wilson interval.

These are associations in routine records, not effects. Families were not assigned to
interventions at random, and harder situations may attract more intensive help, so a lower
figure does not show that an intervention does harm, nor a higher one that it works.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from workbench.core.codes import code_list
from workbench.measures.distance import DIRECTIONS, distribution_of
from workbench.measures.filters import Filters, plan_type_kept
from workbench.measures.headline import outcome_distances
from workbench.measures.service_data import ServiceData
from workbench.measures.trends import Z_95, wilson_interval

NO_INTERVENTION = "no intervention linked"
CAVEAT = (
    "Associations in routine records, not effects: families were not assigned to interventions at "
    "random, and harder situations may attract more intensive help. Read small groups with care."
)
_RESULTS = ("achieved", "partly_achieved", "not_achieved")


def _evidence_of_outcomes(data: ServiceData) -> pd.Series:
    """Return the best evidence level linked to each outcome (indexed by outcome_id)."""
    ranks = {row["code"]: int(row["rank"]) for row in code_list("evidence_levels")}
    links = data.intervention_links.merge(
        data.interventions[["intervention_id", "evidence_level"]], on="intervention_id", how="inner"
    )
    links["rank"] = links["evidence_level"].map(ranks)
    best = links.sort_values("rank").drop_duplicates("outcome_id", keep="last")
    return best.set_index("outcome_id")["evidence_level"].astype(str)


def what_works(data: ServiceData, at: date, filters: Filters | None = None) -> pd.DataFrame:
    """Return distance travelled and achievement by domain and evidence level, with intervals.

    Columns: domain, evidence_level, outcomes (counted for distance), mean_distance,
    distance_low, distance_high, went back, stayed the same, went up (of the outcomes counted),
    closed (with a result in the year to D), achieved,
    achieved_share, achieved_low, achieved_high.
    """
    filters = filters or Filters()
    evidence = _evidence_of_outcomes(data)

    distances = outcome_distances(data, at, filters)
    level = distances["outcome_id"].map(evidence).astype("string")
    distances["evidence_level"] = level.fillna(NO_INTERVENTION)
    spread = distances.groupby(["domain", "evidence_level"], observed=True)["distance"].agg(
        outcomes="count", mean_distance="mean", sd="std"
    )
    half = Z_95 * spread["sd"] / np.sqrt(spread["outcomes"])
    spread["distance_low"] = spread["mean_distance"] - half
    spread["distance_high"] = spread["mean_distance"] + half
    went = distances.groupby(["domain", "evidence_level"], observed=True)["distance"].apply(
        lambda group: pd.Series(distribution_of(group)["outcomes"].to_numpy(), index=list(DIRECTIONS))
    )
    spread = spread.join(went.unstack()) if len(spread) else spread.assign(**dict.fromkeys(DIRECTIONS, 0))

    when = pd.Timestamp(at)
    outcomes = data.outcomes
    closed = outcomes[
        outcomes["status"].isin(_RESULTS)
        & (outcomes["closed_date"] > when - pd.Timedelta(days=365))
        & (outcomes["closed_date"] <= when)
    ]
    in_scope = set(_filtered_outcome_ids(data, at, filters))
    closed = closed[closed["outcome_id"].isin(in_scope)].copy()
    closed["evidence_level"] = closed["outcome_id"].map(evidence).astype("string").fillna(NO_INTERVENTION)
    closed["is_achieved"] = closed["status"] == "achieved"
    results = closed.groupby(["domain", "evidence_level"], observed=True)["is_achieved"].agg(
        closed="count", achieved="sum"
    )

    table = spread.drop(columns="sd").join(results, how="outer").reset_index()
    counts = ["outcomes", *DIRECTIONS, "closed", "achieved"]
    table[counts] = table[counts].fillna(0).astype(int)
    table["achieved_share"] = (table["achieved"] / table["closed"]).where(table["closed"] > 0)
    table["achieved_low"], table["achieved_high"] = wilson_interval(table["achieved"], table["closed"])
    order = {row["code"]: int(row["rank"]) for row in code_list("evidence_levels")} | {NO_INTERVENTION: 0}
    table["_rank"] = table["evidence_level"].map(order)
    return table.sort_values(["domain", "_rank"]).drop(columns="_rank").reset_index(drop=True)


def _filtered_outcome_ids(data: ServiceData, at: date, filters: Filters) -> pd.Series:
    """Return the ids of outcomes (any status) that the filters choose.

    As in the measures: the child's attributes (team and worker from the allocation open at
    D), the involvement's plan type, the outcome's domain.
    """
    chosen = data.outcomes
    children = data.children_at(at)
    for name, value in filters.active().items():
        if name == "domain":
            chosen = chosen[chosen["domain"] == value]
        elif name == "plan_type":
            plans = data.involvements
            keep = plans.loc[plan_type_kept(plans["plan_type"], value), "involvement_id"]
            chosen = chosen[chosen["involvement_id"].isin(keep)]
        else:
            keep = children.loc[children[name] == value, "child_id"]
            chosen = chosen[chosen["child_id"].isin(keep)]
    return chosen["outcome_id"]
