"""What the team lead dashboard shows, as pure functions of the store and a scope.

The dashboard (``dashboards/team-lead.ipynb``, through ``widgets.team_lead_view``) only wires
these to controls. Figures come from ``workbench.measures``; the scope from
``workbench.access``, so a widget value can narrow the page but never widen it.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from workbench.access import Scope
from workbench.core.codes import labels
from workbench.measures.breakdowns import set_beside
from workbench.measures.distance import DIRECTIONS, distance_distribution
from workbench.measures.filters import Filters, data_day
from workbench.measures.headline import headline_measures
from workbench.measures.periods import period_ends
from workbench.measures.service_data import ServiceData
from workbench.measures.service_figures import service_headline

#: How many financial quarters back the period chooser goes.
PERIODS_SHOWN = 8


def period_choices(
    latest: date, count: int = PERIODS_SHOWN, first: str = "the data's date"
) -> list[tuple[str, date]]:
    """Return (label, quarter end) for the last ``count`` financial quarters ending on or before ``latest``.

    The most recent first; each label reads like "31 March 2026 (2025-26 Q4)". When ``latest``
    (the data's date) is not a quarter end, it comes first, as "4 December 2026 (the data's
    date)": what needs doing this week counts from the data's date, not the last quarter's end.
    ``first`` says what that date is (a date a reader looks back to is "the date chosen").
    """
    start = pd.Timestamp(latest) - pd.DateOffset(months=3 * count + 2)
    ends = period_ends(start.date(), latest, "quarterly").tail(count)
    choices = [
        (f"{end.day} {end:%B %Y} ({label})", end.date())
        for label, end in zip(ends["period"][::-1], ends["period_end"][::-1], strict=True)
    ]
    if not choices or choices[0][1] != latest:
        choices = [(f"{latest.day} {latest:%B %Y} ({first})", latest), *choices[: count - 1]]
    return choices


def prepare_service_figures(
    data: ServiceData, at: date | None = None
) -> dict[tuple[date, Filters], pd.DataFrame]:
    """Work out, before anyone asks, the whole service's figures the page sets beside a team's.

    They are the same whoever looks (the service at D, no plan type or domain chosen), so a
    preheated kernel works them out before it waits for its viewer, and the viewer's page
    (``TeamLeadView(service_figures=...)``) works out only their own team's. Keyed as the page
    keeps them: ``(D, service filters)``.
    """
    at = data_day(data.store, at)
    return {(at, Filters()): service_headline(data, at, Filters())}


def headline_against_service(
    data: ServiceData,
    at: date,
    filters: Filters,
    service_filters: Filters,
    service: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every headline measure for ``filters`` beside the same measure for ``service_filters``.

    Returns one row per measure that applies: measure, title, unit, numerator, denominator,
    value, service_value, gap, small, notable (``breakdowns.set_beside``), and for distance
    travelled how many went back, stayed the same and went up (empty for the other measures): its
    mean is never shown alone. A measure a filter does not apply to is left out. ``service`` may
    pass ``headline_measures(data, at, service_filters)`` already computed (it changes less often).
    """
    team = headline_measures(data, at, filters)
    if service is None:
        service = headline_measures(data, at, service_filters)
    service_value = service.set_index("measure")["value"]
    team = team[team["measure"].isin(service_value.index)].reset_index(drop=True)
    # All measures beside the service at once (one measure at a time costs a frame each).
    compared = set_beside(
        team[["numerator", "denominator", "value"]].astype("float64"),
        team["measure"].map(service_value).to_numpy(dtype="float64"),
        team["unit"].eq("share").to_numpy(),
    )
    table = pd.DataFrame(
        {
            "measure": team["measure"],
            "title": team["title"],
            "unit": team["unit"],
            "numerator": team["numerator"],
            "denominator": team["denominator"].astype(int),
            "value": team["value"],
            "service_value": compared["service_value"],
            "gap": compared["gap"],
            "small": compared["small"].astype(bool),
            "notable": compared["notable"].astype(bool),
        }
    )
    distance = table["measure"] == "distance_travelled"
    spread = distance_distribution(data, at, filters)["outcomes"] if distance.any() else [pd.NA] * 3
    for direction, outcomes in zip(DIRECTIONS, spread, strict=True):
        table[direction] = pd.Series(pd.NA, index=table.index, dtype="Int64").mask(distance, outcomes)
    return table


def headline_text(table: pd.DataFrame) -> pd.DataFrame:
    """Return the headline table in words for the page: measure, team, counted, service, comparison."""

    def shown(value: float, unit: str) -> str:
        if pd.isna(value):
            return "none counted"
        return f"{value:.0%}" if unit == "share" else f"{value:+.2f}"

    rows = []
    has_spread = set(DIRECTIONS) <= set(table.columns)
    spreads = table[list(DIRECTIONS)].reset_index(drop=True) if has_spread else None
    for position, row in enumerate(table.itertuples(index=False)):
        counted = (
            f"{row.numerator:,.0f} of {row.denominator:,}" if row.unit == "share" else f"{row.denominator:,}"
        )
        if row.measure == "distance_travelled" and spreads is not None:
            went = spreads.loc[position]
            counted += ": " + ", ".join(f"{int(went[d]):,} {d}" for d in reversed(DIRECTIONS))
        if pd.isna(row.gap):
            note = ""
        elif row.small:
            note = "small numbers: read with care"
        elif row.notable:
            note = "above the service" if row.gap > 0 else "below the service"
        else:
            note = "in line with the service"
        rows.append(
            {
                "Measure": row.title,
                "Team": shown(row.value, row.unit),
                "Counted": counted,
                "Service": shown(row.service_value, row.unit),
                "Compared with the service": note,
            }
        )
    return pd.DataFrame(rows)


