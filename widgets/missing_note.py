"""A plain note at the top of a page: which records are missing, and how to get them.

The words come from ``workbench.store.gaps`` (one place, unit-tested); this only shows them,
escaped, with a stable class for browser tests. With nothing missing the note is empty.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets as W

from workbench.store.engine import Store
from workbench.store.gaps import missing, missing_plan


class MissingNote(W.HTML):
    """Say what the page cannot show yet and why; ``messages`` holds the sentences shown."""

    def __init__(self, store: Store, gaps: Iterable[str], plan_type: str | None = None) -> None:
        self.messages = missing(store, gaps) + (missing_plan(store, plan_type) if plan_type else [])
        items = "".join(f"<li>{html.escape(text)}</li>" for text in self.messages)
        super().__init__(
            f'<div role="note" style="border-left: 4px solid #b36b00; padding: 4px 12px; margin: 8px 0">'
            f"<strong>Not everything can be shown yet</strong><ul>{items}</ul></div>"
            if self.messages
            else ""
        )
        self.add_class("wb-missing")
