"""Disproportionality: a measure by age band, sex, ethnicity or disability against everyone in the view."""

from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd
import traitlets

from widgets.figure_table import count, figures_table, value_formatter, yes_no
from widgets.filter_state import FilterState
from widgets.measures_by_group_view import measure_picker
from widgets.offline import offline_chart
from workbench.measures.headline import MEASURES
from workbench.pages.service import (
    CHARACTERISTICS,
    DashboardView,
    ScopeError,
    disproportionality,
    disproportionality_summary,
)
from workbench.render.charts import breakdown_chart


class DisproportionalityView(W.VBox):
    """Each group's figure with its 95% interval beside everyone's; small groups flagged, not over-read.

    ``table`` holds the figures drawn.
    """

    measure = traitlets.Unicode("reviewed")
    characteristic = traitlets.Unicode("ethnicity")

    def __init__(self, state: FilterState, view: DashboardView, measure: str = "reviewed") -> None:
        self.state = state
        self.view = view
        self.table = pd.DataFrame()
        self.heading = W.HTML("<h2>Disproportionality: who fares worse?</h2>")
        self.measure_picker = measure_picker(view, measure, "wb-dispro-measure")
        self.measure = measure
        self.characteristic_picker = W.Dropdown(
            options=[(label, name) for name, label in CHARACTERISTICS.items()],
            value=self.characteristic,
            description="Children by",
            style={"description_width": "initial"},
        )
        self.characteristic_picker.add_class("wb-dispro-characteristic")
        W.link((self.measure_picker, "value"), (self, "measure"))
        W.link((self.characteristic_picker, "value"), (self, "characteristic"))
        self.summary = W.HTML()
        self.summary.add_class("wb-dispro-summary")
        self.figures = W.HTML()
        self.figures.add_class("wb-dispro-table")
        self._compute()
        self.chart = offline_chart(self._chart(), "wb-dispro-chart")
        self._show_text()
        super().__init__(
            [self.heading, W.HBox([self.measure_picker, self.characteristic_picker]), self.summary,
             self.chart, self.figures]
        )  # fmt: skip
        self.add_class("wb-disproportionality")
        self.observe(self._refresh, names=["measure", "characteristic"])
        state.observe(self._refresh, names=list(FilterState.NAMES))

    def _label(self) -> str:
        return CHARACTERISTICS[self.characteristic]

    def _compute(self) -> None:
        try:
            chosen = self.state.filters()
            self.table = disproportionality(self.view, self.measure, self.characteristic, chosen)
        except ScopeError:
            self.table = pd.DataFrame()

    def _title(self) -> str:
        return f"{MEASURES[self.measure].title} by {self._label().lower()}, at {self.view.at:%d %B %Y}"

    def _chart(self):
        label = self._label()
        table = self.table.rename(columns={"group": label}) if not self.table.empty else pd.DataFrame(
            columns=[label, "value", "numerator", "denominator", "gap", "small", "ci_low", "ci_high",
                     "service_value"]
        )  # fmt: skip
        chart = breakdown_chart(table, label, self._title(), MEASURES[self.measure].unit)
        return chart.properties(description=f"Bar chart: {self._title()}. The table below gives each figure.")

    def _show_text(self) -> None:
        unit = MEASURES[self.measure].unit
        fmt = value_formatter(unit)
        text = disproportionality_summary(self.table, unit)
        self.summary.value = (
            f"<p>{html.escape(text)}</p><p>Groups are sorted with the lowest figure first. "
            "A faint bar counts fewer than 20: one child moves its figure a lot, so read it with care.</p>"
        )
        if self.table.empty:
            self.figures.value = ""
            return
        columns = {
            "group": (self._label(), None),
            "numerator": ("Numerator", count),
            "denominator": ("Denominator", count),
            "value": ("Value", fmt),
            "ci_low": ("95% interval from", fmt),
            "ci_high": ("95% interval to", fmt),
            "gap": ("Gap to everyone", fmt),
            "small": ("Fewer than 20", yes_no),
            "notable": ("Differs beyond chance", yes_no),
        }
        self.figures.value = figures_table(self.table, columns, self._title())

    def _refresh(self, _change: dict) -> None:
        self._compute()
        self.chart.chart = self._chart()
        self._show_text()
