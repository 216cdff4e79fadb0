"""An Outcomes-Based Accountability report card, and its self-contained offline HTML page.

OBA asks three questions of a service for a population: **How much did we do?**, **How well
did we do it?** and **Is anyone better off?** Each part here has headline figures from
``workbench.measures`` with a sparkline of their trend, and the story behind the curve, which
a person writes. "How much" uses the denominators of the headline measures (involvements
open, meetings held, interventions started, audits completed), so every count shares the
measures' definitions and filters.

The page is for leaders and inspectors, a wider audience, so it applies disclosure control
(counts of 1 to 5 shown as "c"), holds no child or worker identifiers, escapes every piece of
text a person wrote, and draws charts as inline SVG: it opens offline, with no scripts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from workbench.core.disclosure import (
    SUPPRESSED,
    PageFigures,
    Population,
    share_is_disclosive,
    suppress_with_total,
)
from workbench.measures.distance import DIRECTIONS, distance_distribution, distribution_over_periods
from workbench.measures.filters import Filters, data_day
from workbench.measures.headline import MEASURES
from workbench.measures.periods import measure_over_periods
from workbench.measures.service_data import ServiceData
from workbench.practice.improvement_plans import ImprovementPlan, PlanAction, card_part_subject
from workbench.publishing.page_figures import HIDDEN_FOR_OTHERS, published
from workbench.render.charts import distance_spread_chart, sparkline
from workbench.render.html import page, paragraphs, svg

#: The three parts, and which figures each shows. "How much" counts are measure denominators.
PARTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "How much did we do?": (
        ("coverage", "denominator", "Involvements open"),
        ("participation_family", "denominator", "Meetings held in the year"),
        ("evidence_informed", "denominator", "Interventions started in the year"),
        ("audit_grade", "denominator", "Case audits completed in the year"),
    ),
    "How well did we do it?": (
        ("clear", "value", ""),
        ("consensual", "value", ""),
        ("constant", "value", ""),
        ("reviewed", "value", ""),
        ("participation", "value", ""),
        ("evidence_informed", "value", ""),
    ),
    "Is anyone better off?": (
        ("distance_travelled", "value", ""),
        ("achieved", "value", ""),
        ("sustained", "value", ""),
    ),
}


@dataclass
class CardFigure:
    """One headline figure on the card, ready to publish."""

    label: str
    shown: str  # the figure as published, after disclosure control
    detail: str  # numerator and denominator, as published
    trend: pd.DataFrame  # period_end, value: the sparkline


@dataclass
class ReportCard:
    """A report card for one population at one date."""

    population: str
    at: date
    start: date
    frequency: str
    parts: dict[str, list[CardFigure]]
    stories: dict[str, str] = field(default_factory=dict)
    #: The improvement plans kept for this population, by measure (and card part), latest versions.
    plans: dict[str, ImprovementPlan] = field(default_factory=dict)
    #: Whether the page check hid a count that is not small itself (the card then says why).
    hidden_for_others: bool = False
    #: Distance travelled's outcomes that went back, stayed the same and went up, as published.
    distance_spread: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["direction", "shown"])
    )
    #: The same at the end of each period the sparkline draws (period, then each direction as
    #: published: "c" for 1 to 5, with secondary suppression), so no mean on the card is alone.
    distance_spread_by_period: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["period", *DIRECTIONS])
    )

    @property
    def frequency_word(self) -> str:
        """Return the period as a word: month, quarter or year."""
        return {"monthly": "month", "quarterly": "quarter", "yearly": "financial year"}[self.frequency]


#: The count each measure's denominator is kept under in the page check: measures over the same
#: population share one ("Meetings held in the year" is the family participation denominator).
DENOMINATORS: dict[str, str] = {
    "coverage": "involvements open",
    "participation_family": "meetings",
    "participation": "coded meetings",
    "evidence_informed": "interventions",
    "audit_grade": "audits",
    "clear": "active outcomes",
    "consensual": "active outcomes",
    "reviewed": "reviewed cohort",
    "constant": "constant cohort",
    "distance_travelled": "distance",
    "achieved": "results",
    "sustained": "closures",
}


def card_figures(
    latest: dict[str, pd.Series], valued: set[str], spread: dict[str, int] | None = None
) -> PageFigures:
    """Return every count a report card shows, checked as a whole, from each measure's latest row.

    ``valued`` names the measures whose value (and so numerator) the card shows; of the others
    it shows only the denominator. ``spread`` gives distance travelled's outcomes that went back,
    stayed the same and went up (they add up to its denominator): kept as ``distance:<direction>``.

    The populations and what a reader knows of them: meetings held are cut by the participation
    code (took part, did not, no code); the outcomes active at D have the properties clear,
    consensual and agreed by D-91, and reviewed needs the last; every other figure's numerator
    is part of its denominator.
    """
    figures = PageFigures()
    meetings = Population("meetings", parts=("took part", "did not", "no code"))
    properties = ("clear", "consensual", "old", "reviewed")
    active = Population("active outcomes", properties=properties, implies={"reviewed": ("old",)})
    # Distance travelled's outcomes each went back, stayed the same or went up (neither).
    distance = Population(
        "distance", properties=("went back", "went up"), excludes=(("went back", "went up"),)
    )
    populations = {
        "meetings": meetings,
        "coded meetings": meetings,
        "active outcomes": active,
        "reviewed cohort": active,
        "distance": distance,
    }
    numerators = {
        "participation": meetings.count_of(parts=("took part",)),
        "clear": active.count_of(having=("clear",)),
        "consensual": active.count_of(having=("consensual",)),
        "reviewed": active.count_of(having=("reviewed",)),
    }
    denominators = {
        "coded meetings": meetings.count_of(parts=("took part", "did not")),
        "reviewed cohort": active.count_of(having=("old",)),
    }
    for name, row in latest.items():
        key = DENOMINATORS[name]
        population = populations.get(key)
        if population is None:
            population = populations[key] = Population(key, parts=("counted", "not"))
        numerators.setdefault(name, population.count_of(parts=("counted",)))
        if key not in figures.figures:
            figures.add(key, row["denominator"], population, denominators.get(key))
        if MEASURES[name].unit == "share" and name in valued:
            figures.add(name, row["numerator"], population, numerators[name])
    if spread is not None:
        back, up = distance.count_of(having=("went back",)), distance.count_of(having=("went up",))
        weights = {"went back": back, "went up": up, "stayed the same": distance.everyone() - back - up}
        for direction in DIRECTIONS:
            figures.add(f"distance:{direction}", spread[direction], distance, weights[direction])
    figures.protect()
    return figures


def _publishable(measure: str, column: str, row: pd.Series, figures: PageFigures) -> tuple[str, str]:
    unit = MEASURES[measure].unit
    key = DENOMINATORS[measure]
    of = published(figures, key)
    if column == "denominator":
        return of, ""
    if float(row["denominator"]) == 0:
        return "no data", "none counted"
    if unit == "mean":
        return (f"{row['value']:+.1f}" if figures.shown(key) else SUPPRESSED), f"from {of} outcomes"
    if not (figures.shown(measure) and figures.shown(key)):
        # Neither part may be shown: "7 of 8" reveals the one child who was not.
        return SUPPRESSED, f"of {of}; suppressed, as it would reveal 1 to 5 children"
    return f"{row['value']:.0%}", f"{int(row['numerator']):,} of {of}"


def build_report_card(
    data: ServiceData,
    population: str = "All children",
    at: date | None = None,
    filters: Filters | None = None,
    start: date = date(2019, 4, 1),
    frequency: str = "quarterly",
    plans: dict[str, ImprovementPlan] | None = None,
) -> ReportCard:
    """Compute the card's figures for the population ``filters`` chooses, at ``at``.

    Every count on the card is checked as a whole (:func:`card_figures`) before it is shown.
    ``at`` is the data's date unless given. ``plans`` are the improvement plans kept for the
    population (:func:`workbench.practice.improvement_plans.latest_plans`): each part's story
    starts as the one kept for it, and each measure's plan is carried on the card.
    """
    at = data_day(data.store, at)
    filters = filters or Filters()
    series: dict[str, pd.DataFrame] = {}
    for figures in PARTS.values():
        for name, _column, _label in figures:
            if name not in series:
                measure = MEASURES[name]
                usable = Filters(**{k: v for k, v in filters.active().items() if k in measure.filters})
                series[name] = measure_over_periods(data, measure, start, at, frequency, usable)
    valued = {name for figures in PARTS.values() for name, column, _label in figures if column == "value"}
    spread = _distance_spread(data, at, filters) if "distance_travelled" in series else None
    checked = card_figures({name: frame.iloc[-1] for name, frame in series.items()}, valued, spread)
    parts: dict[str, list[CardFigure]] = {}
    for part, figures in PARTS.items():
        parts[part] = []
        for name, column, label in figures:
            measure = MEASURES[name]
            shown, detail = _publishable(name, column, series[name].iloc[-1], checked)
            trend = series[name][["period_end", column]].rename(columns={column: "value"})
            if column == "value":
                # A sparkline must not reveal a suppressed figure either.
                pairs = zip(series[name]["numerator"], series[name]["denominator"], strict=True)
                small = [
                    share_is_disclosive(n, d) if measure.unit == "share" else 0 < d <= 5 for n, d in pairs
                ]
                trend = trend.assign(value=trend["value"].where(~pd.Series(small, index=trend.index)))
            parts[part].append(CardFigure(label or measure.title, shown, detail, trend))
    plans = plans or {}
    kept = {part: plans.get(card_part_subject(part)) for part in PARTS}
    stories = {part: plan.story for part, plan in kept.items() if plan is not None}
    card = ReportCard(population, at, start, frequency, parts, stories=stories, plans=plans)
    card.hidden_for_others = bool(checked.hidden_for_others)
    if spread is not None and sum(spread.values()):
        card.distance_spread = pd.DataFrame(
            {
                "direction": list(DIRECTIONS),
                "shown": [published(checked, f"distance:{d}") for d in DIRECTIONS],
            }
        )
        card.distance_spread_by_period = _spread_by_period(data, start, at, frequency, filters, card)
    return card


def _spread_by_period(
    data: ServiceData, start: date, at: date, frequency: str, filters: Filters, card: ReportCard
) -> pd.DataFrame:
    """Each period's went back, stayed the same, went up, as published; the last is the card's own."""
    usable = Filters(
        **{k: v for k, v in filters.active().items() if k in MEASURES["distance_travelled"].filters}
    )
    over = distribution_over_periods(data, start, at, frequency, usable)
    rows = []
    for _, row in over.iterrows():
        counts = [int(row[d]) for d in DIRECTIONS]
        if sum(counts):
            # Secondary suppression as if the total were shown: the sparkline's mean implies it.
            rows.append([row["period"], *suppress_with_total(counts)[0]])
    last_is_at = not over.empty and over["period_end"].iloc[-1].date() == at
    if rows and last_is_at and rows[-1][0] == over["period"].iloc[-1]:
        rows[-1] = [rows[-1][0], *card.distance_spread["shown"]]  # checked with the card's other counts
    return pd.DataFrame(rows, columns=["period", *DIRECTIONS])


def _distance_spread(data: ServiceData, at: date, filters: Filters) -> dict[str, int]:
    """Distance travelled's outcomes that went back, stayed the same, went up, for the card's filters."""
    usable = Filters(
        **{k: v for k, v in filters.active().items() if k in MEASURES["distance_travelled"].filters}
    )
    table = distance_distribution(data, at, usable)
    return dict(zip(table["direction"], table["outcomes"].astype(int), strict=True))


def _spread_html(card: ReportCard) -> str:
    """Return the distance travelled spread: a small chart, its counts as published ("c" where hidden)."""
    shown = dict(zip(card.distance_spread["direction"], card.distance_spread["shown"], strict=True))
    words = ", ".join(f"{html.escape(shown[d])} {d}" for d in reversed(DIRECTIONS))
    chart = svg(distance_spread_chart(card.distance_spread, "Distance travelled: how many went which way"))
    return (
        "<div class='wb-card-spread'><p>Behind the mean distance travelled (0 to 10 scale), the "
        f"outcomes counted: {words}.</p>"
        "<div role='img' aria-label='Outcomes that went up, stayed the same and went back'>"
        f"{chart}</div>{_spread_by_period_html(card)}</div>"
    )


def _spread_by_period_html(card: ReportCard) -> str:
    """Return the spread behind each point of the distance travelled sparkline, as a folded table."""
    table = card.distance_spread_by_period
    if table.empty:
        return ""
    head = "".join(f"<th scope='col'>{html.escape(d.capitalize())}</th>" for d in DIRECTIONS)
    body = "".join(
        f"<tr><th scope='row'>{html.escape(str(row['period']))}</th>"
        + "".join(f"<td>{html.escape(str(row[d]))}</td>" for d in DIRECTIONS)
        + "</tr>"
        for _, row in table.iterrows()
    )
    return (
        f"<details class='wb-card-spread-periods'><summary>Behind each point of the trend: how many "
        f"went which way at the end of each {html.escape(card.frequency_word)}</summary>"
        f"<table><thead><tr><th scope='col'>Period</th>{head}</tr></thead><tbody>{body}</tbody></table>"
        "</details>"
    )


def render_report_card_body(card: ReportCard) -> str:
    """Return the card as an HTML fragment (escaped text, inline SVG sparklines)."""
    out = [
        f"<h1>Report card: {html.escape(card.population)}</h1>",
        f"<p class='wb-card-at'>Figures at {card.at:%d %B %Y}. Trends show each figure at the end of "
        f"every {card.frequency_word} since {card.start:%B %Y}. Counts of 1 to 5 are shown as "
        "<abbr title='suppressed to protect children'>c</abbr>.</p>",
    ]
    if card.hidden_for_others:
        out.append(f"<p class='wb-hidden-for-others'>{html.escape(HIDDEN_FOR_OTHERS)}</p>")
    for part, figures in card.parts.items():
        out.append(
            f"<section class='wb-card-part'><h2>{html.escape(part)}</h2><table><thead><tr>"
            "<th scope='col'>Measure</th><th scope='col'>Latest</th><th scope='col'>Counted</th>"
            "<th scope='col'>Trend</th></tr></thead><tbody>"
        )
        for figure in figures:
            trend = figure.trend.dropna(subset=["value"])
            spark = svg(sparkline(trend, "share")) if len(trend) >= 2 else ""
            out.append(
                f"<tr><th scope='row'>{html.escape(figure.label)}</th><td class='wb-card-figure'>"
                f"{html.escape(figure.shown)}</td><td>{html.escape(figure.detail)}</td>"
                f"<td role='img' aria-label='Trend of {html.escape(figure.label)}'>{spark}</td></tr>"
            )
        out.append("</tbody></table>")
        if any(f.label == MEASURES["distance_travelled"].title for f in figures) and len(
            card.distance_spread
        ):
            out.append(_spread_html(card))
        story = card.stories.get(part, "").strip()
        out.append("<h3>The story behind the curve</h3>")
        out.append(paragraphs(story) if story else "<p><em>No story written yet.</em></p>")
        out.append(_plans_section(card, [name for name, column, _label in PARTS[part] if column == "value"]))
        out.append("</section>")
    return "".join(out)


def target_text(target: float | None, unit: str) -> str:
    """Return a target as a page shows it: a share as a percentage, a mean with its sign."""
    if target is None:
        return ""
    return f"{target:.0%}" if unit == "share" else f"{target:+.1f}"


def _plans_section(card: ReportCard, measures: list[str]) -> str:
    """Return the improvement plans of ``measures`` kept for the card's population (escaped)."""
    kept = [card.plans[name] for name in dict.fromkeys(measures) if name in card.plans]
    kept = [plan for plan in kept if not plan.empty]
    if not kept:
        return ""
    out = ["<h3>Improvement plans</h3>"]
    for plan in kept:
        measure = MEASURES[plan.subject]
        out.append(f"<div class='wb-card-plan'><h4>{html.escape(measure.title)}</h4>")
        if plan.target is not None:
            target = target_text(plan.target, measure.unit)
            out.append(f"<p class='wb-card-target'>Target: <strong>{target}</strong></p>")
        if plan.story:
            out.append(f"<div class='wb-card-plan-story'>{paragraphs(plan.story)}</div>")
        if plan.partners:
            out.append(f"<p class='wb-card-partners'>Partners: {html.escape(plan.partners)}</p>")
        if plan.actions:
            out.append(_actions_table(plan.actions, measure.title))
        when = f"{pd.Timestamp(plan.written_at):%d %B %Y}"
        out.append(
            f"<p class='wb-meta'>Plan last saved {html.escape(when)} (version {plan.version_id}).</p></div>"
        )
    return "".join(out)


