"""The audit form: one case's record beside the template's questions, saved as the auditor types.

The auditor is the viewer's trusted identity (``workbench.access.current_identity``, recorded
as ``workbench.practice.audits.recording.auditor_id``): never a value typed into the page. The cases
offered and opened are those of the viewer's scope (``workbench.practice.audits.scoping``); a case typed
in from outside it is refused. Every change is
saved to the store as a draft (after a short pause while typing, so a keystroke is not a
write); reopening the case restores the draft. Submit checks that every required question has
a grade and names the ones that do not.
"""

from __future__ import annotations

import asyncio
import html
from datetime import date

import ipywidgets as W
import traitlets as T

from workbench.access import AccessRefusedError, Scope
from workbench.practice.audits.casefile import case_file, case_file_html
from workbench.practice.audits.recording import (
    Answer,
    AuditError,
    AuditRecord,
    auditor_id,
    evidence_window,
    load_draft,
    save_draft,
    submission_problems,
    submit_audit,
)
from workbench.practice.audits.scoping import audit_scope, cases_in_scope, require_case
from workbench.practice.audits.templates import AuditTemplate, grade_labels, graded_codes


def _grade_options(codes) -> list[tuple[str, str]]:
    names = grade_labels()
    return [("Choose a grade", ""), *((names.get(c, c), c) for c in codes)]


class QuestionField(W.VBox):
    """One question: its text and guidance, a grade and the evidence."""

    def __init__(self, question) -> None:
        self.question = question
        required = " <span class='wb-required'>(required)</span>" if question.required else ""
        self.heading = W.HTML(
            f"<b>{html.escape(question.question_id)}. {html.escape(question.theme)}</b>{required}"
            f"<div class='wb-audit-question-text'>{html.escape(question.text)}</div>"
            "<details class='wb-audit-guidance'><summary>Guidance</summary>"
            f"{html.escape(question.guidance)}</details>"
        )
        self.grade = W.Dropdown(
            options=_grade_options(question.allowed_grades()), value="", description="Grade"
        )
        self.grade.add_class("wb-audit-grade")
        self.evidence = W.Textarea(
            placeholder="Evidence: what the record shows was achieved for the child",
            layout=W.Layout(width="98%", height="70px"),
            continuous_update=True,
        )
        self.evidence.add_class("wb-audit-evidence")
        self.problem = W.HTML()
        self.problem.add_class("wb-audit-problem")
        super().__init__([self.heading, self.grade, self.evidence, self.problem])
        self.add_class("wb-audit-question")
        self.add_class(f"wb-audit-q-{question.question_id}")

    @property
    def answer(self) -> Answer:
        """The grade and evidence as entered."""
        return Answer(self.grade.value or "", self.evidence.value or "")


