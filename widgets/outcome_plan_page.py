"""The outcome plan page: write, check, agree and review a child's desired outcomes live in a meeting.

Made for a laptop shared with the family: large plain inputs with labels, reached by the
keyboard in reading order. The viewer is the trusted identity (``workbench.access``): a
practitioner or team lead can open only the children of their scope. The work is done in
``workbench.practice.plans``; this module wires the inputs to it.
"""

from __future__ import annotations

import base64
import html
from datetime import date

import ipywidgets as W
import traitlets as T

from widgets.outcome_plan_outcome import CHOICE, LABEL_STYLE, OutcomeEditor, parse_day, shown_day
from workbench.access import Identity, Scope, scope_for
from workbench.core.codes import labels
from workbench.core.model import PlanOutcome, PlanVersion
from workbench.measures.filters import data_day
from workbench.measures.service_data import ServiceData
from workbench.practice.case_outcomes import case_outcomes, case_outcomes_html
from workbench.practice.plans import (
    agreement_gaps,
    child_plans,
    load_history,
    merge_plans,
    new_key,
    new_plan,
    next_meeting,
    plan_export,
    save_plan,
    score_history,
)
from workbench.publishing.family_plan import family_page_files
from workbench.store.engine import Store
from workbench.store.plan_tables import PlanChangedError

#: The page's own look: big type and roomy inputs, for a screen a family reads too.
PLAN_STYLE = """<style>
.wb-outcome-plan { font-size: 1.15rem; max-width: 64rem; }
.wb-outcome-plan .widget-label { font-size: 1.1rem; }
.wb-outcome-plan input, .wb-outcome-plan textarea, .wb-outcome-plan select {
  font-size: 1.15rem !important; padding: .3rem !important; }
.wb-outcome-plan .widget-text, .wb-outcome-plan .widget-dropdown, .wb-outcome-plan .widget-textarea {
  height: auto !important; margin: .35rem 0; }
.wb-outcome-plan input[type=text], .wb-outcome-plan select { min-height: 2.4rem; }
.wb-outcome-plan input[type=checkbox] { width: 1.4rem; height: 1.4rem; margin-right: .6rem; }
.wb-outcome-plan .widget-checkbox label { font-size: 1.1rem; display: flex; align-items: center; }
.wb-outcome-plan textarea { min-height: 4.5rem; font-family: inherit; }
.wb-outcome-plan button { font-size: 1.1rem; height: auto !important; padding: .4rem .9rem;
  margin: .3rem .3rem .3rem 0; }
.wb-outcome-plan :focus { outline: 3px solid #0072B2 !important; outline-offset: 2px; }
.wb-plan-outcome { border: 2px solid #888; border-radius: 6px; padding: .5rem 1rem; margin: .8rem 0; }
.wb-plan-action-row { border-left: 4px solid #0072B2; padding-left: .8rem; margin: .5rem 0; }
.wb-plan-coach-flags { background: #fff4e0; border-left: 5px solid #b35900; padding: .3rem .8rem; }
.wb-plan-coach-ok { color: #1b5e20; }
.wb-plan-gaps { background: #fdecea; border-left: 5px solid #b00020; padding: .3rem .8rem; }
.wb-plan-saved { background: #e8f5e9; border-left: 5px solid #1b5e20; padding: .3rem .8rem; }
.wb-plan-conflict { background: #fff4e0; border-left: 5px solid #b35900; padding: .3rem .8rem; }
.wb-plan-case { font-size: 1rem; } .wb-plan-case table { border-collapse: collapse; }
.wb-plan-case th, .wb-plan-case td {
  border-bottom: 1px solid #bbb; padding: .25rem .5rem; text-align: left; vertical-align: top; }
</style>"""


def _download(name: str, mime: str, content: bytes, text: str) -> str:
    """Return a link that downloads ``content`` as ``name`` (a data: URL: no server path, offline)."""
    encoded = base64.b64encode(content).decode("ascii")
    return (
        f"<a class='wb-plan-download' download='{html.escape(name)}' "
        f"href='data:{mime};base64,{encoded}'>{html.escape(text)}</a>"
    )


