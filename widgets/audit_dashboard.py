"""The auditors' dashboard: audit a case, moderate, findings, actions and sampling, kept in step.

Every tab shares one scope, the viewer's (``workbench.practice.audits.scoping``): the cases, audits and
actions it offers, counts and accepts are those of children the viewer's role lets them see.
"""

from __future__ import annotations

from datetime import date

import ipywidgets as W

from widgets.audit_actions import AuditActions
from widgets.audit_findings_view import AuditFindingsView
from widgets.audit_form import AuditForm
from widgets.audit_moderation import ModerationForm
from widgets.audit_sample import AuditSamplePanel
from workbench.access import Scope
from workbench.practice.audits.casefile import data_end
from workbench.practice.audits.sampling import round_assignments
from workbench.practice.audits.scoping import audit_scope
from workbench.practice.audits.templates import AuditTemplate


class AuditDashboard(W.Tab):
    """Tabs for each audit job; a submitted audit, a moderation or an action refreshes the others."""

    def __init__(
        self, store, template: AuditTemplate, *, today: date | None = None, scope: Scope | None = None
    ) -> None:
        """Build every tab for ``scope`` (default: the viewer's, from their trusted identity).

        Raises ``AccessRefusedError`` when no trusted source names the viewer.
        """
        # Cases as at the data's date (the loaded extract's as-at); audits themselves are dated today.
        records_end = store.data_date() or data_end(store)
        self.scope = scope = scope or audit_scope(store, at=records_end)
        self.form = AuditForm(
            store, template, today=today, window_end=records_end, rounds=round_assignments(store), scope=scope
        )
        self.moderation = ModerationForm(store, today=today, scope=scope)
        self.findings = AuditFindingsView(store, scope=scope)
        self.actions = AuditActions(store, today=today, scope=scope)
        self.sample = AuditSamplePanel(store, at=records_end, scope=scope)
        self.form.observe(lambda _c: self._submitted(), names="submitted_audit_id")
        self.moderation.observe(lambda _c: self.findings.refresh(), names="moderated_audit_id")
        self.actions.observe(lambda _c: self.findings.refresh(), names="changes")
        self.sample.observe(lambda _c: self.form.use_rounds(round_assignments(store)), names="round_id")
        super().__init__(
            [self.form, self.moderation, self.findings, self.actions, self.sample],
            titles=["Audit a case", "Moderate", "Findings", "Actions", "Draw a sample"],
        )
        self.add_class("wb-audit-dashboard")

    @property
    def missing(self) -> list[str]:
        """What the page cannot show yet, in words (empty when the store has audits)."""
        return self.findings.missing.messages

    def _submitted(self) -> None:
        self.findings.refresh()
        self.moderation.refresh()
        self.actions.refresh()
