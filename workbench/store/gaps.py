"""What the store does not hold yet, in words a reader can act on.

A real authority's first extract is partial: no audits yet, no supervision records, outcomes
never reviewed. A page that finds nothing to show says which records are missing and how to
get them, instead of drawing an empty chart with no word of why. The messages are plain text
written here (never user-entered), so pages may show them as they are, escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from workbench.store.engine import Store

#: The plans a page is about, as its reader names them.
PLAN_NAMES = {"cp": "child protection plans", "cla": "children looked after", "cin": "child in need plans",
              "early_help": "early help", "care_leaver": "care leavers"}  # fmt: skip

#: Each gap: the tables whose emptiness makes it, and what to say. "extract" is a store with
#: nothing loaded at all, and when it applies it is the only thing said.
GAPS: dict[str, tuple[tuple[str, ...], str]] = {
    "extract": (
        ("children",),
        "Nothing has been loaded yet: a data officer loads the authority's extract with the command "
        "workbench load FOLDER (or the notebook 01-import-and-check), and the figures appear here.",
    ),
    "audits": (
        ("audits",),
        "No audits yet: audit a case on the first tab, or import past audits from a spreadsheet "
        "with the command workbench audit import FILE.",
    ),
    "supervisions": (
        ("supervisions",),
        "No supervision records yet: add supervisions.csv and supervision_cases.csv to the "
        "extract and load it again. Caseloads and outcomes are shown without them.",
    ),
    "reviews": (
        ("outcome_reviews",),
        "No outcome has been reviewed yet, so distance travelled and the Reviewed measure are "
        "empty: add outcome_reviews.csv (the scored reviews) to the extract and load it again.",
    ),
    "interventions": (
        ("interventions",),
        "No interventions recorded, so the Evidence-informed measure and what works are empty: "
        "add interventions.csv and intervention_outcomes.csv to the extract and load it again.",
    ),
    "meetings": (
        ("meetings",),
        "No meetings recorded, so participation is empty: add meetings.csv to the extract and load it again.",
    ),
}


def missing(store: Store, gaps: Iterable[str]) -> list[str]:
    """Return the messages for those of ``gaps`` (names from :data:`GAPS`) the store has.

    An empty store gives one message, the one that says nothing has been loaded.
    """
    counts = store.row_counts()
    if counts["children"] == 0:
        return [GAPS["extract"][1]]
    return [text for name in gaps for tables, text in [GAPS[name]] if all(counts[t] == 0 for t in tables)]


def missing_plan(store: Store, plan_type: str | tuple[str, ...]) -> list[str]:
    """Return a message when the store holds no involvement of ``plan_type`` (a page about it is empty).

    ``plan_type`` is one plan type or a tuple of them (a page about several plans is empty
    only when it holds none of them). Names the plan types the extract does hold, so the
    reader knows it is the extract, not the page.
    """
    wanted = plan_type if isinstance(plan_type, tuple) else (plan_type,)
    involvements = store.metadata.tables["involvements"]
    with store.engine.connect() as conn:
        held = sorted(conn.execute(sa.select(involvements.c.plan_type).distinct()).scalars())
    if not held or set(wanted) & set(held):
        return []  # nothing loaded at all is said by missing(); a plan that is held needs no note
    names = " or ".join(PLAN_NAMES.get(p, p) for p in wanted)
    holds = ", ".join(PLAN_NAMES.get(p, p) for p in held)
    return [
        f"No {names} in the loaded extract, so this page has no children "
        f"to show: it holds only {holds}. Add the {' and '.join(wanted)} "
        "involvements (involvements.csv, plan_type) to the extract and load it again."
    ]


#: The dated columns that say when the records start and end (a table's name, then its columns).
RECORD_DATES = {
    "involvements": ("start_date", "end_date"),
    "allocations": ("start_date", "end_date"),
    "meetings": ("date",),
    "outcome_reviews": ("review_date",),
}


def records_span(store: Store) -> tuple[date, date] | None:
    """Return the first and last dates in the case records (involvements, allocations, meetings, reviews).

    ``None`` when nothing is loaded.
    """
    tables = store.metadata.tables
    found = []
    with store.engine.connect() as conn:
        for name, columns in RECORD_DATES.items():
            for column in columns:
                col = tables[name].c[column]
                found += conn.execute(sa.select(sa.func.min(col), sa.func.max(col))).one()
    days = [d if isinstance(d, date) else date.fromisoformat(str(d)[:10]) for d in found if d]
    return (min(days), max(days)) if days else None


def missing_at(store: Store, day: date) -> list[str]:
    """Return a message when ``day`` is before the first record or after the last (else nothing).

    Figures at such a date are empty, or stand as the records left them, and the reader should
    know it is the date, not the service.
    """
    span = records_span(store)
    if span is None:
        return []  # nothing loaded at all is said by missing()
    first, last = span
    if day < first:
        return [
            f"{day.isoformat()} is before the first record ({first.isoformat()}), so nothing was open "
            f"then and the figures are empty: choose a date from {first.isoformat()} to {last.isoformat()}."
        ]
    if day > last:
        return [
            f"{day.isoformat()} is after the last record ({last.isoformat()}): nothing later is known, "
            f"so the figures stand as the records left them. The records run from {first.isoformat()} "
            f"to {last.isoformat()}."
        ]
    return []
