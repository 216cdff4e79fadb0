"""Audit findings in a dashboard: grades by question, team and period, themes, records beside audits.

Only the audits of cases in the viewer's scope are counted (``workbench.practice.audits.scoping``). Every
table is built by ``workbench.practice.audits.findings`` and shown escaped (evidence is typed by
people). The chart is an offline JupyterChart updated in place on refresh.

The export is handed to the viewer's own browser as downloads made in memory (``data:`` links
in this viewer's widget): nothing is written on the server, and no other viewer can see it
(security review 2026-12, finding 8). The shared export carries no child, audit or worker id
(``workbench.practice.audits.findings.pseudonymous``); the working copy with ids is offered
only to a viewer whose scope is the whole service.
"""

from __future__ import annotations

import base64
import html
from datetime import date
from typing import ClassVar

import ipywidgets as W
import pandas as pd
import traitlets as T

from widgets.missing_note import MissingNote
from widgets.offline import offline_chart
from workbench.access import Scope
from workbench.practice.audits.findings import (
    Findings,
    build_findings,
    findings_files,
    question_labels,
    themes_summary,
)
from workbench.practice.audits.scoping import audit_scope
from workbench.practice.audits.templates import grade_labels
from workbench.render.charts import GRADE_COLOURS, audit_grade_chart
from workbench.render.tables import TABLE_STYLE, html_table

_RECORDS_NOTE = (
    "<p>Each audited child's share of desired outcomes that are Clear, Consensual and Reviewed on the "
    "audit date, beside the auditor's grade on the matching question (q1, q3, q6). They agree on a "
    "case when good or better goes with at least half, or a lower grade with less than half.</p>"
)


