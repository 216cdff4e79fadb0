"""A rewriting exercise: a statement to improve, a box for the rewrite, and the reader's feedback."""

from __future__ import annotations

import html

import ipywidgets as W
import pandas as pd
import traitlets as T

from workbench.core.codes import labels
from workbench.text.teaching import rewrite_feedback, teaching_examples


class RewriteExercise(W.VBox):
    """Pick a domain and an example; rewrite it; the feedback follows every change to the rewrite.

    ``examples`` (domain, before, after) defaults to the teaching file. ``rewrite`` holds the
    trainee's text and ``done`` whether it now reads as a clear outcome in the family's words.
    """

    rewrite = T.Unicode("")
    done = T.Bool(False)

    def __init__(self, examples: pd.DataFrame | None = None) -> None:
        self.examples = teaching_examples() if examples is None else examples.reset_index(drop=True)
        names = labels("outcome_domains")
        domains = list(dict.fromkeys(self.examples["domain"]))
        self.domain = W.Dropdown(options=[(names.get(d, d), d) for d in domains], description="Domain")
        self.example = W.Dropdown(description="Statement", layout=W.Layout(width="640px"))
        self.before = W.HTML()
        self.before.add_class("wb-rewrite-before")
        self.box = W.Textarea(
            placeholder="Rewrite it as the family would say it...", layout=W.Layout(width="640px")
        )
        self.box.add_class("wb-rewrite-box")
        self.feedback = W.HTML()
        self.feedback.add_class("wb-rewrite-feedback")
        self.show_example = W.Button(description="Show one way to write it", layout=W.Layout(width="auto"))
        self.show_example.add_class("wb-rewrite-show")
        self.answer = W.HTML()
        self.answer.add_class("wb-rewrite-answer")
        super().__init__(
            [self.domain, self.example, self.before, self.box, self.feedback, self.show_example, self.answer]
        )
        self.add_class("wb-rewrite-exercise")
        self.domain.observe(self._on_domain, names="value")
        self.example.observe(self._on_example, names="value")
        W.link((self.box, "value"), (self, "rewrite"))
        self.show_example.on_click(self._on_show)
        self._on_domain()
        self._on_rewrite({})

    def _on_domain(self, _change: dict | None = None) -> None:
        rows = self.examples[self.examples["domain"] == self.domain.value]
        self.example.options = [(text, i) for i, text in zip(rows.index, rows["before"], strict=True)]
        self.example.value = rows.index[0] if len(rows) else None

    def _on_example(self, _change: dict | None = None) -> None:
        if self.example.value is None:
            return
        before = self.examples.loc[self.example.value, "before"]
        # As recorded, nothing has been rewritten yet: "a process", not "still a process".
        verdict = rewrite_feedback(before).verdict.replace("Still a process", "A process", 1)
        self.before.value = (
            f"<p>As recorded: <strong>{html.escape(before)}</strong><br>{html.escape(verdict)}</p>"
        )
        self.answer.value = ""
        self.rewrite = ""

    def _on_show(self, _button: W.Button) -> None:
        after = self.examples.loc[self.example.value, "after"]
        self.answer.value = f"<p>One way: <em>{html.escape(after)}</em></p>"

    @T.observe("rewrite")
    def _on_rewrite(self, _change: dict) -> None:
        feedback = rewrite_feedback(self.rewrite)
        self.done = feedback.done
        asks = "".join(f"<li>{html.escape(q)}</li>" for q in feedback.questions)
        why = html.escape(feedback.reading.explanation) if self.rewrite.strip() else ""
        mark = "&#10003; " if feedback.done else ""
        self.feedback.value = (
            f"<p><strong>{mark}{html.escape(feedback.verdict)}</strong></p>"
            + (f"<ul>{asks}</ul>" if asks and not feedback.done else "")
            + (f"<p class='wb-rewrite-why'>Why: {why}</p>" if why else "")
        )
