"""Partial extracts: the states an authority's real first extract can be in, made from a full one.

The demo service has everything. A real authority's first extract will not: no audits yet, no
supervision records, only some plan types, one locality. Each state here is the full extract
with tables emptied (to their header) or rows filtered, and then every row that named a removed
row removed too (an optional reference is blanked instead), so that the result is still a valid
extract and loads. Tests open every page on each state; ``workbench demo-data --state`` writes one.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.core.model import EXTRACT_TABLES, TABLES_BY_NAME

Rows = dict[str, list[dict[str, str]]]

#: Tables that go together: emptying the first empties the others, which only refer to it.
TABLE_GROUPS = {
    "audits": ("audits", "audit_answers"),
    "supervisions": ("supervisions", "supervision_cases"),
    "interventions": ("interventions", "intervention_outcomes"),
    "reviews": ("outcome_reviews",),
    "meetings": ("meetings",),
}


@dataclass(frozen=True)
class ExtractState:
    """One partial state: a name, what it is in a sentence, and how it is made from full rows."""

    name: str
    description: str
    without: tuple[str, ...] = ()  # names from TABLE_GROUPS to empty
    keep: Callable[[Rows], Rows] | None = None  # filters rows; references are then repaired


def _only_plan_types(rows: Rows) -> Rows:
    kept = [r for r in rows["involvements"] if r["plan_type"] in ("early_help", "cin")]
    return {**rows, "involvements": kept}


def _one_locality(rows: Rows) -> Rows:
    locality = rows["teams"][0]["locality"]
    return {
        **rows,
        "children": [r for r in rows["children"] if r["locality"] == locality],
        "teams": [r for r in rows["teams"] if r["locality"] == locality],
    }


def _idle_team(rows: Rows) -> Rows:
    """Keep the last team and its workers, with no involvement for the team and no child for its workers."""
    team = rows["teams"][-1]["team_id"]
    workers = {r["worker_id"] for r in rows["workers"] if r["team_id"] == team}
    return {
        **rows,
        "involvements": [r for r in rows["involvements"] if r["team_id"] != team],
        "allocations": [r for r in rows["allocations"] if r["worker_id"] not in workers],
    }


#: The partial states every page, notebook and command must cope with. The empty store (nothing
#: loaded) is not an extract; tests make it by opening a new store.
STATES = {
    state.name: state
    for state in (
        ExtractState("no-audits", "no audits recorded yet", without=("audits",)),
        ExtractState("no-supervisions", "no supervision records", without=("supervisions",)),
        ExtractState("no-interventions", "no interventions recorded", without=("interventions",)),
        ExtractState("no-reviews", "outcomes that have never been reviewed", without=("reviews",)),
        ExtractState("some-plan-types", "early help and child in need only", keep=_only_plan_types),
        ExtractState("one-locality", "one locality only", keep=_one_locality),
        ExtractState("idle-team", "a team with no open cases; its workers have no children", keep=_idle_team),
        ExtractState(
            "first-extract",
            "children and plans only: no audits, supervisions, interventions or reviews",
            without=("audits", "supervisions", "interventions", "reviews"),
        ),
    )
}


def read_rows(folder: Path) -> tuple[dict[str, list[str]], Rows]:
    """Read every table of the extract in ``folder``: its header and its rows as dicts of text."""
    headers, rows = {}, {}
    for spec in EXTRACT_TABLES:
        with (Path(folder) / spec.filename).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows[spec.name] = list(reader)
            headers[spec.name] = list(reader.fieldnames or spec.columns)
    return headers, rows


def repair_references(rows: Rows) -> Rows:
    """Drop rows whose required reference names a missing row, blank optional ones, until none is left.

    Removing a row can orphan others (an involvement's meetings, then their outcomes), so the
    pass repeats until nothing changes.
    """
    rows = {name: list(table) for name, table in rows.items()}
    changed = True
    while changed:
        changed = False
        for spec in EXTRACT_TABLES:
            for fld in spec.fields:
                if not fld.references:
                    continue
                table, column = fld.references.split(".")
                known = {r[column] for r in rows[table]}
                kept = []
                for row in rows[spec.name]:
                    value = row[fld.name]
                    if value == "" or value in known:
                        kept.append(row)
                    elif fld.required or fld.name in spec.key:
                        changed = True
                    else:
                        kept.append({**row, fld.name: ""})
                rows[spec.name] = kept
    return rows


def partial_rows(rows: Rows, state: ExtractState) -> Rows:
    """Return the rows of ``state`` made from a full extract's ``rows`` (still a valid extract)."""
    if state.keep is not None:
        rows = state.keep(rows)
    emptied = {table for group in state.without for table in TABLE_GROUPS[group]}
    rows = {name: ([] if name in emptied else table) for name, table in rows.items()}
    return repair_references(rows)


def unknown_groups(without: tuple[str, ...]) -> list[str]:
    """Return the names in ``without`` that are not groups of tables (for a usage message)."""
    return [name for name in without if name not in TABLE_GROUPS]


def write_partial_extract(
    source: Path, out: Path, state: ExtractState | None = None, without: tuple[str, ...] = ()
) -> dict[str, int]:
    """Write the full extract at ``source`` as ``state`` (or with the ``without`` groups emptied) to ``out``.

    Returns the number of rows written to each table.
    """
    if unknown_groups(without):
        raise ValueError(f"no such tables to leave out: {', '.join(unknown_groups(without))}; "
                         f"choose from {', '.join(TABLE_GROUPS)}")  # fmt: skip
    state = state or ExtractState("custom", "custom", without=tuple(without))
    if without and state.name != "custom":
        state = ExtractState(state.name, state.description, (*state.without, *without), state.keep)
    headers, rows = read_rows(source)
    rows = partial_rows(rows, state)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in rows.items():
        with (out / TABLES_BY_NAME[name].filename).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=headers[name], lineterminator="\n")
            writer.writeheader()
            writer.writerows(table)
    return {name: len(table) for name, table in rows.items()}
