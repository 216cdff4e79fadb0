"""Write and keep one measure's improvement plan: target, story behind the curve, partners, actions."""

from __future__ import annotations

import html
import os

import ipywidgets as W
import pandas as pd
import traitlets

from workbench.access import AccessRefusedError, Identity, current_identity
from workbench.measures.headline import MEASURES
from workbench.practice.improvement_plans import (
    ALL_CHILDREN,
    ImprovementPlan,
    PlanAction,
    PlanError,
    latest_plan,
    may_write_plans,
    save_plan,
)
from workbench.publishing.report_card import target_text
from workbench.store.engine import Store


def parse_target(text: str, unit: str) -> float | None:
    """Read a target typed by a person: ``""`` is none, ``70%`` or ``70`` is 0.7 for a share."""
    cleaned = text.strip().rstrip("%").strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"The target {text!r} is not a number; type for example 70% or 2.5.") from None
    if unit == "share" and (text.strip().endswith("%") or value > 1):
        value /= 100
    return value


def identity_or_none() -> Identity | None:
    """Return the trusted identity, or None when there is none (plans are then read only)."""
    try:
        return current_identity(os.environ)
    except AccessRefusedError:
        return None


#: What a reader who may not write plans is told.
READ_ONLY = "<p class='wb-meta'>Read only: the Head of Practice Improvement writes the service's plans.</p>"


class ActionRow(W.HBox):
    """One action of a plan: what, owner, due date, done, and a button to remove it."""

    def __init__(self, action: PlanAction | None = None, on_remove=None, disabled: bool = False) -> None:
        action = action or PlanAction("")
        self.action = W.Text(
            value=action.action, placeholder="What will be done", layout=W.Layout(width="40%")
        )
        self.action.add_class("wb-plan-action")
        self.owner = W.Text(
            value=action.owner, placeholder="Owner (a role or team)", layout=W.Layout(width="22%")
        )
        self.owner.add_class("wb-plan-owner")
        self.due = W.DatePicker(value=action.due_date, description="Due", layout=W.Layout(width="210px"))
        self.due.add_class("wb-plan-due")
        self.done = W.Checkbox(
            value=action.done, description="Done", indent=False, layout=W.Layout(width="70px")
        )
        self.done.add_class("wb-plan-done")
        self.remove = W.Button(description="Remove", layout=W.Layout(width="auto"), disabled=disabled)
        if on_remove is not None:
            self.remove.on_click(lambda _button: on_remove(self))
        for box in (self.action, self.owner, self.due, self.done):
            box.disabled = disabled
        super().__init__([self.action, self.owner, self.due, self.done, self.remove])
        self.add_class("wb-plan-action-row")

    def value(self) -> PlanAction:
        """Return the action as typed."""
        return PlanAction(self.action.value, self.owner.value, self.due.value, self.done.value)


