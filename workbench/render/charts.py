"""Altair charts as pure functions of already-aggregated DataFrames.

Notebooks, dashboards and published pages share these. Aggregate in pandas first (charts get
a handful of rows, never child-level data), and never build a Vega expression from text a
person typed: labels travel as data, which Vega escapes.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from workbench.core.codes import labels
from workbench.render.altair_import import altair as alt

# One palette for every chart: Okabe-Ito, distinguishable with the common colour-vision
# deficiencies, and dark enough against white for WCAG AA non-text contrast.
IMPROVED = "#0072B2"
WORSENED = "#D55E00"


SERVICE_MARK = "#222222"


def distance_by_domain(
    table: pd.DataFrame, title: str, service: pd.DataFrame | None = None
) -> alt.LayerChart:
    """Bar chart of mean distance travelled by outcome domain, with n beside each bar.

    ``table`` is the output of ``measures.distance_travelled(..., by="domain")``. When
    ``service`` (the same measure for the whole service) is given, a dark tick on each bar
    marks the service figure, so a locality or team reads against it.
    """
    return distance_layers(distance_frame(table, service), title, service=service is not None)


def distance_frame(table: pd.DataFrame, service: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the rows :func:`distance_by_domain` draws, one per domain counted."""
    names = labels("outcome_domains")
    frame = table.dropna(subset=["value"]).copy()
    frame["domain_label"] = frame["domain"].map(names).fillna(frame["domain"]).astype(str)
    frame["mean_distance"] = frame["value"].round(2)
    frame["outcomes"] = frame["denominator"].astype(int)
    frame["direction"] = frame["mean_distance"].ge(0).map({True: "improved", False: "worsened"})
    frame["n_label"] = [f"n = {n:,}" for n in frame["outcomes"]]
    # What a screen reader says for each bar (and what browser tests read back).
    frame["summary"] = [
        f"Domain: {label}; Mean distance: {mean:.2f}; Outcomes counted: {n}"
        for label, mean, n in zip(
            frame["domain_label"], frame["mean_distance"], frame["outcomes"], strict=True
        )
    ]
    if service is not None:
        service_mean = service.dropna(subset=["value"]).set_index("domain")["value"].round(2)
        frame["service_mean"] = frame["domain"].map(service_mean)
    else:
        frame["service_mean"] = float("nan")
    # The n label sits past whichever is further right, the bar or the service tick.
    frame["label_at"] = frame[["mean_distance", "service_mean"]].max(axis=1)
    frame["service_summary"] = [
        f"Whole service, {label}: {mean:.2f}"
        for label, mean in zip(frame["domain_label"], frame["service_mean"], strict=True)
    ]
    columns = [
        "domain",
        "domain_label",
        "mean_distance",
        "outcomes",
        "direction",
        "n_label",
        "summary",
        "service_mean",
        "label_at",
        "service_summary",
    ]
    frame = frame[columns]
    # Bars in data order, best first: sorting in pandas keeps labels out of the spec (they
    # travel only as data), and a field sort is dropped by Vega-Lite when layers are combined.
    return frame.sort_values(["mean_distance", "domain_label"], ascending=[False, True])


def distance_layers(frame: pd.DataFrame, title: str, *, service: bool) -> alt.LayerChart:
    """Return :func:`distance_by_domain` drawn from its :func:`distance_frame` (ticks with ``service``)."""
    y = alt.Y("domain_label:N", sort=None, title=None, axis=alt.Axis(labelLimit=260))
    x_title = "Mean distance travelled (points on the 0-10 scale)"
    base = alt.Chart(frame).encode(y=y)
    bars = base.mark_bar().encode(
        x=alt.X("mean_distance:Q", title=x_title),
        color=alt.Color(
            "direction:N",
            scale=alt.Scale(domain=["improved", "worsened"], range=[IMPROVED, WORSENED]),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("domain_label:N", title="Domain"),
            alt.Tooltip("mean_distance:Q", title="Mean distance", format=".2f"),
            alt.Tooltip("outcomes:Q", title="Outcomes counted"),
        ],
        description=alt.Description("summary:N"),
    )
    # The count is already in each bar's description, so screen readers skip the label.
    counts = base.mark_text(align="left", dx=5, color="#333", aria=False).encode(
        x=alt.X("label_at:Q", title=x_title),
        text=alt.Text("n_label:N"),
    )
    layers = [bars, counts]
    if service:
        ticks = base.mark_tick(color=SERVICE_MARK, thickness=3, size=22).encode(
            x=alt.X("service_mean:Q", title=x_title),
            description=alt.Description("service_summary:N"),
        )
        layers.append(ticks)
    return alt.layer(*layers).properties(title=title, width=520, height=alt.Step(26))


# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = {
    "history": "#0072B2",
    "forecast": "#E69F00",
    "target": "#009E73",
    "limits": "#999999",
    "signal": "#D55E00",
}
SERIES_LABELS = {
    "history": "What happened",
    "forecast": "If nothing changes",
    "target": "Target",
}


def _value_format(unit: str) -> str:
    return ".0%" if unit == "share" else ".2f"


def turn_the_curve_chart(
    curve: pd.DataFrame, title: str, unit: str = "share", limits: pd.DataFrame | None = None
) -> alt.LayerChart:
    """Turn-the-curve line chart: history, the forecast if nothing changes, and the target.

    ``curve`` comes from ``trends.turn_the_curve``. With ``limits`` (from
    ``trends.control_limits``), the control limits are drawn as grey rules and periods with a
    signal are ringed, so a real change stands out from noise. Tooltips give numerator and
    denominator where the limits frame carries them.
    """
    frame = curve.copy()
    frame["line"] = frame["series"].map(SERIES_LABELS)
    fmt = _value_format(unit)
    y = alt.Y("value:Q", title="Share" if unit == "share" else "Mean", axis=alt.Axis(format=fmt))
    x = alt.X("period_end:T", title="Period ending", axis=alt.Axis(format="%b %Y"))
    colour = alt.Color(
        "line:N",
        title=None,
        scale=alt.Scale(domain=list(SERIES_LABELS.values()), range=[PALETTE[k] for k in SERIES_LABELS]),
        legend=alt.Legend(orient="bottom"),
    )
    dash = alt.StrokeDash(
        "line:N",
        scale=alt.Scale(domain=list(SERIES_LABELS.values()), range=[[1, 0], [6, 4], [2, 2]]),
        legend=None,
    )
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2.5, point=False)
        .encode(x=x, y=y, color=colour, strokeDash=dash, detail="series:N")
    )
    layers: list = [lines]
    if limits is not None and not limits.empty:
        band = limits.dropna(subset=["centre"]).copy()
        band["period_end"] = pd.to_datetime(band["period_end"])
        for column, label in (("lower_limit", "Lower control limit"), ("upper_limit", "Upper control limit")):
            layers.append(
                alt.Chart(band.assign(limit=label))
                .mark_line(color=PALETTE["limits"], strokeDash=[4, 3])
                .encode(x=x, y=alt.Y(f"{column}:Q"), tooltip=[alt.Tooltip("limit:N", title="Line")])
            )
        tooltip = [
            alt.Tooltip("period:N", title="Period"),
            alt.Tooltip("value:Q", title="Value", format=fmt),
            alt.Tooltip("numerator:Q", title="Numerator", format=",.0f"),
            alt.Tooltip("denominator:Q", title="Denominator", format=",d"),
            alt.Tooltip("signal:N", title="Signal"),
        ]
        points = band.dropna(subset=["value"])
        layers.append(
            alt.Chart(points)
            .mark_point(filled=True, size=45, color=PALETTE["history"])
            .encode(x=x, y=alt.Y("value:Q"), tooltip=tooltip)
        )
        signals = points[points["signal"] != ""]
        if not signals.empty:
            layers.append(
                alt.Chart(signals)
                .mark_point(size=220, strokeWidth=2.5, color=PALETTE["signal"])
                .encode(x=x, y=alt.Y("value:Q"), tooltip=tooltip)
            )
    return alt.layer(*layers).properties(title=title, width=560, height=260)


def breakdown_chart(table: pd.DataFrame, by: str, title: str, unit: str = "share") -> alt.LayerChart:
    """Bars for each group against a rule at the service figure; small groups drawn faint.

    ``table`` comes from ``breakdowns.compare_to_service``. Tooltips carry numerator,
    denominator, the gap to the service and, for shares, the 95% interval.
    """
    return breakdown_layers(*breakdown_frames(table, by), by, title, unit)


