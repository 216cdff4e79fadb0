"""Headline measures by locality or team: a chart against everyone in the view, and a table."""

from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd
import traitlets

from widgets.figure_table import count, figures_table, value_formatter, yes_no
from widgets.filter_state import FilterState
from widgets.offline import offline_chart
from workbench.measures.headline import MEASURES
from workbench.measures.words import plain_definition
from workbench.pages.service import DashboardView, ScopeError, measure_by
from workbench.render.charts import breakdown_frames, breakdown_has_intervals, breakdown_layers

GROUPINGS = {"locality": "Locality", "team_id": "Team"}


def measure_picker(view: DashboardView, value: str, css_class: str) -> W.Dropdown:
    """Return a dropdown of the page's headline measures."""
    picker = W.Dropdown(
        options=[(MEASURES[name].title, name) for name in view.page.measures],
        value=value,
        description="Measure",
        style={"description_width": "initial"},
        layout=W.Layout(width="420px"),
    )
    picker.add_class(css_class)
    return picker


class MeasuresByGroupView(W.VBox):
    """One measure by locality or team, each bar with its 95% interval, against everyone in the view.

    ``table`` holds the figures drawn (group, numerator, denominator, value, ...), so tests
    read exactly what the chart shows.
    """

    measure = traitlets.Unicode("clear")
    by = traitlets.Unicode("locality")

    def __init__(self, state: FilterState, view: DashboardView, measure: str = "clear") -> None:
        self.state = state
        self.view = view
        self.table = pd.DataFrame()
        self.heading = W.HTML("<h2>Measures by locality and team</h2>")
        self.measure_picker = measure_picker(view, measure, "wb-group-measure")
        self.by_picker = W.Dropdown(
            options=[(label, name) for name, label in GROUPINGS.items()],
            value=self.by,
            description="Compare",
            style={"description_width": "initial"},
        )
        self.by_picker.add_class("wb-group-by")
        self.measure = measure
        W.link((self.measure_picker, "value"), (self, "measure"))
        W.link((self.by_picker, "value"), (self, "by"))
        self.summary = W.HTML()
        self.summary.add_class("wb-group-summary")
        self.figures = W.HTML()
        self.figures.add_class("wb-group-table")
        self._compute()
        self.chart = offline_chart(self._chart(), "wb-group-chart")
        self._show_text()
        super().__init__(
            [self.heading, W.HBox([self.measure_picker, self.by_picker]), self.summary, self.chart,
             self.figures]
        )  # fmt: skip
        self.add_class("wb-measures-by-group")
        self.observe(self._refresh, names=["measure", "by"])
        state.observe(self._refresh, names=list(FilterState.NAMES))

    def _compute(self) -> None:
        try:
            self.table = measure_by(self.view, self.measure, self.by, self.state.filters())
        except ScopeError:
            self.table = pd.DataFrame()

    def _title(self) -> str:
        return f"{MEASURES[self.measure].title} by {GROUPINGS[self.by].lower()}, at {self.view.at:%d %B %Y}"

    def _frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        label = GROUPINGS[self.by]
        table = self.table.rename(columns={"group": label}) if not self.table.empty else pd.DataFrame(
            columns=[label, "value", "numerator", "denominator", "gap", "small", "ci_low", "ci_high",
                     "service_value"]
        )  # fmt: skip
        return breakdown_frames(table, label)

    def _chart(self, frames: tuple[pd.DataFrame, pd.DataFrame] | None = None):
        bars, service = frames or self._frames()
        unit = MEASURES[self.measure].unit
        chart = breakdown_layers(bars, service, GROUPINGS[self.by], self._title(), unit)
        return chart.properties(description=f"Bar chart: {self._title()}. The table below gives each figure.")

    def _draw(self) -> None:
        """Draw the chart anew, or swap the new figures into the one drawn when only they changed."""
        frames = self._frames()
        unit = MEASURES[self.measure].unit
        shape = ("breakdown", self.by, self._title(), unit, breakdown_has_intervals(frames[0], unit))
        self.chart.show(shape, frames, lambda: self._chart(frames))

    def _show_text(self) -> None:
        unit = MEASURES[self.measure].unit
        fmt = value_formatter(unit)
        chosen = html.escape(plain_definition(self.measure, self.view.at))
        if self.table.empty:
            self.summary.value = f"<p>{chosen}</p><p>Nobody in this view is counted by this measure.</p>"
            self.figures.value = ""
            return
        everyone = fmt(self.table["service_value"].iloc[0])
        self.summary.value = (
            f"<p>{chosen}</p><p>Everyone in this view: <strong>{html.escape(everyone)}</strong> "
            "(the dashed orange line). Each bar is a "
            f"{html.escape(GROUPINGS[self.by].lower())}; the black line across a bar is its 95% interval, "
            "and a faint bar counts fewer than 20.</p>"
        )
        if len(self.table) == 1 and self.by == "locality":
            self.summary.value += "<p>One locality is chosen: compare by team to see the teams in it.</p>"
        columns = {
            "group": (GROUPINGS[self.by], None),
            "numerator": ("Numerator", count),
            "denominator": ("Denominator", count),
            "value": ("Value", fmt),
            "ci_low": ("95% interval from", fmt),
            "ci_high": ("95% interval to", fmt),
            "small": ("Fewer than 20", yes_no),
        }
        if self.measure == "distance_travelled":  # the mean's spread: never the mean alone
            columns |= {d: (d.capitalize(), count) for d in ("went back", "stayed the same", "went up")}
        self.figures.value = figures_table(self.table, columns, self._title())

    def _refresh(self, _change: dict) -> None:
        self._compute()
        self._draw()  # in place: re-displaying into an Output is slow in Voila
        self._show_text()
