"""Reusable ipywidgets components built on ``workbench``, one component to a module."""

from widgets.appraisal_view import AppraisalView
from widgets.audit_actions import AuditActions
from widgets.audit_dashboard import AuditDashboard
from widgets.audit_findings_view import AuditFindingsView
from widgets.audit_form import AuditForm
from widgets.audit_moderation import ModerationForm
from widgets.audit_sample import AuditSamplePanel
from widgets.distance_travelled_view import DistanceTravelledView
from widgets.filter_dropdown import LocalityFilter
from widgets.filter_state import FilterState
from widgets.offline import enable_offline_charts, offline_chart
from widgets.service_dashboard import ServiceDashboard
from widgets.supervision_view import SupervisionView
from widgets.team_filters import TeamFilters
from widgets.team_lead_view import TeamLeadView
from widgets.viewer import quiet_tracebacks, refusal, scope_caption, viewer_identity, viewer_page

__all__ = [
    "AppraisalView",
    "AuditActions",
    "AuditDashboard",
    "AuditFindingsView",
    "AuditForm",
    "AuditSamplePanel",
    "DistanceTravelledView",
    "FilterState",
    "LocalityFilter",
    "ModerationForm",
    "ServiceDashboard",
    "SupervisionView",
    "TeamFilters",
    "TeamLeadView",
    "enable_offline_charts",
    "offline_chart",
    "refusal",
    "scope_caption",
    "viewer_identity",
    "viewer_page",
]

quiet_tracebacks()  # every dashboard imports this package first
