"""Reusable ipywidgets components built on ``workbench``, one component to a module."""

from widgets.distance_travelled_view import DistanceTravelledView
from widgets.filter_state import FilterState
from widgets.locality_filter import LocalityFilter
from widgets.offline import enable_offline_charts, offline_chart
from widgets.service_dashboard import ServiceDashboard

__all__ = [
    "DistanceTravelledView",
    "FilterState",
    "LocalityFilter",
    "ServiceDashboard",
    "enable_offline_charts",
    "offline_chart",
]
