"""A whole service dashboard: filters, a live status, and the views for its page.

Built from a :class:`workbench.pages.service.DashboardView` (the one place data, scope and
the choices offered come from), so a dashboard notebook is two lines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import ipywidgets as W

from widgets.dashboard_status import DashboardStatus
from widgets.data_date import DataDate
from widgets.disproportionality_view import DisproportionalityView
from widgets.distance_travelled_view import DistanceTravelledView
from widgets.filter_dropdown import ALL_LOCALITIES, ALL_TEAMS, LocalityFilter, TeamFilter
from widgets.filter_state import FilterState
from widgets.measure_trend_view import MeasureTrendView
from widgets.measures_by_group_view import MeasuresByGroupView
from widgets.meeting_outcomes_view import MeetingOutcomesView
from widgets.missing_note import MissingNote
from widgets.statutory_view import StatutoryView
from widgets.viewer import scope_caption, viewer_page
from workbench.measures.filters import data_day
from workbench.measures.service_data import ServiceData
from workbench.pages.service import DashboardView, dashboard_view, prepare_page
from workbench.store.engine import open_store

#: Whom each page is about, as the status line says it.
WHO = {
    "cla": "children looked after",
    "cp": "children on child protection plans",
    "eh_cin": "children with early help or child in need plans",
}


class ServiceDashboard(W.VBox):
    """The page for ``view.page``: the overview, or children looked after, CP, or early help and CIN.

    The as-at line comes first. With ``reopen`` (the page's view at another date, for the same
    viewer) its date picker looks back: the page is built again at the date chosen, keeping
    the filters chosen. Without it the line is shown and there is no picker.
    """

    def __init__(
        self,
        view: DashboardView,
        state: FilterState | None = None,
        reopen: Callable[[date], DashboardView] | None = None,
    ) -> None:
        self.reopen = reopen
        self.data_date = DataDate(view.store, view.at, picker=reopen is not None)
        self.data_date.observe(self._on_look_back, names="at")
        super().__init__()
        self._build(view, state or FilterState(scope=view.viewer))
        self.add_class("wb-service-dashboard")

    def _build(self, view: DashboardView, state: FilterState) -> None:
        self.view = view
        # The viewer's role scope also narrows the views that read the filter state directly.
        self.state = state
        overview = view.page.name == "overview"
        filters = [LocalityFilter(self.state, view.localities)]
        if not overview:
            filters.append(TeamFilter(self.state, view.teams))
        self.filters = W.HBox(filters)
        self.filters.add_class("wb-dashboard-filters")
        # Created before the views, so "Updating the figures…" reaches the browser first.
        self.status = DashboardStatus(self.state, self.describe)
        self.views: list[W.Widget] = []
        if overview:
            self.views.append(DistanceTravelledView(self.state, view.data, at=view.at))
        self.views += [
            MeasuresByGroupView(self.state, view),
            MeasureTrendView(self.state, view),
            DisproportionalityView(self.state, view),
        ]
        # Every page shows its meetings: where its desired outcomes are agreed and reviewed.
        self.views.append(MeetingOutcomesView(self.state, view))
        if not overview:
            self.views.append(StatutoryView(self.state, view))
        self.status.follow()
        heading = [scope_caption(view.viewer, view.data.teams)] if view.viewer is not None else []
        gaps = ["reviews", "meetings"] if overview else ["meetings", "reviews"]
        self.missing = MissingNote(view.store, [*gaps, "interventions"] if overview else gaps,
                                   plan_type=view.page.plan_type)  # fmt: skip
        self.children = [self.data_date, *heading, self.missing, self.filters, self.status, *self.views]

    def _on_look_back(self, change: dict) -> None:
        """Build the page again at the date chosen, for the same viewer, with the same filters."""
        if self.reopen is None or change["new"] == self.view.at:
            return
        view = self.reopen(change["new"])
        chosen = {name: getattr(self.state, name) for name in FilterState.NAMES}
        # A locality or team the page no longer offers at that date goes back to "all".
        if chosen.get("locality") not in (None, *view.localities):
            chosen["locality"] = None
        if chosen.get("team_id") not in (None, *(team for _, team in view.teams)):
            chosen["team_id"] = None
        # A fresh state: the old views (observing the old one) are let go with it.
        self._build(view, FilterState(scope=view.viewer, **chosen))

    def describe(self) -> str:
        """Say in words which children the page shows."""
        parts = [self.state.locality or ALL_LOCALITIES.lower()]
        if self.state.team_id:
            parts.append(self.view.team_name(self.state.team_id))
        elif self.view.page.name != "overview":
            parts.append(ALL_TEAMS.lower())
        what = WHO.get(self.view.page.name, "children")
        return f"{what} in {', '.join(parts)}, at {self.view.at:%d %B %Y}"


def service_dashboard_page(page: str) -> W.Widget:
    """Return the dashboard ``page`` as the viewer may see it, or the refusal when they cannot.

    The viewer comes from a trusted source only (``widgets.viewer.viewer_identity``); nothing
    on the page or in its URL can change who they are or widen what they see.
    """
    # The store is read first: with preheated kernels that happens before anyone opens the
    # page, and only then does the kernel wait for the viewer's request to learn who they are.
    data = ServiceData(open_store())
    # For everyone, at the data's date, so the viewer's own page only filters and sums.
    prepare_page(page, data, data_day(data.store))
    def page_for(viewer) -> ServiceDashboard:
        def reopen(day: date) -> DashboardView:
            return dashboard_view(page, at=day, identity=viewer, data=data)

        return ServiceDashboard(dashboard_view(page, identity=viewer, data=data), reopen=reopen)

    return viewer_page(page_for)
