"""The team lead dashboard's filters: period, team (within the viewer's scope), worker, plan type, domain.

State lives in traits (``at``, ``team_id``, ``worker_id``, ``plan_type``, ``domain``). The
team and worker choosers only ever offer what the viewer's :class:`workbench.access.Scope`
allows, and :meth:`TeamFilters.filters` passes every value through ``Scope.restrict``, so a
value set any other way (a URL, a crafted widget message) is refused, never obeyed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import ipywidgets as W
import traitlets

from widgets.filter_dropdown import ALL, FilterDropdown
from workbench.access import Scope
from workbench.core.codes import labels
from workbench.measures.filters import Filters
from workbench.measures.service_data import ServiceData
from workbench.pages.team_lead import period_choices


class TeamFilters(W.VBox):
    """Period, team, worker, plan type and domain for one viewer's scope.

    ``scope_at`` returns the viewer's scope at a date (``lambda at: scope_for(identity, data, at)``):
    a new period gives a new scope, since children move between teams.
    """

    at = traitlets.Instance(date)
    team_id = traitlets.Unicode(None, allow_none=True)
    worker_id = traitlets.Unicode(None, allow_none=True)
    plan_type = traitlets.Unicode(None, allow_none=True)
    domain = traitlets.Unicode(None, allow_none=True)
    #: Goes up by one after each change of the filters has settled: views observe this.
    revision = traitlets.Int(0)

    NAMES = ("at", "team_id", "worker_id", "plan_type", "domain")

    def __init__(self, data: ServiceData, scope_at: Callable[[date], Scope], latest: date) -> None:
        self.data = data
        self.scope_at = scope_at
        periods = period_choices(latest)
        super().__init__()
        self._settling = False
        self.at = periods[0][1]
        self.scope = scope_at(self.at)
        self.period = FilterDropdown("Period ending", periods, "wb-period-filter", width="auto")
        self.period.value = self.at
        teams = self.scope.teams(data.teams).sort_values("name")
        self.team = FilterDropdown(
            "Team",
            list(zip(teams["name"], teams["team_id"], strict=True)) or [("Your caseload", ALL)],
            "wb-team-chooser",
            width="auto",
        )
        self.team_id = self.team.value or None
        self.worker = FilterDropdown("Worker", self._worker_options(), "wb-worker-filter", width="auto")
        self.plan = FilterDropdown(
            "Plan type",
            [(v, k) for k, v in labels("plan_types").items()],
            "wb-plan-filter",
            all_label="All plan types",
            width="auto",
        )
        self.domain_picker = FilterDropdown(
            "Domain",
            [(v, k) for k, v in labels("outcome_domains").items()],
            "wb-domain-filter",
            all_label="All domains",
            width="auto",
        )
        self.period.observe(self._on_period, names="value")
        for name, dropdown in (
            ("team_id", self.team),
            ("worker_id", self.worker),
            ("plan_type", self.plan),
            ("domain", self.domain_picker),
        ):
            dropdown.bind(self, name)
        self.observe(self._on_change, names=list(self.NAMES))
        self.children = [
            W.HBox([self.period, self.team, self.worker]),
            W.HBox([self.plan, self.domain_picker]),
        ]
        self.add_class("wb-team-filters")

    @traitlets.validate("team_id")
    def _team_in_scope(self, proposal: dict) -> str | None:
        """Refuse a team outside the scope, however the value arrives (URL, crafted message)."""
        team = proposal["value"]
        if team is not None and not self.scope.allows_team(team):
            raise traitlets.TraitError(f"team {team!r} is outside what you may see")
        return team

    @traitlets.validate("worker_id")
    def _worker_in_scope(self, proposal: dict) -> str | None:
        worker = proposal["value"]
        if worker is not None and not self.scope.allows_worker(worker):
            raise traitlets.TraitError(f"worker {worker!r} is outside what you may see")
        return worker

    def _worker_options(self) -> list[tuple[str, str]]:
        workers = self.data.workers
        if self.scope.worker_id is not None:
            mine = workers[workers["worker_id"] == self.scope.worker_id]
            return list(zip(mine["name"], mine["worker_id"], strict=True))
        in_team = workers[workers["team_id"] == self.team_id] if self.team_id else workers.iloc[0:0]
        # Workers with children allocated at D, so the list is the team as it is now.
        allocated = self.data.allocation_at(self.at)
        in_team = in_team[in_team["worker_id"].isin(set(allocated["worker_id"]))].sort_values("name")
        return [("All workers", ALL), *zip(in_team["name"], in_team["worker_id"], strict=True)]

    def _settle(self, update: Callable[[], None]) -> None:
        """Apply a change that moves other filters, then announce one revision."""
        self._settling = True
        try:
            update()
        finally:
            self._settling = False
        self.revision += 1

    def look_back(self, day: date, first: str = "the date chosen") -> None:
        """Move the period to end on ``day`` (a date a reader picked): the page redraws at it.

        A day the period list does not offer becomes its first choice, with the quarters before.
        """
        if day == self.at:
            return
        if day not in {value for _, value in self.period.options}:
            self.period.options = period_choices(day, first=first)
        self.period.value = day

    def _on_period(self, change: dict) -> None:
        def update() -> None:
            self.scope = self.scope_at(change["new"])
            self.at = change["new"]
            kept = self.worker_id
            self.worker.options = self._worker_options()
            # The chosen worker stays chosen if they still hold cases at the new date.
            if kept and kept in {value for _, value in self.worker.options}:
                self.worker.value = kept
            self.worker_id = self.worker.value or None

        self._settle(update)

    def _on_change(self, change: dict) -> None:
        if self._settling:
            return
        if change["name"] == "team_id":

            def update() -> None:
                self.worker.options = self._worker_options()
                self.worker_id = self.worker.value or None

            self._settle(update)
        else:
            self.revision += 1

    def filters(self) -> Filters:
        """Return the chosen filters narrowed to the scope (``AccessRefusedError`` if outside it)."""
        chosen = Filters(
            team_id=self.team_id, worker_id=self.worker_id, plan_type=self.plan_type, domain=self.domain
        )
        return self.scope.restrict(chosen)

    def service_filters(self) -> Filters:
        """Return the filters for the whole-service figure: plan type and domain only."""
        return Filters(plan_type=self.plan_type, domain=self.domain)
