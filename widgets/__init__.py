"""Reusable ipywidgets components built on ``workbench``, one component to a module."""

from widgets.distance_travelled_view import DistanceTravelledView
from widgets.filter_state import FilterState
from widgets.locality_filter import LocalityFilter
from widgets.offline import enable_offline_charts, offline_chart

__all__ = [
    "DistanceTravelledView",
    "FilterState",
    "LocalityFilter",
    "enable_offline_charts",
    "offline_chart",
]

from widgets.team_filters import TeamFilters
from widgets.team_lead_view import TeamLeadView
from widgets.viewer import refusal, scope_caption, viewer_identity

__all__ += ["TeamFilters", "TeamLeadView", "refusal", "scope_caption", "viewer_identity"]
