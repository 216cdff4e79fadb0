"""Service-level figures: from the statutory returns where imported, and repeat plans from the extract.

When no statutory return has been imported the page says so plainly, and names the command
that imports them, instead of showing empty figures.
"""

from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd

from widgets.figure_table import count, figures_table, share
from widgets.filter_state import FilterState
from workbench.pages.service import DashboardView, ScopeError, repeat_plans, statutory_figures

NO_RETURNS = (
    "No statutory returns have been imported into this store, so placement stability, review "
    "participation (SSDA903), repeat child protection plans and re-referrals (CIN census) are not shown. "
    "A data officer imports them with: workbench import ssda903 FILES… or workbench import cin FILES…. "
    "The figures below come from the outcome extract."
)

REPEAT_TITLES = {
    "cla": "Care plans started in the year that are a second or later care plan",
    "cp": "Child protection plans started in the year that are a second or later plan",
    "eh_cin": "Early help and child in need plans started in the year that are a repeat of their type",
}


class StatutoryView(W.VBox):
    """Statutory figures for the whole service (or a plain notice), and repeat plans from the extract.

    ``statutory`` and ``repeats`` hold the figures shown.
    """

    def __init__(self, state: FilterState, view: DashboardView) -> None:
        self.state = state
        self.view = view
        self.statutory = statutory_figures(view)
        self.repeats = pd.DataFrame()
        self.repeat_title = REPEAT_TITLES.get(view.page.name, "Second or later plans")
        self.heading = W.HTML("<h2>Stability, participation and repeat plans</h2>")
        self.notice = W.HTML()
        self.notice.add_class("wb-statutory")
        if view.statutory:
            columns = {
                "title": ("Figure (statutory returns)", None),
                "numerator": ("Numerator", count),
                "denominator": ("Denominator", count),
                "value": ("Share", share),
            }
            table = figures_table(
                self.statutory, columns, f"From the statutory returns imported, at {view.at:%d %B %Y}"
            )
            self.notice.value = (
                "<p>From the statutory returns imported (SSDA903, CIN census), for the whole service: the "
                "locality and team filters do not apply to them. Lower is better for placement moves, "
                f"repeat plans and re-referrals.</p>{table}"
            )
        else:
            self.notice.value = f"<p><strong>{html.escape(NO_RETURNS)}</strong></p>"
        self.repeat = W.HTML()
        self.repeat.add_class("wb-repeat-plans")
        self._refresh({})
        super().__init__([self.heading, self.notice, self.repeat])
        self.add_class("wb-statutory-view")
        state.observe(self._refresh, names=list(FilterState.NAMES))

    def _refresh(self, _change: dict) -> None:
        try:
            self.repeats = repeat_plans(self.view, self.state.filters())
        except ScopeError:
            self.repeats = pd.DataFrame({"numerator": [0], "denominator": [0], "value": [float("nan")]})
        shown = self.repeats.assign(what=self.repeat_title)
        columns = {
            "what": ("Figure (outcome extract)", None),
            "numerator": ("Numerator", count),
            "denominator": ("Denominator", count),
            "value": ("Share", share),
        }
        self.repeat.value = (
            "<p>From the outcome extract: of the children's plans that started in the year to "
            f"{self.view.at:%d %B %Y}, the share that are a second or later plan of the same type for the "
            "child. These follow the filters.</p>"
            + figures_table(shown, columns, "Repeat plans (outcome extract)")
        )