def breakdown_frames(table: pd.DataFrame, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the rows :func:`breakdown_chart` draws: each group's bar, and the service's line."""
    frame = table.dropna(subset=["value"]).copy()
    frame["group"] = frame[by].astype(str)
    frame["size"] = frame["small"].map({True: "small group: read with care", False: "group"})
    service = frame[["service_value"]].head(1).assign(label="Whole service")
    return frame, service


def breakdown_layers(
    frame: pd.DataFrame, service: pd.DataFrame, by: str, title: str, unit: str = "share"
) -> alt.LayerChart:
    """Return :func:`breakdown_chart` drawn from its :func:`breakdown_frames`."""
    fmt = _value_format(unit)
    x = alt.X("value:Q", title="Share" if unit == "share" else "Mean", axis=alt.Axis(format=fmt))
    y = alt.Y("group:N", sort=None, title=None)
    tooltip = [
        alt.Tooltip("group:N", title=by.replace("_", " ").capitalize()),
        alt.Tooltip("value:Q", title="Value", format=fmt),
        alt.Tooltip("numerator:Q", title="Numerator", format=",.0f"),
        alt.Tooltip("denominator:Q", title="Denominator", format=",d"),
        alt.Tooltip("gap:Q", title="Gap to service", format="+" + fmt),
        alt.Tooltip("size:N", title="Note"),
    ]
    bars = (
        alt.Chart(frame)
        .mark_bar(color=PALETTE["history"])
        .encode(
            x=x,
            y=y,
            opacity=alt.Opacity(
                "size:N",
                scale=alt.Scale(domain=["group", "small group: read with care"], range=[1.0, 0.35]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=tooltip,
        )
    )
    layers: list = [bars]
    if breakdown_has_intervals(frame, unit):
        layers.append(
            alt.Chart(frame)
            .mark_rule(color="#333333")
            .encode(x="ci_low:Q", x2="ci_high:Q", y=y, tooltip=tooltip)
        )
    layers.append(
        alt.Chart(service)
        .mark_rule(color=PALETTE["forecast"], strokeWidth=2.5, strokeDash=[5, 3])
        .encode(
            x="service_value:Q",
            tooltip=[
                alt.Tooltip("label:N", title="Line"),
                alt.Tooltip("service_value:Q", title="Value", format=fmt),
            ],
        )
    )
    return alt.layer(*layers).properties(title=title, width=520, height=alt.Step(24))


def breakdown_has_intervals(frame: pd.DataFrame, unit: str) -> bool:
    """Whether :func:`breakdown_layers` draws the 95% intervals (a part of the chart's shape)."""
    return unit == "share" and bool(frame["ci_low"].notna().any())


def sparkline(series: pd.DataFrame, unit: str = "share") -> alt.Chart:
    """Return a small line of ``value`` over ``period_end``, for report cards."""
    fmt = _value_format(unit)
    frame = series.dropna(subset=["value"]).copy()
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return (
        alt.Chart(frame)
        .mark_line(color=PALETTE["history"], strokeWidth=2, point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("period_end:T", axis=None),
            y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("period_end:T", title="Period ending", format="%b %Y"),
                alt.Tooltip("value:Q", title="Value", format=fmt),
            ],
        )
        .properties(width=160, height=40)
        .configure_view(strokeWidth=0)
    )


EVIDENCE_COLOURS = {
    "no intervention linked": "#999999",
    "not_rated": "#E69F00",
    "level_2": "#56B4E9",
    "level_3": "#0072B2",
    "level_4": "#009E73",
}


def what_works_chart(table: pd.DataFrame, title: str, caveat: str = "") -> alt.LayerChart:
    """Mean distance travelled by domain and evidence level, with 95% intervals as rules.

    ``table`` comes from ``what_works.what_works``; groups of fewer than 5 outcomes are left out
    because their means say nothing. ``caveat`` is shown under the title.
    """
    names = labels("outcome_domains")
    frame = table[table["outcomes"] >= 5].copy()
    frame["domain_label"] = frame["domain"].map(names).fillna(frame["domain"]).astype(str)
    order = list(EVIDENCE_COLOURS)
    y = alt.Y("domain_label:N", title=None, axis=alt.Axis(labelLimit=260))
    offset = alt.YOffset("evidence_level:N", sort=order)
    colour = alt.Color(
        "evidence_level:N",
        title="Best evidence linked",
        sort=order,
        scale=alt.Scale(domain=order, range=list(EVIDENCE_COLOURS.values())),
        legend=alt.Legend(orient="bottom"),
    )
    tooltip = [
        alt.Tooltip("domain_label:N", title="Domain"),
        alt.Tooltip("evidence_level:N", title="Evidence"),
        alt.Tooltip("mean_distance:Q", title="Mean distance", format=".2f"),
        alt.Tooltip("distance_low:Q", title="95% interval from", format=".2f"),
        alt.Tooltip("distance_high:Q", title="95% interval to", format=".2f"),
        alt.Tooltip("outcomes:Q", title="Outcomes counted"),
        # The mean's spread: how many went which way (when the table carries it).
        *[alt.Tooltip(f"{d}:Q", title=d.capitalize()) for d in ("went back", "stayed the same", "went up")
          if d in frame.columns],
    ]  # fmt: skip
    base = alt.Chart(frame).encode(y=y, yOffset=offset, color=colour, tooltip=tooltip)
    points = base.mark_point(filled=True, size=60).encode(
        x=alt.X("mean_distance:Q", title="Mean distance travelled (0 to 10 scale)")
    )
    intervals = base.mark_rule(strokeWidth=2).encode(x="distance_low:Q", x2="distance_high:Q")
    subtitle = textwrap.wrap(caveat, 90) if caveat else []
    heading = alt.TitleParams(title, subtitle=subtitle, anchor="start")
    return alt.layer(intervals, points).properties(title=heading, width=520, height=alt.Step(9))


#: Audit grades in Okabe-Ito colours, best (blue) to worst (vermillion); not applicable grey.
GRADE_COLOURS = {
    "Outstanding": "#0072B2",
    "Good": "#56B4E9",
    "Requires improvement": "#E69F00",
    "Inadequate": "#D55E00",
    "Not applicable": "#999999",
}


def audit_grade_chart(distribution: pd.DataFrame, by: str, title: str) -> alt.Chart:
    """Stacked bars of the share of each audit grade, one bar per ``by`` group.

    ``distribution`` comes from ``workbench.practice.audits.findings.grade_distribution`` (columns
    ``by``, grade_label, count, share). Group names travel as data, never as expressions.
    """
    frame = distribution.copy()
    totals = frame.groupby(by)["count"].transform("sum")
    # n beside each group: a bar of 3 audits reads differently from one of 300.
    frame["group"] = [f"{g} (n={n:,})" for g, n in zip(frame[by].astype(str), totals, strict=True)]
    frame["grade_label"] = frame["grade_label"].astype(str)
    order = list(GRADE_COLOURS)
    frame["grade_order"] = frame["grade_label"].map({g: i for i, g in enumerate(order)}).fillna(len(order))
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title="Share of grades", axis=alt.Axis(format=".0%"), stack="normalize"),
            y=alt.Y("group:N", title=None, sort=None),
            color=alt.Color(
                "grade_label:N",
                title="Grade",
                scale=alt.Scale(domain=order, range=list(GRADE_COLOURS.values())),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("grade_order:Q"),
            tooltip=[
                # One title whatever the grouping: the chart keeps its shape (the page names it).
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("grade_label:N", title="Grade"),
                alt.Tooltip("count:Q", title="Count", format=",d"),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
            ],
        )
        .properties(title=title, width=480, height=alt.Step(22))
    )


