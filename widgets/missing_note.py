"""A plain note at the top of a page: which records are missing, and how to get them.

The words come from ``workbench.store.gaps`` (one place, unit-tested); this only shows them,
escaped, with a stable class for browser tests. With nothing missing the note is empty.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date

import ipywidgets as W
from IPython.display import HTML, display

from workbench.store.engine import Store
from workbench.store.gaps import missing, missing_at, missing_plan


def missing_messages(
    store: Store, gaps: Iterable[str], plan_type: str | tuple[str, ...] | None = None, at: date | None = None
) -> list[str]:
    """Return the sentences for ``gaps``, a page on ``plan_type``, and a date ``at`` outside the records."""
    messages = missing(store, gaps) + (missing_plan(store, plan_type) if plan_type else [])
    return messages + (missing_at(store, at) if at is not None and store.row_counts()["children"] else [])


def note_html(messages: list[str]) -> str:
    """Return the note as HTML (empty with nothing to say); the messages are escaped."""
    items = "".join(f"<li>{html.escape(text)}</li>" for text in messages)
    return (
        f'<div role="note" style="border-left: 4px solid #b36b00; padding: 4px 12px; margin: 8px 0">'
        f"<strong>Not everything can be shown yet</strong><ul>{items}</ul></div>"
        if messages
        else ""
    )


def note_missing(
    store: Store, gaps: Iterable[str], plan_type: str | tuple[str, ...] | None = None, at: date | None = None
) -> list[str]:
    """In a notebook, show the note the dashboards show when there is something to say; return its sentences.

    A notebook cell goes on to its figure only when this returns nothing (or the figure copes).
    """
    messages = missing_messages(store, gaps, plan_type, at)
    if messages:
        display(HTML(note_html(messages)))
    return messages


class MissingNote(W.HTML):
    """Say what the page cannot show yet and why; ``messages`` holds the sentences shown."""

    def __init__(
        self, store: Store, gaps: Iterable[str], plan_type: str | tuple[str, ...] | None = None
    ) -> None:
        self.messages = missing_messages(store, gaps, plan_type)
        super().__init__(note_html(self.messages))
        self.add_class("wb-missing")
