"""What the service dashboards show, computed in ``workbench`` (no widgets here).

Each dashboard gets everything through ONE call, :func:`dashboard_view`: the store, the
measures' data, the date D, the filter values the viewer may choose, and the scope the
viewer may see. Role scopes (``workbench.access``) plug in there and nowhere else: a
:class:`DashboardView` narrows every figure by its ``scope``, and :meth:`DashboardView.filters`
refuses a chosen filter that would widen it, so no widget value can widen what a viewer sees
(DESIGN.md section 7).

The pages:

- **Service overview**: headline measures by locality and team, trends with turn-the-curve,
  and disproportionality (each measure by age band, sex, ethnicity and disability against the
  service, with 95% intervals and small groups flagged).
- **Children looked after**, **child protection** and **early help and children in need**: the
  same for involvements of plan type ``cla``, ``cp``, or ``early_help`` and ``cin`` together,
  plus repeat plans from the extract, and the statutory figures (placement stability, review
  participation, repeat CP plans, re-referrals, care leavers) where statutory returns have
  been imported.

Every page, the overview included, shows the meetings where its desired outcomes are agreed and
reviewed (family group conferences and family meetings; CLA reviews; ICPC, RCPC and core groups;
CIN and TAF reviews), by meeting type: outcomes agreed and scored there, whether the family and
the wider family came (National Framework outcome 2, the family network), and the child's
participation by code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from workbench.access import Identity, Scope, scope_for
from workbench.core.codes import code_list, labels
from workbench.measures.breakdowns import compare_to_service
from workbench.measures.definitions import PARTICIPATION_COUNTED, PARTICIPATION_TOOK_PART
from workbench.measures.distance import distribution_by, distribution_over_periods
from workbench.measures.filters import AGE_BAND_LABELS, Filters, data_day, plan_type_kept
from workbench.measures.headline import MEASURES
from workbench.measures.periods import measure_over_periods
from workbench.measures.service_data import ServiceData
from workbench.measures.service_outcomes import TITLES as STATUTORY_TITLES
from workbench.measures.service_outcomes import has_statutory_data, service_outcomes
from workbench.measures.trends import control_limits, with_intervals
from workbench.practice import rules
from workbench.store.engine import Store, open_store


@dataclass(frozen=True)
class ServicePage:
    """One dashboard: which involvements it is about, its meetings and its statutory figures.

    ``plan_type`` is one plan type, a tuple of them (a page about several plans), or None (all).
    """

    name: str
    title: str
    plan_type: str | tuple[str, ...] | None
    meeting_types: tuple[str, ...]
    statutory: tuple[str, ...]
    #: Headline measures offered on the page, in the order a lead reads them.
    measures: tuple[str, ...] = (
        "coverage",
        "clear",
        "consensual",
        "reviewed",
        "distance_travelled",
        "achieved",
        "participation",
    )


PAGES: dict[str, ServicePage] = {
    "overview": ServicePage(
        "overview",
        "Service overview",
        None,
        ("fgc", "family_meeting", "cla_review", "icpc", "rcpc", "core_group", "cin_review", "taf_review"),
        (),
    ),
    "cla": ServicePage(
        "cla",
        "Children looked after",
        "cla",
        ("cla_review",),
        (
            "placement_stability",
            "review_participation",
            "care_leavers_in_touch",
            "care_leavers_suitable_accommodation",
            "care_leavers_eet",
        ),
    ),
    "cp": ServicePage(
        "cp",
        "Child protection",
        "cp",
        ("icpc", "rcpc", "core_group"),
        ("repeat_cp_plans", "re_referrals"),
    ),
    "eh_cin": ServicePage(
        "eh_cin",
        "Early help and children in need",
        ("early_help", "cin"),
        ("fgc", "family_meeting", "taf_review", "cin_review"),
        ("re_referrals",),
    ),
}

#: Characteristics disproportionality is read by (DESIGN.md section 4), with their labels.
CHARACTERISTICS: dict[str, str] = {
    "age_band": "Age band",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
}

#: Meetings and outcomes figures, in the order the table shows them.
MEETING_FIGURES: dict[str, str] = {
    "took_part": "Child took part (PN1 to PN6, of PN1 to PN7)",
    "family_attended": "Family attended",
    "wider_family_attended": "Wider family attended (the family network)",
    "agreed": "Meetings where desired outcomes were agreed",
    "scored": "Meetings where desired outcomes were scored",
    "agreed_with_family": "Outcomes agreed at the meeting that the family agreed",
    "clear": "Outcomes agreed at the meeting with a success measure and baseline",
}


NO_TEAM = "No allocated team"


class ScopeError(ValueError):
    """A chosen filter would show more than the viewer's scope allows."""


