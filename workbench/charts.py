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


def distance_by_domain(table: pd.DataFrame, title: str) -> alt.LayerChart:
    """Bar chart of mean distance travelled by outcome domain, with n beside each bar.

    ``table`` is the output of ``measures.distance_travelled(..., by="domain")``.
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
    frame = frame[["domain", "domain_label", "mean_distance", "outcomes", "direction", "n_label", "summary"]]
    order = frame.sort_values("mean_distance", ascending=False)["domain_label"].tolist()
    y = alt.Y("domain_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    base = alt.Chart(frame).encode(y=y)
    bars = base.mark_bar().encode(
        x=alt.X("mean_distance:Q", title="Mean distance travelled (points on the 0-10 scale)"),
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
    counts = base.mark_text(align="left", dx=4, color="#333", aria=False).encode(
        x=alt.X("mean_distance:Q"),
        text=alt.Text("n_label:N"),
    )
    return (bars + counts).properties(title=title, width=520, height=alt.Step(26))
