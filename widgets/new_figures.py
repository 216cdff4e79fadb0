"""A notice on an open page: "New figures are available: reload the page", after a refresh.

The page was drawn from the store's data as it was; a refresh (`workbench refresh`) may swap
in new data at any time. :class:`NewFiguresNotice` notes the store's latest load id when the
page is made and looks again every few seconds; once a newer load is there it shows the
notice (fixed at the top of the window, announced to screen readers). It shows nothing
until then.
"""

from __future__ import annotations

import asyncio
import os

import ipywidgets as W
import sqlalchemy as sa
from traitlets import Int, observe

from workbench.store.changes import latest_load_id
from workbench.store.engine import ENV_VAR

NOTICE = "New figures are available: reload the page."
#: Seconds between two looks at the store's latest load.
POLL_S = float(os.environ.get("WORKBENCH_LOAD_POLL_S", "5"))


class NewFiguresNotice(W.HTML):
    """Say "New figures are available: reload the page" once the store has a newer load."""

    #: The load the page's figures come from (-1: none) and the latest load seen.
    shown_load = Int(-1)
    latest_load = Int(-1)

    def __init__(self, url: str | None = None) -> None:
        super().__init__()
        self.add_class("wb-new-figures")
        url = url or os.environ.get(ENV_VAR, "")
        self.engine = sa.create_engine(url) if url else None
        self.shown_load = self.latest_load = self._read()
        self._task = None

    def _read(self) -> int:
        if self.engine is None:
            return -1
        try:
            found = latest_load_id(self.engine)
        except Exception:  # the store is briefly unreadable: keep what was known
            return self.latest_load
        return -1 if found is None else found

    def check(self) -> bool:
        """Look at the store once; return True when newer figures are available."""
        self.latest_load = self._read()
        return self.latest_load != self.shown_load

    @observe("latest_load")
    def _show(self, _change: dict) -> None:
        if self.latest_load != self.shown_load:
            self.value = (
                '<div role="status" aria-live="polite" style="position:fixed;top:0;left:0;right:0;'
                "z-index:1000;padding:0.6em 1em;background:#fff4ce;border-bottom:2px solid #8a6d00;"
                f'font-weight:600">{NOTICE}</div>'
            )
        else:
            self.value = ""

    def start(self, every: float = POLL_S) -> NewFiguresNotice:
        """Look at the store every ``every`` seconds in the kernel's event loop, until there is news."""

        async def poll() -> None:
            while not self.check():
                await asyncio.sleep(every)

        try:
            self._task = asyncio.get_event_loop().create_task(poll())
        except RuntimeError:  # no event loop (a plain script): check on demand only
            self._task = None
        return self


def new_figures_notice() -> NewFiguresNotice:
    """Return the page's notice, already watching the store of ``$WORKBENCH_STORE``."""
    return NewFiguresNotice().start()