# --- Team lead dashboard (issue 6) -----------------------------------------------------------

#: Okabe-Ito in order, for series with no meaning of their own (a child's outcomes).
OUTCOME_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")


def headline_against_service_chart(table: pd.DataFrame, title: str) -> alt.LayerChart:
    """Bars of the team's share measures with a dark tick at the service figure on each.

    ``table`` has one row per share measure: title, numerator, denominator, value,
    service_value (from ``measures.headline_measures`` twice, side by side). Each bar's
    ``aria-label`` reads "Measure: ...; Team: 48%; Counted: 58 of 120; Service: 52%".
    """
    return headline_layers(headline_frame(table), title)


def headline_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Return the rows :func:`headline_against_service_chart` draws, one per share measure."""
    frame = table.dropna(subset=["value"]).copy()
    frame["team_pct"] = (frame["value"] * 100).round(0)
    frame["service_pct"] = (frame["service_value"] * 100).round(0)
    frame["summary"] = [
        f"Measure: {t}; Team: {v:.0f}%; Counted: {int(n):,} of {int(d):,}; Service: {s:.0f}%"
        for t, v, n, d, s in zip(
            frame["title"], frame["team_pct"], frame["numerator"], frame["denominator"], frame["service_pct"],
            strict=True,
        )
    ]  # fmt: skip
    frame["service_summary"] = [
        f"Service, {t}: {s:.0f}%" for t, s in zip(frame["title"], frame["service_pct"], strict=True)
    ]
    return frame


def headline_layers(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Return :func:`headline_against_service_chart` drawn from its :func:`headline_frame`."""
    y = alt.Y("title:N", sort=None, title=None, axis=alt.Axis(labelLimit=320))
    base = alt.Chart(frame)
    bars = base.mark_bar(color=IMPROVED).encode(
        x=alt.X(
            "team_pct:Q",
            title="Share of the team's children or outcomes (%)",
            scale=alt.Scale(domain=[0, 100]),
        ),
        y=y,
        description=alt.Description("summary:N"),
        tooltip=[alt.Tooltip("summary:N", title="Figure")],
    )
    ticks = base.mark_tick(color=SERVICE_MARK, thickness=3, size=22).encode(
        x="service_pct:Q", y=y, description=alt.Description("service_summary:N")
    )
    return alt.layer(bars, ticks).properties(title=title, width=460, height=alt.Step(26))


