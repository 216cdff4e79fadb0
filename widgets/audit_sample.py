"""Draw an audit sample (random or stratified, reproducible from a seed) and keep it as a round.

Whoever keeps the round is the viewer's trusted identity (``workbench.access``); the sample is
drawn from the cases in the viewer's scope only.
"""

from __future__ import annotations

import html
from datetime import date

import ipywidgets as W
import pandas as pd
import traitlets as T

from workbench.access import Scope
from workbench.practice.audits.recording import AuditError, auditor_id
from workbench.practice.audits.sampling import create_round, draw_sample
from workbench.practice.audits.scoping import audit_scope
from workbench.render.tables import TABLE_STYLE, html_table


class AuditSamplePanel(W.VBox):
    """Choose size, seed, strata and exclusion; draw; keep the sample as an audit round."""

    cases = T.List(T.Unicode(), help="Child ids of the sample last drawn.")
    round_id = T.Unicode("", help="The audit round last kept.")

    def __init__(self, store, *, at: date | None = None, scope: Scope | None = None) -> None:
        """Draw from the cases in ``scope`` (default: the viewer's, from their trusted identity)."""
        self.store = store
        self.sample: pd.DataFrame | None = None
        self.scope = scope or audit_scope(store)
        self.user = auditor_id(self.scope.identity)
        self.size = W.BoundedIntText(value=20, min=1, max=500, description="Cases")
        self.seed = W.IntText(value=date.today().year, description="Seed")
        self.stratify = W.Dropdown(
            options=[("Random", ""), ("By team", "team"), ("By plan type", "plan_type"),
                     ("By locality", "locality")],
            value="", description="Sample",
        )  # fmt: skip
        self.exclude = W.BoundedIntText(value=12, min=0, max=60, description="Skip audited in last (months)",
                                        style={"description_width": "initial"})  # fmt: skip
        self.at = W.DatePicker(
            value=at or date.today(), description="Cases open on", style={"description_width": "initial"}
        )
        self.draw_button = W.Button(description="Draw sample", icon="random")
        self.draw_button.add_class("wb-sample-draw")
        self.draw_button.on_click(lambda _b: self.draw())
        self.name = W.Text(placeholder="Round name, for example Q1 2026-27", description="Round")
        self.keep_button = W.Button(
            description="Keep as audit round", icon="save", disabled=True, layout=W.Layout(width="auto")
        )
        self.keep_button.add_class("wb-sample-keep")
        self.keep_button.on_click(lambda _b: self.keep())
        self.message = W.HTML()
        self.message.add_class("wb-sample-message")
        self.table = W.HTML()
        self.table.add_class("wb-sample-table")
        for widget, css in ((self.size, "size"), (self.seed, "seed"), (self.stratify, "stratify"),
                            (self.exclude, "exclude"), (self.at, "at")):  # fmt: skip
            widget.add_class(f"wb-sample-{css}")
        super().__init__(
            [W.HBox([self.size, self.seed, self.stratify]), W.HBox([self.exclude, self.at, self.draw_button]),
             W.HBox([self.name, self.keep_button]), self.message, self.table]
        )  # fmt: skip
        self.add_class("wb-audit-sample")

    def draw(self) -> pd.DataFrame | None:
        """Draw the sample as set; show it."""
        try:
            sample = draw_sample(self.store, self.size.value, self.seed.value, self.at.value,
                                 self.stratify.value or None, self.exclude.value, self.scope)  # fmt: skip
        except AuditError as error:
            self.message.value = f"<p class='wb-audit-error'>{html.escape(str(error))}</p>"
            return None
        self.sample = sample
        self.cases = sample["child_id"].tolist()
        self.keep_button.disabled = not self.user
        counts = sample.groupby("stratum").size()
        self.message.value = (
            f"<p>{len(sample)} cases drawn with seed {self.seed.value}: "
            + (
                "at random"
                if list(counts.index) == ["all"]
                else "by stratum: " + html.escape(", ".join(f"{k} {v}" for k, v in counts.items()))
            )
            + ". The same seed draws the same cases.</p>"
        )
        self.table.value = TABLE_STYLE + html_table(
            sample[["child_id", "team", "plan_type", "locality"]], "wb-sample-cases",
            headers={"child_id": "Case", "plan_type": "Plan"},
        )  # fmt: skip
        return sample

    def keep(self) -> str | None:
        """Store the sample last drawn as an audit round; return its id."""
        if self.sample is None or not self.user:
            return None
        self.round_id = create_round(
            self.store, self.name.value, self.sample, seed=self.seed.value, at=self.at.value,
            stratify_by=self.stratify.value or None, exclude_months=self.exclude.value, created_by=self.user,
        )  # fmt: skip
        self.keep_button.disabled = True
        self.message.value += (
            f"<p class='wb-audit-done'>Kept as audit round {html.escape(self.round_id)}.</p>"
        )
        return self.round_id
