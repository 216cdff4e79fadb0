"""One dropdown for every filter: "all" offered first, bound both ways to a state's trait.

ipywidgets shows a Dropdown whose value is None as blank, so "all" is ``""`` (:data:`ALL`) in
the widget and None in the state; :meth:`FilterDropdown.bind` translates between the two.
:class:`LocalityFilter` and :class:`TeamFilter` are the two a :class:`FilterState` uses on the
service pages; the explorers and the team lead's filters build theirs from the same class.
"""

from __future__ import annotations

from typing import ClassVar

import ipywidgets as W
import traitlets

from widgets.filter_state import FilterState

#: The value that means "no restriction" in a dropdown.
ALL = ""
ALL_LOCALITIES = "All localities"
ALL_TEAMS = "All teams"


def state_value(value: str | None) -> str | None:
    """Return a dropdown's value as the state holds it: "all" is None."""
    return value or None


def dropdown_value(value: str | None) -> str:
    """Return a state's value as the dropdown shows it: None is "all"."""
    return value or ALL


class FilterDropdown(W.Dropdown):
    """A filter's dropdown, with a stable CSS class for tests and, if ``all_label``, "all" first."""

    def __init__(
        self,
        description: str,
        options: list[tuple[str, object]],
        css: str,
        *,
        all_label: str | None = None,
        width: str | None = None,
    ) -> None:
        super().__init__(
            options=[(all_label, ALL), *options] if all_label else list(options),
            description=description,
            style={"description_width": "initial"},
            layout=W.Layout(width=width) if width else W.Layout(),
        )
        self.add_class(css)

    def bind(self, state: traitlets.HasTraits, trait: str) -> W.link:
        """Link this dropdown and ``state.<trait>`` both ways ("all" here is None there)."""
        return W.link((self, "value"), (state, trait), transform=(state_value, dropdown_value))


class FilterChooser(W.VBox):
    """One filter of a :class:`FilterState`, chosen from a dropdown with "all" first.

    Subclasses name the state's trait, the label, the "all" wording and the CSS class.
    """

    trait: ClassVar[str]
    label: ClassVar[str]
    all_label: ClassVar[str]
    css: ClassVar[str]

    def __init__(self, state: FilterState, options: list[tuple[str, str]]) -> None:
        self.state = state
        self.dropdown = FilterDropdown(self.label, options, self.css, all_label=self.all_label)
        self.dropdown.value = dropdown_value(getattr(state, self.trait))
        # Two-way: the dropdown drives the state, and a state set elsewhere shows here.
        self.dropdown.bind(state, self.trait)
        super().__init__([self.dropdown])
        self.add_class("wb-filter")


class LocalityFilter(FilterChooser):
    """Choose one locality, or all of them. Writes ``state.locality`` (None for all)."""

    trait, label, all_label, css = "locality", "Locality", ALL_LOCALITIES, "wb-locality-filter"

    def __init__(self, state: FilterState, localities: list[str]) -> None:
        super().__init__(state, [(name, name) for name in localities])


class TeamFilter(FilterChooser):
    """Choose one team, or all the teams offered. Writes ``state.team_id`` (None for all).

    ``teams`` is ``[(name, team_id), ...]``: only the teams the viewer may see are offered
    (``workbench.pages.service.DashboardView.teams``).
    """

    trait, label, all_label, css = "team_id", "Team", ALL_TEAMS, "wb-team-filter"
