"""Moderation: a second person reads a submitted audit and records agreed grades beside the first.

The moderator is the viewer's trusted identity (``workbench.access``), and only audits of cases
in their scope are offered or accepted; the store refuses a moderation by the audit's own
auditor. The first grades are shown, never edited.
"""

from __future__ import annotations

import html
from datetime import date

import ipywidgets as W
import pandas as pd
import traitlets as T

from workbench.access import AccessRefusedError, Scope
from workbench.practice.audits.moderation import agreement, moderate_audit
from workbench.practice.audits.recording import AuditError, auditor_id
from workbench.practice.audits.scoping import audit_scope, require_audit, scoped_answers, scoped_audits
from workbench.practice.audits.templates import grade_labels, graded_codes, stored_template
from workbench.render.tables import TABLE_STYLE, html_table


def _options(codes) -> list[tuple[str, str]]:
    names = grade_labels()
    return [("Choose a grade", ""), *((names.get(c, c), c) for c in codes)]


class ModerationForm(W.VBox):
    """Pick a submitted workbench audit, agree or change each grade with a reason, and save."""

    audit_id = T.Unicode("", help="The audit being moderated.")
    moderated_audit_id = T.Unicode("", help="The audit last moderated from this form.")

    def __init__(self, store, *, today: date | None = None, scope: Scope | None = None) -> None:
        """Offer the audits in ``scope`` (default: the viewer's, from their trusted identity)."""
        self.store = store
        self.today = today or date.today()
        self.scope = scope or audit_scope(store)
        self.moderator_id = auditor_id(self.scope.identity)
        self.who = W.HTML(f"Moderating as <b>{html.escape(self.moderator_id)}</b>")
        self.picker = W.Dropdown(description="Audit", layout=W.Layout(width="60%"))
        self.picker.add_class("wb-moderation-audit")
        self.picker.observe(lambda change: self.show(change["new"] or ""), names="value")
        self.questions = W.VBox()
        self.questions.add_class("wb-moderation-questions")
        self.overall = W.Dropdown(
            options=_options(graded_codes()),
            value="",
            description="Agreed overall",
            style={"description_width": "initial"},
        )
        self.overall.add_class("wb-moderation-overall")
        self.reason = W.Text(placeholder="Why the overall grade was agreed or changed", description="Reason",
                             layout=W.Layout(width="90%"))  # fmt: skip
        self.reason.add_class("wb-moderation-reason")
        self.save_button = W.Button(description="Record moderation", button_style="primary", disabled=True)
        self.save_button.add_class("wb-moderation-save")
        self.save_button.on_click(lambda _b: self.save())
        self.message = W.HTML()
        self.message.add_class("wb-moderation-message")
        self.agreement = W.HTML()
        self.agreement.add_class("wb-moderation-agreement")
        self._grades: dict[str, tuple[W.Dropdown, W.Text]] = {}
        self.refresh()
        super().__init__([self.who, self.picker, self.questions, self.overall, self.reason, self.save_button,
                          self.message, self.agreement])  # fmt: skip
        self.add_class("wb-moderation-form")

    def refresh(self) -> None:
        """Re-read the audits waiting for moderation and the agreement figures."""
        audits = scoped_audits(self.store, self.scope)
        waiting = audits[(audits["source"] == "workbench") & (audits["status"] == "submitted")]
        waiting = waiting.sort_values("audit_date", ascending=False)
        self.picker.options = [("Choose an audit", "")] + [
            (f"{r.audit_id}: case {r.child_id}, {r.audit_date:%d %b %Y}, by {r.auditor_id}", r.audit_id)
            for r in waiting.itertuples()
        ]
        if self.picker.value is None:  # ipywidgets leaves a first options list unselected
            self.picker.value = ""
        self.picker.description = "Audit" if len(self.picker.options) > 1 else "No audits waiting"
        table = agreement(scoped_answers(self.store, self.scope))
        self.agreement.value = (
            TABLE_STYLE
            + "<h4>Agreement between first and moderated grades</h4>"
            + html_table(
                table[["question_id", "pairs", "agreed", "percent_agreement", "kappa"]],
                "wb-moderation-agreement-table",
                {"percent_agreement": "{:.0f}%", "kappa": "{:.2f}"},
                {"question_id": "Question", "pairs": "Pairs", "agreed": "Agreed",
                 "percent_agreement": "Agreement", "kappa": "Cohen's kappa"},
                empty="No moderated audits yet.",
            )
        )  # fmt: skip

    def show(self, audit_id: str) -> None:
        """Show the audit's first grades and evidence with a moderated grade and reason for each."""
        self.audit_id = audit_id
        self._grades = {}
        if not audit_id:
            self.questions.children = ()
            self.save_button.disabled = True
            return
        try:
            require_audit(self.store, self.scope, audit_id)
        except AccessRefusedError as error:
            self.questions.children = ()
            self.save_button.disabled = True
            self.message.value = f"<p class='wb-audit-error'>{html.escape(str(error))}</p>"
            return
        audit = scoped_audits(self.store, self.scope).set_index("audit_id").loc[audit_id]
        template = stored_template(self.store, audit["template_id"], audit["template_version"])
        answers = scoped_answers(self.store, self.scope)
        answers = answers[answers["audit_id"] == audit_id].set_index("question_id")
        names = grade_labels()
        rows = []
        for question in template.questions:
            if question.question_id not in answers.index:
                continue
            first = answers.loc[question.question_id]
            grade = W.Dropdown(options=_options(question.allowed_grades()), value=first["grade"],
                               description="Agreed")  # fmt: skip
            grade.add_class("wb-moderation-grade")
            why = W.Text(placeholder="Reason", layout=W.Layout(width="60%"))
            why.add_class("wb-moderation-why")
            self._grades[question.question_id] = (grade, why)
            evidence = "" if pd.isna(first["evidence"]) else first["evidence"]
            rows.append(
                W.VBox([
                    W.HTML(
                        f"<b>{html.escape(question.question_id)}. {html.escape(question.theme)}</b>: "
                        "first grade "
                        f"<b>{html.escape(names.get(first['grade'], first['grade']))}</b>"
                        f"<div class='wb-moderation-evidence'>{html.escape(evidence)}</div>"
                    ),
                    W.HBox([grade, why]),
                ])
            )  # fmt: skip
        self.questions.children = rows
        self.overall.value = audit["overall_grade"]
        self.save_button.disabled = not self.moderator_id

    def save(self) -> int | None:
        """Record the moderation; return its id, or None with the reasons shown."""
        grades = {qid: (g.value or "", w.value) for qid, (g, w) in self._grades.items()}
        try:
            moderation_id = moderate_audit(
                self.store, self.audit_id, self.moderator_id, grades, self.overall.value or "",
                self.reason.value, self.today, scope=self.scope,
            )  # fmt: skip
        except (AuditError, AccessRefusedError) as error:
            self.message.value = f"<p class='wb-audit-error'>{html.escape(str(error))}</p>"
            return None
        self.moderated_audit_id = self.audit_id
        self.message.value = (
            f"<p class='wb-audit-done'>Moderation of {html.escape(self.audit_id)} recorded.</p>"
        )
        self.refresh()
        return moderation_id
