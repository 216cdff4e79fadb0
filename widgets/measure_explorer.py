"""Measure explorer: pick a measure, filters, a breakdown and a period; see trend, breakdown and table.

The analyst's main tool in ``notebooks/02-explore-outcome-trends.ipynb``. All figures come
from ``workbench.measures``; this component only wires controls to them and draws the
results with ``workbench.render.charts``. State lives in traits (``measure``, ``by``, ``frequency``,
``target``) and a shared :class:`FilterState`, so tests drive it by setting values.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import ipywidgets as W
import pandas as pd
import traitlets

from widgets.filter_dropdown import FilterDropdown, LocalityFilter
from widgets.filter_state import FilterState
from widgets.improvement_plan_editor import ImprovementPlanEditor, identity_or_none, parse_target
from widgets.offline import offline_chart
from workbench.core.codes import labels
from workbench.measures.breakdowns import compare_to_service
from workbench.measures.distance import DIRECTIONS, distribution_by, distribution_over_periods
from workbench.measures.filters import AGE_BAND_LABELS, Filters, data_day
from workbench.measures.headline import MEASURES
from workbench.measures.periods import FREQUENCIES, measure_over_periods
from workbench.measures.service_data import ServiceData
from workbench.measures.trends import control_limits, turn_the_curve, with_intervals
from workbench.practice.improvement_plans import population_of
from workbench.render.charts import breakdown_chart, turn_the_curve_chart
from workbench.render.exports import export_tables

#: Breakdowns offered, in the order people ask for them, with their labels.
BREAKDOWNS = {
    "locality": "Locality",
    "team_id": "Team",
    "plan_type": "Plan type",
    "domain": "Outcome domain",
    "age_band": "Age band at D",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
}


class MeasureExplorer(W.VBox):
    """Trend (turn the curve, with control limits), breakdown against the service, and a table."""

    measure = traitlets.Unicode("clear")
    by = traitlets.Unicode("locality")
    frequency = traitlets.Unicode("quarterly")
    target = traitlets.Float(None, allow_none=True)

    def __init__(
        self,
        data: ServiceData,
        *,
        at: date | None = None,
        start: date = date(2019, 4, 1),
        state: FilterState | None = None,
        export_folder: Path = Path("exports"),
    ) -> None:
        self.data = data
        self.at = data_day(data.store, at)  # the data's date unless a reader looks back
        self.start = start
        self.state = state or FilterState()
        self.export_folder = export_folder
        self.trend = pd.DataFrame()
        self.breakdown = pd.DataFrame()
        self.ignored: list[str] = []

        self.measure_picker = W.Dropdown(
            options=[(m.title, m.name) for m in MEASURES.values()],
            value=self.measure,
            description="Measure",
            style={"description_width": "initial"},
            layout=W.Layout(width="420px"),
        )
        self.measure_picker.add_class("wb-measure-picker")
        self.locality = LocalityFilter(self.state, data.localities())
        teams = data.teams.sort_values("name")

        def choice(label: str, options: list[tuple[str, str]], css: str) -> FilterDropdown:
            # Every filter here offers "All (...)" first: "" in the dropdown, None in the state.
            return FilterDropdown(label, options, css, all_label=f"All ({label.lower()})")

        def coded(code_list: str) -> list[tuple[str, str]]:
            return [(label, code) for code, label in labels(code_list).items()]

        self.plan_type = choice("Plan type", coded("plan_types"), "wb-plan-filter")
        self.domain = choice("Domain", coded("outcome_domains"), "wb-domain-filter")
        self.team = choice("Team", list(zip(teams["name"], teams["team_id"], strict=True)), "wb-team-filter")
        self.age_band = choice("Age band", [(b, b) for b in AGE_BAND_LABELS], "wb-age-filter")
        self.sex = choice("Sex", coded("sex"), "wb-sex-filter")
        self.ethnicity = choice("Ethnicity", coded("ethnicity"), "wb-ethnicity-filter")
        self.disability = choice(
            "Disability", [("Disabled", "Y"), ("Not disabled", "N")], "wb-disability-filter"
        )
        self.by_picker = W.Dropdown(description="Break down by", style={"description_width": "initial"})
        self.by_picker.add_class("wb-breakdown-picker")
        self.frequency_picker = W.ToggleButtons(
            options=[(f.capitalize(), f) for f in FREQUENCIES], value=self.frequency, description="Periods"
        )
        self.frequency_picker.add_class("wb-frequency-picker")
        self.target_box = W.Text(
            placeholder="e.g. 70% or 2.5",
            description="Target",
            style={"description_width": "initial"},
            layout=W.Layout(width="240px"),
        )
        self.target_box.add_class("wb-target")
        self.export_button = W.Button(
            description="Export CSV and XLSX", icon="download", layout=W.Layout(width="auto")
        )
        self.export_button.add_class("wb-export")
        self.message = W.HTML()
        self.message.add_class("wb-explorer-message")
        self.table = W.HTML()
        self.table.add_class("wb-explorer-table")

        W.link((self.measure_picker, "value"), (self, "measure"))
        W.link((self.frequency_picker, "value"), (self, "frequency"))
        self.target_box.observe(self._on_target_text, names="value")
        # "" in a dropdown is "all"; None in the state.
        for name, dropdown in (
            ("plan_type", self.plan_type),
            ("domain", self.domain),
            ("team_id", self.team),
            ("age_band", self.age_band),
            ("sex", self.sex),
            ("ethnicity", self.ethnicity),
            ("disability", self.disability),
        ):
            dropdown.bind(self.state, name)
        self._offer_breakdowns()
        W.link((self.by_picker, "value"), (self, "by"))
        # The measure's improvement plan, kept in the store: its kept target goes in the target
        # box now, so the first trend drawn shows it.
        self.plan = ImprovementPlanEditor(
            data.store, identity_or_none(), self.measure, population_of(self.state.locality), self.target_box
        )
        W.dlink((self, "measure"), (self.plan, "subject"))
        W.dlink((self.state, "locality"), (self.plan, "population"), transform=population_of)

        self._compute()
        self.trend_chart = offline_chart(self._trend_chart(), "wb-trend-chart")
        self.breakdown_chart = offline_chart(self._breakdown_chart(), "wb-breakdown-chart")
        self._show_text()

        self.observe(self._on_change, names=["measure", "by", "frequency", "target"])
        self.state.observe(self._on_change, names=list(FilterState.NAMES))
        self.export_button.on_click(lambda _button: self.export())

        controls = W.VBox(
            [
                self.measure_picker,
                W.HBox([self.locality, self.team, self.plan_type, self.domain]),
                W.HBox([self.age_band, self.sex, self.ethnicity, self.disability]),
                W.HBox([self.by_picker, self.target_box]),
                self.frequency_picker,
            ]
        )
        super().__init__(
            [controls, self.message, self.trend_chart, self.breakdown_chart, self.table, self.export_button,
             self.plan]
        )  # fmt: skip
        self.add_class("wb-measure-explorer")

    # -- computing -------------------------------------------------------------------------

    def _filters(self) -> Filters:
        """Return the filters that apply to the chosen measure; note the ones that do not."""
        chosen = MEASURES[self.measure]
        active = self.state.filters().active()
        self.ignored = [name for name in active if name not in chosen.filters]
        return Filters(**{name: value for name, value in active.items() if name in chosen.filters})

    def _offer_breakdowns(self) -> None:
        allowed = MEASURES[self.measure].groupings
        options = [(label, name) for name, label in BREAKDOWNS.items() if name in allowed]
        current = self.by if self.by in allowed else options[0][1]
        self.by_picker.options = options
        self.by_picker.value = current
        self.by = current

    def _compute(self) -> None:
        chosen = MEASURES[self.measure]
        filters = self._filters()
        series = measure_over_periods(self.data, chosen, self.start, self.at, self.frequency, filters)
        self.trend = control_limits(with_intervals(series, chosen.unit))
        groups = chosen(self.data, self.at, filters, self.by)
        service = chosen(self.data, self.at, filters, None)
        self.breakdown = compare_to_service(groups, service, self.by, chosen.unit)
        if self.measure == "distance_travelled":  # the mean's spread: never the mean alone
            over = distribution_over_periods(self.data, self.start, self.at, self.frequency, filters)
            self.trend = self.trend.merge(over.drop(columns=["period_end"]), on="period", how="left")
            spread = distribution_by(self.data, self.at, filters, self.by, self.breakdown[self.by].tolist())
            beside = [self.breakdown.reset_index(drop=True), spread.drop(columns=[self.by])]
            self.breakdown = pd.concat(beside, axis=1)

    # -- drawing ---------------------------------------------------------------------------

    def _trend_chart(self):
        chosen = MEASURES[self.measure]
        curve = turn_the_curve(self.trend, target=self.target, unit=chosen.unit)
        return turn_the_curve_chart(curve, f"{chosen.title}: {self._who()}", chosen.unit, limits=self.trend)

    def _breakdown_chart(self):
        chosen = MEASURES[self.measure]
        title = f"{chosen.title} by {BREAKDOWNS[self.by].lower()}, at {self.at:%d %B %Y}"
        return breakdown_chart(self.breakdown, self.by, title, chosen.unit)

    def _who(self) -> str:
        """Describe the chosen children in words, for chart titles."""
        parts = [self.state.locality or "all localities"]
        for dropdown in (self.team, self.plan_type, self.domain, self.age_band, self.sex, self.ethnicity,
                         self.disability):  # fmt: skip
            if dropdown.value:
                parts.append(dropdown.label)
        return ", ".join(parts)

    def _show_text(self) -> None:
        chosen = MEASURES[self.measure]
        notes = [f"<p><strong>{html.escape(chosen.title)}</strong>: {html.escape(chosen.definition)}</p>"]
        if self.ignored:
            names = ", ".join(html.escape(name.replace("_", " ")) for name in self.ignored)
            notes.append(f"<p>The {names} filter does not apply to this measure, so it is not used here.</p>")
        signals = self.trend[self.trend["signal"] != ""]
        if not signals.empty:
            latest = signals.iloc[-1]
            period = html.escape(str(latest["period"]))
            notes.append(
                f"<p>Control chart: {len(signals)} of {len(self.trend)} periods show a signal "
                f"(latest {period}: {html.escape(latest['signal'])}), so the change there is unlikely "
                "to be noise.</p>"
            )
        else:
            notes.append(
                "<p>Control chart: no signal; the ups and downs are within the range noise explains.</p>"
            )
        notes.append(
            "<p>Control limits (grey) are set from the first 12 periods, so a ringed point is where the "
            "service has moved away from how it used to run.</p>"
        )
        if self.measure == "distance_travelled" and not self.trend.empty:
            last = self.trend.iloc[-1]
            went = ", ".join(f"{int(last[d]):,} {d}" for d in reversed(DIRECTIONS))
            notes.append(
                f"<p class='wb-explorer-spread'>Behind the mean in {html.escape(str(last['period']))}: "
                f"{went}. The table and the export give how many went which way in each group and period.</p>"
            )
        self.message.value = "".join(notes)
        shown = self.breakdown.assign(
            value=self.breakdown["value"].round(3), gap=self.breakdown["gap"].round(3)
        )
        columns = [self.by, "numerator", "denominator", "value", "service_value", "gap", "small", "notable"]
        if self.measure == "distance_travelled":
            columns += list(DIRECTIONS)
        self.table.value = shown[columns].to_html(
            index=False, escape=True, na_rep="", float_format="{:.3f}".format, classes="wb-table"
        )

    def _on_target_text(self, change: dict) -> None:
        try:
            self.target = parse_target(change["new"], MEASURES[self.measure].unit)
        except ValueError as error:
            self.message.value = f"<p>{html.escape(str(error))}</p>"

    def _on_change(self, change: dict) -> None:
        if change.get("name") == "measure":
            self._offer_breakdowns()
        self._compute()
        # Charts are updated in place: re-displaying into an Output is slow in Voila.
        self.trend_chart.chart = self._trend_chart()
        self.breakdown_chart.chart = self._breakdown_chart()
        self._show_text()

    # -- export ----------------------------------------------------------------------------

    def export(self) -> tuple[Path, Path]:
        """Write the trend and breakdown to CSV and XLSX in ``export_folder``; return the paths."""
        stem = f"{self.measure}-{self.at:%Y-%m-%d}"
        csv_path, xlsx_path = export_tables(
            {"trend": self.trend, "breakdown": self.breakdown}, self.export_folder, stem
        )
        self.message.value += (
            f"<p>Exported to <code>{html.escape(str(csv_path))}</code> and "
            f"<code>{html.escape(str(xlsx_path))}</code>.</p>"
        )
        return csv_path, xlsx_path