def outcome_journey_chart(journey: pd.DataFrame, title: str) -> alt.LayerChart:
    """Each outcome's scores over time (baseline, then reviews) with its target as a dashed line.

    ``journey`` has outcome (a short label), date, score, kind (``baseline`` or ``review``)
    and target. Each point's ``aria-label`` reads "Outcome: ...; Date: ...; Score: ...; Target: ...".
    """
    frame = journey.dropna(subset=["score"]).copy()
    frame["date"] = pd.to_datetime(frame["date"])
    frame["summary"] = [
        f"Outcome: {o}; Date: {d:%d %b %Y}; Score: {s:g} ({k}); Target: {'none' if pd.isna(t) else f'{t:g}'}"
        for o, d, s, k, t in zip(
            frame["outcome"], frame["date"], frame["score"], frame["kind"], frame["target"], strict=True
        )
    ]
    outcomes = list(dict.fromkeys(frame["outcome"]))
    colour = alt.Color(
        "outcome:N",
        title="Outcome",
        scale=alt.Scale(
            domain=outcomes, range=[OUTCOME_COLOURS[i % len(OUTCOME_COLOURS)] for i in range(len(outcomes))]
        ),
        legend=alt.Legend(orient="bottom", columns=1, labelLimit=520),
    )
    x = alt.X("date:T", title="Date", axis=alt.Axis(format="%b %Y"))
    y = alt.Y("score:Q", title="Score (0 to 10; [gas] outcomes -2 to +2)")
    base = alt.Chart(frame)
    lines = base.mark_line(strokeWidth=2).encode(x=x, y=y, color=colour, detail="outcome:N")
    points = base.mark_point(filled=True, size=60).encode(
        x=x, y=y, color=colour, shape=alt.Shape("kind:N", title="Score", legend=alt.Legend(orient="bottom")),
        description=alt.Description("summary:N"), tooltip=[alt.Tooltip("summary:N", title="Score")],
    )  # fmt: skip
    targets = (
        frame.dropna(subset=["target"])
        .groupby("outcome", sort=False)
        .agg(start=("date", "min"), end=("date", "max"), target=("target", "first"))
        .reset_index()
    )
    targets["target_summary"] = [
        f"Target for {o}: {t:g}" for o, t in zip(targets["outcome"], targets["target"], strict=True)
    ]
    target_rules = (
        alt.Chart(targets)
        .mark_rule(strokeDash=[6, 4], strokeWidth=2)
        .encode(
            x="start:T",
            x2="end:T",
            y="target:Q",
            color=colour,
            description=alt.Description("target_summary:N"),
        )
    )
    return alt.layer(lines, target_rules, points).properties(title=title, width=560, height=260)


