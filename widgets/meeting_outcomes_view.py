"""Desired outcomes in the meetings where they are agreed and reviewed: a table by meeting type."""

from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd

from widgets.figure_table import count, figures_table, share
from widgets.filter_state import FilterState
from workbench.core.codes import labels
from workbench.pages.service import MEETING_FIGURES, DashboardView, ScopeError, meeting_outcomes


class MeetingOutcomesView(W.VBox):
    """Each of the page's meeting types in the year to D: who took part, outcomes agreed and scored.

    ``table`` holds the figures shown (meeting_type, figure, numerator, denominator, value).
    """

    def __init__(self, state: FilterState, view: DashboardView) -> None:
        self.state = state
        self.view = view
        self.table = pd.DataFrame()
        kinds = labels("meeting_types")
        names = ", ".join(kinds.get(t, t) for t in view.page.meeting_types)
        self.heading = W.HTML(
            f"<h2>Outcomes in meetings</h2><p>{html.escape(names)}, in the year to {view.at:%d %B %Y}: "
            "whether the child took part and the family came, whether desired outcomes were scored at the "
            "meeting, and how good the outcomes agreed there are.</p>"
        )
        self.figures = W.HTML()
        self.figures.add_class("wb-meetings-table")
        self._refresh({})
        super().__init__([self.heading, self.figures])
        self.add_class("wb-meeting-outcomes")
        state.observe(self._refresh, names=list(FilterState.NAMES))

    def _refresh(self, _change: dict) -> None:
        try:
            self.table = meeting_outcomes(self.view, self.state.filters())
        except ScopeError:
            self.table = pd.DataFrame(columns=["meeting_type", "figure", "numerator", "denominator", "value"])
        kinds = labels("meeting_types")
        shown = self.table.assign(
            meeting=self.table["meeting_type"].map(lambda t: kinds.get(t, t)),
            what=self.table["figure"].map(MEETING_FIGURES),
        )
        columns = {
            "meeting": ("Meeting", None),
            "what": ("Figure", None),
            "numerator": ("Numerator", count),
            "denominator": ("Denominator", count),
            "value": ("Share", share),
        }
        self.figures.value = figures_table(
            shown, columns, f"Meetings and desired outcomes, year to {self.view.at:%d %B %Y}"
        )
