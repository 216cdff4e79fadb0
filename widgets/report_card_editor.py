"""Write the story behind each curve of an OBA report card, preview it, and export the page."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import ipywidgets as W

from widgets.filter_dropdown import LocalityFilter
from widgets.filter_state import FilterState
from workbench.measures.filters import data_day
from workbench.measures.service_data import ServiceData
from workbench.publishing.report_card import (
    PARTS,
    build_report_card,
    render_report_card_body,
    render_report_card_page,
)


class ReportCardEditor(W.VBox):
    """Choose the population (a locality or all), write the stories, preview and export.

    The preview and the exported page are the same HTML, with every story escaped.
    """

    def __init__(
        self,
        data: ServiceData,
        *,
        at: date | None = None,
        state: FilterState | None = None,
        export_folder: Path = Path("exports"),
    ) -> None:
        self.data = data
        self.at = data_day(data.store, at)  # the data's date unless a reader looks back
        self.state = state or FilterState()
        self.export_folder = export_folder
        self.locality = LocalityFilter(self.state, data.localities())
        self.stories = {
            part: W.Textarea(
                placeholder="What is behind the curve? Who are the partners? What works?",
                description=part,
                style={"description_width": "170px"},
                layout=W.Layout(width="95%", height="80px"),
            )
            for part in PARTS
        }
        for box in self.stories.values():
            box.add_class("wb-card-story")
            box.observe(lambda _change: self._show(), names="value")
        self.preview = W.HTML()
        self.preview.add_class("wb-card-preview")
        self.export_button = W.Button(
            description="Export report card (HTML)", icon="download", layout=W.Layout(width="auto")
        )
        self.export_button.add_class("wb-card-export")
        self.export_button.on_click(lambda _button: self.export())
        self.message = W.HTML()
        self.card = self._build()
        self._show()
        self.state.observe(lambda _change: self._rebuild(), names=["locality"])
        super().__init__(
            [self.locality, *self.stories.values(), self.export_button, self.message, self.preview]
        )
        self.add_class("wb-report-card")

    def _population(self) -> str:
        return f"Children in {self.state.locality}" if self.state.locality else "All children"

    def _build(self):
        return build_report_card(self.data, self._population(), self.at, self.state.filters())

    def _rebuild(self) -> None:
        self.card = self._build()
        self._show()

    def _show(self) -> None:
        self.card.stories = {part: box.value for part, box in self.stories.items()}
        self.preview.value = render_report_card_body(self.card)

    def export(self) -> Path:
        """Write the card as a self-contained HTML page; return its path."""
        self._show()
        self.export_folder.mkdir(parents=True, exist_ok=True)
        name = (self.state.locality or "all").lower().replace(" ", "-")
        path = self.export_folder / f"report-card-{name}-{self.at:%Y-%m-%d}.html"
        path.write_text(render_report_card_page(self.card), encoding="utf-8")
        self.message.value = f"<p>Exported to <code>{html.escape(str(path))}</code>.</p>"
        return path