def children_in_view(data: ServiceData, at: date, scope: Scope, filters: Filters) -> list[str]:
    """Return the children in ``scope`` that the filters choose at ``at`` (team, worker), sorted.

    ``filters`` must already be narrowed by ``scope.restrict`` (so it cannot widen the scope).
    """
    ids = data.children["child_id"]
    # The child filters on the store's arrays for D (kept between filter changes), not a new frame.
    kept = ("team_id", "worker_id", "service", "locality")
    chosen = Filters(**{name: getattr(filters, name) for name in kept})
    mask = data.children_chosen(at, chosen)
    if scope.everything:
        mask = mask & data.children_allocated(at)
    else:
        mask = mask & ids.isin(scope.child_ids).to_numpy()
    return sorted(ids[mask])


def outcome_labels(outcomes: pd.DataFrame) -> dict[str, str]:
    """Short labels for a child's outcomes: "1. Education: <statement, cut to 60 characters>"."""
    domains = labels("outcome_domains")
    names = {}
    for n, row in enumerate(outcomes.itertuples(index=False), start=1):
        statement = str(row.statement or "").strip()
        if len(statement) > 60:
            statement = statement[:57].rstrip() + "..."
        scale = "" if row.scale in (None, "scaling_0_10") or pd.isna(row.scale) else f" [{row.scale}]"
        names[row.outcome_id] = f"{n}. {domains.get(row.domain, row.domain)}{scale}: {statement}"
    return names


def outcome_journey(data: ServiceData, child_id: str, at: date, domain: str | None = None) -> pd.DataFrame:
    """Return a child's outcome scores to ``at``: the baseline when agreed, then each scored review.

    Only outcomes active at ``at`` or closed in the year to it (and in ``domain`` if given), so
    the chart is about the current work. Columns: outcome_id, outcome (label), date, score,
    kind (baseline or review), target, status.
    """
    when = pd.Timestamp(at)
    rows = data.outcome_rows([child_id], domain=domain)
    outcomes = data.outcomes.iloc[rows]
    closed = outcomes["closed_date"]
    current = (
        (closed.isna() | (closed > when - pd.Timedelta(days=365))) & (outcomes["agreed_date"] <= when)
    ).to_numpy(dtype=bool)
    rows, outcomes = rows[current], outcomes[current]
    outcomes = outcomes.sort_values(["agreed_date", "outcome_id"])
    names = outcome_labels(outcomes)
    baseline = pd.DataFrame(
        {
            "outcome_id": outcomes["outcome_id"],
            "date": outcomes["agreed_date"],
            "score": outcomes["baseline_score"],
            "kind": "baseline",
            "review_id": -1,
        }
    )
    reviews = data.scored_reviews(rows)
    reviews = reviews[reviews["review_date"] <= when]
    scored = pd.DataFrame(
        {
            "outcome_id": reviews["outcome_id"],
            "date": reviews["review_date"],
            "score": reviews["score"].astype("float64"),
            "kind": "review",
            "review_id": reviews["review_id"],
        }
    )
    journey = pd.concat([baseline, scored], ignore_index=True).dropna(subset=["score"])
    details = outcomes.set_index("outcome_id")
    journey["outcome"] = journey["outcome_id"].map(names)
    journey["target"] = journey["outcome_id"].map(details["target_score"]).astype("float64")
    journey["status"] = journey["outcome_id"].map(details["status"])
    order = {oid: n for n, oid in enumerate(names)}
    journey["_order"] = journey["outcome_id"].map(order)
    journey = (
        journey.sort_values(["_order", "date", "kind", "review_id"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    return journey[["outcome_id", "outcome", "date", "score", "kind", "target", "status"]]


def share_measures(table: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of a headline table that are shares (the chart draws shares only)."""
    return table[table["unit"] == "share"] if len(table) else table


def journey_summary(journey: pd.DataFrame) -> pd.DataFrame:
    """Return one row per outcome of a journey, in words: the chart's text alternative.

    Columns: Outcome, Agreed, Scores (baseline then each review, in date order), Latest,
    Target, Reviews.
    """
    rows = []
    for outcome, scores in journey.groupby("outcome", sort=False):
        ordered = scores.sort_values("date", kind="stable")
        target = ordered["target"].iloc[0]
        rows.append(
            {
                "Outcome": outcome,
                "Agreed": f"{ordered['date'].iloc[0]:%d %b %Y}",
                "Scores": " → ".join(f"{s:g}" for s in ordered["score"]),
                "Latest": f"{ordered['score'].iloc[-1]:g} on {ordered['date'].iloc[-1]:%d %b %Y}",
                "Target": "none set" if pd.isna(target) else f"{target:g}",
                "Reviews": int((ordered["kind"] == "review").sum()),
            }
        )
    return pd.DataFrame(rows, columns=["Outcome", "Agreed", "Scores", "Latest", "Target", "Reviews"])