class AuditForm(W.VBox):
    """Audit one case against ``template``; drafts go to ``store`` as the auditor types."""

    child_id = T.Unicode("", help="The case open in the form.")
    status = T.Unicode("", help="What happened last: opened, draft saved, missing, submitted, ...")
    missing = T.List(T.Unicode(), help="Questions (or 'overall') that stop the audit being submitted.")
    submitted_audit_id = T.Unicode("", help="The id of the audit last submitted from this form.")
    saves = T.Int(0, help="How many drafts this form has saved.")

    def __init__(
        self,
        store,
        template: AuditTemplate,
        *,
        today: date | None = None,
        save_delay: float = 0.8,
        child_ids: list[str] | None = None,
        window_end: date | None = None,
        rounds: dict[str, str] | None = None,
        scope: Scope | None = None,
    ) -> None:
        """Build the form; the evidence window ends on ``window_end`` (default: the audit date).

        ``scope`` is what the viewer may see (default: :func:`~workbench.practice.audits.scoping.audit_scope`
        of the viewer's trusted identity, refused with ``AccessRefusedError`` when there is none).

        ``rounds`` maps sampled cases to their audit round (``sampling.round_assignments``): they
        are offered in the case box, and an audit of one is recorded against its round.
        """
        self.scope = scope or audit_scope(store)
        self.rounds = {c: r for c, r in (rounds or {}).items() if self.scope.allows_child(c)}
        self.store = store
        self.template = template
        self.today = today or date.today()
        self.save_delay = save_delay
        self._pending = None
        self._restoring = False
        identity = self.scope.identity
        self.auditor_id = auditor_id(identity)
        name = identity.name or identity.user
        # Demo names already say the role ("Farah Fisher, team lead, ..."): say it once.
        described = name if identity.title.lower() in name.lower() else f"{name}, {identity.title}"
        self.who = W.HTML(f"Auditing as <b>{html.escape(self.auditor_id)}</b> ({html.escape(described)})")
        self.who.add_class("wb-audit-user")
        self.case_input = W.Combobox(
            placeholder="Child id, for example C000020",
            options=cases_in_scope(self.scope, child_ids or sorted(self.rounds)),
            ensure_option=False,
            description="Case",
        )
        self.case_input.add_class("wb-audit-case")
        self.open_button = W.Button(description="Open case", icon="folder-open")
        self.open_button.add_class("wb-audit-open")
        self.open_button.on_click(lambda _b: self.open_case(self.case_input.value.strip()))
        start, end = evidence_window(template, min(window_end or self.today, self.today))
        self.window_from = W.DatePicker(
            value=start, description="Evidence from", style={"description_width": "initial"}
        )
        self.window_to = W.DatePicker(value=end, description="to")
        self.window_from.add_class("wb-audit-window-from")
        self.window_to.add_class("wb-audit-window-to")
        self.case_view = W.HTML("<p>Open a case to see its desired outcomes, reviews and meetings.</p>")
        self.case_view.add_class("wb-audit-case-file")
        self.fields = {q.question_id: QuestionField(q) for q in template.questions}
        self.overall = W.Dropdown(options=_grade_options(graded_codes()), value="", description="Overall")
        self.overall.add_class("wb-audit-overall")
        self.submit_button = W.Button(description="Submit audit", button_style="primary", icon="check")
        self.submit_button.add_class("wb-audit-submit")
        self.submit_button.on_click(lambda _b: self.submit())
        self.message = W.HTML()
        self.message.add_class("wb-audit-message")
        for fld in self.fields.values():
            fld.grade.observe(self._changed, names="value")
            fld.evidence.observe(self._changed, names="value")
        for widget in (self.overall, self.window_from, self.window_to):
            widget.observe(self._changed, names="value")
        self.questions_box = W.VBox(
            [W.HTML(f"<h4>{html.escape(template.title)} (v{html.escape(template.version)})</h4>"),
             *self.fields.values(), self.overall, self.submit_button, self.message],
            layout=W.Layout(width="55%"),
        )  # fmt: skip
        self.questions_box.add_class("wb-audit-questions")
        # The case file scrolls inside its own region, which the keyboard can reach (tabindex):
        # a scrolling box the keyboard cannot reach hides the case from keyboard users.
        self.case_box = W.VBox([self.case_view], layout=W.Layout(width="45%"))
        self._set_enabled(False)
        super().__init__(
            [
                W.HBox([self.who]),
                W.HBox([self.case_input, self.open_button]),
                W.HBox([self.window_from, self.window_to]),
                W.HBox([self.case_box, self.questions_box]),
            ]
        )
        self.add_class("wb-audit-form")

    # -- state ---------------------------------------------------------------------------------

    def _set_enabled(self, enabled: bool) -> None:
        for fld in self.fields.values():
            fld.grade.disabled = fld.evidence.disabled = not enabled
        self.overall.disabled = self.submit_button.disabled = not enabled

    def answers(self) -> dict[str, Answer]:
        """Return the answers as they stand in the form."""
        return {
            qid: fld.answer for qid, fld in self.fields.items() if fld.answer.grade or fld.answer.evidence
        }

    def _clear(self) -> None:
        for fld in self.fields.values():
            fld.grade.value = ""
            fld.evidence.value = ""
            fld.problem.value = ""
            fld.remove_class("wb-audit-missing")
        self.overall.value = ""
        self.missing = []

    def use_rounds(self, rounds: dict[str, str]) -> None:
        """Offer these sampled cases (``{child_id: round_id}``) and record audits against their round."""
        self.rounds = {c: r for c, r in rounds.items() if self.scope.allows_child(c)}
        self.case_input.options = sorted(self.rounds)

    def open_case(self, child_id: str) -> None:
        """Show ``child_id``'s record beside the questions and restore the auditor's draft."""
        self._flush()
        if not child_id:
            self.message.value = "<p class='wb-audit-error'>Enter a child id.</p>"
            return
        try:
            require_case(self.scope, child_id)
        except AccessRefusedError:
            self._restoring = True
            self._clear()
            self._restoring = False
            self.child_id = ""
            self._set_enabled(False)
            self.case_view.value = "<p>Open a case to see its desired outcomes, reviews and meetings.</p>"
            self.status = "refused"
            self.message.value = (
                f"<p class='wb-audit-error'>Case {html.escape(child_id)} is not one your role lets you "
                "see or audit.</p>"
            )
            return
        self._restoring = True
        try:
            self._clear()
            draft = load_draft(self.store, child_id, self.auditor_id) if self.auditor_id else None
            if draft is not None:
                for qid, answer in draft.answers.items():
                    if qid in self.fields:
                        fld = self.fields[qid]
                        fld.grade.value = (
                            answer.grade if answer.grade in dict(fld.grade.options).values() else ""
                        )
                        fld.evidence.value = answer.evidence
                self.overall.value = draft.overall_grade if draft.overall_grade else ""
                self.window_from.value = draft.evidence_from or self.window_from.value
                self.window_to.value = draft.evidence_to or self.window_to.value
            self.child_id = child_id
            case = self._show_case(child_id)
        finally:
            self._restoring = False
        can_audit = case.found and bool(self.auditor_id)
        self._set_enabled(can_audit)
        if draft is not None:
            self.status = "draft restored"
            self.message.value = (
                f"<p class='wb-audit-info'>Draft restored (saved {html.escape(draft.saved_at)}).</p>"
            )
        else:
            self.status = "opened" if can_audit else "cannot audit"
            self.message.value = ""

    def _show_case(self, child_id: str):
        """Show the case file for the evidence window, with the help chosen for each outcome; return it."""
        start, end = self.window_from.value, self.window_to.value
        case = case_file(self.store, child_id, start, end)
        # What is being done for each outcome is shown beside it (CaseFile.view), so
        # "evidence-informed help" is graded on the help itself.
        shown = case_file_html(case, start, end)
        self.case_view.value = (
            f"<div class='wb-case-scroll' tabindex='0' role='region' aria-label='Case file of "
            f"{html.escape(child_id)}' style='max-height:1200px;overflow:auto'>{shown}</div>"
        )
        return case

    def _changed(self, change) -> None:
        if self._restoring or not self.child_id or not self.auditor_id:
            return
        for qid, fld in self.fields.items():
            if change["owner"] is fld.grade and change["new"] and qid in self.missing:
                fld.problem.value = ""  # answered now: the marker from the last Submit is stale
                fld.remove_class("wb-audit-missing")
                self.missing = [m for m in self.missing if m != qid]
        if change["owner"] is self.overall and change["new"] and "overall" in self.missing:
            self.missing = [m for m in self.missing if m != "overall"]
        if (
            change["owner"] in (self.window_from, self.window_to)
            and self.window_from.value
            and self.window_to.value
        ):
            self._show_case(self.child_id)
        self._schedule_save()

    def _schedule_save(self) -> None:
        """Save now, or after ``save_delay`` seconds without a further change (on the kernel's loop)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.save_delay <= 0:
            self.save_draft()
        else:
            self._pending = loop.call_later(self.save_delay, self.save_draft)

    def _flush(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
            self.save_draft()

    def save_draft(self) -> None:
        """Save what is in the form as the auditor's draft for this case."""
        self._pending = None
        if not self.child_id or not self.auditor_id:
            return
        save_draft(
            self.store, self.child_id, self.auditor_id, self.template, self.answers(),
            self.overall.value or "", self.window_from.value, self.window_to.value,
        )  # fmt: skip
        self.saves += 1
        self.status = "draft saved"
        self.message.value = "<p class='wb-audit-saved'>Draft saved.</p>"

    def submit(self) -> str | None:
        """Submit the audit if every required question is answered; return its id, or None."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if not self.child_id or not self.auditor_id:
            self.message.value = "<p class='wb-audit-error'>Open a case first.</p>"
            return None
        answers = self.answers()
        problems = submission_problems(self.template, answers, self.overall.value or "")
        for qid, fld in self.fields.items():
            fld.problem.value = (
                f"<span class='wb-audit-error'>{html.escape(problems[qid])}</span>" if qid in problems else ""
            )
            (fld.add_class if qid in problems else fld.remove_class)("wb-audit-missing")
        self.missing = list(problems)
        if problems:
            self.save_draft()
            names = ", ".join(problems)
            self.status = "missing"
            self.message.value = (
                f"<p class='wb-audit-error'>Not submitted: answer {html.escape(names)} first. "
                "Your draft is saved.</p>"
            )
            return None
        record = AuditRecord(
            child_id=self.child_id,
            auditor_id=self.auditor_id,
            template=self.template,
            answers={qid: a for qid, a in answers.items() if a.grade},
            overall_grade=self.overall.value,
            audit_date=self.today,
            evidence_from=self.window_from.value,
            evidence_to=self.window_to.value,
            round_id=self.rounds.get(self.child_id),
        )
        try:
            audit_id = submit_audit(self.store, record, scope=self.scope)
        except (AuditError, AccessRefusedError) as error:
            self.status = "refused"
            self.message.value = f"<p class='wb-audit-error'>{html.escape(str(error))}</p>"
            return None
        self._set_enabled(False)
        self.submitted_audit_id = audit_id
        self.status = "submitted"
        self.message.value = (
            f"<p class='wb-audit-done'>Submitted audit {html.escape(audit_id)} of case "
            f"{html.escape(self.child_id)}.</p>"
        )
        return audit_id
