"""A team's desired outcome statements as the statement reader reads them."""

from __future__ import annotations

from datetime import date

import pandas as pd

from workbench.measures.service_data import ServiceData
from workbench.text.statements import FLAGS, TEAM_COLUMNS, analyse_statements, as_text, needs_work_order


def team_statements(data: ServiceData, team_id: str | None, at: date) -> pd.DataFrame:
    """Return the statements of the outcomes active at ``at`` of a team's children, most needing work first.

    ``team_id`` None means every child, allocated or not (the whole service).
    A child's team and worker at D come from the allocation open at D (DESIGN.md section 4);
    an outcome is active at D when agreed on or before D and not closed by D. Rows are ranked
    by :func:`needs_work_order` (empty, then processes, then outcomes with no sign of success,
    then the rest), then by outcome_id. ``prompt`` is the coaching question of the most
    pressing flag (empty when nothing is flagged).
    """
    children = data.children_at(at)
    mine = (
        children
        if team_id is None
        else children.loc[children["team_id"].eq(team_id).fillna(False).to_numpy(dtype=bool)]
    )
    when = pd.Timestamp(at)
    out = data.outcomes
    active = (out["agreed_date"] <= when) & ~(out["closed_date"] <= when).fillna(False)
    picked = out.loc[
        active.fillna(False).to_numpy(dtype=bool) & out["child_id"].isin(mine["child_id"]).to_numpy()
    ]
    plan = data.involvements.set_index("involvement_id")["plan_type"]
    worker = mine.set_index("child_id")["worker_id"]
    readings = analyse_statements(picked["statement"].reset_index(drop=True))
    titles = {code: flag.title for code, flag in FLAGS.items()}
    prompts = {code: flag.prompt for code, flag in FLAGS.items()}
    frame = pd.DataFrame(
        {
            "outcome_id": picked["outcome_id"].to_numpy(dtype=object),
            "child_id": picked["child_id"].to_numpy(dtype=object),
            "worker_id": worker.reindex(picked["child_id"]).to_numpy(dtype=object),
            "plan_type": plan.reindex(picked["involvement_id"]).to_numpy(dtype=object),
            "domain": picked["domain"].to_numpy(dtype=object),
            "statement": picked["statement"].map(as_text).to_numpy(dtype=object),
            "kind": readings["kind"].to_numpy(dtype=object),
            "clarity": readings["clarity"].to_numpy(dtype=object, na_value=None),
            "voice": readings["voice"].to_numpy(dtype=object),
            "flag_titles": [tuple(titles[c] for c in codes) for codes in readings["flag_codes"]],
            "prompt": [prompts[codes[0]] if codes else "" for codes in readings["flag_codes"]],
            "needs_work": needs_work_order(readings).to_numpy(),
        }
    )
    return frame.sort_values(["needs_work", "outcome_id"], kind="stable").reset_index(drop=True)[
        list(TEAM_COLUMNS)
    ]
