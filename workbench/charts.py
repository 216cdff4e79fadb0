"""Altair charts as pure functions of already-aggregated DataFrames.

Notebooks, dashboards and published pages share these. Aggregate in pandas first (charts get
a handful of rows, never child-level data), and never build a Vega expression from text a
person typed: labels travel as data, which Vega escapes.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from workbench.codes import labels

# Colours chosen for contrast on white (WCAG AA for the bar against the background).
IMPROVED = "#1b6ca8"
WORSENED = "#b23a48"


SERVICE_MARK = "#222222"


def distance_by_domain(
    table: pd.DataFrame, title: str, service: pd.DataFrame | None = None
) -> alt.LayerChart:
    """Bar chart of mean distance travelled by outcome domain, with n beside each bar.

    ``table`` is the output of ``measures.distance_travelled(..., by="domain")``. When
    ``service`` (the same measure for the whole service) is given, a dark tick on each bar
    marks the service figure, so a locality or team reads against it.
    """
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
    columns = ["domain", "domain_label", "mean_distance", "outcomes", "direction", "n_label", "summary",
               "service_mean", "label_at", "service_summary"]  # fmt: skip
    frame = frame[columns]
    # Bars in data order, best first: sorting in pandas keeps labels out of the spec (they
    # travel only as data), and a field sort is dropped by Vega-Lite when layers are combined.
    frame = frame.sort_values(["mean_distance", "domain_label"], ascending=[False, True])
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
    if service is not None:
        ticks = base.mark_tick(color=SERVICE_MARK, thickness=3, size=22).encode(
            x=alt.X("service_mean:Q", title=x_title),
            description=alt.Description("service_summary:N"),
        )
        layers.append(ticks)
    return alt.layer(*layers).properties(title=title, width=520, height=alt.Step(26))
