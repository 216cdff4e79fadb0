"""A measure over the financial years to D: turn the curve, with control limits, and a table."""

from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd
import traitlets

from widgets.figure_table import count, figures_table, value_formatter
from widgets.filter_state import FilterState
from widgets.improvement_plan_editor import ImprovementPlanEditor, parse_target
from widgets.measures_by_group_view import measure_picker
from widgets.offline import offline_chart
from workbench.measures.distance import DIRECTIONS
from workbench.measures.headline import MEASURES
from workbench.measures.trends import turn_the_curve
from workbench.pages.service import DashboardView, ScopeError, measure_trend
from workbench.practice.improvement_plans import population_of
from workbench.render.charts import turn_the_curve_chart


class MeasureTrendView(W.VBox):
    """Turn-the-curve for one measure: what happened, if nothing changes, and the target.

    ``trend`` holds the periods drawn (period, numerator, denominator, value, limits, signal).
    """

    measure = traitlets.Unicode("reviewed")
    target = traitlets.Float(None, allow_none=True)

    def __init__(self, state: FilterState, view: DashboardView, measure: str = "reviewed") -> None:
        self.state = state
        self.view = view
        self.trend = pd.DataFrame()
        self.heading = W.HTML("<h2>Trends: turn the curve</h2>")
        self.measure_picker = measure_picker(view, measure, "wb-trend-measure")
        self.measure = measure
        W.link((self.measure_picker, "value"), (self, "measure"))
        self.target_box = W.Text(
            placeholder="e.g. 70% or 2.5",
            description="Target",
            style={"description_width": "initial"},
            layout=W.Layout(width="240px"),
        )
        self.target_box.add_class("wb-trend-target")
        self.target_box.observe(self._on_target_text, names="value")
        self.summary = W.HTML()
        self.summary.add_class("wb-trend-summary")
        self.figures = W.HTML()
        self.figures.add_class("wb-trend-table")
        # The service overview keeps each measure's improvement plan; its kept target is typed in
        # the target box now, so the first chart draws it.
        self.plan = None
        if view.page.name == "overview":
            identity = view.viewer.identity if view.viewer is not None else None
            self.plan = ImprovementPlanEditor(
                view.store, identity, measure, population_of(state.locality), target_box=self.target_box
            )
        self._compute()
        self.chart = offline_chart(self._chart(), "wb-trend-chart")
        self._show_text()
        super().__init__(
            [self.heading, W.HBox([self.measure_picker, self.target_box]), self.summary, self.chart,
             self.figures, *([self.plan] if self.plan is not None else [])]
        )  # fmt: skip
        self.add_class("wb-measure-trend")
        self.observe(self._refresh, names=["measure", "target"])
        state.observe(self._refresh, names=list(FilterState.NAMES))
        if self.plan is not None:
            W.dlink((self, "measure"), (self.plan, "subject"))
            W.dlink((state, "locality"), (self.plan, "population"), transform=population_of)

    def _compute(self) -> None:
        try:
            self.trend = measure_trend(self.view, self.measure, self.state.filters())
        except ScopeError:
            self.trend = pd.DataFrame(columns=["period", "period_end", "numerator", "denominator", "value"])

    def _title(self) -> str:
        return f"{MEASURES[self.measure].title}, each financial year to {self.view.at:%B %Y}"

    def _chart(self):
        unit = MEASURES[self.measure].unit
        curve = turn_the_curve(self.trend, target=self.target, unit=unit)
        chart = turn_the_curve_chart(curve, self._title(), unit, limits=self.trend)
        return chart.properties(description=f"Line chart: {self._title()}. The table below gives every year.")

    def _show_text(self) -> None:
        unit = MEASURES[self.measure].unit
        fmt = value_formatter(unit)
        shown = self.trend.dropna(subset=["value"])
        if shown.empty:
            self.summary.value = "<p>Nobody in this view is counted by this measure in these years.</p>"
            self.figures.value = ""
            return
        first, last = shown.iloc[0], shown.iloc[-1]
        signals = shown[shown["signal"] != ""]
        signal_text = (
            f"{len(signals)} of {len(shown)} years show a signal (ringed), so the change there is unlikely "
            "to be noise."
            if not signals.empty
            else "No year shows a signal: the ups and downs are within what noise explains."
        )
        self.summary.value = (
            f"<p>From <strong>{html.escape(fmt(first['value']))}</strong> "
            f"in {html.escape(str(first['period']))} "
            f"to <strong>{html.escape(fmt(last['value']))}</strong> in {html.escape(str(last['period']))} "
            f"({count(last['numerator'])} of {count(last['denominator'])}). The dashed orange line is where "
            f"the curve goes if nothing changes. {html.escape(signal_text)} Type a target to draw it.</p>"
        )
        if self.measure == "distance_travelled":  # the mean's spread: never the mean alone
            went = ", ".join(f"{count(last[d])} {d}" for d in reversed(DIRECTIONS))
            self.summary.value += (
                f"<p class='wb-trend-spread'>Behind the mean in {html.escape(str(last['period']))}: {went}. "
                "The table gives how many went which way in every year.</p>"
            )
        columns = {
            "period": ("Financial year", None),
            "numerator": ("Numerator", count),
            "denominator": ("Denominator", count),
            "value": ("Value", fmt),
            "signal": ("Signal", None),
        }
        if self.measure == "distance_travelled":
            columns |= {d: (d.capitalize(), count) for d in DIRECTIONS}
        self.figures.value = figures_table(shown, columns, self._title())

    def _on_target_text(self, change: dict) -> None:
        try:
            self.target = parse_target(change["new"], MEASURES[self.measure].unit)
        except ValueError as error:
            self.summary.value = f"<p>{html.escape(str(error))}</p>"

    def _refresh(self, _change: dict) -> None:
        self._compute()
        self.chart.chart = self._chart()
        self._show_text()