@dataclass(frozen=True)
class DashboardView:
    """Everything a dashboard reads: data, date, the viewer's scope and the choices offered."""

    page: ServicePage
    store: Store
    data: ServiceData
    at: date
    scope: Filters
    localities: list[str]
    teams: list[tuple[str, str]]  # (name, team_id), sorted by name
    statutory: bool
    #: The viewer's role scope (``workbench.access``), when the page was opened for a viewer.
    viewer: Scope | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def filters(self, chosen: Filters | None = None) -> Filters:
        """Return the filters a figure uses: the scope and the page's plan type, narrowed by ``chosen``.

        A chosen value may repeat what the scope fixes, or narrow where the scope is open;
        one that differs from the scope raises :class:`ScopeError` (a widget can never widen).
        """
        base = replace(self.scope, plan_type=self.page.plan_type or self.scope.plan_type)
        merged = {}
        for spec in fields(Filters):
            fixed = getattr(base, spec.name)
            wanted = getattr(chosen, spec.name) if chosen is not None else None
            if isinstance(fixed, tuple) and wanted in fixed:
                fixed = wanted  # one of the page's plan types narrows it
            if fixed not in (None, "") and wanted not in (None, "") and wanted != fixed:
                raise ScopeError(f"{spec.name} {wanted!r} is outside this view (it shows {fixed!r} only)")
            merged[spec.name] = fixed if fixed not in (None, "") else wanted
        if merged["team_id"] is not None and merged["team_id"] not in {t for _, t in self.teams}:
            raise ScopeError(f"team {merged['team_id']!r} is outside this view")
        if merged["locality"] is not None and merged["locality"] not in self.localities:
            raise ScopeError(f"locality {merged['locality']!r} is outside this view")
        return Filters(**merged)

    def team_name(self, team_id: object) -> str:
        """Return a team's name ("No allocated team" for none; the id when the store has no name)."""
        if team_id is None or pd.isna(team_id):
            return NO_TEAM
        if "team_names" not in self._cache:
            teams = self.data.teams
            self._cache["team_names"] = dict(zip(teams["team_id"], teams["name"], strict=True))
        return str(self._cache["team_names"].get(team_id, team_id))


def dashboard_view(
    page: str,
    store: Store | None = None,
    at: date | None = None,
    scope: Filters | None = None,
    identity: Identity | None = None,
    data: ServiceData | None = None,
) -> DashboardView:
    """Open the data a dashboard shows, and the filter values its viewer may choose.

    The one entry point for every dashboard. ``identity`` is the viewer, from a trusted source
    (``workbench.access.current_identity``): their role scope narrows everything the page
    shows, and :meth:`DashboardView.filters` refuses anything outside it. ``scope`` narrows
    further (all of what the viewer may see when None). Localities and teams offered are those
    inside both. Raises ``AccessRefusedError`` when the identity's scope cannot be worked out.
    ``data`` is the store already read (a preheated kernel reads it before anyone asks).
    ``at`` is the date D the page's figures are at: the data's date unless a reader looks back.
    """
    chosen_page = PAGES[page]
    if data is None:
        store = store or open_store()
        data = ServiceData(store)
    store = data.store
    at = data_day(store, at)
    viewer = scope_for(identity, data, at) if identity is not None else None
    # The role scope comes first: a narrower ``scope`` outside it is refused, never widened.
    scope = viewer.restrict(scope or Filters()) if viewer is not None else (scope or Filters())
    localities = data.localities()
    if viewer is not None and not viewer.everything:
        localities = [name for name in localities if name in viewer.localities]
    if scope.locality:
        localities = [name for name in localities if name == scope.locality]
    teams = data.teams
    if chosen_page.plan_type:
        # The teams that work with these children: the services' own teams.
        own = teams[teams["service"].isin(plan_services(chosen_page.plan_type))]
        teams = own if not own.empty else teams
    if viewer is not None and not viewer.everything:
        teams = teams[teams["team_id"].isin(viewer.team_ids)]
    if scope.locality:
        teams = teams[teams["locality"] == scope.locality]
    if scope.team_id:
        teams = teams[teams["team_id"] == scope.team_id]
    teams = teams.sort_values("name")
    return DashboardView(
        _cache=_shared_cache(data, page, at),
        page=chosen_page,
        store=store,
        data=data,
        at=at,
        scope=scope,
        localities=localities,
        teams=list(zip(teams["name"].astype(str), teams["team_id"].astype(str), strict=True)),
        statutory=has_statutory_data(store),
        viewer=viewer,
    )


