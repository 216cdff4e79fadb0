"""The team lead dashboard: one team's headline figures, children needing attention, journeys, audits.

Everything is worked out in ``workbench`` (``team_lead``, ``attention``, ``team_audits``,
``access``); this component wires the filters to it. What the page shows is kept in plain
attributes (``headline``, ``attention``, ``journey``, ``grades``, ``actions``,
``supervision_discussed``, ``supervision_actions``, ``child_options``) so tests read exactly
what is drawn. Every chart has a table in words next to it, and user-entered text (outcome
statements, audit evidence, supervision actions) is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date

import ipywidgets as W
import pandas as pd
import traitlets

from widgets.case_outcomes_view import CaseOutcomesView
from widgets.data_date import DataDate
from widgets.missing_note import MissingNote
from widgets.offline import offline_chart
from widgets.team_filters import TeamFilters
from workbench.access import AccessRefusedError, Identity, scope_for
from workbench.measures.filters import data_day
from workbench.measures.service_data import ServiceData
from workbench.measures.service_figures import service_headline
from workbench.measures.words import plain_definition
from workbench.pages.team_audits import TeamAudits, audit_grades, open_actions
from workbench.pages.team_lead import (
    children_in_view,
    headline_against_service,
    headline_text,
    journey_summary,
    outcome_journey,
    share_measures,
)
from workbench.pages.team_supervision import actions_in_words, discussed_table, workers_in_view
from workbench.practice.attention import attention_by_child, attention_for
from workbench.practice.case_outcomes import case_outcomes
from workbench.practice.supervision_actions import supervision_cases
from workbench.render.charts import (
    headline_against_service_chart,
    headline_frame,
    headline_layers,
    outcome_journey_chart,
)

#: Filter choices whose figures a page keeps (a reader going back and forth between workers).
KEPT_CHOICES = 32

LOADING = '<p class="wb-loading-text" role="status" aria-live="polite">Working out the figures…</p>'
READY = '<p class="wb-loading-text" role="status" aria-live="polite"></p>'


def _table(frame: pd.DataFrame, css: str, empty: str, caption: str | None = None) -> str:
    """Return ``frame`` as an escaped HTML table, or ``empty`` (plain words) when it has no rows.

    A ``caption`` names the table for screen readers; a chart's table in words carries one.
    """
    if frame.empty:
        return f"<p>{html.escape(empty)}</p>"
    table = frame.to_html(index=False, escape=True, na_rep="", classes=f"wb-table {css}", border=0)
    if caption:
        opened = table.index(">", table.index("<table")) + 1
        table = f"{table[:opened]}<caption>{html.escape(caption)}</caption>{table[opened:]}"
    return table


def _keep(kept: dict, key: tuple, value: object) -> None:
    """Keep ``value`` under ``key``, forgetting the oldest once :data:`KEPT_CHOICES` are kept."""
    if len(kept) >= KEPT_CHOICES:
        kept.pop(next(iter(kept)))
    kept[key] = value


def _heading(text: str) -> W.HTML:
    return W.HTML(f"<h2>{html.escape(text)}</h2>")


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class TeamLeadView(W.VBox):
    """One team (or a practitioner's caseload) for one viewer, narrowed by the filters."""

    child_id = traitlets.Unicode(None, allow_none=True)

    def __init__(
        self,
        data: ServiceData,
        identity: Identity,
        *,
        at: date | None = None,
        audits: TeamAudits | None = None,
        service_figures: Mapping[tuple, pd.DataFrame] | None = None,
    ) -> None:
        """Build the page for ``identity``; ``service_figures`` were worked out before they came.

        They are the whole service's figures (``workbench.pages.team_lead.prepare_service_figures``,
        run by a preheated kernel before its viewer is known).
        """
        self.data = data
        at = data_day(data.store, at)  # the data's date unless a reader looks back
        self.identity = identity
        self.audit_tables = audits
        self._busy = True  # no event handling until the page is built
        self.chosen_child: str | None = None
        self._service_figures: dict[tuple, pd.DataFrame] = dict(service_figures or {})
        # The headline figures and the children in view, by (D, filters): the page's data is a
        # snapshot read once, so a choice made again shows what it showed before, at once.
        # Supervision actions and the chosen child's case are read afresh every time.
        self._kept_headline: dict[tuple, pd.DataFrame] = {}
        self._kept_children: dict[tuple, dict] = {}
        self.filters = TeamFilters(data, lambda day: scope_for(identity, data, day), at)
        # "Figures as at ...": the date picker looks back, and the period list moves the line.
        self.data_date = DataDate(data.store, self.filters.at, snapshot=data.snapshot)
        self.data_date.observe(self._on_look_back, names="at")
        self.filters.observe(lambda change: setattr(self.data_date, "at", change["new"]), names="at")
        self.viewer = W.HTML(
            f"<p>Viewing as <strong>{html.escape(identity.name or identity.user)}</strong> "
            f"({html.escape(identity.title)}). You see only what your role allows.</p>"
        )
        self.viewer.add_class("wb-viewer")
        # Tables read as tables: room between columns, headings left-aligned with their figures.
        self.style = W.HTML(
            "<style>.wb-table th, .wb-table td {padding: 3px 12px 3px 0; text-align: left; "
            "vertical-align: top} .wb-table {border-collapse: collapse; margin-bottom: 8px} "
            ".wb-table tbody tr {border-top: 1px solid #ddd}</style>"
        )
        self.missing = MissingNote(data.store, ["reviews", "audits"])
        self.loading = W.HTML(LOADING)
        self.loading.add_class("wb-loading")
        self.summary = W.HTML()
        self.summary.add_class("wb-team-summary")
        self.headline_table = W.HTML()
        self.headline_table.add_class("wb-headline-table")
        self.attention_table = W.HTML()
        self.attention_table.add_class("wb-attention-list")
        self.child = W.Dropdown(description="Child", style={"description_width": "initial"})
        self.child.add_class("wb-child-chooser")
        self.child_reasons = W.HTML()
        self.child_reasons.add_class("wb-child-reasons")
        self.journey_table = W.HTML()
        self.journey_table.add_class("wb-journey-table")
        self.grades_table = W.HTML()
        self.grades_table.add_class("wb-audit-grades")
        self.actions_table = W.HTML()
        self.actions_table.add_class("wb-audit-actions")
        self.supervision_table = W.HTML()
        self.supervision_table.add_class("wb-team-supervision")
        self._supervision_cases: dict[date, pd.DataFrame] = {}
        self.case_help = CaseOutcomesView()

        self._compute()
        self._compute_children()
        self.headline_chart = offline_chart(self._headline_chart(), "wb-headline-chart")
        self.journey_chart = offline_chart(self._journey_chart(), "wb-journey-chart")
        self._show()

        W.link((self.child, "value"), (self, "child_id"))
        self.observe(self._on_child, names="child_id")
        self.filters.observe(self._on_filters, names="revision")

        wrap = W.Layout(flex_flow="row wrap", align_items="flex-start", grid_gap="16px")
        super().__init__(
            [
                self.style,
                self.data_date,
                self.viewer,
                self.missing,
                self.filters,
                self.loading,
                self.summary,
                _heading("Headline measures against the whole service"),
                W.Box([self.headline_chart, self.headline_table], layout=wrap),
                _heading("Children with outcomes that need attention"),
                self.attention_table,
                _heading("A child's outcome journey"),
                self.child,
                self.child_reasons,
                W.Box([self.journey_chart, self.journey_table], layout=wrap),
                _heading("What will be done for each of the child's outcomes"),
                self.case_help,
                _heading("Audit grades and open audit actions"),
                self.grades_table,
                self.actions_table,
                _heading("Supervision: outcomes discussed and open actions"),
                self.supervision_table,
            ]
        )
        self.add_class("wb-team-lead")
        self.loading.value = READY
        self._busy = False

    @traitlets.validate("child_id")
    def _only_children_in_view(self, proposal: dict) -> str | None:
        """Refuse a child outside the scope and filters, whoever sets it (a crafted message too)."""
        child = proposal["value"]
        if child is not None and child not in getattr(self, "children_shown", ()):
            raise traitlets.TraitError(f"{child!r} is not one of the children you can see here")
        return child

    # -- computing -------------------------------------------------------------------------

    @property
    def at(self) -> date:
        """The date D the page is at (the end of the chosen period)."""
        return self.filters.at

    def _on_look_back(self, change: dict) -> None:
        day = change["new"]
        first = "the data's date" if day == self.data_date.data_date else "the date chosen"
        self.filters.look_back(day, first)

    def _who(self) -> str:
        if self.filters.team_id:
            teams = self.data.teams.set_index("team_id")["name"]
            return str(teams.get(self.filters.team_id, self.filters.team_id))
        return "Your caseload"

    def _compute(self) -> None:
        """Work out the headline figures (the first chart) for the filters, within the scope."""
        filters = self.filters.filters()  # narrowed to the scope; refuses anything wider
        self.scoped_filters = filters
        service_filters = self.filters.service_filters()
        key = (self.at, service_filters)
        if key not in self._service_figures:  # the whole service changes only with D, plan and domain
            self._service_figures[key] = service_headline(self.data, self.at, service_filters)
        chosen = (self.at, filters, service_filters)
        if chosen not in self._kept_headline:
            _keep(self._kept_headline, chosen, headline_against_service(
                self.data, self.at, filters, service_filters, service=self._service_figures[key]
            ))  # fmt: skip
        self.headline = self._kept_headline[chosen]

    def _compute_children(self) -> None:
        """Work out the children in view, who needs attention, the audits and the chosen child."""
        key = (self.at, self.scoped_filters)
        if key not in self._kept_children:
            _keep(self._kept_children, key, self._children_figures())
        for name, value in self._kept_children[key].items():
            setattr(self, name, value)
        self._compute_supervision()
        # The child keeps their place if still in view; otherwise the first one listed. The
        # chooser itself is updated in _show, once its options are the new children.
        if self.chosen_child not in self.children_shown:
            self.chosen_child = self._ordered[0] if self._ordered else None
        self._compute_journey()

    def _children_figures(self) -> dict:
        """Return the children in view, who needs attention and their audits, for the filters at D."""
        filters, scope = self.scoped_filters, self.filters.scope
        self.children_shown = children_in_view(self.data, self.at, scope, filters)
        self.attention = attention_for(
            self.data, self.at, self.children_shown, plan_type=filters.plan_type, domain=filters.domain
        )
        self.attention_children = attention_by_child(self.attention)
        # Statements of the outcomes listed, looked up once per filter change (by position:
        # indexing the whole outcomes table by id on every child change is slow at scale).
        listed = self.attention["outcome_id"].unique()
        rows = self.data.outcome_positions(listed)
        found = self.data.outcomes["statement"].iloc[rows].to_numpy() if len(rows) else []
        self._statements = {o: (s if isinstance(s, str) else "") for o, s in zip(listed, found, strict=True)}
        flagged = dict(
            zip(self.attention_children["child_id"], self.attention_children["outcomes"], strict=True)
        )
        ordered = list(self.attention_children["child_id"]) + [
            c for c in self.children_shown if c not in flagged
        ]
        self.child_options = [
            (f"{child} ({flagged[child]} outcome(s) need attention)" if child in flagged else child, child)
            for child in ordered
        ]
        if self.audit_tables is not None:
            audits, _answers, actions = self.audit_tables
            self.grades = audit_grades(audits, self.at, self.children_shown)
            self.actions = open_actions(audits, actions, self.at, self.children_shown)
        else:
            self.grades = self.actions = pd.DataFrame()
        names = ("children_shown", "attention", "attention_children", "_statements", "child_options",
                 "grades", "actions")  # fmt: skip
        return {**{name: getattr(self, name) for name in names}, "_ordered": ordered}

    def _compute_supervision(self) -> None:
        """Outcomes discussed in supervision, and open supervision actions, for the workers in view."""
        # Read once per date for the page (a supervision recorded since shows on the next visit);
        # the open actions are read afresh on every change.
        if self.at not in self._supervision_cases:
            self._supervision_cases[self.at] = supervision_cases(self.data.store, self.at)
        workers = workers_in_view(self.data.workers, self.filters.scope, self.scoped_filters)
        who = self._who()
        if self.scoped_filters.worker_id is not None:  # one worker chosen: the figure is theirs
            names = self.data.workers.set_index("worker_id")["name"]
            who = str(names.get(self.scoped_filters.worker_id, self.scoped_filters.worker_id))
        self.supervision_discussed = discussed_table(self._supervision_cases[self.at], workers, who)
        self.supervision_actions = actions_in_words(self.data.store, self.filters.scope, self.at, workers)

    def _compute_journey(self) -> None:
        child = self.chosen_child
        if child is None or not self.filters.scope.allows_child(child) or child not in self.children_shown:
            self.journey = outcome_journey(self.data, "", self.at).iloc[0:0]
            self.case = None
        else:
            self.journey = outcome_journey(self.data, child, self.at, domain=self.filters.domain)
            self.case = case_outcomes(self.data.store, child, self.at)

    # -- drawing ---------------------------------------------------------------------------

    def _headline_title(self) -> str:
        return f"{self._who()}: share measures at {_day(self.at)} (tick: whole service)"

    def _headline_chart(self):
        return headline_against_service_chart(share_measures(self.headline), self._headline_title())

    def _draw_headline(self) -> None:
        """Draw the headline chart, from the spec of the one drawn when only figures and title changed."""
        frame, title = headline_frame(share_measures(self.headline)), self._headline_title()
        self.headline_chart.show("headline", [frame], lambda: headline_layers(frame, title), title=title)

    def _journey_chart(self):
        child = self.chosen_child or "no child chosen"
        return outcome_journey_chart(self.journey, f"Outcome journey of {child} to {_day(self.at)}")

    def _show(self) -> None:
        who = html.escape(self._who())
        self.summary.value = (
            f"<p><strong>{who}</strong> at {_day(self.at)}: {len(self.children_shown):,} children allocated; "
            f"{len(self.attention_children):,} have outcomes that need attention.</p>"
        )
        self.headline_table.value = _table(
            headline_text(self.headline),
            "wb-headline-figures",
            "No figures for these filters.",
            caption="The chart's figures in words: the team against the whole service",
        ) + self._what_each_counts()
        shown = self.attention_children.rename(
            columns={"child_id": "Child", "outcomes": "Outcomes needing attention", "reasons": "Why"}
        )
        # A long list scrolls in its own region, which the keyboard can reach (tabindex).
        self.attention_table.value = (
            '<div class="wb-scroll" tabindex="0" role="region" aria-label="Children needing attention" '
            'style="max-height: 420px; overflow-y: auto">'
            + _table(shown, "wb-attention-table", "No outcomes need attention for these filters.")
            + "</div>"
        )
        self.child.options = self.child_options
        self.child.value = self.chosen_child
        self.child_id = self.chosen_child
        self._show_child()
        self.grades_table.value = (
            f"<p>Completed audits of these children in the year to {_day(self.at)}, by overall grade.</p>"
            + _table(
                self.grades.rename(
                    columns={
                        "grade": "Overall grade",
                        "first": "Auditor's grade",
                        "moderated": "After moderation",
                    }
                ),
                "wb-grades-table",
                "No audit data.",
            )
            if not self.grades.empty and self.grades[["first", "moderated"]].to_numpy().sum()
            else f"<p>No audits of these children were completed in the year to {_day(self.at)}.</p>"
        )
        actions = (
            self.actions.assign(
                audit_date=self.actions["audit_date"].dt.strftime("%d %b %Y"),
                due_date=self.actions["due_date"].dt.strftime("%d %b %Y"),
            )
            if len(self.actions)
            else self.actions
        )
        columns = {"child_id": "Child", "audit_id": "Audit", "audit_date": "Audited", "description": "Action",
                   "owner": "Owner", "due_date": "Due", "status": "Status"}  # fmt: skip
        self.actions_table.value = "<h3>Open audit actions</h3>" + _table(
            actions.rename(columns=columns), "wb-actions-table", "No open audit actions."
        )
        self._show_supervision()

    def _show_supervision(self) -> None:
        self.supervision_table.value = (
            f"<p>Children discussed in supervision in the year to {_day(self.at)}, and how many of them had "
            "their desired outcomes discussed (from the extract's supervisions, and from supervisions "
            "recorded in the workbench).</p>"
            + _table(
                self.supervision_discussed,
                "wb-supervision-discussed-table",
                "No supervisions recorded.",
                caption="Outcomes discussed in supervision",
            )
            + "<h3>Open supervision actions</h3>"
            + _table(self.supervision_actions, "wb-supervision-actions-table", "No open supervision actions.")
        )

    def _what_each_counts(self) -> str:
        """Return a folded list of what each measure shown counts, in plain words, dates filled in."""
        if self.headline.empty:
            return ""
        items = "".join(
            f"<li><strong>{html.escape(title)}</strong>: {html.escape(plain_definition(name, self.at))}</li>"
            for name, title in zip(self.headline["measure"], self.headline["title"], strict=True)
        )
        return (
            '<details class="wb-measure-words"><summary>What each measure counts</summary>'
            f"<ul>{items}</ul></details>"
        )

    def _show_child(self) -> None:
        child = self.chosen_child
        reasons = self.attention[self.attention["child_id"] == child] if child else self.attention.iloc[0:0]
        # The same "1. Domain: statement" labels as the journey chart, so the two read together.
        journey_labels = dict(zip(self.journey["outcome_id"], self.journey["outcome"], strict=True))
        detail = pd.DataFrame(
            {
                "Outcome": [
                    journey_labels.get(o) or self._statements.get(o, "") for o in reasons["outcome_id"]
                ],
                "Reason": reasons["heading"],
                "What we found": reasons["explanation"],
            }
        )
        self.child_reasons.value = _table(
            detail, "wb-child-reasons-table", "None of this child's outcomes need attention."
        )
        self.journey_table.value = _table(
            journey_summary(self.journey),
            "wb-journey-scores",
            "No scores recorded for this child's current outcomes.",
            caption="The outcome journey in words: scores against the target",
        )
        self.case_help.show(self.case)

    # -- events ----------------------------------------------------------------------------

    def _refresh(self, recompute: bool) -> None:
        self.loading.value = LOADING
        self._busy = True
        try:
            if recompute:
                # The headline chart first, so the viewer sees the new figures soonest.
                self._compute()
                self._draw_headline()
                self._compute_children()
            else:
                self._compute_journey()
            self.journey_chart.chart = self._journey_chart()
            self._show()
            self.loading.value = READY
        except AccessRefusedError as error:
            self.loading.value = f'<p class="wb-loading-text" role="alert">{html.escape(str(error))}</p>'
        finally:
            self._busy = False

    def _on_filters(self, _change: dict) -> None:
        self._refresh(recompute=True)

    def _on_child(self, change: dict) -> None:
        if self._busy:
            return
        if change["new"] is not None and change["new"] not in self.children_shown:
            # A crafted widget message cannot open a child outside the scope and filters.
            self._busy = True
            try:
                self.child_id = change["old"]
            finally:
                self._busy = False
            return
        self.chosen_child = change["new"]
        self._refresh(recompute=False)