class ImprovementPlanEditor(W.VBox):
    """One measure's plan for one population, kept in the store with who wrote it and when.

    ``subject`` (a measure name) and ``population`` are the state; the target is typed in
    ``target_box`` (the trend view's own, when it has one, so the chart draws what is typed).
    Whoever may not write plans (:func:`workbench.practice.improvement_plans.may_write_plans`)
    reads them. ``plan`` is the latest saved version.
    """

    subject = traitlets.Unicode("reviewed")
    population = traitlets.Unicode(ALL_CHILDREN)
    saved_version = traitlets.Int(0)

    def __init__(
        self,
        store: Store,
        identity: Identity | None,
        subject: str = "reviewed",
        population: str = ALL_CHILDREN,
        target_box: W.Text | None = None,
    ) -> None:
        self.store = store
        self.identity = identity
        self.writer = may_write_plans(identity)
        self.shared_target = target_box is not None
        self.plan = ImprovementPlan(subject, population)
        self.heading = W.HTML()
        self.target_box = target_box or W.Text(
            placeholder="e.g. 70% or 2.5", description="Target", style={"description_width": "initial"}
        )
        self.story = W.Textarea(
            placeholder="The story behind the curve: what is driving it, what works, what would turn it?",
            description="Story",
            layout=W.Layout(width="95%", height="90px"),
            disabled=not self.writer,
        )
        self.story.add_class("wb-plan-story")
        self.partners = W.Textarea(
            placeholder="Partners with a role to play (schools, health, police, the family network...)",
            description="Partners",
            layout=W.Layout(width="95%", height="50px"),
            disabled=not self.writer,
        )
        self.partners.add_class("wb-plan-partners")
        self.actions = W.VBox()
        self.actions.add_class("wb-plan-actions")
        self.add_action_button = W.Button(
            description="Add an action", icon="plus", disabled=not self.writer, layout=W.Layout(width="auto")
        )
        self.add_action_button.add_class("wb-plan-add-action")
        self.add_action_button.on_click(lambda _button: self._add_row())
        self.save_button = W.Button(
            description="Save the plan", icon="save", disabled=not self.writer, layout=W.Layout(width="auto")
        )
        self.save_button.add_class("wb-plan-save")
        self.save_button.on_click(lambda _button: self.save())
        self.message = W.HTML()
        self.message.add_class("wb-plan-message")
        self.kept = W.HTML()
        self.kept.add_class("wb-plan-kept")
        children = [self.heading]
        if target_box is None:
            children.append(self.target_box)
        children += [self.story, self.partners, W.HTML("<h4>Actions</h4>"), self.actions]
        if self.writer:
            children += [W.HBox([self.add_action_button, self.save_button]), self.message]
        children.append(self.kept)
        super().__init__(children)
        self.add_class("wb-improvement-plan")
        self.subject = subject
        self.population = population
        self.observe(lambda _change: self.load(), names=["subject", "population"])
        self.load()

    # -- reading --------------------------------------------------------------------------

    def load(self) -> None:
        """Show the latest saved plan for the subject and population (empty when none is kept)."""
        self.plan = latest_plan(self.store, self.subject, self.population)
        measure = MEASURES.get(self.subject)
        title = measure.title if measure else self.subject
        who = "" if self.writer else READ_ONLY
        where = html.escape(self.population)
        kept = target_text(self.plan.target, measure.unit) if measure else ""
        target = ""
        if self.shared_target:
            target = (
                f"<p>Target kept: <strong>{html.escape(kept)}</strong>, drawn on the chart above.</p>"
                if kept
                else "<p>No target kept yet: type one in Target, above the chart, and save the plan.</p>"
            )
        self.heading.value = f"<h3>Improvement plan: {html.escape(title)}, {where}</h3>{who}{target}"
        self.target_box.value = kept
        self.story.value = self.plan.story
        self.partners.value = self.plan.partners
        self.actions.children = [self._row(action) for action in self.plan.actions]
        self.message.value = ""
        self._show_kept()

    def _show_kept(self) -> None:
        plan = self.plan
        if not plan.saved:
            self.kept.value = "<p class='wb-meta'>No plan kept for this measure yet.</p>"
            return
        when = pd.Timestamp(plan.written_at).strftime("%d %B %Y at %H:%M UTC")
        self.kept.value = (
            f"<p class='wb-meta'>Version {plan.version_id}, saved by {html.escape(plan.written_by)} "
            f"on {html.escape(when)}. Earlier versions are kept.</p>"
        )

    def _row(self, action: PlanAction | None = None) -> ActionRow:
        return ActionRow(action, on_remove=self._remove_row, disabled=not self.writer)

    def _add_row(self) -> ActionRow:
        row = self._row()
        self.actions.children = [*self.actions.children, row]
        return row

    def _remove_row(self, row: ActionRow) -> None:
        self.actions.children = [r for r in self.actions.children if r is not row]

    # -- saving ---------------------------------------------------------------------------

    def typed(self) -> ImprovementPlan:
        """Return the plan as typed now (raises ValueError for a target that is not a number)."""
        measure = MEASURES.get(self.subject)
        target = parse_target(self.target_box.value, measure.unit if measure else "mean")
        actions = [row.value() for row in self.actions.children]
        return ImprovementPlan(
            self.subject,
            self.population,
            target=target,
            story=self.story.value,
            partners=self.partners.value,
            actions=[a for a in actions if a.action.strip() or a.owner.strip() or a.due_date],
        )

    def save(self) -> int | None:
        """Save the plan as typed as a new version; return its id (None when refused)."""
        if self.identity is None:
            self.message.value = "<p class='wb-error'>Not saved: the workbench does not know who you are.</p>"
            return None
        try:
            version = save_plan(self.store, self.identity, self.typed())
        except (PlanError, AccessRefusedError, ValueError) as error:
            self.message.value = f"<p class='wb-error'>Not saved: {html.escape(str(error))}</p>"
            return None
        self.load()
        self.message.value = f"<p role='status'>Saved the plan (version {version}).</p>"
        self.saved_version = version
        return version
