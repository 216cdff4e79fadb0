"""The line at the top of every page that says which day its figures are at, with a date picker.

"Figures as at Tuesday 31 March 2026, loaded 07:02": the data's date (the loaded extract's
as-at, :meth:`workbench.store.engine.Store.data_date`) unless the reader looks back. The
picker is labelled and works from the keyboard (it is the browser's own date input). A date
after the data's date, or before its first record, is not taken: a plain note says why and
the page stays where it was. Pages follow the ``at`` trait and redraw their figures.
"""

from __future__ import annotations

import html
from datetime import date

import ipywidgets as W
import traitlets

from workbench.core.dates import as_at_words, long_date
from workbench.store.engine import Store
from workbench.store.snapshot import Snapshot


def date_note(chosen: date | None, data_date: date | None, first: date | None) -> str:
    """Return why ``chosen`` cannot be shown, in plain words (empty when it can)."""
    if chosen is None:
        return "Choose a date to see the figures as they were then."
    if data_date is not None and chosen > data_date:
        return (
            f"There are no figures after the data's date, {long_date(data_date)}: "
            "the data was extracted then. Choose that date or an earlier one."
        )
    if first is not None and chosen < first:
        return (
            f"The data starts on {long_date(first)}, its first record: "
            "there are no figures before it. Choose a later date."
        )
    return ""


class DataDate(W.VBox):
    """The as-at line and a date picker; ``at`` is the date the page's figures are at."""

    at = traitlets.Instance(date)

    def __init__(
        self, store: Store, at: date | None = None, *, picker: bool = True, snapshot: Snapshot | None = None
    ) -> None:
        """Show the data's date; ``snapshot`` (the store's) gives the first record's date faster."""
        super().__init__()
        self._resetting = False
        self.data_date = store.data_date()
        self.loaded_at = store.loaded_at()
        self.first = (snapshot or store).first_record_date()
        start = at or self.data_date or date.today()
        self.line = W.HTML()
        self.line.add_class("wb-as-at")
        self.note = W.HTML()
        self.note.add_class("wb-as-at-note")
        self.picker = W.DatePicker(
            value=start,
            description="Look back to",
            style={"description_width": "initial"},
            tooltip="Show the figures as they were on an earlier date",
        )
        self.picker.add_class("wb-as-at-picker")
        self.back = W.Button(
            description="Back to the data's date",
            tooltip="Show the figures at the data's date again",
            layout=W.Layout(width="auto"),
        )
        self.back.add_class("wb-as-at-back")
        self.back.on_click(lambda _button: self.show(self.data_date) if self.data_date else None)
        self.at = start
        self.observe(self._on_at, names="at")
        self.picker.observe(self._on_pick, names="value")
        self._draw()
        row = [self.picker, self.back] if picker else []
        self.children = [self.line, W.HBox(row, layout=W.Layout(align_items="center")), self.note]
        self.add_class("wb-data-date")

    def show(self, day: date) -> None:
        """Move the page to ``day`` (as if the reader had picked it)."""
        self.picker.value = day

    def _on_pick(self, change: dict) -> None:
        if self._resetting:
            return
        chosen = change["new"]
        note = date_note(chosen, self.data_date, self.first)
        self.note.value = f'<p role="status">{html.escape(note, quote=False)}</p>' if note else ""
        if note:
            self._resetting = True
            try:
                self.picker.value = self.at  # the page stays where it was
            finally:
                self._resetting = False
            return
        self.at = chosen

    def _on_at(self, change: dict) -> None:
        self._resetting = True
        try:
            self.picker.value = change["new"]
        finally:
            self._resetting = False
        self._draw()

    def words(self) -> str:
        """Return the as-at line in words, as shown."""
        if self.data_date is None:
            return "No extract is loaded yet, so there are no figures to date."
        return as_at_words(self.at, self.loaded_at, data_date=self.data_date)

    def _draw(self) -> None:
        self.line.value = (
            '<p class="wb-as-at-line" role="status" aria-live="polite">'
            f"<strong>{html.escape(self.words(), quote=False)}</strong></p>"
        )
        self.back.layout.display = "none" if self.at == self.data_date or not self.data_date else None
