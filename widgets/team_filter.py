"""A dropdown that chooses the team, bound to a :class:`FilterState`."""

from __future__ import annotations

import ipywidgets as W

from widgets.filter_state import FilterState

ALL_TEAMS = "All teams"
_ALL = ""  # a Dropdown shows None as blank, so "all" is "" here and None in the state


class TeamFilter(W.VBox):
    """Choose one team, or all the teams offered. Writes ``state.team_id`` (None for all).

    ``teams`` is ``[(name, team_id), ...]``: only the teams the viewer may see are offered
    (``workbench.pages.service.DashboardView.teams``).
    """

    def __init__(self, state: FilterState, teams: list[tuple[str, str]]) -> None:
        self.state = state
        self.dropdown = W.Dropdown(
            options=[(ALL_TEAMS, _ALL), *teams],
            value=state.team_id or _ALL,
            description="Team",
            style={"description_width": "initial"},
        )
        self.dropdown.add_class("wb-team-filter")
        W.link(
            (self.dropdown, "value"),
            (state, "team_id"),
            transform=(lambda value: value or None, lambda value: value or _ALL),
        )
        super().__init__([self.dropdown])
        self.add_class("wb-filter")
