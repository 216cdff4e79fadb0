"""Appraisal: a worker's year by the work done, their own words and their manager's, kept in the store."""

from __future__ import annotations

import html
from datetime import date

import ipywidgets as W
import pandas as pd
import traitlets

from widgets.missing_note import MissingNote
from widgets.offline import offline_chart
from workbench.access import AccessRefusedError, Identity
from workbench.core.dates import short_date
from workbench.measures.filters import data_day
from workbench.measures.service_data import ServiceData
from workbench.practice.appraisal import (
    APPRAISEE,
    Appraisal,
    AppraisalError,
    appraisal_scope,
    appraisal_workers,
    audit_frame,
    build_appraisal,
    save_entry,
    service_distance_by_domain,
    voice_of,
    worker_distance_by_domain,
    worker_name,
)
from workbench.publishing.appraisal_pack import (
    CHART_NOTE,
    appraisal_body_parts,
    distance_chart,
    distance_chart_frame,
    distance_chart_title,
)
from workbench.render.altair_import import altair as alt
from workbench.store.engine import Store

#: What each writer is asked.
PROMPTS = {
    APPRAISEE: (
        "Your own words",
        "What difference has your work made for children and families this year? What are you proud "
        "of, and what would you do differently?",
    ),
    "manager": (
        "Your words as their manager",
        "What did their work change for children and families? What will you ask of them next year?",
    ),
}


def _no_distance_chart(title: str, name: str = "this worker") -> alt.Chart:
    """Return the chart drawn for a worker (``name``) with no outcome counted by distance travelled."""
    frame = pd.DataFrame({"text": [f"No desired outcome counted by distance travelled for {name}"]})
    return (
        alt.Chart(frame)
        .mark_text(size=14)
        .encode(text="text:N", description=alt.Description("text:N"))  # what a screen reader says
        .properties(title=title, width=520, height=40)
    )


def _case_label(row: pd.Series) -> str:
    held = f"{short_date(row['from'])} to {short_date(row['to']) if pd.notna(row['to']) else 'now'}"
    closed = f"{int(row['closed'])} outcome(s) closed, {int(row['achieved'])} achieved"
    return f"{row['child_id']}: held {held}; {closed}"


