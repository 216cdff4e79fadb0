"""The team lead page's supervision part: outcomes discussed in supervision, and open actions.

Pure functions of the store, a scope and the page's filters (already narrowed by the scope):
which workers are in view, the measure "outcomes discussed in supervision" for them beside the
whole service, and their supervision actions still open. The figures are for the team lead's own
page (scoped, not published), so they are shown in full.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from workbench.access import Scope
from workbench.measures.filters import Filters
from workbench.practice.supervision_actions import open_actions, outcomes_discussed
from workbench.store.engine import Store


def workers_in_view(workers: pd.DataFrame, scope: Scope, filters: Filters) -> list[str]:
    """Return the workers the page is about: the chosen worker, else the chosen team's, within ``scope``.

    ``workers`` has worker_id and team_id; ``filters`` must already be narrowed by
    ``scope.restrict``. With neither a team nor a worker chosen (the whole service), every
    worker the scope allows.
    """
    if filters.worker_id is not None:
        chosen = workers[workers["worker_id"] == filters.worker_id]
    elif filters.team_id is not None:
        chosen = workers[workers["team_id"] == filters.team_id]
    else:
        chosen = workers
    return sorted(w for w in chosen["worker_id"] if scope.allows_worker(w))


def discussed_table(cases: pd.DataFrame, worker_ids: Iterable[str], who: str) -> pd.DataFrame:
    """Return the measure for ``worker_ids`` (labelled ``who``) beside the whole service, in words.

    ``cases`` is :func:`workbench.practice.supervision_actions.supervision_cases` at D. Columns:
    Who, Children discussed, Outcomes discussed, Share, From the extract, Recorded here.
    """
    rows = []
    for label, figure in (
        (who, outcomes_discussed(cases, worker_ids)),
        ("Whole service", outcomes_discussed(cases)),
    ):
        share = "none counted" if figure["value"] is None else f"{figure['value']:.0%}"
        rows.append(
            {
                "Who": label,
                "Children discussed": f"{figure['denominator']:,}",
                "Outcomes discussed": f"{figure['numerator']:,}",
                "Share": share,
                "From the extract": "{:,} of {:,}".format(*figure["extract"]),
                "Recorded here": "{:,} of {:,}".format(*figure["workbench"]),
            }
        )
    return pd.DataFrame(rows)


def actions_in_words(store: Store, scope: Scope, at: date, worker_ids: Iterable[str]) -> pd.DataFrame:
    """Return the open supervision actions of ``worker_ids`` (within ``scope``) as the page lists them.

    Columns: Worker, Child, Outcome, Action, Owner, Due, Set in supervision on. Oldest due first;
    an overdue one says so in Due.
    """
    found = open_actions(store, scope, at, worker_ids)
    return pd.DataFrame(
        {
            "Worker": [
                f"{name} ({wid})" if isinstance(name, str) else wid
                for name, wid in zip(found["worker_name"], found["worker_id"], strict=True)
            ],
            "Child": found["child_id"].fillna(""),
            "Outcome": found["outcome_id"].fillna(""),
            "Action": found["description"],
            "Owner": found["owner"],
            "Due": [
                f"{due:%d %b %Y}" + (" (overdue)" if late else "")
                for due, late in zip(found["due_date"], found["overdue"], strict=True)
            ],
            "Set in supervision on": [f"{day:%d %b %Y}" for day in found["set_on"]],
        },
        columns=["Worker", "Child", "Outcome", "Action", "Owner", "Due", "Set in supervision on"],
    )