def _shown(score: float | None) -> str:
    return "not given" if score is None else f"{score:g}"


def _message(css: str, heading: str, lines: list[str]) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    head = f"<p><strong>{html.escape(heading)}</strong></p>"
    return f"<div class='{css}' role='status'>{head}<ul>{items}</ul></div>"


class OutcomePlanPage(W.VBox):
    """Open a child's plan, write or review its outcomes, check and agree it, print and export it.

    ``plan`` is the plan being edited (the version it was opened from in ``plan.version``);
    ``history`` its saved versions. ``status`` is what the page last said, in words.
    """

    status = T.Unicode("")

    def __init__(self, store: Store, identity: Identity, *, at: date | None = None) -> None:
        self.store = store
        self.identity = identity
        self.at = data_day(store, at)
        self.data = ServiceData(store)
        self.scope: Scope = scope_for(identity, self.data, self.at)  # refused here when unknown
        self._known = frozenset(self.data.children["child_id"].astype(str))
        self.plan: PlanVersion | None = None
        self.history: list[PlanVersion] = []
        self.reviewing = False
        self.child_id = W.Text(
            description="Child's ID",
            style=LABEL_STYLE,
            placeholder="as in the case record",
            layout=CHOICE,
            continuous_update=False,
        )
        self.child_id.add_class("wb-plan-child")
        self.open_button = W.Button(
            description="Open the child's plan",
            button_style="primary",
            layout=W.Layout(width="auto", align_self="flex-start"),
        )
        self.open_button.add_class("wb-plan-open")
        self.open_button.on_click(lambda _: self.open_child(self.child_id.value))
        self.note = W.HTML("")
        self.note.add_class("wb-plan-note")
        if store.data_date() is None:
            self._say("Nothing has been loaded yet: load an extract (workbench load) before writing plans.")
        self.meeting_box = W.VBox([])
        self.outcomes_box = W.VBox([])
        self.outcomes_box.add_class("wb-plan-outcomes")
        self.add_outcome = self._button(
            "Add an outcome", "wb-plan-add-outcome", lambda _: self.append_outcome()
        )
        self.save_button = self._button("Save as a draft", "wb-plan-save", lambda _: self.save(agree=False))
        self.agree_button = self._button(
            "Check and agree the plan", "wb-plan-agree", lambda _: self.save(agree=True)
        )
        self.review_button = self._button(
            "Open at the next meeting", "wb-plan-review", lambda _: self.start_review()
        )
        self.family_button = self._button(
            "Make the family's page", "wb-plan-family", lambda _: self.family_page()
        )
        self.export_button = self._button(
            "Export for the case record", "wb-plan-export", lambda _: self.export()
        )
        self.result = W.HTML("")
        self.result.add_class("wb-plan-result")
        self.downloads = W.HTML("")
        self.downloads.add_class("wb-plan-downloads")
        self.case_view = W.HTML("")
        self.case_view.add_class("wb-plan-case")
        self.editor = W.VBox([])
        opener = W.VBox([W.HTML("<h2>Whose plan</h2>"), self.child_id, self.open_button, self.note])
        super().__init__([W.HTML(PLAN_STYLE), self._caption(), opener, self.editor])
        self.add_class("wb-outcome-plan")

    # -- layout ---------------------------------------------------------------------------

    @staticmethod
    def _button(text: str, css: str, handler) -> W.Button:
        button = W.Button(description=text, layout=W.Layout(width="auto", align_self="flex-start"))
        button.add_class(css)
        button.on_click(handler)
        return button

    def _caption(self) -> W.HTML:
        scope = self.scope
        what = (
            "every child"
            if scope.everything
            else ("the children allocated to you" if scope.worker_id else "the children of your team")
        )
        name = html.escape(self.identity.name or self.identity.user)
        return W.HTML(
            f"<p class='wb-viewer'>Signed in as <strong>{name}</strong> "
            f"({html.escape(self.identity.title)}): you can open the plans of {what}.</p>"
        )

    def _say(self, text: str) -> None:
        self.status = text
        self.note.value = f"<p role='status'>{html.escape(text)}</p>"

    # -- opening a plan -------------------------------------------------------------------

    def open_child(self, child_id: str) -> None:
        """Open the plan of ``child_id``'s open involvement (a new one if it has none), if in scope."""
        child_id = child_id.strip()
        self.editor.children = []
        if not child_id:
            self._say("Type the child's ID first.")
            return
        # The same words for a child outside the scope and an unknown one: nothing leaks.
        if not self.scope.allows_child(child_id) or child_id not in self._known:
            self._say(f"No child {child_id} among the children you can open.")
            return
        involvement = self._open_involvement(child_id)
        if involvement is None:
            self._say(
                f"Child {child_id} has no open involvement on {self.at:%d/%m/%Y}: there is no plan to write."
            )
            return
        plans = [p for p in child_plans(self.store, [child_id]) if p["involvement_id"] == involvement]
        if plans:
            self.history = load_history(self.store, plans[-1]["plan_id"])
            self.plan = self.history[-1]
            self.reviewing = any(o.decision != "new" for o in self.plan.outcomes)
            state = "agreed" if self.plan.status == "agreed" else "a draft"
            self._say(f"Opened the plan for child {child_id}: version {self.plan.version}, {state}.")
        else:
            self.history, self.plan, self.reviewing = [], new_plan(child_id, involvement), False
            self._say(f"No plan yet for child {child_id}: a new one is below.")
        self._show()

    def _open_involvement(self, child_id: str) -> str | None:
        involvements = self.data.involvements
        mine = involvements[involvements["child_id"] == child_id]
        at = str(self.at)
        open_now = mine[
            (mine["start_date"].astype(str).str[:10] <= at)
            & (mine["end_date"].isna() | (mine["end_date"].astype(str).str[:10] > at))
        ]
        if open_now.empty:
            return None
        return str(open_now.sort_values("start_date").iloc[-1]["involvement_id"])

    def _recorded_meetings(self, plan: PlanVersion) -> W.Dropdown:
        """Return the chooser of the child's meetings already in the case record (most recent first)."""
        meetings = self.data.meetings
        mine = meetings[meetings["child_id"] == plan.child_id].sort_values("date", ascending=False)
        types = labels("meeting_types")
        options = [("Not in the record yet", "")] + [
            (f"{types.get(kind, kind)} on {day:%d/%m/%Y}", str(ident))
            for ident, kind, day in zip(mine["meeting_id"], mine["meeting_type"], mine["date"], strict=True)
        ]
        chosen = plan.meeting_id if plan.meeting_id in {value for _, value in options} else ""
        box = W.Dropdown(
            description="Meeting in the record",
            options=options,
            value=chosen,
            style=LABEL_STYLE,
            layout=CHOICE,
        )
        box.add_class("wb-plan-recorded-meeting")
        found = {
            str(i): (str(k), d.date().isoformat())
            for i, k, d in zip(mine["meeting_id"], mine["meeting_type"], mine["date"], strict=True)
        }

        def fill(change) -> None:
            if change["new"] in found:
                kind, day = found[change["new"]]
                self.meeting_type.value, self.meeting_date.value = kind, shown_day(day)

        box.observe(fill, "value")
        return box

    def _show(self) -> None:
        plan = self.plan
        types = labels("meeting_types")
        self.recorded_meeting = self._recorded_meetings(plan)
        self.meeting_type = W.Dropdown(
            description="Kind of meeting",
            options=[("choose", "")] + [(v, k) for k, v in types.items()],
            value=plan.meeting_type or "",
            style=LABEL_STYLE,
            layout=CHOICE,
        )
        self.meeting_type.add_class("wb-plan-meeting-type")
        self.meeting_date = W.Text(
            description="Date of the meeting",
            value=shown_day(plan.meeting_date),
            placeholder="15/01/2026",
            style=LABEL_STYLE,
            layout=CHOICE,
            continuous_update=False,
        )
        self.meeting_date.add_class("wb-plan-meeting-date")
        self.family_agreed = W.Checkbox(
            description="The family agree these outcomes",
            value=plan.family_agreed,
            indent=False,
            layout=W.Layout(width="auto"),
        )
        self.family_agreed.add_class("wb-plan-family-agreed")
        self.network = W.Checkbox(
            description="The family want their wider family or friends to help",
            value=plan.family_network_agreed,
            indent=False,
            layout=W.Layout(width="auto"),
        )
        self.network.add_class("wb-plan-network")
        editing = plan.status != "agreed"
        self.outcomes_box.children = [self._outcome_editor(o, n) for n, o in enumerate(plan.outcomes, 1)]
        last = self.history[-1] if self.history else None
        if last is None:
            self.case_view.value = "<p>Not saved yet.</p>"
        else:
            state = "agreed" if last.status == "agreed" else "a draft"
            when = f" at the meeting of {shown_day(last.meeting_date)}" if last.meeting_date else ""
            saved = f"<p>As last saved: version {last.version}, {state}{html.escape(when)}.</p>"
            # The case as every case-level page shows it, at this meeting: the agreed plan's
            # actions and the case record's interventions (a draft shows once it is agreed).
            at = date.fromisoformat(last.meeting_date) if last.meeting_date else self.at
            case = case_outcomes(self.store, last.child_id, at)
            self.case_view.value = saved + case_outcomes_html(case)
        buttons = (
            [self.add_outcome, self.save_button, self.agree_button]
            if editing
            else [self.review_button, self.family_button, self.export_button]
        )
        parts: list[W.Widget] = [
            W.HTML("<h2>The meeting</h2>"),
            self.recorded_meeting,
            self.meeting_type,
            self.meeting_date,
            self.family_agreed,
            self.network,
            W.HTML("<h2>What the family want</h2>"),
        ]
        if editing:
            parts.append(self.outcomes_box)
        else:
            parts.append(W.HTML("<p>This plan is agreed. Open it at the next meeting to review it.</p>"))
        parts += [
            W.HBox(buttons, layout=W.Layout(flex_flow="row wrap")),
            self.result,
            self.downloads,
            W.HTML("<h2>The case at this meeting: what is being done for each outcome</h2>"),
            self.case_view,
        ]
        self.editor.children = parts

    def _outcome_editor(self, outcome: PlanOutcome, number: int) -> OutcomeEditor:
        reviewing = outcome.decision != "new"
        earlier = "; ".join(
            f"{shown_day(day)}: family {_shown(family)}, worker {_shown(worker)}"
            for day, family, worker in score_history(self.history, outcome.key)
        )
        return OutcomeEditor(outcome, number, reviewing=reviewing, earlier=earlier or "none yet")

    def append_outcome(self) -> OutcomeEditor:
        """Add an empty outcome to the plan and return its editor."""
        editor = self._outcome_editor(PlanOutcome(key=new_key()), len(self.outcomes_box.children) + 1)
        editor.append_action()
        self.outcomes_box.children = [*self.outcomes_box.children, editor]
        return editor

    # -- saving ---------------------------------------------------------------------------

    def read_plan(self, problems: list[str]) -> PlanVersion:
        """Return the plan as typed on the page (dates that cannot be read named in ``problems``)."""
        plan = PlanVersion(**{**self.plan.__dict__, "outcomes": []})
        plan.meeting_id = self.recorded_meeting.value or ""
        plan.meeting_type = self.meeting_type.value or ""
        try:
            plan.meeting_date = parse_day(self.meeting_date.value)
        except ValueError as error:
            problems.append(f"Date of the meeting: {error}")
            plan.meeting_date = ""
        plan.family_agreed, plan.family_network_agreed = self.family_agreed.value, self.network.value
        plan.outcomes = [editor.value(problems) for editor in self.outcomes_box.children]
        return plan

    def save(self, *, agree: bool) -> None:
        """Save the plan (as a draft, or agreed when the check finds nothing missing)."""
        if self.plan is None:
            return
        problems: list[str] = []
        plan = self.read_plan(problems)
        if agree:
            problems += agreement_gaps(plan)
            if problems:
                self.result.value = _message("wb-plan-gaps", "Before the plan is agreed:", problems)
                self.status = "not agreed: " + "; ".join(problems)
                return
            plan.status = "agreed"
        elif problems:
            self.result.value = _message("wb-plan-gaps", "Please check:", problems)
            self.status = "not saved: " + "; ".join(problems)
            return
        self._write(plan)

    def _write(self, plan: PlanVersion) -> None:
        try:
            saved = save_plan(self.store, plan, self.identity.record_id)
        except PlanChangedError as changed:
            self._merge(plan, changed.latest)
            return
        self.history = load_history(self.store, saved.plan_id)
        self.plan = saved
        word = "agreed" if saved.status == "agreed" else "saved as a draft"
        self.status = f"Version {saved.version} {word}."
        self.result.value = f"<p class='wb-plan-saved' role='status'>{html.escape(self.status)}</p>"
        self.downloads.value = ""
        self._show()

    def _merge(self, mine: PlanVersion, theirs: PlanVersion) -> None:
        """Someone saved first: put both people's changes on the page, and say what clashed."""
        base = next((v for v in self.history if v.version == mine.version), None)
        base = base or PlanVersion(mine.plan_id, mine.child_id, mine.involvement_id)  # a plan started twice
        merged, conflicts = merge_plans(base, mine, theirs)
        self.history = load_history(self.store, theirs.plan_id)
        self.plan = merged
        self._show()
        lines = [f"{c.where}: yours says “{c.mine}”; theirs says “{c.theirs}”." for c in conflicts]
        lines = lines or ["Their changes and yours did not clash."]
        heading = (
            f"{theirs.saved_by} saved this plan while you were editing (version {theirs.version}). "
            "Both your changes and theirs are on the page now; where you both changed the same thing, "
            "yours is shown. Check it, then save again."
        )
        self.result.value = _message("wb-plan-conflict", heading, lines)
        self.status = "changed by someone else: " + " ".join(lines)

    # -- the next meeting, the family's page, the export ---------------------------------

    def start_review(self) -> None:
        """Open the agreed plan at the next meeting: earlier scores shown, decisions to make."""
        if self.plan is None:
            return
        self.plan = next_meeting(self.plan)
        self.reviewing = True
        self.result.value = ""
        self.downloads.value = ""
        self._show()
        self._say("Opened at the next meeting: give today's date, scores and a decision for each outcome.")

    def family_page(self) -> None:
        """Make the family's one-page plan (HTML and PDF) and offer both to download."""
        if self.plan is None:
            return
        earlier = [v for v in self.history if v.status == "agreed" and v.version < self.plan.version]
        text, pdf = family_page_files(self.plan, earlier)
        self.family_html = text
        self.family_pdf = pdf
        self.downloads.value = (
            "<p>The family's page: "
            + _download("our-plan.pdf", "application/pdf", pdf, "download the PDF to print")
            + " or "
            + _download("our-plan.html", "text/html", text.encode("utf-8"), "the page (HTML)")
            + ".</p>"
        )
        self.status = "The family's page is ready."

    def export(self) -> None:
        """Offer the plan as the case-recording system takes it: flat CSV and Mosaic's form answers."""
        if self.plan is None:
            return
        files = plan_export(load_history(self.store, self.plan.plan_id)).files
        self.export_files = files
        links = ", ".join(
            _download(f"{self.plan.plan_id}-{name}", "text/csv", text.encode("utf-8"), name)
            for name, text in files.items()
        )
        self.downloads.value = f"<p>For the case record (docs/mosaic-forms.md explains them): {links}.</p>"
        self.status = "The export is ready."
