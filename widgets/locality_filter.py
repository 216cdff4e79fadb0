"""A dropdown that chooses the locality, bound to a :class:`FilterState`."""

from __future__ import annotations

import ipywidgets as W

from widgets.filter_state import FilterState

ALL_LOCALITIES = "All localities"
# ipywidgets shows a Dropdown whose value is None as blank, so "all" is "" in the widget
# and None in the state.
_ALL = ""


class LocalityFilter(W.VBox):
    """Choose one locality, or all of them. Writes ``state.locality`` (None for all)."""

    def __init__(self, state: FilterState, localities: list[str]) -> None:
        self.state = state
        self.dropdown = W.Dropdown(
            options=[(ALL_LOCALITIES, _ALL), *((name, name) for name in localities)],
            value=state.locality or _ALL,
            description="Locality",
            style={"description_width": "initial"},
        )
        self.dropdown.add_class("wb-locality-filter")
        # Two-way: the dropdown drives the state, and a state set elsewhere shows here.
        W.link(
            (self.dropdown, "value"),
            (state, "locality"),
            transform=(lambda value: value or None, lambda value: value or _ALL),
        )
        super().__init__([self.dropdown])
        self.add_class("wb-filter")