def _actions_table(actions: list[PlanAction], title: str) -> str:
    """Return a plan's actions as a table: what, who, by when, done."""
    rows = []
    for action in actions:
        due = f"{action.due_date:%d %B %Y}" if action.due_date else ""
        rows.append(
            f"<tr><td>{html.escape(action.action)}</td><td>{html.escape(action.owner)}</td>"
            f"<td>{due}</td><td>{'done' if action.done else 'open'}</td></tr>"
        )
    return (
        f"<table class='wb-card-actions'><caption>Actions: {html.escape(title)}</caption><thead><tr>"
        "<th scope='col'>Action</th><th scope='col'>Owner</th><th scope='col'>Due</th>"
        f"<th scope='col'>Done</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )



#: The report card's look: a one-page table of figures with sparklines.
REPORT_CARD_STYLE = """
body { font-family: system-ui, sans-serif; color: #1a1a1a; max-width: 960px; margin: 2rem auto;
       padding: 0 1rem; }
h1 { font-size: 1.8rem; } h2 { border-bottom: 3px solid #0072B2; padding-bottom: .2rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: .5rem; table-layout: fixed; }
th:nth-child(1) { width: 34%; } th:nth-child(2) { width: 12%; } th:nth-child(3) { width: 30%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd; vertical-align: middle; }
td.wb-card-figure { font-size: 1.3rem; font-weight: 600; }
table.wb-card-actions th:nth-child(n) { width: auto; }
table.wb-card-actions caption { text-align: left; font-weight: 600; }
.wb-meta { color: #555; font-size: .9rem; }
"""


def render_report_card_page(card: ReportCard) -> str:
    """Return a complete, self-contained HTML page: no scripts, no external requests."""
    return page(f"Report card: {card.population}", render_report_card_body(card), style=REPORT_CARD_STYLE)
