"""Desired outcomes in the meetings where they are agreed and reviewed, by meeting type.

Two charts, each with its table beside it (the text alternative, numerator and denominator
included): the share of each meeting type's meetings where the child took part, the family and
the wider family came, and desired outcomes were agreed and scored; and the child's
participation by code.
"""

from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd

from widgets.figure_table import count, figures_table, share
from widgets.filter_state import FilterState
from widgets.offline import offline_chart
from workbench.core.codes import labels
from workbench.pages.service import (
    MEETING_FIGURES,
    PARTICIPATION_ORDER,
    DashboardView,
    ScopeError,
    meeting_outcomes,
    participation_by_code,
)
from workbench.render.charts import meeting_figures_chart, participation_chart

#: The figures drawn as small multiples: shares of meetings (the outcome-quality shares, over
#: outcomes rather than meetings, are in the table only).
CHARTED = ("took_part", "family_attended", "wider_family_attended", "agreed", "scored")

FIGURE_COLUMNS = ["meeting_type", "figure", "numerator", "denominator", "value"]
PARTICIPATION_COLUMNS = ["meeting_type", "code", "label", "legend", "took_part", "meetings", "share"]


def _folded(summary: str, table: str) -> str:
    """Return a table folded under a line that opens it: the charts come first, the figures a click away."""
    return f"<details><summary>{html.escape(summary)}</summary>{table}</details>"


