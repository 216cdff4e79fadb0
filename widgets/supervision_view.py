"""Supervision: choose a worker and a date, read their children and prompts, record the supervision."""

from __future__ import annotations

import html
from datetime import date, timedelta

import ipywidgets as W
import pandas as pd
import traitlets

from widgets.case_outcomes_view import CaseOutcomesView
from widgets.data_date import DataDate, date_note
from widgets.missing_note import MissingNote
from widgets.offline import offline_chart
from workbench.access import AccessRefusedError, Identity
from workbench.core.dates import short_date
from workbench.measures.filters import data_day
from workbench.practice.case_outcomes import case_outcomes
from workbench.practice.supervision import (
    ActionSet,
    OutcomeTalkedThrough,
    SupervisionError,
    WorkerCaseload,
    build_prompts,
    read_workers,
    record_supervision,
    supervision_records,
    supervision_scope,
    supervision_view,
    trusted_identity,
    workers_in_scope,
)
from workbench.practice.supervision_actions import mark_action_done, open_actions
from workbench.publishing.supervision_pack import (
    action_words,
    child_labels,
    outcome_labels,
    render_record,
    render_supervision_body,
    scores_chart_frame,
)
from workbench.render.altair_import import altair as alt
from workbench.render.charts import scores_layers
from workbench.store.engine import Store
from workbench.store.supervision_tables import OUTCOME_STANCES

#: Days from the supervision to an action's due date, as first offered.
ACTION_DUE_DAYS = 28
#: Longest statement shown in an outcome's label in the choosers.
LABEL_STATEMENT = 60


def _no_scores_chart(title: str) -> alt.Chart:
    frame = pd.DataFrame({"text": ["No scores on a 0 to 10 scale yet"]})
    return (
        alt.Chart(frame)
        .mark_text(size=14)
        .encode(text="text:N")
        .properties(title=title, width=300, height=40)
    )


def _about_key(action: ActionSet) -> str:
    """Return the "About" chooser's value for an action: "", "child:C1" or "outcome:O1"."""
    if action.outcome_id:
        return f"outcome:{action.outcome_id}"
    return f"child:{action.child_id}" if action.child_id else ""