class AuditFindingsView(W.VBox):
    """Findings for audits completed up to ``at``; ``refresh()`` re-reads the store."""

    audits = T.Int(0, help="Completed audits counted.")
    by = T.Unicode("question", help="What the chart groups grades by: question, team or period.")

    def __init__(
        self,
        store,
        *,
        at: date | None = None,
        scope: Scope | None = None,
    ) -> None:
        """Show findings for the audits in ``scope`` (default: the viewer's, from their trusted identity)."""
        self.scope = scope or audit_scope(store)
        self.store = store
        self.at = at
        self.findings: Findings | None = None
        self.group = W.ToggleButtons(
            options=[("By question", "question"), ("By team", "team"), ("By period", "period")],
            value="question",
        )
        self.group.add_class("wb-findings-by")
        self.group.observe(lambda change: setattr(self, "by", change["new"]), names="value")
        self.refresh_button = W.Button(description="Refresh", icon="refresh")
        self.refresh_button.add_class("wb-findings-refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.export_button = W.Button(description="Export to share (no ids)", icon="download",
                                      layout=W.Layout(width="auto"))  # fmt: skip
        self.export_button.add_class("wb-findings-export")
        self.export_button.on_click(lambda _b: self.export())
        self.working_copy_button = W.Button(description="Working copy with ids", icon="download",
                                            layout=W.Layout(width="auto"))  # fmt: skip
        self.working_copy_button.add_class("wb-findings-export-ids")
        self.working_copy_button.on_click(lambda _b: self.export(identified=True))
        # Ids only for a viewer who may see every case (the audit lead); nobody else is offered them.
        self.working_copy_button.layout.display = None if self.scope.everything else "none"
        self.summary = W.HTML()
        self.summary.add_class("wb-findings-summary")
        self.tables = W.HTML()
        self.tables.add_class("wb-findings-tables")
        self.latest = W.HTML()
        self.latest.add_class("wb-findings-latest")
        self.message = W.HTML()
        self.missing = MissingNote(store, ["audits"])
        self.findings = self._build()
        # The heading names the grouping, not the chart: the chart keeps one shape whatever the
        # grouping, so choosing another swaps its figures in the browser instead of redrawing it.
        self.chart_heading = W.HTML(self._chart_heading())
        self.chart_heading.add_class("wb-findings-chart-heading")
        self.chart = offline_chart(self._chart(), "wb-findings-chart")
        self.chart_table = W.HTML(self._chart_words())  # the chart's figures in words, beside it
        self._show()
        self.observe(lambda _c: self._redraw(), names="by")
        super().__init__(
            [self.missing, W.HBox([self.refresh_button, self.export_button, self.working_copy_button]),
             self.message, self.summary, self.group,
             self.chart_heading, self.chart, self.chart_table, self.latest, self.tables]
        )  # fmt: skip
        self.add_class("wb-findings-view")

    def _build(self) -> Findings:
        return build_findings(self.store, self.at, scope=self.scope)

    def _distribution(self) -> pd.DataFrame:
        f = self.findings
        if self.by == "question":
            labels = question_labels()
            return f.by_question.assign(
                question=f.by_question["question_id"].map(lambda q: f"{q} {labels.get(q, '')}")
            )
        return f.by_team if self.by == "team" else f.by_period

    _TITLES: ClassVar[dict[str, str]] = {
        "question": "First grades by question",
        "team": "Overall grades by team",
        "period": "Overall grades by financial year",
    }

    def _chart(self):
        return audit_grade_chart(self._distribution(), self.by, "Share of each grade (n: audits counted)")

    def _chart_heading(self) -> str:
        return f"<h3>{html.escape(self._TITLES[self.by])}</h3>"

    def _chart_words(self) -> str:
        """Return the chart's counts as a table: one row per group, one column per grade."""
        distribution = self._distribution()
        if distribution.empty:
            return ""
        wide = distribution.pivot_table(
            index=self.by, columns="grade_label", values="count", aggfunc="sum", fill_value=0, observed=True
        )
        wide = wide[[grade for grade in GRADE_COLOURS if grade in wide.columns]].reset_index()
        return html_table(wide, "wb-findings-grades", caption=f"{self._TITLES[self.by]}: number of grades")

    def _redraw(self) -> None:
        self.chart_heading.value = self._chart_heading()
        self.chart.chart = self._chart()
        self.chart_table.value = self._chart_words()

    def refresh(self) -> None:
        """Re-read the store (after an audit is submitted or moderated) and redraw."""
        note = MissingNote(self.store, ["audits"])  # the first audit recorded answers it
        self.missing.messages, self.missing.value = note.messages, note.value
        self.findings = self._build()
        self._redraw()
        self._show()

    def _show(self) -> None:
        f = self.findings
        self.audits = len(f.audits)
        # With no audits, empty charts and tables say nothing the note above does not: hide them.
        for part in (self.group, self.chart_heading, self.chart, self.chart_table, self.latest, self.tables):
            part.layout.display = "none" if f.audits.empty else None
        recorded = int((f.audits["source"] == "workbench").sum())
        moderated = int((f.audits["status"] == "moderated").sum())
        self.summary.value = (
            TABLE_STYLE
            + f"<p><b>{len(f.audits):,}</b> completed audits ({recorded:,} recorded in the workbench), "
            f"{moderated:,} moderated"
            + ("" if self.scope.everything else ", of the cases your role lets you see")
            + ".</p>"
        )
        latest = f.audits.sort_values(["audit_date", "audit_id"], ascending=False).head(10)
        evidence = (
            f.answers[f.answers["audit_id"].isin(set(latest["audit_id"])) & f.answers["evidence"].notna()]
            .merge(latest[["audit_id", "audit_date"]], on="audit_id")
            .sort_values(["audit_date", "audit_id", "question_id"], ascending=[False, False, True])
            .head(24)[["audit_id", "question_id", "grade", "evidence"]]
        )
        names = grade_labels()
        evidence["grade"] = evidence["grade"].map(lambda g: names.get(g, g))
        latest = latest.assign(
            overall_grade=latest["overall_grade"].map(lambda g: names.get(g, g), na_action="ignore"),
            moderated_grade=latest["moderated_grade"].map(lambda g: names.get(g, g), na_action="ignore"),
        )
        self.latest.value = (
            "<h4>Latest audits</h4>"
            + html_table(
                latest[
                    [
                        "audit_id",
                        "audit_date",
                        "child_id",
                        "auditor_id",
                        "overall_grade",
                        "moderated_grade",
                        "status",
                        "source",
                    ]
                ],
                "wb-findings-latest-audits",
            )
            + "<h4>Their evidence</h4>"
            + html_table(evidence, "wb-findings-evidence")
        )
        self.tables.value = (
            "<h4>Strongest and weakest questions</h4>"
            + html_table(
                f.question_strength, "wb-findings-strength", {"share_good": "{:.0%}", "mean_rank": "{:.2f}"}
            )
            + "<p>Themes: words and two-word phrases counted once per answer's evidence, "
            "common words left out.</p>"
            + html_table(themes_summary(f.themes), "wb-findings-themes")
            + "<h4>Do the records and the auditors agree?</h4>"
            + _RECORDS_NOTE
            + html_table(f.records_agreement, "wb-findings-records", {"share_agree": "{:.0%}"})
            + html_table(f.records_beside_audits, "wb-findings-records-by-grade", {"mean_share": "{:.0%}"})
            + "<h4>Moderation agreement</h4>"
            + html_table(
                f.agreement,
                "wb-findings-agreement",
                {"percent_agreement": "{:.0f}%", "chance_agreement": "{:.2f}", "kappa": "{:.2f}"},
            )
            + "<h4>Actions arising</h4>"
            + (
                html_table(f.actions, "wb-findings-actions")
                if len(f.actions)
                else "<p>No actions recorded.</p>"
            )
        )

    def export(self, identified: bool = False) -> dict[str, bytes]:
        """Offer the findings page and workbook as downloads to this viewer; return ``{name: bytes}``.

        Made in memory and sent only over this viewer's own widget: nothing lands on the server.
        ``identified`` (the working copy with ids) is refused to a viewer who may not see every
        case.
        """
        if identified and not self.scope.everything:
            self.message.value = (
                "<p class='wb-findings-exported'>The working copy with ids is for the audit lead.</p>"
            )
            return {}
        files = findings_files(self.findings, identified=identified)
        shared = "To share: no child, audit or worker ids"
        what = "Working copy with ids (do not share)" if identified else shared
        self.message.value = (
            f"<p class='wb-findings-exported'>{html.escape(what)}. Download: "
            + " and ".join(_download_link(name, content) for name, content in files.items())
            + "</p>"
        )
        return files


_MEDIA_TYPES = {
    ".html": "text/html",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download_link(name: str, content: bytes) -> str:
    """Return a link that saves ``content`` as ``name`` in the browser (a ``data:`` URL, no server file)."""
    media = _MEDIA_TYPES.get(name[name.rfind("."):], "application/octet-stream")
    encoded = base64.b64encode(content).decode("ascii")
    return (
        f"<a class='wb-findings-download' download='{html.escape(name)}' "
        f"href='data:{media};base64,{encoded}'>{html.escape(name)}</a>"
    )
