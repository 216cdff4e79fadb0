"""Distance travelled by outcome domain: a chart and a plain-English caption that follow the filters."""

from __future__ import annotations

import html
from datetime import date

import ipywidgets as W
import pandas as pd

from widgets.filter_state import FilterState
from widgets.offline import offline_chart
from workbench.measures.filters import Filters, data_day
from workbench.measures.headline import distance_travelled
from workbench.measures.service_data import ServiceData
from workbench.render.charts import distance_by_domain


class DistanceTravelledView(W.VBox):
    """Mean distance travelled by domain at ``at`` for the children the filters choose.

    ``table`` holds the figures drawn (domain, numerator, denominator, value), so tests and
    notebooks can read exactly what the chart shows.
    """

    def __init__(self, state: FilterState, data: ServiceData, at: date | None = None) -> None:
        self.state = state
        self.data = data
        self.at = at = data_day(data.store, at)  # the data's date unless a reader looks back
        self.caption = W.HTML()
        self.caption.add_class("wb-distance-caption")
        self.table = pd.DataFrame()
        self.overall = pd.DataFrame()
        # The whole-service figures are fixed for the page: computed once, shown as ticks.
        self.service_table = distance_travelled(data, at, Filters(), by="domain")
        self.service_overall = distance_travelled(data, at, Filters(), by=None)
        self._refresh_tables()
        self.chart = offline_chart(self._chart(), "wb-distance-chart")
        super().__init__([self.caption, self.chart])
        self.add_class("wb-distance-travelled")
        self._show_caption()
        state.observe(self._on_filters, names=list(FilterState.NAMES))

    def _filtered(self) -> bool:
        return bool(self.state.filters().active())

    def _chart(self):
        # The service ticks are always drawn (with no filter they sit at the bars' ends), so the
        # chart keeps its shape and a filter change only swaps the figures in the browser.
        return distance_by_domain(self.table, self._title(), service=self.service_table)

    def _who(self) -> str:
        return self.state.locality or "All localities"

    def _title(self) -> str:
        # Who is named in the caption above, not here: a title that follows the filters would
        # make every filter change draw a new chart rather than swap in the new figures.
        return f"Distance travelled by domain, at {self.at:%d %B %Y}"

    def _refresh_tables(self) -> None:
        filters = self.state.filters()
        self.table = distance_travelled(self.data, self.at, filters, by="domain")
        self.overall = distance_travelled(self.data, self.at, filters, by=None)

    def _show_caption(self) -> None:
        counted = int(self.overall["denominator"].iloc[0])
        mean = self.overall["value"].iloc[0]
        who = html.escape(self._who())
        if counted == 0:
            text = f"<p><strong>{who}</strong>: no outcomes with a baseline and a scored review to count.</p>"
        else:
            text = (
                f"<p><strong>{who}</strong>: {counted:,} desired outcomes counted. On average their "
                f"latest score is <strong>{mean:+.1f}</strong> points from the baseline on the 0 to 10 "
                "scale. Longer bars to the right mean more progress; <em>n</em> is the number "
                "of outcomes.</p>"
            )
        if self._filtered():
            service_mean = self.service_overall["value"].iloc[0]
            text += (
                f"<p>The whole service: <strong>{service_mean:+.1f}</strong>. The dark tick on each bar "
                "marks the whole service in that domain.</p>"
            )
        self.caption.value = text

    def _on_filters(self, _change: dict) -> None:
        self._refresh_tables()
        # Update the chart in place: re-displaying into an Output is slow in Voila.
        self.chart.chart = self._chart()
        self._show_caption()