class MeetingOutcomesView(W.VBox):
    """Each of the page's meeting types in the year to D: who took part, outcomes agreed and scored.

    ``table`` holds the figures shown (meeting_type, figure, numerator, denominator, value);
    ``participation`` the meetings by participation code (meeting_type, code, meetings, share).
    """

    def __init__(self, state: FilterState, view: DashboardView) -> None:
        self.state = state
        self.view = view
        self.table = pd.DataFrame(columns=FIGURE_COLUMNS)
        self.participation = pd.DataFrame(columns=PARTICIPATION_COLUMNS)
        kinds = labels("meeting_types")
        names = ", ".join(kinds.get(t, t) for t in view.page.meeting_types)
        self.heading = W.HTML(
            f"<h2>Outcomes in meetings</h2><p>{html.escape(names)}, in the year to {view.at:%d %B %Y}: "
            "whether the child took part, whether the family and the wider family network came, whether "
            "desired outcomes were agreed and scored at the meeting, and how good the outcomes agreed "
            "there are. Each bar is a share of that meeting type's meetings; the tables give every "
            "figure with its numerator and denominator.</p>"
        )
        self.summary = W.HTML()
        self.summary.add_class("wb-meetings-summary")
        self.figures = W.HTML()
        self.figures.add_class("wb-meetings-table")
        self.participation_table = W.HTML()
        self.participation_table.add_class("wb-participation-table")
        self._compute()
        self.chart = offline_chart(self._figures_chart(), "wb-meetings-chart")
        self.participation_chart = offline_chart(self._participation_chart(), "wb-participation-chart")
        self._show_text()
        participation_heading = W.HTML(
            "<h3>The child's participation</h3><p>How the child took part in each meeting, by the "
            "participation code recorded (PN1 to PN7; PN0 is a child under 4).</p>"
        )
        super().__init__(
            [self.heading, self.summary, self.chart, self.figures, participation_heading,
             self.participation_chart, self.participation_table]
        )  # fmt: skip
        self.add_class("wb-meeting-outcomes")
        state.observe(self._refresh, names=list(FilterState.NAMES))

    def _compute(self) -> None:
        try:
            filters = self.state.filters()
            self.table = meeting_outcomes(self.view, filters)
            self.participation = participation_by_code(self.view, filters)
        except ScopeError:
            self.table = pd.DataFrame(columns=FIGURE_COLUMNS)
            self.participation = pd.DataFrame(columns=PARTICIPATION_COLUMNS)

    def _title(self, what: str) -> str:
        return f"{what}, year to {self.view.at:%d %B %Y}"

    def _labelled(self) -> pd.DataFrame:
        kinds = labels("meeting_types")
        order = {t: i for i, t in enumerate(self.view.page.meeting_types)}
        figure_order = {name: i for i, name in enumerate(MEETING_FIGURES)}
        return self.table.assign(
            meeting=self.table["meeting_type"].map(lambda t: kinds.get(t, t)),
            meeting_order=self.table["meeting_type"].map(order),
            what=self.table["figure"].map(MEETING_FIGURES),
            what_order=self.table["figure"].map(figure_order),
        )

    def _figures_chart(self):
        shown = self._labelled()
        shown = shown[shown["figure"].isin(CHARTED)]
        title = self._title("Meetings where desired outcomes are agreed and reviewed")
        return meeting_figures_chart(shown, title).properties(
            description=f"Bar charts: {title}, one panel per figure, a bar per meeting type. "
            "The table below gives each figure."
        )

    def _participation_chart(self):
        kinds = labels("meeting_types")
        order = {t: i for i, t in enumerate(self.view.page.meeting_types)}
        code_order = {code: i for i, code in enumerate(PARTICIPATION_ORDER)}
        frame = self.participation.assign(
            meeting=self.participation["meeting_type"].map(lambda t: kinds.get(t, t)),
            meeting_order=self.participation["meeting_type"].map(order),
            code_order=self.participation["code"].map(code_order),
        )
        title = self._title("The child's participation in meetings")
        return participation_chart(frame, title).properties(
            description=f"Stacked bar chart: {title}, a bar per meeting type split by participation code. "
            "The table below gives each count."
        )

    def _show_text(self) -> None:
        table = self.table
        meetings = table[table["figure"] == "family_attended"]["denominator"].sum() if not table.empty else 0
        if not meetings:
            self.summary.value = "<p>No meetings of these types in the year for the children in this view</p>"
        else:
            wider = table[table["figure"] == "wider_family_attended"]
            came = wider["numerator"].sum()
            self.summary.value = (
                f"<p>{meetings:,} meetings in the year. The wider family network came to {came:,} of them "
                f"({came / meetings:.0%}).</p>"
            )
        kinds = labels("meeting_types")
        # One row per figure, one column per meeting type: "98 of 114 (86.0%)".
        labelled = self._labelled()
        labelled["cell"] = [
            f"{count(n)} of {count(d)}" + (f" ({share(v)})" if d else "")
            for n, d, v in zip(labelled["numerator"], labelled["denominator"], labelled["value"], strict=True)
        ]
        wide = labelled.pivot(index="figure", columns="meeting_type", values="cell").reindex(
            [name for name in MEETING_FIGURES if name in set(labelled["figure"])]
        )
        wide.insert(0, "what", wide.index.map(MEETING_FIGURES))
        columns = {"what": ("Figure", None)} | {
            t: (kinds.get(t, t), str) for t in self.view.page.meeting_types if t in wide.columns
        }
        self.figures.value = _folded(
            "The figures in a table, with numerators and denominators",
            figures_table(wide, columns, self._title("Meetings and desired outcomes")),
        )
        # One row per participation code, one column per meeting type: "36 (24.0%)".
        shown = self.participation.assign(
            cell=[f"{count(m)} ({share(v)})" if m else "0" for m, v in
                  zip(self.participation["meetings"], self.participation["share"], strict=True)]
        )  # fmt: skip
        wide = shown.pivot(index="code", columns="meeting_type", values="cell").reindex(
            [code for code in PARTICIPATION_ORDER if code in set(shown["code"])]
        )
        words = shown.drop_duplicates("code").set_index("code")["label"]
        wide.insert(0, "label", wide.index.map(words))
        columns = {"label": ("Participation code", None)} | {
            t: (kinds.get(t, t), str) for t in self.view.page.meeting_types if t in wide.columns
        }
        self.participation_table.value = _folded(
            "The participation codes in a table, with the number of meetings",
            figures_table(wide, columns, self._title("The child's participation in meetings")),
        )

    def _refresh(self, _change: dict) -> None:
        self._compute()
        self.chart.chart = self._figures_chart()  # in place: re-displaying into an Output is slow
        self.participation_chart.chart = self._participation_chart()
        self._show_text()
