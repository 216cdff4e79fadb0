"""Actions arising from audits: record one with an owner and a due date, and mark it completed.

Who recorded an action is the viewer's trusted identity (``workbench.access``), never the page.
Only the audits and actions of cases in the viewer's scope are listed, and only they can be acted on.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

import ipywidgets as W
import traitlets as T

from workbench.access import AccessRefusedError, Scope
from workbench.practice.audits.recording import AuditError, auditor_id, complete_action, record_action
from workbench.practice.audits.scoping import audit_scope, scoped_actions, scoped_audits
from workbench.render.tables import TABLE_STYLE, html_table


class AuditActions(W.VBox):
    """Add an action to an audit, list every action with its status, and complete open ones."""

    actions = T.Int(0, help="How many actions are recorded.")
    changes = T.Int(0, help="Counts actions added or completed here (others observe it to refresh).")

    def __init__(self, store, *, today: date | None = None, scope: Scope | None = None) -> None:
        """List the actions in ``scope`` (default: the viewer's, from their trusted identity)."""
        self.store = store
        self.today = today or date.today()
        self.scope = scope or audit_scope(store)
        self.user = auditor_id(self.scope.identity)
        self.audit = W.Dropdown(description="Audit", layout=W.Layout(width="60%"))
        self.audit.add_class("wb-action-audit")
        self.description = W.Text(placeholder="What needs to happen", description="Action",
                                  layout=W.Layout(width="80%"))  # fmt: skip
        self.description.add_class("wb-action-description")
        self.owner = W.Text(placeholder="Who will do it", description="Owner")
        self.owner.add_class("wb-action-owner")
        self.due = W.DatePicker(value=self.today + timedelta(days=28), description="Due")
        self.due.add_class("wb-action-due")
        self.add_button = W.Button(description="Add action", icon="plus", disabled=not self.user)
        self.add_button.add_class("wb-action-add")
        self.add_button.on_click(lambda _b: self.add())
        self.open_actions = W.Dropdown(description="Open action", layout=W.Layout(width="60%"))
        self.open_actions.add_class("wb-action-open")
        self.completed_on = W.DatePicker(value=self.today, description="Completed")
        self.complete_button = W.Button(description="Mark completed", icon="check", disabled=not self.user)
        self.complete_button.add_class("wb-action-complete")
        self.complete_button.on_click(lambda _b: self.complete())
        self.message = W.HTML()
        self.message.add_class("wb-action-message")
        self.table = W.HTML()
        self.table.add_class("wb-action-table")
        self.refresh()
        super().__init__(
            [W.HTML("<h4>Record an action arising</h4>"), self.audit, self.description,
             W.HBox([self.owner, self.due, self.add_button]),
             W.HTML("<h4>Complete an action</h4>"), W.HBox([self.open_actions, self.completed_on,
                                                              self.complete_button]),
             self.message, self.table]
        )  # fmt: skip
        self.add_class("wb-audit-actions")

    def refresh(self) -> None:
        """Re-read audits and actions from the store."""
        audits = scoped_audits(self.store, self.scope).sort_values("audit_date", ascending=False).head(300)
        self.audit.options = [("Choose an audit", "")] + [
            (f"{r.audit_id}: case {r.child_id}, {r.audit_date:%d %b %Y}", r.audit_id)
            for r in audits.itertuples()
        ]
        if self.audit.value is None:  # ipywidgets leaves a first options list unselected
            self.audit.value = ""
        actions = scoped_actions(self.store, self.scope, self.today)
        self.actions = len(actions)
        waiting = actions[actions["status"] != "completed"]
        self.open_actions.options = [("Choose an action", 0)] + [
            (f"{r.action_id}: {r.description[:60]} ({r.owner}, due {r.due_date:%d %b %Y})", int(r.action_id))
            for r in waiting.itertuples()
        ]
        if self.open_actions.value is None:  # ipywidgets leaves a first options list unselected
            self.open_actions.value = 0
        self.table.value = TABLE_STYLE + html_table(
            actions[
                ["action_id", "audit_id", "description", "owner", "due_date", "completed_date", "status"]
            ],
            "wb-action-list",
            headers={
                "action_id": "Action",
                "audit_id": "Audit",
                "due_date": "Due",
                "completed_date": "Completed",
            },
            empty="No actions recorded."
            if self.scope.everything
            else "No actions recorded for the cases your role lets you see.",
        )

    def add(self) -> int | None:
        """Record the action as entered; return its id."""
        audits = scoped_audits(self.store, self.scope).set_index("audit_id")
        if self.audit.value not in audits.index:
            self.message.value = "<p class='wb-audit-error'>Choose an audit.</p>"
            return None
        try:
            child_id = audits.loc[self.audit.value, "child_id"]
            action_id = record_action(
                self.store, self.audit.value, child_id, self.description.value, self.owner.value,
                self.due.value, self.user, scope=self.scope,
            )  # fmt: skip
        except (AuditError, AccessRefusedError) as error:
            self.message.value = f"<p class='wb-audit-error'>{html.escape(str(error))}</p>"
            return None
        self.description.value = self.owner.value = ""
        self.message.value = f"<p class='wb-audit-done'>Action {action_id} recorded.</p>"
        self.refresh()
        self.changes += 1
        return action_id

    def complete(self) -> None:
        """Mark the chosen action completed on the chosen date."""
        if not self.open_actions.value:
            self.message.value = "<p class='wb-audit-error'>Choose an action.</p>"
            return
        try:
            complete_action(self.store, self.open_actions.value, self.completed_on.value, scope=self.scope)
        except (AuditError, AccessRefusedError) as error:
            self.message.value = f"<p class='wb-audit-error'>{html.escape(str(error))}</p>"
            return
        self.message.value = f"<p class='wb-audit-done'>Action {self.open_actions.value} completed.</p>"
        self.refresh()
        self.changes += 1
