"""Who a published pack is for: internal (the worker and their manager) or shared (disclosure control)."""

from __future__ import annotations

KINDS = ("supervision", "appraisal")


AUDIENCES = ("internal", "shared")


class PublishError(ValueError):
    """A pack cannot be published as asked; the message says why."""


def audience_note(audience: str, kind: str = "supervision") -> str:
    """Return the note that opens a pack: who it is for and, when shared, what it leaves out and why."""
    if audience == "internal":
        return (
            "<p class='wb-meta'><span class='wb-audience'>Internal</span> For the worker and their "
            "manager only: children are shown by their case id.</p>"
        )
    left_out = (
        "the list of children, their outcomes and each child's prompts, the outcome statements and "
        "success measures, and the supervision records"
        if kind == "supervision"
        else "the list of audited cases and the appraisee's own words"
    )
    return (
        "<div class='wb-meta wb-shared-note'><p><span class='wb-audience'>Shared</span> For a wider group. "
        "This pack shows <strong>figures only</strong>.</p>"
        f"<p><strong>Left out:</strong> {left_out}. A list of children, even under made-up names, lets "
        "a reader count them and work out a number this pack hides; and words people wrote can name a "
        "child, a family or a worker. The internal pack, for the worker and their manager, has the "
        "detail.</p>"
        "<p>Counts of 1 to 5 are shown as <abbr title='suppressed to protect children'>c</abbr>, and "
        "another count is hidden where a total would reveal them. No other worker is named.</p></div>"
    )