# --- Supervision and appraisal (issue 7): a child's outcomes use OUTCOME_COLOURS above ------------


def scores_frame(scores: pd.DataFrame) -> pd.DataFrame:
    """Return the rows :func:`scores_over_time` draws: one per score, with latest and child_order.

    ``latest`` marks each outcome's last score; ``child_order`` numbers the panels (labels in
    natural order: Child B before Child AA) and ``outcome_order`` the outcomes (Outcome 2 before
    10), so the chart sorts by a field, not by label text.
    """
    frame = scores.dropna(subset=["score"])[["child_label", "outcome_label", "date", "score"]].copy()
    frame["date"] = pd.to_datetime(frame["date"])
    frame["child_label"] = frame["child_label"].astype(str)
    frame["outcome_label"] = frame["outcome_label"].astype(str)
    frame["latest"] = False
    frame.loc[frame.groupby(["child_label", "outcome_label"]).tail(1).index, "latest"] = True
    order = sorted(frame["child_label"].unique(), key=lambda s: (len(s), s))
    positions = {label: i for i, label in enumerate(order)}
    frame["child_order"] = frame["child_label"].map(positions).astype("int64")
    outcome_positions = {label: i for i, label in enumerate(score_outcomes(frame))}
    frame["outcome_order"] = frame["outcome_label"].map(outcome_positions).astype("int64")
    return frame.reset_index(drop=True)


def score_outcomes(frame: pd.DataFrame) -> list[str]:
    """Return the outcome labels of a :func:`scores_frame`, in natural order (Outcome 2 before 10)."""
    return sorted(frame["outcome_label"].unique(), key=lambda s: (len(s), s))


#: Height of one child's row in the scores chart (pixels), and the gap kept between two rows.
SCORES_ROW_HEIGHT = 52
SCORES_ROW_PADDING = 0.25
#: The shade of a child's row (0 at its foot, 10 at its top), and what the chart says of it.
SCORES_ROW_SHADE = "#F2F2F2"
SCORES_SUBTITLE = "A row per child, shaded from 0 (its foot) to 10 (its top); a line per desired outcome."


def scores_over_time(scores: pd.DataFrame, title: str) -> alt.LayerChart:
    """Each child's outcome scores over time: one panel, a row per child, sharing one time axis.

    ``scores`` has child_label, outcome_label (Outcome 1, Outcome 2, ... within the child),
    date and score, in date order within each outcome (the baseline first). A line joins an
    outcome's scores; a dot marks its latest score. Scores are on a 0 to 10 footing, drawn
    within the child's row (0 at its foot, 10 at its top). Labels travel as data, and rows are
    sorted by a number, so no label text enters an expression. One view (not a panel per child:
    Vega lays out a facet of many panels slowly), lines and one dot per outcome keep the chart
    quick to draw and to redraw with another worker's rows.
    """
    return scores_layers(scores_frame(scores), title)


