"""A live status line: what the page shows, and "Updating the figures…" while they are computed.

Announced politely to screen readers (``role="status"``). The status observes the filter
state before any view does (so "Updating" goes to the browser first) and, once the views
exist, :meth:`DashboardStatus.follow` adds the observer that says what is shown when they are done.
"""

from __future__ import annotations

import html

import ipywidgets as W

from widgets.filter_state import FilterState

UPDATING = "Updating the figures…"


class DashboardStatus(W.HTML):
    """Say which children the figures are about; say "Updating the figures…" while they change."""

    def __init__(self, state: FilterState, describe) -> None:
        super().__init__()
        self.state = state
        self.describe = describe  # () -> str: the children shown, in words
        self.add_class("wb-status")
        self.updating = False
        state.observe(self._start, names=list(FilterState.NAMES))
        self._show()

    def follow(self) -> DashboardStatus:
        """Register the "done" observer; call after every view has observed the state."""
        self.state.observe(self._done, names=list(FilterState.NAMES))
        return self

    def _show(self) -> None:
        text = UPDATING if self.updating else f"Showing {self.describe()}."
        self.value = f'<p role="status" aria-live="polite">{html.escape(text)}</p>'

    def _start(self, _change: dict) -> None:
        self.updating = True
        self._show()

    def _done(self, _change: dict) -> None:
        self.updating = False
        self._show()
