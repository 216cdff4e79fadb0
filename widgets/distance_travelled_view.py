"""Distance travelled by outcome domain: charts and plain-English captions that follow the filters.

Beside the mean by domain: how many outcomes went back, stayed the same and went up (the mean
alone hides the outcomes that went backwards), and the other scales each on its own: Goal
Attainment Scaling as T-scores, Outcomes Star readings by Star and edition.
"""

from __future__ import annotations

import html
from datetime import date

import ipywidgets as W
import pandas as pd

from widgets.filter_state import FilterState
from widgets.offline import offline_chart
from workbench.core.codes import labels
from workbench.measures.distance import (
    DIRECTIONS,
    distance_distribution,
    distribution_by,
    distribution_of,
    gas_summary,
    gas_t_scores,
    star_distance_travelled,
)
from workbench.measures.filters import Filters, data_day
from workbench.measures.headline import distance_travelled
from workbench.measures.service_data import ServiceData
from workbench.render.charts import distance_by_domain, distance_frame, distance_layers, distance_spread_chart

_STAR_TABLE_STYLE = ".wb-star-table th, .wb-star-table td {text-align: left; padding: 2px 12px 2px 0;}"


class DistanceTravelledView(W.VBox):
    """Mean distance travelled by domain at ``at`` for the children the filters choose.

    ``table`` holds the figures drawn (domain, numerator, denominator, value), so tests and
    notebooks can read exactly what the chart shows; ``spread`` the counts that went back, stayed
    the same and went up (direction, outcomes, share); ``gas`` the GAS T-scores per child and
    ``stars`` the Outcomes Star figures per Star and edition.
    """

    def __init__(self, state: FilterState, data: ServiceData, at: date | None = None) -> None:
        self.state = state
        self.data = data
        self.at = at = data_day(data.store, at)  # the data's date unless a reader looks back
        self.caption = W.HTML()
        self.caption.add_class("wb-distance-caption")
        self.table = pd.DataFrame()
        self.overall = pd.DataFrame()
        self.spread = pd.DataFrame()
        self.gas = pd.DataFrame()
        self.stars = pd.DataFrame()
        self.spread_caption = W.HTML()
        self.spread_caption.add_class("wb-distance-spread-caption")
        self.other_scales = W.HTML()
        self.other_scales.add_class("wb-distance-other-scales")
        # The whole-service figures are fixed for the page: computed once, shown as ticks.
        self.service_table = distance_travelled(data, at, Filters(), by="domain")
        self.service_overall = distance_travelled(data, at, Filters(), by=None)
        self._refresh_tables()
        self.chart = offline_chart(self._chart(), "wb-distance-chart")
        self.spread_chart = offline_chart(self._spread_chart(), "wb-distance-spread-chart")
        super().__init__(
            [self.caption, self.chart, self.spread_caption, self.spread_chart, self.other_scales]
        )
        self.add_class("wb-distance-travelled")
        self._show_caption()
        state.observe(self._on_filters, names=list(FilterState.NAMES))

    def _filtered(self) -> bool:
        return bool(self.state.filters().active())

    def _chart(self):
        # The service ticks are always drawn (with no filter they sit at the bars' ends), so the
        # chart keeps its shape and a filter change only swaps the figures in the browser.
        return distance_by_domain(self.table, self._title(), service=self.service_table)

    def _draw(self) -> None:
        """Draw the chart anew, or swap the new figures into the one drawn (the same title)."""
        frame = distance_frame(self.table, self.service_table)
        title = self._title()
        self.chart.show(("distance", title), [frame], lambda: distance_layers(frame, title, service=True))

    def _spread_chart(self):
        shown = self.spread.assign(shown=self.spread["outcomes"].map("{:,}".format))
        return distance_spread_chart(shown, "Went back, stayed the same, went up (0 to 10 scale)")

    def _who(self) -> str:
        return self.state.locality or "All localities"

    def _title(self) -> str:
        # Who is named in the caption above, not here: a title that follows the filters would
        # make every filter change draw a new chart rather than swap in the new figures.
        return f"Distance travelled by domain, at {self.at:%d %B %Y}"

    def _refresh_tables(self) -> None:
        filters = self.state.filters()
        self._refresh_chart_table(filters)
        self._refresh_other_tables(filters)

    def _refresh_chart_table(self, filters: Filters) -> None:
        """Work out what the chart draws (each domain's mean with its spread), and nothing else."""
        table = distance_travelled(self.data, self.at, filters, by="domain")
        # Each domain's mean with its spread: how many went back, stayed the same, went up.
        spread = distribution_by(self.data, self.at, filters, "domain", table["domain"].tolist())
        self.table = pd.concat([table.reset_index(drop=True), spread.drop(columns=["domain"])], axis=1)

    def _refresh_other_tables(self, filters: Filters) -> None:
        """Work out the figures below the chart: the overall mean and spread, GAS and Star."""
        self.overall = distance_travelled(self.data, self.at, filters, by=None)
        self.spread = distance_distribution(self.data, self.at, filters)
        self.gas = gas_t_scores(self.data, self.at, filters)
        self.stars = star_distance_travelled(self.data, self.at, filters)

    def _show_caption(self) -> None:
        counted = int(self.overall["denominator"].iloc[0])
        mean = self.overall["value"].iloc[0]
        who = html.escape(self._who())
        if counted == 0:
            text = f"<p><strong>{who}</strong>: no outcomes with a baseline and a scored review to count.</p>"
        else:
            text = (
                f"<p><strong>{who}</strong>: {counted:,} desired outcomes counted. On average their "
                f"latest score is <strong>{mean:+.1f}</strong> points from the baseline on the 0 to 10 "
                "scale. Longer bars to the right mean more progress; <em>n</em> is the number "
                "of outcomes.</p>"
            )
        if self._filtered():
            service_mean = self.service_overall["value"].iloc[0]
            text += (
                f"<p>The whole service: <strong>{service_mean:+.1f}</strong>. The dark tick on each bar "
                "marks the whole service in that domain.</p>"
            )
        self.caption.value = text
        self.spread_caption.value = self._spread_text()
        self.other_scales.value = self._other_scales_text()

    def _spread_text(self) -> str:
        counts = self.spread.set_index("direction")["outcomes"]
        total = int(counts.sum())
        if total == 0:
            return ""
        back, same, up = (int(counts[d]) for d in ("went back", "stayed the same", "went up"))
        counted = self.table[self.table["denominator"] > 0]
        names = labels("outcome_domains")
        rows = "".join(
            f"<tr><td>{html.escape(names.get(row['domain'], str(row['domain'])))}</td>"
            f"<td>{int(row['denominator']):,}</td><td>{row['value']:+.1f}</td>"
            + "".join(f"<td>{int(row[d]):,}</td>" for d in DIRECTIONS)
            + "</tr>"
            for _, row in counted.iterrows()
        )
        return (
            f"<p>Of these {total:,} outcomes, <strong>{up:,} went up</strong>, {same:,} stayed the same "
            f"and <strong>{back:,} went back</strong> ({back / total:.0%}) from their baseline.</p>"
            f"<style>{_STAR_TABLE_STYLE}</style>"
            "<table class='wb-star-table wb-distance-by-domain'><caption>Each domain's mean and how many "
            "went which way</caption><thead><tr><th>Domain</th><th>Outcomes</th><th>Mean distance</th>"
            "<th>Went back</th><th>Stayed the same</th><th>Went up</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )

    def _other_scales_text(self) -> str:
        parts = ["<h4>Other scales, each on its own</h4>"]
        gas = gas_summary(self.gas)
        if gas["children"]:
            parts.append(
                f"<p><strong>Goal Attainment Scaling</strong>: {gas['children']:,} children. Their mean "
                f"T-score went from <strong>{gas['baseline_t']:.1f}</strong> at baseline to "
                f"<strong>{gas['latest_t']:.1f}</strong> at the latest review (50 is every goal at "
                "its expected level). "
                + self._gas_spread_text()
                + "</p>"
            )
        else:
            parts.append("<p><strong>Goal Attainment Scaling</strong>: no outcomes to count.</p>")
        if self.stars.empty:
            parts.append("<p><strong>Outcomes Star</strong>: no approved readings to count.</p>")
        else:
            rows = "".join(
                f"<tr><td>{html.escape(str(star))}</td><td>{html.escape(str(edition))}</td><td>{n:,}</td>"
                f"<td>{mean:+.1f}</td><td>{back:,}</td><td>{same:,}</td><td>{up:,}</td></tr>"
                for star, edition, n, mean, back, same, up in self.stars.itertuples(index=False, name=None)
            )
            parts.append(
                "<p><strong>Outcomes Star</strong>, approved readings only, each Star and edition apart "
                "(readings are never compared across them):</p>"
                f"<style>{_STAR_TABLE_STYLE}</style>"
                "<table class='wb-star-table'><thead><tr>"
                "<th>Star</th><th>Edition</th><th>Outcomes</th><th>Mean distance</th><th>Went back</th>"
                f"<th>Stayed the same</th><th>Went up</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        return "".join(parts)

    def _gas_spread_text(self) -> str:
        went = distribution_of(self.gas["change"]).set_index("direction")["outcomes"]
        return (
            f"Children whose T-score went up: {int(went['went up']):,}; stayed the same: "
            f"{int(went['stayed the same']):,}; went back: {int(went['went back']):,}."
        )

    def _on_filters(self, _change: dict) -> None:
        filters = self.state.filters()
        # The chart first, so its new figures are on their way to the browser while the figures
        # below it are worked out. Updated in place: re-displaying into an Output is slow in Voila.
        self._refresh_chart_table(filters)
        self._draw()
        self._refresh_other_tables(filters)
        self.spread_chart.chart = self._spread_chart()
        self._show_caption()
