"""Write the story behind each curve of an OBA report card, keep it, preview it, and export the page.

The stories and each measure's improvement plan are kept in the store
(:mod:`workbench.practice.improvement_plans`) with who wrote them and when, so they are there
the next time the page opens, and the exported card carries them.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import ipywidgets as W

from widgets.filter_dropdown import LocalityFilter
from widgets.filter_state import FilterState
from widgets.improvement_plan_editor import ImprovementPlanEditor, identity_or_none
from workbench.access import AccessRefusedError, Identity
from workbench.measures.filters import data_day
from workbench.measures.headline import MEASURES
from workbench.measures.service_data import ServiceData
from workbench.practice.improvement_plans import (
    ImprovementPlan,
    PlanError,
    card_part_subject,
    latest_plans,
    may_write_plans,
    population_of,
    save_plan,
)
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
        identity: Identity | None = None,
    ) -> None:
        self.data = data
        self.identity = identity or identity_or_none()
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
        self.save_button = W.Button(
            description="Save the stories",
            icon="save",
            disabled=not may_write_plans(self.identity),
            layout=W.Layout(width="auto"),
        )
        self.save_button.add_class("wb-card-save")
        self.save_button.on_click(lambda _button: self.save_stories())
        measures = [name for part in PARTS.values() for name, column, _label in part if column == "value"]
        self.plan_measure = W.Dropdown(
            options=[(MEASURES[name].title, name) for name in dict.fromkeys(measures)],
            description="Plan for",
        )
        self.plan_measure.add_class("wb-card-plan-measure")
        self.plan = ImprovementPlanEditor(
            data.store, self.identity, self.plan_measure.value, population_of(self.state.locality)
        )
        W.dlink((self.plan_measure, "value"), (self.plan, "subject"))
        self.plan.observe(lambda _change: self._rebuild(), names="saved_version")
        self.card = self._build()
        self._fill_stories()
        self._show()
        self.state.observe(lambda _change: self._rebuild(keep_stories=False), names=["locality"])
        super().__init__(
            [self.locality, *self.stories.values(), W.HBox([self.save_button, self.export_button]),
             self.message, self.plan_measure, self.plan, self.preview]
        )  # fmt: skip
        self.add_class("wb-report-card")

    def _population(self) -> str:
        return f"Children in {self.state.locality}" if self.state.locality else "All children"

    def _build(self):
        plans = latest_plans(self.data.store, self._population())
        card = build_report_card(self.data, self._population(), self.at, self.state.filters(), plans=plans)
        self.kept_stories = dict(card.stories)  # as kept in the store, before the boxes are read
        return card

    def _fill_stories(self) -> None:
        """Put the stories kept for this population in the boxes (a part with none keeps what is typed)."""
        for part, box in self.stories.items():
            if part in self.kept_stories:
                box.value = self.kept_stories[part]

    def _rebuild(self, keep_stories: bool = True) -> None:
        self.card = self._build()
        self.plan.population = self._population()
        if not keep_stories:
            self._fill_stories()
        self._show()

    def save_stories(self) -> int:
        """Keep the stories as typed (each part's a new version); return how many were saved."""
        if self.identity is None:
            self.message.value = "<p class='wb-error'>Not saved: the workbench does not know who you are.</p>"
            return 0
        saved = 0
        try:
            for part, box in self.stories.items():
                if box.value.strip() != self.kept_stories.get(part, "").strip():
                    plan = ImprovementPlan(card_part_subject(part), self._population(), story=box.value)
                    save_plan(self.data.store, self.identity, plan)
                    saved += 1
        except (PlanError, AccessRefusedError) as error:
            self.message.value = f"<p class='wb-error'>Not saved: {html.escape(str(error))}</p>"
            return saved
        self.card = self._build()
        self._show()
        self.message.value = f"<p role='status'>Saved {saved} stor{'y' if saved == 1 else 'ies'}.</p>"
        return saved

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