def scores_layers(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Return :func:`scores_over_time` drawn from its :func:`scores_frame`."""
    # The outcomes' order travels as data (a sort field), not as a domain in the spec: two
    # workers' charts then differ only in their rows, and Voila swaps the data in place.
    colour = alt.Color(
        "outcome_label:N",
        title="Desired outcome",
        sort=alt.EncodingSortField("outcome_order", op="min"),
        scale=alt.Scale(range=list(OUTCOME_COLOURS)),
        legend=alt.Legend(orient="top"),
    )
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount=6))
    y = alt.Y(
        "child_label:N",
        title=None,
        sort=alt.EncodingSortField("child_order", op="min"),
        scale=alt.Scale(paddingInner=SCORES_ROW_PADDING, paddingOuter=SCORES_ROW_PADDING / 2),
        axis=alt.Axis(labelFontWeight="bold", ticks=False, domain=False, labelPadding=6),
    )
    # Within a row, 10 at the top: the offset scale runs downwards, so its range is reversed.
    offset = alt.YOffset("score:Q", scale=alt.Scale(domain=[0, 10], reverse=True))
    base = alt.Chart().encode(x=x, y=y, yOffset=offset, color=colour, detail="child_label:N")
    lines = base.mark_line(strokeWidth=1.5)
    tooltip = [
        alt.Tooltip("child_label:N", title="Child"),
        alt.Tooltip("outcome_label:N", title="Outcome"),
        alt.Tooltip("date:T", title="Latest score on", format="%d %b %Y"),
        alt.Tooltip("score:Q", title="Score (0 to 10)"),
    ]
    latest = base.mark_point(size=30, filled=True, opacity=1).encode(tooltip=tooltip).transform_filter(
        alt.datum.latest
    )
    # Each row's 0 to 10 band, shaded (one per child): a bar with only y fills its band.
    rows = (
        alt.Chart()
        .mark_bar(color=SCORES_ROW_SHADE, height=alt.ExprRef("bandwidth('y')"), aria=False)
        .encode(y=y)
        .transform_aggregate(groupby=["child_label", "child_order"], scores="count()")
    )
    heading = alt.TitleParams(title, subtitle=SCORES_SUBTITLE, anchor="start")
    return alt.layer(rows, lines, latest, data=frame).properties(
        title=heading, width=560, height=alt.Step(SCORES_ROW_HEIGHT)
    )


# --- Distance travelled: how many went back, stayed the same, went up -------------------------

#: The directions of travel, worst first, and their colours (grey between the two palette colours).
SPREAD_COLOURS: dict[str, str] = {"went back": WORSENED, "stayed the same": "#6F6F6F", "went up": IMPROVED}


def distance_spread_chart(table: pd.DataFrame, title: str) -> alt.LayerChart:
    """One bar per direction of travel (went back, stayed the same, went up), labelled with its count.

    ``table`` has ``direction`` and ``shown``: the count as it may be shown (a number, or "c"
    where a shared page suppressed it; a suppressed count gets no bar, only its "c"). Used beside
    every mean distance travelled, so that no one reads the mean without how many went backwards.
    """
    order = list(SPREAD_COLOURS)
    frame = table[["direction", "shown"]].astype(str).copy()
    frame["count"] = pd.to_numeric(frame["shown"].str.replace(",", ""), errors="coerce")
    frame["label"] = frame["direction"].str.capitalize()
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", title=None, sort=[d.capitalize() for d in order], axis=alt.Axis(labelLimit=200)),
    )
    bars = base.mark_bar().encode(
        x=alt.X("count:Q", title="Desired outcomes (latest score against the baseline)"),
        color=alt.Color(
            "direction:N",
            scale=alt.Scale(domain=order, range=[SPREAD_COLOURS[d] for d in order]),
            legend=None,
        ),
        tooltip=[alt.Tooltip("label:N", title="Direction"), alt.Tooltip("shown:N", title="Outcomes")],
    )
    text = base.mark_text(align="left", dx=4, color=SERVICE_MARK).encode(x="count:Q", text="shown:N")
    text = text.transform_calculate(count="isValid(datum.count) ? datum.count : 0")
    return alt.layer(bars, text).properties(title=title, width=320, height=alt.Step(24))


# --- Shared packs (disclosure-controlled counts) ---------------------------------------------


def published_counts_chart(table: pd.DataFrame, title: str) -> alt.LayerChart:
    """Horizontal bars of counts as published, each labelled as shown ("c" where suppressed).

    ``table`` has ``label`` and ``shown`` (the count as published after disclosure control,
    for example by ``workbench.core.disclosure.suppress_with_total``). A suppressed count gets no
    bar, only its "c": the chart never carries a value the table beside it hides.
    """
    frame = table[["label", "shown"]].astype(str).copy()
    frame["count"] = pd.to_numeric(frame["shown"].str.replace(",", ""), errors="coerce")
    # Rows in the table's order (the labels are the workbench's own category names, not user text).
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", title=None, sort=frame["label"].tolist(), axis=alt.Axis(labelLimit=360)),
    )
    bars = base.mark_bar(color=IMPROVED).encode(
        x=alt.X("count:Q", title="Count (c: 1 to 5, or hidden so a total cannot reveal one)"),
        tooltip=[alt.Tooltip("label:N", title="What"), alt.Tooltip("shown:N", title="Count")],
    )
    text = base.mark_text(align="left", dx=4, color=SERVICE_MARK).encode(x="count:Q", text="shown:N")
    # A suppressed count has no bar; its "c" sits at zero.
    text = text.transform_calculate(count="isValid(datum.count) ? datum.count : 0")
    return alt.layer(bars, text).properties(title=title, width=420, height=alt.Step(26))


# --- Meetings where desired outcomes are agreed and reviewed ------------------------------------


def meeting_figures_chart(table: pd.DataFrame, title: str) -> alt.FacetChart:
    """Small multiples: one panel per figure (child took part, family came, ...), a bar per meeting type.

    ``table`` has ``meeting`` (the meeting type's label), ``what`` (the figure's words),
    ``value`` (a share), ``numerator`` and ``denominator``, and the order to draw in as
    ``meeting_order`` and ``what_order``. A meeting type with no meetings draws no bar (a
    share over nobody is empty, never 0%). Labels travel as data; no text enters an expression.
    """
    frame = table.dropna(subset=["value"]).copy()
    frame["summary"] = [
        f"{what}, {meeting}: {value:.0%} ({numerator:,.0f} of {denominator:,.0f})"
        for what, meeting, value, numerator, denominator in zip(
            frame["what"], frame["meeting"], frame["value"], frame["numerator"], frame["denominator"],
            strict=True,
        )
    ]  # fmt: skip
    bars = (
        alt.Chart()
        .mark_bar(color=IMPROVED)
        .encode(
            x=alt.X("value:Q", title="Share of meetings", scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format=".0%", tickCount=3)),
            y=alt.Y("meeting:N", title=None, sort=alt.EncodingSortField("meeting_order", op="min"),
                    axis=alt.Axis(labelLimit=260)),
            tooltip=[alt.Tooltip("summary:N", title="Figure")],
            description="summary:N",
        )
    )  # fmt: skip
    panel = alt.Facet(
        "what:N",
        title=None,
        sort=alt.EncodingSortField("what_order", op="min"),
        header=alt.Header(labelFontWeight="bold", labelLimit=260),
    )
    return (
        alt.layer(bars, data=frame)
        .properties(width=260, height=alt.Step(22))
        .facet(facet=panel, columns=3)
        .properties(title=title)
    )


#: Participation codes' colours: blues where the child took part (darkest speaking for
#: themselves), orange where they did not, greys where the code does not count (under 4, blank).
PARTICIPATION_COLOURS = {
    "PN1": "#08306B",
    "PN2": "#08519C",
    "PN3": "#2171B5",
    "PN4": "#4292C6",
    "PN5": "#6BAED6",
    "PN6": "#9ECAE1",
    "PN7": "#D55E00",
    "PN0": "#777777",
    "": "#BBBBBB",
}


def participation_chart(table: pd.DataFrame, title: str) -> alt.Chart:
    """One bar per meeting type, split by the child's participation code (shares of its meetings).

    ``table`` has ``meeting`` (label), ``meeting_order``, ``code`` (PN0 to PN7, "" for not
    recorded), ``legend`` (the code and its short words), ``code_order``, ``meetings`` and
    ``share``. Meeting types with no meetings draw nothing.
    """
    frame = table[table["meetings"] > 0].copy()
    frame["summary"] = [
        f"{meeting}: {legend}, {share:.0%} ({meetings:,} meeting{'' if meetings == 1 else 's'})"
        for meeting, legend, share, meetings in zip(
            frame["meeting"], frame["legend"], frame["share"], frame["meetings"], strict=True
        )
    ]
    present = [code for code in PARTICIPATION_COLOURS if code in set(frame["code"])]
    legends = frame.drop_duplicates("code").set_index("code")["legend"]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title="Share of meetings", stack="zero", scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format=".0%")),
            y=alt.Y("meeting:N", title=None, sort=alt.EncodingSortField("meeting_order", op="min"),
                    axis=alt.Axis(labelLimit=260)),
            color=alt.Color(
                "legend:N",
                title="The child's participation",
                sort=[legends[code] for code in present],
                scale=alt.Scale(domain=[legends[code] for code in present],
                                range=[PARTICIPATION_COLOURS[code] for code in present]),
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=320),
            ),
            order=alt.Order("code_order:Q"),
            tooltip=[alt.Tooltip("summary:N", title="Participation")],
            description="summary:N",
        )
        .properties(title=title, width=560, height=alt.Step(28))
    )  # fmt: skip