def plan_services(plan_type: str | tuple[str, ...]) -> tuple[str, ...]:
    """Return the services (``teams.service``) that hold plans of ``plan_type`` (one or a tuple)."""
    wanted = plan_type if isinstance(plan_type, tuple) else (plan_type,)
    service = {row["code"]: row["service"] for row in code_list("plan_types")}
    return tuple(service.get(plan, plan) for plan in wanted)


def _shared_cache(data: ServiceData, page: str, at: date) -> dict:
    """Return the cache a page's views keep at D, shared by every view of that page over ``data``.

    What it holds does not depend on who is looking or on the filters (the page's meetings in
    the year, their scored reviews, children at D, team names, statutory figures): so a
    preheated kernel can fill it with :func:`prepare_page` before the viewer is known.
    """
    return data.page_caches.setdefault((page, at), {})


def _kept(view: DashboardView, key: tuple, work: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Return ``work()``, kept in the page's cache under ``key``; a copy, so a caller may change it.

    ``key`` names the figure and every filter it uses (already narrowed by the viewer's scope),
    so a viewer going back to a choice, or to what :func:`prepare_page` worked out before they
    came, gets the same figures at once. The page's data is a snapshot read once per kernel, so a
    kept figure is what working it out again would give.
    """
    kept = view._cache.setdefault("figures", {})
    if key not in kept:
        kept[key] = work()
    return kept[key].copy()


def prepare_page(page: str, data: ServiceData, at: date) -> None:
    """Work out, before anyone asks, what the page ``page`` needs whoever views it.

    A preheated kernel runs this before it waits for the viewer: the measures' cohorts at D
    and at each trend year end, and the page's meetings, are computed for everyone, so the
    viewer's own page then only filters and sums. The figures shown are unchanged (the same
    functions, the same data); only the waiting moves to before the request.
    """
    view = dashboard_view(page, at=at, data=data)
    for name in view.page.measures:
        measure_by(view, name, "locality")
        measure_trend(view, name)
    for characteristic in CHARACTERISTICS:
        disproportionality(view, "reviewed", characteristic)
    meeting_outcomes(view)
    participation_by_code(view)
    if page != "overview":
        repeat_plans(view)
        statutory_figures(view)


# -- measures by locality and team ----------------------------------------------------------


def measure_by(view: DashboardView, measure: str, by: str, chosen: Filters | None = None) -> pd.DataFrame:
    """One measure by ``by`` (locality or team_id) against the figure for everyone in the view.

    Returns ``compare_to_service`` columns plus ``group`` (a team's name for team_id). Every
    row carries numerator and denominator; empty groups are dropped (nothing to show). For
    distance travelled each group also has how many outcomes went back, stayed the same and went
    up (:data:`~workbench.measures.distance.DIRECTIONS`): its mean is never shown alone.
    """
    filters = _applicable(view.filters(chosen), measure)
    return _kept(view, ("by", measure, by, filters), lambda: _measure_by(view, measure, by, filters))


def _measure_by(view: DashboardView, measure: str, by: str, filters: Filters) -> pd.DataFrame:
    chosen_measure = MEASURES[measure]
    groups = chosen_measure(view.data, view.at, filters, by)
    everyone = chosen_measure(view.data, view.at, filters, None)
    table = compare_to_service(groups, everyone, by, chosen_measure.unit)
    table = table[table["denominator"] > 0].reset_index(drop=True)
    if by == "team_id":
        table["group"] = [view.team_name(team) for team in table[by]]
    else:
        table["group"] = table[by].astype(str)
    if measure == "distance_travelled":
        spread = distribution_by(view.data, view.at, filters, by, table[by].tolist())
        table = pd.concat([table, spread.drop(columns=[by])], axis=1)
    return table


def _applicable(filters: Filters, measure: str) -> Filters:
    """Drop the filters a measure has no column for (domain for meetings, for example)."""
    allowed = MEASURES[measure].filters
    return Filters(**{name: value for name, value in filters.active().items() if name in allowed})


# -- trends ----------------------------------------------------------------------------------

#: Trends start here: the demo and la-decade both hold data from April 2016.
TREND_START = date(2019, 4, 1)


def measure_trend(
    view: DashboardView, measure: str, chosen: Filters | None = None, frequency: str = "yearly"
) -> pd.DataFrame:
    """Give the measure at the end of each period to D, with 95% intervals and control limits.

    Financial years by default: a filter change recomputes every period, and a handful of
    year ends keeps that quick at la-decade size. For distance travelled each period also has
    how many outcomes went back, stayed the same and went up: its mean is never shown alone.
    """
    filters = _applicable(view.filters(chosen), measure)
    key = ("trend", measure, frequency, filters)
    return _kept(view, key, lambda: _measure_trend(view, measure, filters, frequency))


def _measure_trend(view: DashboardView, measure: str, filters: Filters, frequency: str) -> pd.DataFrame:
    chosen_measure = MEASURES[measure]
    series = measure_over_periods(view.data, chosen_measure, TREND_START, view.at, frequency, filters)
    trend = control_limits(with_intervals(series, chosen_measure.unit))
    if measure == "distance_travelled":
        spread = distribution_over_periods(view.data, TREND_START, view.at, frequency, filters)
        trend = trend.merge(spread.drop(columns=["period_end"]), on="period", how="left")
    return trend


# -- disproportionality ----------------------------------------------------------------------


def characteristic_labels(characteristic: str) -> dict[str, str]:
    """Return ``{code: label}`` for a characteristic's groups."""
    if characteristic == "sex":
        return labels("sex")
    if characteristic == "ethnicity":
        return labels("ethnicity")
    if characteristic == "disability":
        return {"True": "Disabled", "False": "Not disabled"}
    return {band: band for band in AGE_BAND_LABELS}


def disproportionality(
    view: DashboardView, measure: str, characteristic: str, chosen: Filters | None = None
) -> pd.DataFrame:
    """Give a measure for each group of a characteristic, against everyone in the view.

    Columns as :func:`workbench.measures.breakdowns.compare_to_service` (numerator, denominator,
    value, service_value, gap, ci_low, ci_high, small, notable) plus ``group``, the label
    people read. Groups over nobody are left out.
    """
    if characteristic not in CHARACTERISTICS:
        raise ValueError(f"no characteristic {characteristic!r}; choose one of {', '.join(CHARACTERISTICS)}")
    table = measure_by(view, measure, characteristic, chosen)
    names = characteristic_labels(characteristic)
    table["group"] = table[characteristic].astype(str).map(names).fillna(table[characteristic].astype(str))
    return table


def disproportionality_summary(table: pd.DataFrame, unit: str) -> str:
    """Say in words which groups differ notably from the service, and which are too small to read."""
    fmt = "{:.0%}".format if unit == "share" else "{:+.2f}".format
    if table.empty:
        return "No children in this view are counted by this measure."
    service = fmt(table["service_value"].iloc[0])
    parts = [f"Everyone in this view: {service}."]
    notable = table[table["notable"]]
    if notable.empty:
        parts.append("No group differs from that by more than chance would explain.")
    for row in notable.itertuples():
        side = "below" if row.gap < 0 else "above"
        parts.append(
            f"{row.group}: {fmt(row.value)} ({row.numerator:,.0f} of {row.denominator:,}), {side} everyone, "
            "and the 95% interval leaves out everyone's figure."
        )
    small = table[table["small"]]
    if not small.empty:
        names = ", ".join(small["group"].astype(str))
        parts.append(f"Fewer than 20 counted, so read with care: {names}.")
    return " ".join(parts)


# -- meetings where outcomes are agreed and reviewed ------------------------------------------


def _year_to(at: date) -> tuple[date, date]:
    return (pd.Timestamp(at) - pd.Timedelta(days=365)).date(), at


def _scored_at_meetings(view: DashboardView, meeting_ids: pd.Series) -> pd.Series:
    """Scored outcome reviews per meeting, for the page's meetings in the year to D (read once).

    Asked for by meeting id, a chunk at a time, so the database finds them through the
    outcome_reviews.meeting_id index rather than reading every review.
    """
    if "scored" not in view._cache:
        reviews = view.store.metadata.tables["outcome_reviews"]
        ids = sorted(set(meeting_ids.dropna()))
        counts: dict[str, int] = {}
        with view.store.engine.connect() as conn:
            for first in range(0, len(ids), _ID_CHUNK):
                chunk = ids[first : first + _ID_CHUNK]
                query = (
                    sa.select(reviews.c.meeting_id, sa.func.count(reviews.c.score))
                    .where(reviews.c.meeting_id.in_(chunk), reviews.c.score.is_not(None))
                    .group_by(reviews.c.meeting_id)
                )
                counts.update((meeting_id, int(count)) for meeting_id, count in conn.execute(query))
        view._cache["scored"] = pd.Series(counts, dtype="int64", name="scored")
    return view._cache["scored"]


#: Meeting ids per query: well under every database's limit on bound parameters.
_ID_CHUNK = 900


def _child_filter(view: DashboardView, child_ids: pd.Series, filters: Filters) -> np.ndarray:
    """Which rows' children the child filters (locality, team, worker, age, sex...) keep, at D."""
    if "children" not in view._cache:
        view._cache["children"] = view.data.children_at(view.at).set_index("child_id")
    children = view._cache["children"]
    keep = np.ones(len(child_ids), dtype=bool)
    for name, value in filters.active().items():
        if name in children.columns:
            column = children[name]
            if name == "disability":
                column = column.astype("boolean")
            found = column.reindex(child_ids.to_numpy())
            keep &= found.eq(value).fillna(False).to_numpy(dtype=bool)
    return keep


def _page_meetings(view: DashboardView, filters: Filters) -> pd.DataFrame:
    """Return the page's meetings in the year to D that the filters keep (plan type, child at D)."""
    if "meetings" not in view._cache:
        # The page's meetings in the year to D, with their plan type: filter changes reuse them.
        meetings = view.data.meetings
        start, end = (pd.Timestamp(d) for d in _year_to(view.at))
        in_year = meetings[
            meetings["meeting_type"].isin(view.page.meeting_types)
            & (meetings["date"] > start)
            & (meetings["date"] <= end)
        ]
        plan = view.data.involvements.set_index("involvement_id")["plan_type"]
        view._cache["meetings"] = in_year.assign(plan_type=in_year["involvement_id"].map(plan).to_numpy())
        # The outcomes agreed at those meetings, with the flags counted: a filter change then
        # picks among a few rows instead of searching every outcome.
        outcomes = view.data.outcomes
        agreed = outcomes[outcomes["agreed_meeting_id"].isin(in_year["meeting_id"])]
        clear = ~rules.no_success_measure(agreed) & agreed["baseline_score"].notna()
        view._cache["agreed"] = pd.DataFrame(
            {
                "agreed_meeting_id": agreed["agreed_meeting_id"].to_numpy(),
                "domain": agreed["domain"].to_numpy(),
                "clear": clear.to_numpy(dtype=bool),
                "with_family": agreed["agreed_with_family"].fillna(False).to_numpy(dtype=bool),
            }
        )
    picked = view._cache["meetings"]
    if filters.plan_type:
        picked = picked[plan_type_kept(picked["plan_type"], filters.plan_type)]
    return picked[_child_filter(view, picked["child_id"], filters)]


def meeting_outcomes(view: DashboardView, chosen: Filters | None = None) -> pd.DataFrame:
    """Count the page's meetings in the year to D by type: participation, outcomes agreed and scored.

    One row per meeting type and figure (:data:`MEETING_FIGURES`): ``meeting_type``, ``figure``,
    ``numerator``, ``denominator``, ``value`` (empty over nobody). Meetings belong to
    involvements of the page's plan type; child filters apply to the meeting's child at D;
    domain applies to outcomes only.
    """
    filters = view.filters(chosen)
    return _kept(view, ("meetings", filters), lambda: _meeting_outcomes(view, filters))


def _meeting_outcomes(view: DashboardView, filters: Filters) -> pd.DataFrame:
    picked = _page_meetings(view, filters)
    scored = _scored_at_meetings(view, view._cache["meetings"]["meeting_id"])
    agreed = view._cache["agreed"]
    if filters.domain:
        agreed = agreed[agreed["domain"].eq(filters.domain).fillna(False).to_numpy()]
    agreed = agreed.merge(picked[["meeting_id", "meeting_type"]], left_on="agreed_meeting_id",
                          right_on="meeting_id")  # fmt: skip
    rows = []
    for meeting_type in view.page.meeting_types:
        these = picked[picked["meeting_type"] == meeting_type]
        code = these["child_participation"]
        counted = code.isin(PARTICIPATION_COUNTED).fillna(False)
        took_part = code.isin(PARTICIPATION_TOOK_PART).fillna(False)
        family = these["family_attended"].fillna(False).astype(bool)
        wider = these["wider_family_attended"].fillna(False).astype(bool)
        with_scores = these["meeting_id"].map(scored).fillna(0).gt(0)
        theirs = agreed[agreed["meeting_type"] == meeting_type]
        figures = {
            "took_part": (int((took_part & counted).sum()), int(counted.sum())),
            "family_attended": (int(family.sum()), len(these)),
            "wider_family_attended": (int(wider.sum()), len(these)),
            "agreed": (int(these["meeting_id"].isin(theirs["agreed_meeting_id"]).sum()), len(these)),
            "scored": (int(with_scores.sum()), len(these)),
            "agreed_with_family": (int(theirs["with_family"].sum()), len(theirs)),
            "clear": (int(theirs["clear"].sum()), len(theirs)),
        }
        for name, (numerator, denominator) in figures.items():
            rows.append(
                {
                    "meeting_type": meeting_type,
                    "figure": name,
                    "numerator": numerator,
                    "denominator": denominator,
                    "value": numerator / denominator if denominator else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=["meeting_type", "figure", "numerator", "denominator", "value"])


#: Participation codes in the order a chart stacks them, with "not recorded" for a blank.
PARTICIPATION_ORDER: tuple[str, ...] = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7", "PN0", "")
NOT_RECORDED = "Not recorded"
#: A chart legend's few words for each code (the code list's labels are a sentence each).
PARTICIPATION_WORDS: dict[str, str] = {
    "PN1": "PN1 came and spoke for themselves",
    "PN2": "PN2 came, an advocate spoke",
    "PN3": "PN3 came, views shown non-verbally",
    "PN4": "PN4 came, views not conveyed",
    "PN5": "PN5 did not come, briefed an advocate",
    "PN6": "PN6 did not come, views conveyed",
    "PN7": "PN7 did not take part",
    "PN0": "PN0 under 4",
    "": NOT_RECORDED,
}


def participation_by_code(view: DashboardView, chosen: Filters | None = None) -> pd.DataFrame:
    """Count the child's participation in the page's meetings in the year to D, by meeting type and code.

    One row per meeting type and participation code (PN1 to PN7, PN0, and "" for a blank):
    ``meeting_type``, ``code``, ``label``, ``legend`` (:data:`PARTICIPATION_WORDS`),
    ``took_part`` (Y, N or "" as the code list says),
    ``meetings`` (how many had that code) and ``share`` (of that meeting type's meetings; empty
    over none). The same meetings, filters and year as :func:`meeting_outcomes`.
    """
    filters = view.filters(chosen)
    return _kept(view, ("participation", filters), lambda: _participation_by_code(view, filters))


def _participation_by_code(view: DashboardView, filters: Filters) -> pd.DataFrame:
    picked = _page_meetings(view, filters)
    codes = {row["code"]: row for row in code_list("participation_codes")}
    code = picked["child_participation"].astype("string").fillna("").str.strip()
    code = code.where(code.isin(PARTICIPATION_ORDER), "")  # an unknown code reads as not recorded
    counts = pd.crosstab(picked["meeting_type"].astype(str).to_numpy(), code.to_numpy())
    rows = []
    for meeting_type in view.page.meeting_types:
        total = int(counts.loc[meeting_type].sum()) if meeting_type in counts.index else 0
        for each in PARTICIPATION_ORDER:
            number = int(counts.at[meeting_type, each]) if total and each in counts.columns else 0
            rows.append(
                {
                    "meeting_type": meeting_type,
                    "code": each,
                    "label": codes[each]["label"] if each else NOT_RECORDED,
                    "legend": PARTICIPATION_WORDS[each],
                    "took_part": codes[each]["child_took_part"] if each else "",
                    "meetings": number,
                    "share": number / total if total else float("nan"),
                }
            )
    columns = ["meeting_type", "code", "label", "legend", "took_part", "meetings", "share"]
    return pd.DataFrame(rows, columns=columns)


# -- repeat plans from the extract -------------------------------------------------------------


def repeat_plans(view: DashboardView, chosen: Filters | None = None) -> pd.DataFrame:
    """Of the page's involvements that started in the year to D, the share that are a repeat.

    A repeat is a second or later involvement of the same plan type for the child (an earlier
    one started before it, whenever it ended). Child filters apply to the child at D. One
    row: numerator, denominator, value (empty over nobody).
    """
    filters = view.filters(chosen)
    return _kept(view, ("repeat", filters), lambda: _repeat_plans(view, filters))


def _repeat_plans(view: DashboardView, filters: Filters) -> pd.DataFrame:
    plan_type = filters.plan_type
    inv = view.data.involvements
    if plan_type:
        inv = inv[plan_type_kept(inv["plan_type"], plan_type)]
    inv = inv.sort_values(["child_id", "start_date", "involvement_id"])
    # Of the same plan type: a child in need plan after early help is a step up, not a repeat.
    earlier = inv.groupby(["child_id", "plan_type"], observed=True).cumcount() > 0
    start, end = (pd.Timestamp(d) for d in _year_to(view.at))
    in_year = (inv["start_date"] > start) & (inv["start_date"] <= end)
    keep = in_year.to_numpy() & _child_filter(view, inv["child_id"], filters)
    numerator, denominator = int((earlier.to_numpy() & keep).sum()), int(keep.sum())
    value = numerator / denominator if denominator else float("nan")
    return pd.DataFrame({"numerator": [numerator], "denominator": [denominator], "value": [value]})


# -- statutory figures --------------------------------------------------------------------------


def statutory_figures(view: DashboardView) -> pd.DataFrame:
    """Return the page's statutory figures at D (measure, title, numerator, denominator, value).

    Empty (with the same columns) when no statutory return has been imported. Statutory
    returns cover the whole service, so locality and team filters do not apply to them.
    """
    columns = ["measure", "title", "numerator", "denominator", "value"]
    if not view.statutory or not view.page.statutory:
        return pd.DataFrame(columns=columns)
    key = ("statutory", view.at)
    if key not in view._cache:
        view._cache[key] = service_outcomes(view.store, view.at)
    table = view._cache[key]
    table = table[table["measure"].isin(view.page.statutory)].copy()
    table["title"] = table["measure"].map(STATUTORY_TITLES)
    order = {name: i for i, name in enumerate(view.page.statutory)}
    return table.sort_values("measure", key=lambda s: s.map(order))[columns].reset_index(drop=True)