class AppraisalView(W.VBox):
    """One worker's appraisal for the year to D, for the viewer's scope, with their words kept.

    The viewer is the trusted identity (``workbench.access``), never a value typed here: the
    worker chooser offers only the appraisals the viewer may see (their own; a team lead's team),
    and the worker and their team lead write in it, each in their own voice
    (:func:`workbench.practice.appraisal.voice_of`). ``appraisal`` holds what is shown.

    The page is the appraisal pack's body in its parts (``head``, the live ``chart`` of distance
    travelled by domain, ``body``): on choosing a worker the chart is worked out from the
    worker's distances alone and sent first, the rest of the appraisal after it, while the
    loading line (``loading``) says the rest is on its way.
    """

    worker_id = traitlets.Unicode("")
    saved_entry_id = traitlets.Int(0)

    def __init__(self, store: Store, identity: Identity, at: date | None = None) -> None:
        self.store = store
        self.identity = identity
        self.at = data_day(store, at)
        self.missing = MissingNote(store, ["supervisions", "reviews", "meetings"])
        self.appraisal: Appraisal | None = None
        self.voice: str | None = None
        self._scope = None
        workers = appraisal_workers(store, self.at, identity) if store.row_counts()["workers"] else None
        self.data = ServiceData(store) if workers is not None and len(workers) else None
        self.audits = audit_frame(store) if self.data is not None else None
        self.worker_choice = W.Dropdown(description="Appraisal of", layout=W.Layout(width="460px"))
        self.worker_choice.add_class("wb-appraisal-worker")
        if workers is not None:
            self.worker_choice.options = [
                (f"{name} ({worker})" if pd.notna(name) else worker, worker)
                for worker, name in zip(workers["worker_id"], workers["name"], strict=True)
            ]
        self.viewer = W.HTML(
            f"<p>Viewing as <strong>{html.escape(identity.name or identity.user)}</strong> "
            f"({html.escape(identity.title)}), the name the server signed you in with. You see only the "
            f"appraisals your role allows, for the year to {short_date(self.at)}.</p>"
        )
        self.viewer.add_class("wb-viewer")
        self.loading = W.HTML()
        self.loading.add_class("wb-appraisal-loading")
        self.head = W.HTML()
        self.head.add_class("wb-appraisal-head")
        self.chart_title = distance_chart_title(self.at)
        self.chart = offline_chart(_no_distance_chart(self.chart_title), "wb-appraisal-chart")
        self.chart_note = W.HTML(CHART_NOTE)
        self.body = W.HTML()
        self.body.add_class("wb-appraisal-body")
        self.page = W.VBox([self.head, self.chart, self.chart_note, self.body])
        self.page.add_class("wb-appraisal-page")
        self.write_heading = W.HTML()
        self.words = W.Textarea(layout=W.Layout(width="95%", height="140px"))
        self.words.add_class("wb-appraisal-words")
        self.cases = W.SelectMultiple(
            description="Cases", rows=8, layout=W.Layout(width="95%"), style={"description_width": "60px"}
        )
        self.cases.add_class("wb-appraisal-cases")
        self.save_button = W.Button(description="Save", icon="save", layout=W.Layout(width="auto"))
        self.save_button.add_class("wb-appraisal-save")
        self.save_button.on_click(lambda _button: self.save())
        self.message = W.HTML()
        self.message.add_class("wb-appraisal-message")
        self.writing = W.VBox(
            [self.write_heading, self.words, self.cases, W.HBox([self.save_button]), self.message]
        )
        self.writing.add_class("wb-appraisal-writing")
        super().__init__(
            [self.viewer, self.missing, self.worker_choice, self.loading, self.writing, self.page]
        )
        self.add_class("wb-appraisal")
        self.worker_choice.observe(
            lambda change: setattr(self, "worker_id", change["new"] or ""), names="value"
        )
        self.observe(lambda _change: self._refresh(), names="worker_id")
        own = identity.worker_id if identity.worker_id in self.worker_choice_values() else None
        self.worker_choice.value = own or next(iter(self.worker_choice_values()), None)
        self.worker_id = self.worker_choice.value or ""
        self._refresh()

    def worker_choice_values(self) -> list[str]:
        """Return the worker ids the chooser offers."""
        return [value for _label, value in self.worker_choice.options]

    @property
    def page_html(self) -> str:
        """The page's appraisal as HTML, but for the live chart: the head, then the rest."""
        return self.head.value + self.body.value

    def _refresh(self) -> None:
        if not self.worker_id or self.data is None:
            self._show_nothing("<p>There is no appraisal you may see yet.</p>")
            return
        try:
            if self._scope is None:  # the page's date and viewer are fixed: worked out once
                self._scope = appraisal_scope(self.store, self.at, self.identity, data=self.data)
            self.voice = voice_of(self.identity, self.worker_id, self._scope)
        except AccessRefusedError as error:
            self._show_nothing(f"<p class='wb-error'>{html.escape(str(error))}.</p>")
            return
        # The chart first, from the worker's distances alone; then the rest of the appraisal.
        name = worker_name(self.data, self.worker_id)
        self.loading.value = (
            f"<p role='status'>Working out the rest of {html.escape(name)}'s appraisal...</p>"
        )
        self._show_chart(name)
        self.appraisal = build_appraisal(self.data, self.worker_id, self.at, self.audits)
        parts = appraisal_body_parts(self.appraisal, "internal")
        self.head.value = parts.head
        self.body.value = parts.rest
        self._show_writing()
        self.loading.value = ""

    def _show_chart(self, name: str) -> None:
        """Draw the worker's distance travelled by domain against the service's (the pack's chart)."""
        table = worker_distance_by_domain(self.data, self.worker_id, self.at)
        frame = distance_chart_frame(table, service_distance_by_domain(self.data, self.at))
        shown = (self.head, self.chart, self.chart_note, self.body)
        if self.page.children != shown:
            self.page.children = shown
        if frame.empty:
            self.chart.chart = _no_distance_chart(self.chart_title, f"{name} ({self.worker_id})")  # as data
            self.chart_note.layout.display = "none"
            return
        self.chart_note.layout.display = None
        # The same title for every worker (the page names them): a new worker's rows are
        # swapped into the chart drawn (LiveChart.show).
        self.chart.show(
            ("appraisal distance", self.chart_title), [frame], lambda: distance_chart(frame, self.at)
        )

    def _show_nothing(self, message: str) -> None:
        self.appraisal = None
        self.writing.layout.display = "none"
        self.loading.value = ""
        self.head.value = message
        self.body.value = ""
        self.page.children = (self.head,)

    def _show_writing(self) -> None:
        appraisal = self.appraisal
        if self.voice is None or appraisal is None:
            self.writing.layout.display = "none"
            return
        self.writing.layout.display = None
        title, prompt = PROMPTS[self.voice]
        self.write_heading.value = f"<h2>{html.escape(title)}</h2><p>{html.escape(prompt)}</p>"
        self.words.placeholder = prompt
        self.words.value = appraisal.narrative if self.voice == APPRAISEE else appraisal.manager_words
        options = [(_case_label(row), row["child_id"]) for _, row in appraisal.cases.iterrows()]
        self.cases.options = options
        mine = appraisal.entries[appraisal.entries["voice"] == self.voice] if len(appraisal.entries) else None
        chosen = [] if mine is None or mine.empty or pd.isna(mine["cases"].iloc[0]) else mine["cases"].iloc[0]
        offered = {value for _label, value in options}
        self.cases.value = tuple(c for c in (chosen.split(",") if chosen else []) if c in offered)

    def save(self) -> int | None:
        """Save the viewer's words and chosen cases; return the entry id (None if refused)."""
        try:
            entry = save_entry(
                self.store, self.identity, self.worker_id, self.at, self.words.value, list(self.cases.value)
            )
        except (AppraisalError, AccessRefusedError) as error:
            self.message.value = f"<p class='wb-error'>Not saved: {html.escape(str(error))}.</p>"
            return None
        self._refresh()
        self.message.value = f"<p role='status'>Saved (version {entry}).</p>"
        self.saved_entry_id = entry
        return entry