class SupervisionView(W.VBox):
    """One worker's children at a date, the prompts for supervision, and the record of it.

    ``worker_id`` and ``at`` are the state (traits); ``caseload`` holds what is shown, so tests
    and notebooks can read exactly what the page says. The viewer is the trusted identity
    (``workbench.access``; by default :func:`workbench.practice.supervision.trusted_identity`), never a
    value typed here: the worker chooser offers only the workers in their scope, and the
    workbench refuses any other. Records are saved with the viewer as supervisor.

    A record holds each desired outcome talked through (chosen, marked discussed, challenged or
    confirmed, with a note, then added: ``pending_outcomes``), each action set (what, owner, due
    date, the child or outcome it is about: ``pending_actions``), and notes in words. The
    worker's open actions from earlier supervisions are listed above it (``open_actions``, read
    from the store), and any of them can be marked done.
    """

    worker_id = traitlets.Unicode("")
    at = traitlets.Any(None)
    saved_record_id = traitlets.Int(0)
    #: Outcomes talked through and actions set, added to the record that is not saved yet.
    pending_outcomes = traitlets.List()
    pending_actions = traitlets.List()

    def __init__(
        self,
        store: Store,
        at: date | None = None,
        worker_id: str | None = None,
        identity: Identity | None = None,
    ) -> None:
        self.store = store
        at = data_day(store, at)  # the data's date unless a reader looks back
        self.identity = identity or trusted_identity(store)  # refused here: no page without a viewer
        # Workers and their teams change only when an extract is loaded: read once for the page.
        self._workers = read_workers(store)
        self.caseload: WorkerCaseload | None = None
        self.worker_choice = W.Dropdown(description="Worker", layout=W.Layout(width="420px"))
        self.worker_choice.add_class("wb-supervision-worker")
        self.date_choice = W.DatePicker(description="Caseload at", value=at)
        self.date_choice.add_class("wb-supervision-at")
        # "Figures as at ...": the caseload date above is this page's date picker.
        self.data_date = DataDate(store, at, picker=False)
        self.caseload_html = W.HTML()
        # Says the page is still working out the rest after the chart; emptied last.
        self.loading = W.HTML()
        self.loading.add_class("wb-supervision-loading")
        self.caseload_html.add_class("wb-supervision-caseload")
        self.chart = offline_chart(_no_scores_chart("Scores over time"), "wb-supervision-chart")
        # One child's outcomes with the help chosen for each: only this caseload's children.
        self.child_choice = W.Dropdown(description="Child", layout=W.Layout(width="320px"))
        self.child_choice.add_class("wb-supervision-child")
        self.case_help = CaseOutcomesView(empty="No child on this caseload.")

        self.supervisor = self.identity.user
        self.supervision_date = W.DatePicker(
            description="Supervision on", value=date.today(), style={"description_width": "110px"}
        )
        self.supervision_date.add_class("wb-supervision-date")
        self.notes = {
            name: W.Textarea(
                description=name.capitalize(),
                placeholder=placeholder,
                layout=W.Layout(width="95%", height="90px"),
            )
            for name, placeholder in (
                ("discussed", "Which children and outcomes were talked through?"),
                ("challenged", "What was challenged: an outcome, a plan, a score?"),
                ("confirmed", "What was confirmed as right, and what will happen next?"),
            )
        }
        for name, box in self.notes.items():
            box.add_class(f"wb-supervision-{name}")
        self._build_outcome_and_action_controls()
        self.save_button = W.Button(
            description="Save supervision record",
            icon="save",
            disabled=not self.supervisor,
            layout=W.Layout(width="auto"),
        )
        self.save_button.add_class("wb-supervision-save")
        self.save_button.on_click(lambda _button: self.save())
        self.message = W.HTML()
        self.message.add_class("wb-supervision-message")
        self.records_html = W.HTML()
        self.records_html.add_class("wb-supervision-records")
        who = (
            f"Recording as <strong>{html.escape(self.identity.name or self.supervisor)}</strong> "
            f"({html.escape(self.identity.title)}), the name the server signed you in with."
        )
        record_box = W.VBox(
            [W.HTML(f"<h2>Record this supervision</h2><p>{who}</p>"), self.supervision_date,
             W.HTML("<h3>Desired outcomes talked through</h3><p>Choose an outcome, say whether it was "
                    "discussed, challenged or confirmed, add a note, and add it to the record.</p>"),
             self.outcome_choice, W.HBox([self.stance, self.add_outcome_button]), self.outcome_note,
             W.HTML("<h3>Actions</h3><p>What is to be done, who owns it and when it is due. Open actions "
                    "come back at the next supervision and on the team lead's page.</p>"),
             self.action_text, W.HBox([self.action_owner, self.action_due]),
             W.HBox([self.action_about, self.add_action_button]),
             self.pending_html,
             W.HTML("<h3>Notes</h3>"), *self.notes.values(), self.save_button, self.message],
        )  # fmt: skip
        self.viewer = W.HTML(
            f"<p>Viewing as <strong>{html.escape(self.identity.name or self.supervisor)}</strong> "
            f"({html.escape(self.identity.title)}). The worker list holds only the workers your role "
            "allows.</p>"
        )
        self.viewer.add_class("wb-viewer")
        self.missing = MissingNote(store, ["supervisions", "reviews"])
        super().__init__(
            [
                self.data_date,
                self.viewer,
                self.missing,
                W.HBox([self.worker_choice, self.date_choice]),
                self.loading,
                self.chart,
                self.caseload_html,
                W.HTML("<h2>Open actions from earlier supervisions</h2>"),
                self.open_actions_html,
                W.HBox([self.done_choice, self.done_button]),
                W.HTML("<h2>What will be done for each of a child's outcomes</h2>"),
                self.child_choice,
                self.case_help,
                record_box,
                W.HTML("<h2>Supervision records for this worker</h2>"),
                self.records_html,
            ]
        )
        self.add_class("wb-supervision")
        self._fill_workers(at, worker_id)
        self.worker_choice.observe(
            lambda change: setattr(self, "worker_id", change["new"] or ""), names="value"
        )
        self.date_choice.observe(self._on_date, names="value")
        self.child_choice.observe(lambda _change: self._show_child(), names="value")
        self.observe(self._refresh, names=["worker_id", "at"])
        self.at = at
        self.worker_id = self.worker_choice.value or ""
        self._refresh()

    # -- choosing -------------------------------------------------------------------------

    def _fill_workers(self, at: date, keep: str | None = None) -> None:
        self.scope = supervision_scope(self.store, at, self.identity)
        sizes = workers_in_scope(self.store, at, self.scope).sort_values(["name", "worker_id"])
        options = [
            (f"{name} ({worker}): {children} children", worker)
            for worker, name, children in zip(
                sizes["worker_id"], sizes["name"], sizes["children"], strict=True
            )
        ]
        self.worker_choice.options = options
        ids = [value for _, value in options]
        current = keep if keep in ids else (ids[0] if ids else None)
        self.worker_choice.value = current

    def _on_date(self, change: dict) -> None:
        chosen = change["new"]
        if chosen == self.at:
            return  # (also the picker put back after a note)
        note = date_note(chosen, self.data_date.data_date, self.data_date.first)
        self.data_date.note.value = f'<p role="status">{html.escape(note, quote=False)}</p>' if note else ""
        if note:
            self.date_choice.value = self.at  # the page stays where it was
            return
        self._fill_workers(chosen, self.worker_id)
        self.at = chosen
        self.data_date.at = chosen

    # -- showing --------------------------------------------------------------------------

    def _refresh(self, _change: dict | None = None) -> None:
        if self.worker_id:
            self.loading.value = "<p role='status'>Working out the caseload, prompts and records...</p>"
        try:
            self._show_worker()
        finally:
            self.loading.value = ""

    def _show_worker(self) -> None:
        self.pending_outcomes, self.pending_actions = [], []
        if not self.worker_id:
            self.caseload = None
            self.caseload_html.value = "<p>No worker you may see has a caseload on this date.</p>"
            self.records_html.value = ""
            self._fill_record_choices()
            self._fill_children()
            return
        try:
            # The chart first: the prompts are built once it is on its way to the browser.
            caseload = supervision_view(
                self.store, self.worker_id, self.at, self.scope, workers=self._workers, prompts=False
            )
        except AccessRefusedError as error:
            self.caseload = None
            self.caseload_html.value = f"<p class='wb-error'>{html.escape(str(error))}.</p>"
            self.records_html.value = ""
            self._fill_record_choices()
            self._fill_children()
            return
        names = child_labels(caseload.children["child_id"], "internal", "")
        # The same title for every worker (the page names them above): choosing another worker
        # then only swaps the figures in the chart already drawn.
        title = "Scores over time: each child's desired outcomes (the dot is the latest score)"
        frame = scores_chart_frame(caseload, names)
        # Updated in place: re-displaying into an Output is slow in Voila; the spec of a chart
        # drawn before is sent with the new rows before Altair builds the chart (LiveChart.show).
        if frame is None:
            self.chart.chart = _no_scores_chart(title)
        else:
            self.chart.show(("scores", title), [frame], lambda: scores_layers(frame, title))
        caseload.prompts = build_prompts(caseload.outcomes, caseload.scores, self.at)
        self.caseload = caseload
        self.caseload_html.value = render_supervision_body(
            self.caseload, "internal", records=None, chart=False
        )
        self._fill_record_choices()
        self._show_records()
        self._fill_children()

    def _fill_children(self) -> None:
        """Offer the caseload's children (none without a caseload), keeping the child chosen."""
        ids = list(self.caseload.children["child_id"]) if self.caseload is not None else []
        keep = self.child_choice.value if self.child_choice.value in ids else (ids[0] if ids else None)
        self.child_choice.options = ids
        self.child_choice.value = keep
        self._show_child()

    def _show_child(self) -> None:
        child = self.child_choice.value
        allowed = self.caseload is not None and child in set(self.caseload.children["child_id"])
        self.case_help.show(case_outcomes(self.store, child, self.at) if allowed else None)

    def _show_records(self) -> None:
        self._show_open_actions()
        records = supervision_records(self.store, self.worker_id)
        if records.empty:
            self.records_html.value = "<p>None recorded in the workbench yet.</p>"
        else:
            self.records_html.value = "".join(render_record(r) for r in records.itertuples(index=False))

    # -- recording ------------------------------------------------------------------------

    def save(self) -> int | None:
        """Save the record: notes, outcomes talked through, actions; return its id (None if refused).

        An action or an outcome note typed but not yet added is added first, so nothing typed is lost.
        """
        if self.action_text.value.strip():
            self.add_action()
        if self.outcome_note.value.strip():
            self.add_outcome()
        try:
            record_id = record_supervision(
                self.store,
                self.worker_id,
                self.supervision_date.value or date.today(),
                self.at,
                **{name: box.value for name, box in self.notes.items()},
                outcomes=list(self.pending_outcomes),
                actions=list(self.pending_actions),
            )
        except SupervisionError as error:
            self.message.value = f"<p class='wb-error'>Not saved: {html.escape(str(error))}.</p>"
            return None
        for box in self.notes.values():
            box.value = ""
        self.pending_outcomes, self.pending_actions = [], []
        self.message.value = f"<p>Saved supervision record {record_id}.</p>"
        self.saved_record_id = record_id
        self._show_records()
        return record_id

    # -- outcomes talked through and actions ---------------------------------------------------

    def _build_outcome_and_action_controls(self) -> None:
        wide = W.Layout(width="95%")
        self.outcome_choice = W.Dropdown(description="Outcome", layout=wide)
        self.outcome_choice.add_class("wb-supervision-outcome")
        self.stance = W.ToggleButtons(
            options=[(s.capitalize(), s) for s in OUTCOME_STANCES], value="discussed"
        )
        self.stance.add_class("wb-supervision-stance")
        self.outcome_note = W.Text(description="Note", placeholder="What was said about it?", layout=wide)
        self.outcome_note.add_class("wb-supervision-outcome-note")
        self.add_outcome_button = W.Button(
            description="Add outcome to the record", icon="plus", layout=W.Layout(width="auto")
        )
        self.add_outcome_button.add_class("wb-supervision-add-outcome")
        self.add_outcome_button.on_click(lambda _button: self.add_outcome())
        self.action_text = W.Text(description="Action", placeholder="What is to be done?", layout=wide)
        self.action_text.add_class("wb-supervision-action-text")
        self.action_owner = W.Text(description="Owner", placeholder="Who will do it?")
        self.action_owner.add_class("wb-supervision-action-owner")
        self.action_due = W.DatePicker(
            description="Due", value=date.today() + timedelta(days=ACTION_DUE_DAYS)
        )
        self.action_due.add_class("wb-supervision-action-due")
        self.action_about = W.Dropdown(description="About", layout=W.Layout(width="70%"))
        self.action_about.add_class("wb-supervision-action-about")
        self.add_action_button = W.Button(
            description="Add action", icon="plus", layout=W.Layout(width="auto")
        )
        self.add_action_button.add_class("wb-supervision-add-action")
        self.add_action_button.on_click(lambda _button: self.add_action())
        self.pending_html = W.HTML()
        self.pending_html.add_class("wb-supervision-pending")
        self.open_actions_html = W.HTML()
        self.open_actions_html.add_class("wb-supervision-open-actions")
        self.done_choice = W.Dropdown(description="Open action", layout=W.Layout(width="60%"))
        self.done_choice.add_class("wb-supervision-done-choice")
        self.done_button = W.Button(description="Mark done", icon="check")
        self.done_button.add_class("wb-supervision-action-done")
        self.done_button.on_click(lambda _button: self.mark_done())
        self.open_actions = pd.DataFrame()

    def _outcome_options(self) -> list[tuple[str, str]]:
        """Return (label, outcome id) for the caseload's outcomes: "C1, Outcome 1: <statement>"."""
        if self.caseload is None or self.caseload.outcomes.empty:
            return []
        outcomes = self.caseload.outcomes
        numbers = outcome_labels(outcomes)
        options = []
        for oid, child, statement in zip(outcomes["outcome_id"], outcomes["child_id"], outcomes["statement"],
                                         strict=True):  # fmt: skip
            words = "" if pd.isna(statement) else str(statement).strip()
            if len(words) > LABEL_STATEMENT:
                words = words[: LABEL_STATEMENT - 3].rstrip() + "..."
            options.append((f"{child}, {numbers[oid]}: {words}", oid))
        return options

    def _fill_record_choices(self) -> None:
        options = self._outcome_options()
        self.outcome_choice.options = options
        self.outcome_choice.value = options[0][1] if options else None
        children = [] if self.caseload is None else sorted(self.caseload.children["child_id"])
        self.action_about.options = [
            ("The caseload (no one child)", ""),
            *((f"{child} (the child)", f"child:{child}") for child in children),
            *((label, f"outcome:{oid}") for label, oid in options),
        ]
        self.action_about.value = ""
        self.action_owner.value = self.caseload.worker_name if self.caseload is not None else ""
        self._show_pending()

    def add_outcome(self) -> None:
        """Add the chosen outcome, how it was talked through and the note to the record (not saved yet)."""
        oid = self.outcome_choice.value
        if not oid:
            self.message.value = "<p class='wb-error'>Choose an outcome first.</p>"
            return
        kept = [o for o in self.pending_outcomes if o.outcome_id != oid]  # the latest word on it stands
        self.pending_outcomes = [*kept, OutcomeTalkedThrough(oid, self.stance.value, self.outcome_note.value)]
        self.outcome_note.value = ""
        self.message.value = ""
        self._show_pending()

    def add_action(self) -> None:
        """Add the action typed (what, owner, due date, what it is about) to the record (not saved yet)."""
        about = self.action_about.value or ""
        kind, _, key = about.partition(":")
        self.pending_actions = [
            *self.pending_actions,
            ActionSet(
                self.action_text.value,
                self.action_owner.value,
                self.action_due.value or "",
                outcome_id=key if kind == "outcome" else None,
                child_id=key if kind == "child" else None,
            ),
        ]
        self.action_text.value = ""
        self.message.value = ""
        self._show_pending()

    def _show_pending(self) -> None:
        if not self.pending_outcomes and not self.pending_actions:
            self.pending_html.value = "<p><em>No outcome or action added to this record yet.</em></p>"
            return
        labels = {oid: label for label, oid in self._outcome_options()}
        items = [
            f"<li><strong>{html.escape(o.stance.capitalize())}</strong>: "
            f"{html.escape(labels.get(o.outcome_id, o.outcome_id))}"
            + (f" (note: {html.escape(o.note)})" if o.note.strip() else "")
            + "</li>"
            for o in self.pending_outcomes
        ]
        abouts = {value: label for label, value in self.action_about.options}
        items += [
            f"<li><strong>Action</strong>: {html.escape(a.description)} ({html.escape(a.owner)}, due "
            f"{short_date(a.due_date) if a.due_date else 'not given'}; about "
            f"{html.escape(abouts.get(_about_key(a), 'the caseload'))})</li>"
            for a in self.pending_actions
        ]
        self.pending_html.value = (
            "<p>To be saved with this record:</p><ul class='wb-pending-items'>" + "".join(items) + "</ul>"
        )

    def _show_open_actions(self) -> None:
        if not self.worker_id or self.caseload is None:
            self.open_actions = pd.DataFrame()
            self.open_actions_html.value = ""
            self.done_choice.options = []
            return
        self.open_actions = open_actions(self.store, self.scope, self.at, [self.worker_id])
        shown = "none" if self.open_actions.empty else ""
        self.done_choice.layout.display = self.done_button.layout.display = shown
        if self.open_actions.empty:
            self.open_actions_html.value = "<p>No open actions for this worker.</p>"
            self.done_choice.options = []
            return
        items = []
        for row in self.open_actions.to_dict("records"):
            late = " <strong class='wb-overdue'>overdue</strong>" if row["overdue"] else ""
            items.append(
                f"<li>{action_words({**row, 'status': ''})}{late}; set on {short_date(row['set_on'])} "
                f"with {html.escape(str(row['set_by']))}</li>"
            )
        self.open_actions_html.value = "<ul class='wb-open-actions'>" + "".join(items) + "</ul>"
        self.done_choice.options = [
            (f"{row['description'][:60]} (due {row['due_date']:%d %b %Y})", int(row["action_id"]))
            for row in self.open_actions.to_dict("records")
        ]
        self.done_choice.value = self.done_choice.options[0][1]

    def mark_done(self) -> None:
        """Mark the chosen open action done today (by the trusted viewer), and list what is left."""
        action_id = self.done_choice.value
        if action_id is None:
            return
        try:
            mark_action_done(self.store, action_id, date.today(), self.identity, scope_at=self.at)
        except SupervisionError as error:
            self.message.value = f"<p class='wb-error'>Not changed: {html.escape(str(error))}.</p>"
            return
        self.message.value = f"<p>Action {action_id} marked done.</p>"
        self._show_records()
