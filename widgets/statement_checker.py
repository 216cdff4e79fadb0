"""Paste an outcome statement and see how it reads; see a team's statements, most needing work first."""

from __future__ import annotations

import html
from datetime import date

import ipywidgets as W
import pandas as pd
import traitlets as T

from workbench.measures.filters import data_day
from workbench.measures.service_data import ServiceData
from workbench.practice.team_statements import team_statements
from workbench.text.statements import analyse

#: How many of a team's statements the table shows (big outputs stall Voila; DESIGN.md section 10).
SHOWN_ROWS = 50

# Inline styles: the widget's HTML carries its own look (no stylesheet to load).
_CELL = "style='text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #ddd'"

_KIND_WORDS = {"outcome": "An outcome", "process": "A process, not an outcome"}
_CLARITY_WORDS = {"clear": "clear: it says how everyone will know", "vague": "vague: no sign of success"}


def reading_html(text: str) -> str:
    """Return the reading of one statement as HTML; everything from the statement is escaped."""
    if not (text or "").strip():
        return "<p class='wb-statement-empty'>Paste or type a desired-outcome statement above.</p>"
    reading = analyse(text)
    kind = _KIND_WORDS[reading.kind]
    if reading.clarity:
        kind += f", {_CLARITY_WORDS[reading.clarity]}"
    voice = "the family's own words" if reading.voice == "family" else "professional words"
    jargon = ", ".join(reading.jargon) or "none found"
    flags = "".join(
        f"<li><strong>{html.escape(f.title)}</strong>: {html.escape(f.explanation)}"
        f"<br><em>Ask: {html.escape(f.prompt)}</em></li>"
        for f in reading.flags
    )
    flag_list = f"<ul class='wb-statement-flags'>{flags}</ul>" if flags else "<p>Nothing flagged.</p>"
    return (
        "<div class='wb-statement-reading'>"
        f"<p><strong>{html.escape(kind)}</strong>, in {html.escape(voice)}.</p>"
        f"<p>Jargon: {html.escape(jargon)}</p>"
        f"{flag_list}"
        f"<p class='wb-statement-why'>Why: {html.escape(reading.explanation)}</p>"
        "</div>"
    )


def ranked_table_html(table: pd.DataFrame, team_label: str, limit: int = SHOWN_ROWS) -> str:
    """Return a team's ranked statements as an HTML table (the first ``limit`` rows), all escaped."""
    if table.empty:
        return f"<p>{html.escape(team_label)}: no outcomes active at this date.</p>"
    needing = int((table["flag_titles"].map(len) > 0).sum())
    process = int((table["kind"] == "process").sum())
    vague = int((table["clarity"] == "vague").sum())
    clear = int((table["clarity"] == "clear").sum())
    rows = []
    for row in table.head(limit).itertuples(index=False):
        reads = row.kind if pd.isna(row.clarity) else f"{row.clarity} {row.kind}"
        rows.append(
            "<tr>"
            f"<td {_CELL}>{html.escape(str(row.outcome_id))}</td>"
            f"<td {_CELL}>{html.escape('' if pd.isna(row.worker_id) else str(row.worker_id))}</td>"
            f"<td {_CELL}>{html.escape(str(row.statement))}</td>"
            f"<td {_CELL}>{html.escape(reads)}</td>"
            f"<td {_CELL}>{html.escape('; '.join(row.flag_titles))}</td>"
            f"<td {_CELL}>{html.escape(row.prompt)}</td>"
            "</tr>"
        )
    shown = f"the {min(limit, len(table))} that most need work" if len(table) > limit else "all of them"
    return (
        f"<p><strong>{html.escape(team_label)}</strong>: {len(table):,} outcomes active; "
        f"{clear:,} read as clear outcomes, {vague:,} as vague outcomes and {process:,} as processes. "
        f"{needing:,} have something to talk through. Showing {shown}.</p>"
        "<table class='wb-statement-table' style='border-collapse:collapse'><thead><tr>"
        + "".join(
            f"<th {_CELL}>{name}</th>"
            for name in ("outcome", "worker", "statement", "reads as", "flags", "question to ask")
        )
        + "</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


class StatementChecker(W.VBox):
    """Paste a statement to see how it reads; choose a team to see its statements ranked.

    ``statement`` and ``team_id`` are the state (traitlets); ``team_table`` holds the ranked
    statements of the chosen team (see :func:`workbench.text.statements.team_statements`).
    """

    statement = T.Unicode("")
    team_id = T.Unicode("")

    def __init__(self, data: ServiceData | None = None, *, at: date | None = None) -> None:
        self.data = data
        self.at = data_day(data.store, at) if data is not None else at
        self.team_table = pd.DataFrame()
        self.box = W.Textarea(
            placeholder="For example: Jayden will get to school on time at least 9 days in 10",
            description="Statement",
            layout=W.Layout(width="95%", height="70px"),
        )
        self.box.add_class("wb-statement-input")
        W.link((self.box, "value"), (self, "statement"))
        self.reading = W.HTML(reading_html(""))
        self.reading.add_class("wb-statement-reading-panel")
        children: list[W.Widget] = [self.box, self.reading]
        options = [("Choose a team", "")]
        if data is not None:
            teams = data.teams.sort_values("team_id")
            options += [
                (f"{name} ({tid})", tid) for tid, name in zip(teams["team_id"], teams["name"], strict=True)
            ]
        self.teams = W.Dropdown(options=options, description="Team", layout=W.Layout(width="420px"))
        self.teams.add_class("wb-statement-team")
        W.link((self.teams, "value"), (self, "team_id"))
        self.table = W.HTML("<p>Choose a team to see its statements, most needing work first.</p>")
        self.table.add_class("wb-statement-team-table")
        if data is not None:
            children += [W.HTML(f"<h4>A team's statements at {at:%d %B %Y}</h4>"), self.teams, self.table]
        super().__init__(children)
        self.add_class("wb-statement-checker")

    @T.observe("statement")
    def _read(self, change) -> None:
        self.reading.value = reading_html(change["new"])

    @T.observe("team_id")
    def _rank(self, change) -> None:
        if self.data is None or not change["new"]:
            self.team_table = pd.DataFrame()
            self.table.value = "<p>Choose a team to see its statements, most needing work first.</p>"
            return
        self.team_table = team_statements(self.data, change["new"], self.at)
        self.table.value = ranked_table_html(self.team_table, self.teams.label)
