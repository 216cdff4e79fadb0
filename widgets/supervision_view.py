"""Supervision: choose a worker and a date, read their children and prompts, record the supervision."""

from __future__ import annotations

import html
from datetime import date

import altair as alt
import ipywidgets as W
import pandas as pd
import traitlets

from widgets.case_outcomes_view import CaseOutcomesView
from widgets.data_date import DataDate, date_note
from widgets.missing_note import MissingNote
from widgets.offline import offline_chart
from workbench.access import AccessRefusedError, Identity
from workbench.measures.filters import data_day
from workbench.pages.case_outcomes import case_outcomes
from workbench.practice.supervision import (
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
from workbench.publishing.supervision_pack import (
    child_labels,
    render_record,
    render_supervision_body,
    scores_chart,
)
from workbench.store.engine import Store


def _no_scores_chart(title: str) -> alt.Chart:
    frame = pd.DataFrame({"text": ["No scores on a 0 to 10 scale yet"]})
    return (
        alt.Chart(frame)
        .mark_text(size=14)
        .encode(text="text:N")
        .properties(title=title, width=300, height=40)
    )


class SupervisionView(W.VBox):
    """One worker's children at a date, the prompts for supervision, and the record of it.

    ``worker_id`` and ``at`` are the state (traits); ``caseload`` holds what is shown, so tests
    and notebooks can read exactly what the page says. The viewer is the trusted identity
    (``workbench.access``; by default :func:`workbench.practice.supervision.trusted_identity`), never a
    value typed here: the worker chooser offers only the workers in their scope, and the
    workbench refuses any other. Records are saved with the viewer as supervisor.
    """

    worker_id = traitlets.Unicode("")
    at = traitlets.Any(None)
    saved_record_id = traitlets.Int(0)

    def __init__(
        self,
        store: Store,
        at: date | None = None,
        worker_id: str | None = None,
        identity: Identity | None = None,
    ) -> None:
        self.store = store
        at = data_day(store, at)  # the data's date unless a reader looks back
        self.identity = identity or trusted_identity()  # refused here: no page without a viewer
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
             *self.notes.values(), self.save_button, self.message],
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
                self.chart,
                self.caseload_html,
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
        if not self.worker_id:
            self.caseload = None
            self.caseload_html.value = "<p>No worker you may see has a caseload on this date.</p>"
            self.records_html.value = ""
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
            self._fill_children()
            return
        names = child_labels(caseload.children["child_id"], "internal", "")
        # The same title for every worker (the page names them above): choosing another worker
        # then only swaps the figures in the chart already drawn.
        title = "Scores over time: each child's desired outcomes (the dot is the latest score)"
        drawn = scores_chart(caseload, names, title)
        # Updated in place: re-displaying into an Output is slow in Voila.
        self.chart.chart = drawn if drawn is not None else _no_scores_chart(title)
        caseload.prompts = build_prompts(caseload.outcomes, caseload.scores, self.at)
        self.caseload = caseload
        self.caseload_html.value = render_supervision_body(
            self.caseload, "internal", records=None, chart=False
        )
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
        records = supervision_records(self.store, self.worker_id)
        if records.empty:
            self.records_html.value = "<p>None recorded in the workbench yet.</p>"
        else:
            self.records_html.value = "".join(render_record(r) for r in records.itertuples(index=False))

    # -- recording ------------------------------------------------------------------------

    def save(self) -> int | None:
        """Save what was discussed, challenged and confirmed; return the record id (None if refused)."""
        try:
            record_id = record_supervision(
                self.store,
                self.worker_id,
                self.supervision_date.value or date.today(),
                self.at,
                **{name: box.value for name, box in self.notes.items()},
            )
        except SupervisionError as error:
            self.message.value = f"<p class='wb-error'>Not saved: {html.escape(str(error))}.</p>"
            return None
        for box in self.notes.values():
            box.value = ""
        self.message.value = f"<p>Saved supervision record {record_id}.</p>"
        self.saved_record_id = record_id
        self._show_records()
        return record_id
