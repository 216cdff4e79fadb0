"""Appraisal: one worker over the year to D, looking for evidence that their work made a difference.

Figures come from ``workbench.measures`` with the worker filter, so they share the headline
definitions (DESIGN.md section 4). A child counts for the worker when the child's allocation
open at D is to that worker; "the year" is the year to D, (D-365, D]:

- distance travelled (mean change from baseline) overall and by domain, against the whole service;
- outcomes achieved (and partly achieved) among those closed in the year;
- participation: of meetings in the year, the share the child took part in, and the share
  the family attended, with meetings by type;
- audit grades of the worker's cases: audits completed in the year of children allocated to the
  worker on the audit date, read through :func:`audit_frame` (the one place audits are read);
- a narrative section the appraisee writes (escaped wherever shown; never in a shared pack).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from workbench.measures.distance import distance_distribution
from workbench.measures.filters import Filters
from workbench.measures.headline import MEASURES, distance_travelled, participation_family
from workbench.measures.service_data import ServiceData
from workbench.store.audit_frames import audit_frame as all_audits
from workbench.store.engine import Store

#: The headline figures an appraisal shows, in order.
APPRAISAL_MEASURES: tuple[str, ...] = (
    "distance_travelled",
    "achieved",
    "achieved_partly",
    "participation",
    "participation_family",
)


def audit_frame(store: Store) -> pd.DataFrame:
    """Return every completed audit: audit_id, child_id, audit_date, status, overall_grade, moderated_grade.

    The one place appraisal reads audits: :func:`workbench.store.audit_frames.audit_frame`, so historic
    audits (the extract) and audits recorded in the workbench, with their latest moderated
    grade, both count.
    """
    return all_audits(store)[
        ["audit_id", "child_id", "audit_date", "status", "overall_grade", "moderated_grade"]
    ]


@dataclass
class Appraisal:
    """One worker's year to D, ready to read or publish."""

    worker_id: str
    worker_name: str
    team_name: str
    at: date
    children: int  # allocated to the worker at D
    figures: pd.DataFrame  # measure, title, unit, numerator, denominator, value
    distance_by_domain: pd.DataFrame
    service_by_domain: pd.DataFrame
    meetings_by_type: pd.DataFrame  # meeting_type, meetings, family_attended
    audits: pd.DataFrame  # audit_id, child_id, audit_date, status, overall_grade, moderated_grade
    narrative: str = ""
    notes: list[str] = field(default_factory=list)
    #: Distance travelled's outcomes that went back, stayed the same, went up (measures.distance).
    distance_spread: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def start(self) -> date:
        """Return the first day of the year to D."""
        return self.at - timedelta(days=364)


def worker_audits(audits: pd.DataFrame, allocations: pd.DataFrame, worker_id: str, at: date) -> pd.DataFrame:
    """Return audits completed in the year to ``at`` of children allocated to ``worker_id`` on the audit date.

    ``allocations`` is the extract's allocations table (child_id, worker_id, start_date, end_date).
    Drafts are not completed audits and are left out.
    """
    when = pd.Timestamp(at)
    year = audits[
        (audits["audit_date"] > when - pd.Timedelta(days=365))
        & (audits["audit_date"] <= when)
        & audits["status"].ne("draft").fillna(True)
    ]
    mine = allocations[allocations["worker_id"] == worker_id]
    joined = year.merge(mine[["child_id", "start_date", "end_date"]], on="child_id", how="inner")
    held = (joined["start_date"] <= joined["audit_date"]) & (
        joined["end_date"].isna() | (joined["end_date"] > joined["audit_date"])
    )
    columns = ["audit_id", "child_id", "audit_date", "status", "overall_grade", "moderated_grade"]
    return (
        joined.loc[held, columns].drop_duplicates("audit_id").sort_values("audit_date").reset_index(drop=True)
    )


def build_appraisal(
    data: ServiceData, worker_id: str, at: date | str, audits: pd.DataFrame, narrative: str = ""
) -> Appraisal:
    """Compute one worker's appraisal at ``at`` from the measures (worker filter) and ``audits``."""
    at = pd.Timestamp(at).date()
    found = data.workers[data.workers["worker_id"] == worker_id]
    if found.empty:
        raise KeyError(f"no worker {worker_id!r} in the store")
    worker = found.iloc[0]
    team = data.teams.loc[data.teams["team_id"] == worker["team_id"], "name"]
    mine = Filters(worker_id=worker_id)
    rows = []
    for name in APPRAISAL_MEASURES:
        measure = MEASURES[name]
        figure = measure(data, at, mine).iloc[0]
        rows.append(
            {
                "measure": name,
                "title": measure.title,
                "unit": measure.unit,
                "numerator": float(figure["numerator"]),
                "denominator": int(figure["denominator"]),
                "value": figure["value"],
            }
        )
    allocated = data.allocation_at(at)
    by_type = participation_family(data, at, mine, by="meeting_type").rename(
        columns={"denominator": "meetings", "numerator": "family_attended"}
    )[["meeting_type", "meetings", "family_attended"]]
    return Appraisal(
        worker_id=worker_id,
        worker_name=str(worker["name"]) if pd.notna(worker["name"]) else worker_id,
        team_name=str(team.iloc[0]) if len(team) else "",
        at=at,
        children=int((allocated["worker_id"] == worker_id).sum()),
        figures=pd.DataFrame(rows),
        distance_by_domain=distance_travelled(data, at, mine, by="domain"),
        service_by_domain=distance_travelled(data, at, Filters(), by="domain"),
        meetings_by_type=by_type,
        audits=worker_audits(audits, data.allocations, worker_id, at),
        narrative=narrative,
        distance_spread=distance_distribution(data, at, mine),
    )


# ---------------------------------------------------------------------------------------------
# The page.


