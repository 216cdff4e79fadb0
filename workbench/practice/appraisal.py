"""Appraisal: one worker over the year to D, looking for evidence that their work made a difference.

**By the work done.** An appraisal counts what happened while the worker held the case: each
outcome, review and meeting counts for the worker allocated to the child *on the day it
happened* (``allocations``, every allocation overlapping the year), so a family helped to
case closure in the summer, then reallocated or closed, counts for the worker who did the
work. (Counting only the children allocated on D, the rule before, left out 1,982 of the
3,687 outcomes the demo service closed in the year to 31 March 2026.) The rule for the day:

- the allocation open on the day (start <= day < end) holds it, the one that started last
  winning where two are open, as for "a child's worker at D";
- an event on the day a case is handed over or closed (an allocation ends that day) that ends
  the work belongs to the outgoing worker: an outcome closing, a meeting of the involvement
  that ends that day, a score given on the day its outcome closed.

What is counted, with the headline measures' own definitions (DESIGN.md section 4) otherwise:

- distance travelled (0-10 scaling): the outcomes the measure counts at D, each for the worker
  allocated when its latest score (the one its distance is read from) was given; by domain,
  against the whole service;
- outcomes achieved (and partly achieved): outcomes closed with a result in the year, each for
  the worker allocated when it closed;
- participation: meetings in the year, each for the worker allocated on its date, with
  meetings by type; scored reviews in the year likewise;
- outcome quality: the outcomes the worker agreed in the year (allocated on the agreed date),
  the share clear (success measure and baseline), reading as a clear outcome (the statement
  reader, :func:`workbench.text.statements.clear_outcome_mask`), agreed with the family, and
  in the child's or family's own words;
- audit grades of the worker's cases: audits completed in the year of children allocated to the
  worker on the audit date, read through :func:`audit_frame` (the one place audits are read);
- supervision history: the extract's supervisions of the worker in the year and the records
  made in the workbench;
- the appraisee's and their manager's own words and the cases they chose, kept in the store
  (:func:`save_entry`; escaped wherever shown; never in a shared pack).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from workbench.access import PRACTITIONER, TEAM_LEAD, AccessRefusedError, Identity, Scope, scope_for
from workbench.measures.definitions import (
    OWN_WORDS,
    PARTICIPATION_COUNTED,
    PARTICIPATION_TOOK_PART,
    RESULT_STATUSES,
)
from workbench.measures.distance import distribution_of
from workbench.measures.filters import Filters
from workbench.measures.headline import MEASURES, distance_travelled, outcome_distances
from workbench.measures.service_data import ServiceData
from workbench.practice import rules
from workbench.practice.attention import attention_for, reason_headings
from workbench.practice.supervision import supervision_records
from workbench.store.audit_frames import audit_frame as all_audits
from workbench.store.engine import Store
from workbench.store.improvement_plan_tables import APPRAISAL_ENTRIES
from workbench.store.retry import write_with_retry
from workbench.text.statements import clear_outcome_mask

#: The headline figures an appraisal shows, in order.
APPRAISAL_MEASURES: tuple[str, ...] = (
    "distance_travelled",
    "achieved",
    "achieved_partly",
    "participation",
    "participation_family",
)

#: The outcome quality figures (of outcomes the worker agreed in the year): name, title.
QUALITY_MEASURES: tuple[tuple[str, str], ...] = (
    ("clear", "Clear: a success measure and a baseline"),
    ("clear_statements", "Reads as a clear outcome"),
    ("consensual", "Agreed with the family"),
    ("consensual_own_words", "In the child's or family's own words"),
)

#: Whose words an appraisal entry holds.
APPRAISEE, MANAGER = "appraisee", "manager"
VOICES = (APPRAISEE, MANAGER)
#: The most characters kept of an entry's words.
ENTRY_TEXT_LIMIT = 20_000


class AppraisalError(ValueError):
    """An appraisal entry that cannot be saved, with the reason in words."""


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
    children: int  # worked with in the year (an allocation to the worker overlapping it)
    figures: pd.DataFrame  # measure, title, unit, numerator, denominator, value
    distance_by_domain: pd.DataFrame
    service_by_domain: pd.DataFrame
    meetings_by_type: pd.DataFrame  # meeting_type, meetings, family_attended
    audits: pd.DataFrame  # audit_id, child_id, audit_date, status, overall_grade, moderated_grade
    narrative: str = ""
    notes: list[str] = field(default_factory=list)
    children_at_end: int = 0  # allocated to the worker at D
    reviews: int = 0  # scored reviews given in the year while the worker held the case
    quality: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # measure, title, numerator, denominator, value
    cases: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per child worked with
    supervisions: pd.DataFrame = field(default_factory=pd.DataFrame)  # date, supervisor, source, children
    manager_words: str = ""
    chosen_cases: tuple[str, ...] = ()
    entries: pd.DataFrame = field(default_factory=pd.DataFrame)  # latest entry of each voice
    #: Distance travelled's outcomes that went back, stayed the same, went up (measures.distance).
    distance_spread: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The rule book's rules on the caseload at D: reason, heading (with its threshold), outcomes.
    attention: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def start(self) -> date:
        """Return the first day of the year to D."""
        return self.at - timedelta(days=364)


# ---------------------------------------------------------------------------------------------
# Who held the case on the day.


def worker_on_day(
    events: pd.DataFrame, allocations: pd.DataFrame, day: str = "date", ending: str | None = None
) -> pd.Series:
    """Return, for each row of ``events``, the worker allocated to its child on its ``day``.

    ``events`` has child_id and the date column ``day``; ``ending`` names a boolean column that
    marks events that end the work (an outcome closing, the last meeting of an involvement).
    The allocation open on the day (start <= day < end) holds an event, the one that started
    last where two are open; on the day an allocation ends, an ending event belongs to that
    outgoing worker, and any event no open allocation holds falls to it too (a meeting on the
    day a case closed). Missing (``NA``) where nobody held the case.
    """
    if events.empty or allocations.empty:
        return pd.Series(pd.NA, index=events.index, dtype="string")
    frame = events[["child_id", day]].rename(columns={day: "day"}).copy()
    frame["ending"] = events[ending].fillna(False).astype(bool) if ending else False
    frame["row"] = np.arange(len(frame))
    joined = frame.merge(allocations[["child_id", "worker_id", "start_date", "end_date"]], on="child_id")
    held = (joined["start_date"] <= joined["day"]) & (
        joined["end_date"].isna() | (joined["end_date"] >= joined["day"])
    )
    joined = joined[held.fillna(False).astype(bool)].copy()
    ends_today = joined["end_date"].eq(joined["day"]).fillna(False).astype(bool)
    # Preference: for an ending event the outgoing allocation, otherwise the open one.
    joined["preferred"] = (ends_today == joined["ending"]).astype(int)
    joined = joined.sort_values(["row", "preferred", "start_date", "worker_id"])
    chosen = joined.drop_duplicates("row", keep="last").set_index("row")["worker_id"]
    return pd.Series(chosen.reindex(np.arange(len(frame))).to_numpy(), index=events.index, dtype="string")


def _in_year(dates: pd.Series, at: date) -> pd.Series:
    when = pd.Timestamp(at)
    return ((dates > when - pd.Timedelta(days=365)) & (dates <= when)).fillna(False).astype(bool)


def outcomes_closed_in_year(data: ServiceData, at: date) -> pd.DataFrame:
    """Return the outcomes closed with a result in the year to ``at``, each with the worker who closed it.

    Columns: outcome_id, child_id, status, closed_date, worker_id (the worker allocated when
    it closed; see :func:`worker_on_day`). The cohort is Achieved's (DESIGN.md section 4).
    """
    out = data.outcomes
    picked = out[
        out["status"].isin(RESULT_STATUSES).fillna(False).astype(bool)
        & _in_year(out["closed_date"], at)
        & (out["agreed_date"] <= pd.Timestamp(at)).fillna(False).astype(bool)
    ][["outcome_id", "child_id", "status", "closed_date"]].reset_index(drop=True)
    picked["ending"] = True
    picked["worker_id"] = worker_on_day(picked, data.allocations, "closed_date", "ending")
    return picked.drop(columns="ending")


def _distances_by_worker(data: ServiceData, at: date) -> pd.DataFrame:
    """Return distance travelled's outcomes at ``at``, each with the worker who gave its latest score."""
    rows = outcome_distances(data, at)
    if rows.empty:
        return rows.assign(worker_id=pd.Series([], dtype="string"))
    positions = data.outcome_positions(rows["outcome_id"])
    reviews = data.scored_reviews(positions)
    reviews = reviews[reviews["review_date"] <= pd.Timestamp(at)]
    latest = reviews.sort_values(["outcome_id", "review_date", "review_id"]).drop_duplicates(
        "outcome_id", keep="last"
    )[["outcome_id", "review_date"]]
    rows = rows.merge(latest, on="outcome_id", how="left")
    closed = data.outcomes.set_index("outcome_id")["closed_date"]
    rows["ending"] = rows["review_date"].eq(rows["outcome_id"].map(closed)).fillna(False).astype(bool)
    rows["worker_id"] = worker_on_day(rows, data.allocations, "review_date", "ending")
    return rows


def _meetings_by_worker(data: ServiceData, at: date) -> pd.DataFrame:
    """Meetings in the year to ``at``, each with the worker allocated on its date."""
    meetings = data.meetings
    picked = meetings[_in_year(meetings["date"], at)].reset_index(drop=True)
    ends = data.involvements.set_index("involvement_id")["end_date"]
    picked["ending"] = picked["date"].eq(picked["involvement_id"].map(ends)).fillna(False).astype(bool)
    picked["worker_id"] = worker_on_day(picked, data.allocations, "date", "ending")
    return picked


def _reviews_by_worker(data: ServiceData, at: date) -> pd.DataFrame:
    """Return the scored reviews in the year to ``at``, each with the worker allocated on its date."""
    reviews = data.scored_reviews(np.arange(len(data.outcomes)))
    reviews = reviews[_in_year(reviews["review_date"], at)].reset_index(drop=True)
    outcomes = data.outcomes.set_index("outcome_id")
    reviews["child_id"] = reviews["outcome_id"].map(outcomes["child_id"])
    reviews["ending"] = reviews["review_date"].eq(reviews["outcome_id"].map(outcomes["closed_date"]))
    reviews["worker_id"] = worker_on_day(reviews, data.allocations, "review_date", "ending")
    return reviews


def _share(name: str, title: str, unit: str, numerator: float, denominator: int) -> dict:
    value = numerator / denominator if denominator else pd.NA
    return {
        "measure": name,
        "title": title,
        "unit": unit,
        "numerator": float(numerator),
        "denominator": int(denominator),
        "value": value,
    }


def worked_with(allocations: pd.DataFrame, worker_id: str, at: date) -> pd.DataFrame:
    """Return the children allocated to ``worker_id`` at any time in the year to ``at``.

    Columns: child_id, from (their first allocation's start, or the year's first day), to (the
    last allocation's end, empty when still open at D).
    """
    when = pd.Timestamp(at)
    mine = allocations[allocations["worker_id"] == worker_id]
    overlaps = (mine["start_date"] <= when) & (
        mine["end_date"].isna() | (mine["end_date"] > when - pd.Timedelta(days=365))
    )
    mine = mine[overlaps.fillna(False).astype(bool)]
    if mine.empty:
        return pd.DataFrame({"child_id": [], "from": [], "to": []})
    grouped = mine.groupby("child_id", sort=True)
    still_open = mine["end_date"].isna().groupby(mine["child_id"], sort=True).any()
    cases = pd.DataFrame(
        {
            "from": grouped["start_date"].min().clip(lower=when - pd.Timedelta(days=364)),
            # An allocation still open leaves "to" empty (max skips NA, so check it apart).
            "to": grouped["end_date"].max().where(~still_open),
        }
    ).reset_index()
    cases.loc[cases["to"] > when, "to"] = pd.NaT
    return cases


def worker_figures(data: ServiceData, worker_id: str, at: date) -> dict[str, pd.DataFrame]:
    """Return the worker's figures by the work done (see the module docstring).

    Keys: figures (as :data:`APPRAISAL_MEASURES`), distance_by_domain, meetings_by_type,
    quality, and the rows counted: distances, closed, meetings, agreed.
    """
    service = attributed(data, at)
    distances, closed, meetings = (
        service[name][service[name]["worker_id"] == worker_id] for name in ("distances", "closed", "meetings")
    )
    titles = {name: MEASURES[name].title for name in APPRAISAL_MEASURES}
    coded = meetings["child_participation"].isin(PARTICIPATION_COUNTED).fillna(False).astype(bool)
    took = meetings["child_participation"].isin(PARTICIPATION_TOOK_PART).fillna(False).astype(bool)
    family = meetings["family_attended"].fillna(False).astype(bool)
    rows = [
        _share(
            "distance_travelled",
            titles["distance_travelled"],
            "mean",
            float(distances["distance"].sum()),
            len(distances),
        ),
        _share(
            "achieved", titles["achieved"], "share", int((closed["status"] == "achieved").sum()), len(closed)
        ),
        _share(
            "achieved_partly",
            titles["achieved_partly"],
            "share",
            int((closed["status"] == "partly_achieved").sum()),
            len(closed),
        ),
        _share(
            "participation", titles["participation"], "share", int((coded & took).sum()), int(coded.sum())
        ),
        _share(
            "participation_family", titles["participation_family"], "share", int(family.sum()), len(meetings)
        ),
    ]
    by_domain = _by_domain(distances)
    types = meetings["meeting_type"].astype(str)
    by_type = pd.DataFrame(
        {
            "meetings": types.value_counts().astype("int64"),
            "family_attended": family.groupby(types).sum().astype("int64"),
        }
    ).rename_axis("meeting_type").reset_index()
    by_type = by_type.sort_values("meeting_type").reset_index(drop=True)
    agreed = service["agreed"][service["agreed"]["worker_id"] == worker_id].reset_index(drop=True)
    return {
        "figures": pd.DataFrame(rows),
        "distance_by_domain": by_domain,
        "meetings_by_type": by_type,
        "quality": outcome_quality(agreed),
        "distances": distances,
        "closed": closed,
        "meetings": meetings,
        "agreed": agreed,
    }


def _by_domain(distances: pd.DataFrame) -> pd.DataFrame:
    """Return the mean distance of ``distances`` by domain: domain, numerator, denominator, value."""
    grouped = distances.groupby("domain", observed=True)["distance"]
    by_domain = pd.DataFrame(
        {"numerator": grouped.sum().astype("float64"), "denominator": grouped.count().astype("int64")}
    ).reset_index()
    by_domain["domain"] = by_domain["domain"].astype(str)
    by_domain["value"] = by_domain["numerator"] / by_domain["denominator"]  # groups have 1 or more
    return by_domain


# ---------------------------------------------------------------------------------------------
# The chart alone: what a page draws first, before the rest of the appraisal is worked out.


def worker_distance_by_domain(data: ServiceData, worker_id: str, at: date | str) -> pd.DataFrame:
    """Return the worker's distance travelled by domain at ``at``, as :func:`build_appraisal` counts it.

    The same rows as ``build_appraisal(...).distance_by_domain`` (a test compares them), worked
    out from the distances alone: a page draws its chart from this before the rest of the appraisal.
    """
    distances = attributed(data, pd.Timestamp(at).date(), ("distances",))["distances"]
    return _by_domain(distances[distances["worker_id"] == worker_id])


def service_distance_by_domain(data: ServiceData, at: date | str) -> pd.DataFrame:
    """Return the whole service's distance travelled by domain at ``at`` (kept with ``data``, once a date)."""
    at = pd.Timestamp(at).date()
    cache = data.page_caches.setdefault(("appraisal service", at), {})
    if "by_domain" not in cache:
        cache["by_domain"] = distance_travelled(data, at, Filters(), by="domain")
    return cache["by_domain"]


def worker_name(data: ServiceData, worker_id: str) -> str:
    """Return the worker's name as an appraisal shows it (their id when the store has no name)."""
    found = data.workers.loc[data.workers["worker_id"] == worker_id, "name"]
    if found.empty:
        raise KeyError(f"no worker {worker_id!r} in the store")
    name = found.iloc[0]
    return str(name) if pd.notna(name) else worker_id


def _agreed_by_worker(data: ServiceData, at: date) -> pd.DataFrame:
    """Return the outcomes agreed in the year to ``at``, each with the worker who held the case that day."""
    out = data.outcomes
    agreed = out[_in_year(out["agreed_date"], at)].reset_index(drop=True)
    agreed["worker_id"] = worker_on_day(agreed, data.allocations, "agreed_date")
    # Read each statement once for the service, not once per worker's appraisal.
    agreed["reads_clear"] = clear_outcome_mask(agreed["statement"]) if len(agreed) else []
    return agreed


#: The service's rows :func:`attributed` keeps, each worked out by its function.
_ATTRIBUTED = {
    "distances": _distances_by_worker,
    "closed": outcomes_closed_in_year,
    "meetings": _meetings_by_worker,
    "agreed": _agreed_by_worker,
    "reviews": lambda data, at: _reviews_by_worker(data, at)[["outcome_id", "worker_id"]],
}


def attributed(data: ServiceData, at: date, names: tuple[str, ...] | None = None) -> dict[str, pd.DataFrame]:
    """Return the whole service's counted rows at ``at``, each with its worker (worked out once per date).

    Keys: distances, closed, meetings, agreed, reviews (or only ``names``, when given: the chart
    needs only the distances). Kept with ``data`` (its page caches), so a batch of packs, one per
    worker, attributes the service once.
    """
    cache = data.page_caches.setdefault(("appraisal", pd.Timestamp(at).date()), {})
    for name in names or tuple(_ATTRIBUTED):
        if name not in cache:
            cache[name] = _ATTRIBUTED[name](data, at)
    return cache


def outcome_quality(agreed: pd.DataFrame) -> pd.DataFrame:
    """Return the quality of the outcomes in ``agreed`` (rows of ``outcomes``): clear, consensual, own words.

    Clear and consensual as the headline measures define them (a success measure and a
    baseline; agreed with the family; own words is whose_words child, parent or family), and
    "reads as a clear outcome" by the statement reader. Columns: measure, title, numerator,
    denominator, value.
    """
    flags = {
        # A success measure is the rule book's (rules.no_success_measure), as on every page.
        "clear": ~rules.no_success_measure(agreed) & agreed["baseline_score"].notna(),
        "clear_statements": agreed["reads_clear"]
        if "reads_clear" in agreed
        else pd.Series(clear_outcome_mask(agreed["statement"]), index=agreed.index, dtype=bool),
        "consensual": agreed["agreed_with_family"].fillna(False).astype(bool),
        "consensual_own_words": agreed["whose_words"].isin(OWN_WORDS).fillna(False).astype(bool),
    }
    rows = [
        _share(name, title, "share", int(flags[name].fillna(False).astype(bool).sum()), len(agreed))
        for name, title in QUALITY_MEASURES
    ]
    return pd.DataFrame(rows).drop(columns="unit")


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


def supervision_history(data: ServiceData, worker_id: str, at: date) -> pd.DataFrame:
    """Return the worker's supervisions in the year to ``at``, newest first.

    From the extract (``supervisions``, with the children and outcomes discussed from
    ``supervision_cases``) and the records made in the workbench. Columns: date, supervisor,
    source (extract or workbench), children (discussed), outcomes_discussed (children whose
    outcomes were discussed; empty for a workbench record).
    """
    store = data.store
    tables = data.page_caches.setdefault(("supervisions", None), {})
    if not tables:
        tables["supervisions"] = store.read_table("supervisions")
        cases = store.read_table("supervision_cases")
        # Per supervision: the children talked about, and those whose outcomes were discussed.
        tables["counts"] = pd.DataFrame(
            {
                "children": cases.groupby("supervision_id")["child_id"].nunique(),
                "outcomes_discussed": cases["outcomes_discussed"]
                .fillna(False)
                .astype(bool)
                .groupby(cases["supervision_id"])
                .sum(),
            }
        )
        tables["records"] = supervision_records(store)
    extract = tables["supervisions"]
    extract = extract[(extract["worker_id"] == worker_id) & _in_year(extract["date"], at)]
    counts = tables["counts"]
    from_extract = pd.DataFrame(
        {
            "date": extract["date"].to_numpy(),
            "supervisor": extract["supervisor_id"].astype("string").to_numpy(),
            "source": "extract",
            "children": extract["supervision_id"].map(counts["children"]).fillna(0).astype(int).to_numpy(),
            "outcomes_discussed": extract["supervision_id"]
            .map(counts["outcomes_discussed"])
            .fillna(0)
            .astype(int)
            .to_numpy(),
        }
    )
    records = tables["records"]
    records = records[records["worker_id"] == worker_id]
    if not records.empty:
        dates = pd.to_datetime(records["supervision_date"])
        records = records[_in_year(dates, at).to_numpy()]
    from_workbench = pd.DataFrame(
        {
            "date": pd.to_datetime(records["supervision_date"]).to_numpy() if len(records) else [],
            "supervisor": records["supervisor"].astype("string").to_numpy() if len(records) else [],
            "source": "workbench",
            "children": pd.NA,
            "outcomes_discussed": pd.NA,
        }
    )
    frames = [f for f in (from_extract, from_workbench) if len(f)]
    if not frames:
        return from_extract.iloc[:0]
    history = pd.concat(frames, ignore_index=True)
    # A supervisor who is a worker is named (an internal page; shared packs show no names).
    names = data.workers.set_index("worker_id")["name"].dropna()
    history["supervisor"] = [
        f"{names[s]} ({s})" if s in names.index else s for s in history["supervisor"].astype(str)
    ]
    return history.sort_values("date", ascending=False, kind="stable").reset_index(drop=True)


#: The rule book's rules an appraisal counts on the worker's caseload at D, in the order shown.
RULE_REASONS: tuple[str, ...] = ("no_success_measure", "not_reviewed", "past_target", "no_progress")


def caseload_attention(data: ServiceData, worker_id: str, at: date) -> pd.DataFrame:
    """Return how many outcomes of the children allocated to the worker at ``at`` break each rule.

    The rules and their thresholds are the rule book's (:mod:`workbench.practice.rules`, through
    the team lead's attention list), so the appraisal, supervision and the team lead's page agree.
    Columns: reason, heading (worded with the threshold in force), outcomes.
    """
    allocated = data.allocation_at(at)
    children = allocated.loc[allocated["worker_id"] == worker_id, "child_id"].tolist()
    none = pd.DataFrame(columns=["reason", "outcome_id"])
    reasons = attention_for(data, at, children) if children else none
    counts = reasons.groupby("reason")["outcome_id"].nunique()
    headings = reason_headings()
    return pd.DataFrame(
        {
            "reason": list(RULE_REASONS),
            "heading": [headings[reason] for reason in RULE_REASONS],
            "outcomes": [int(counts.get(reason, 0)) for reason in RULE_REASONS],
        }
    )


def build_appraisal(
    data: ServiceData, worker_id: str, at: date | str, audits: pd.DataFrame, narrative: str = ""
) -> Appraisal:
    """Compute one worker's appraisal at ``at`` by the work done in the year, with ``audits``.

    ``narrative`` is the appraisee's words when given; otherwise the latest saved
    (:func:`latest_entries`) are used, as are the manager's words and the chosen cases.
    """
    at = pd.Timestamp(at).date()
    name = worker_name(data, worker_id)  # (no such worker: KeyError)
    worker = data.workers[data.workers["worker_id"] == worker_id].iloc[0]
    team = data.teams.loc[data.teams["team_id"] == worker["team_id"], "name"]
    counted = worker_figures(data, worker_id, at)
    allocated = data.allocation_at(at)
    cases = worked_with(data.allocations, worker_id, at)
    reviews = attributed(data, at)["reviews"]
    entries = latest_entries(data.store, worker_id, at)
    saved = entries.set_index("voice")["words"] if len(entries) else pd.Series(dtype="string")
    chosen = entries.set_index("voice")["cases"] if len(entries) else pd.Series(dtype="string")
    return Appraisal(
        worker_id=worker_id,
        worker_name=name,
        team_name=str(team.iloc[0]) if len(team) else "",
        at=at,
        children=len(cases),
        figures=counted["figures"],
        distance_by_domain=counted["distance_by_domain"],
        service_by_domain=service_distance_by_domain(data, at),
        meetings_by_type=counted["meetings_by_type"],
        audits=worker_audits(audits, data.allocations, worker_id, at),
        narrative=narrative or str(saved.get(APPRAISEE) or ""),
        children_at_end=int((allocated["worker_id"] == worker_id).sum()),
        reviews=int((reviews["worker_id"] == worker_id).sum()),
        quality=counted["quality"],
        cases=_case_summary(cases, counted),
        supervisions=supervision_history(data, worker_id, at),
        manager_words=str(saved.get(MANAGER) or ""),
        chosen_cases=_cases_of(chosen.get(APPRAISEE)) + _cases_of(chosen.get(MANAGER)),
        entries=entries,
        distance_spread=distribution_of(counted["distances"]["distance"]),
        attention=caseload_attention(data, worker_id, at),
    )


def _case_summary(cases: pd.DataFrame, counted: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return the children worked with, and what counted for the worker: outcomes closed and meetings."""
    closed = counted["closed"]
    summary = cases.set_index("child_id")
    for name, counts in (
        ("closed", closed["child_id"].value_counts()),
        ("achieved", closed.loc[closed["status"] == "achieved", "child_id"].value_counts()),
        ("meetings", counted["meetings"]["child_id"].value_counts()),
    ):
        summary[name] = counts.astype("int64").reindex(summary.index).fillna(0).astype("int64").to_numpy()
    return summary.reset_index()


# ---------------------------------------------------------------------------------------------
# Appraisal entries: the appraisee's and the manager's words, kept (schema version 12).


def appraisal_scope(
    store: Store, at: date | str, identity: Identity, data: ServiceData | None = None
) -> Scope:
    """Return what ``identity`` may see at ``at``: their own appraisal, or their team's (a team lead).

    ``data`` is the store's data already read (a page's): without it the snapshot is opened anew.
    """
    return scope_for(identity, data if data is not None else ServiceData(store), pd.Timestamp(at).date())


def voice_of(identity: Identity, worker_id: str, scope: Scope) -> str | None:
    """Return whose words ``identity`` writes in ``worker_id``'s appraisal: None to read only, or refuse.

    The worker themselves writes the appraisee's words; the team lead of the worker's team
    writes the manager's. A wider role whose scope holds the worker (a service lead, the Head
    of Practice Improvement) reads it. Anyone else is refused (:class:`AccessRefusedError`).
    """
    if identity.worker_id == worker_id:
        return APPRAISEE
    if identity.role == PRACTITIONER or not scope.allows_worker(worker_id):
        raise AccessRefusedError(f"{identity.user} may not see the appraisal of worker {worker_id!r}")
    return MANAGER if identity.role == TEAM_LEAD else None


def appraisal_workers(store: Store, at: date | str, identity: Identity) -> pd.DataFrame:
    """Return the workers whose appraisal ``identity`` may see at ``at``: worker_id, name, team_id.

    A practitioner sees their own; a team lead their team's workers (and their own); a service
    lead their service's; the Head of Practice Improvement every worker.
    """
    scope = appraisal_scope(store, at, identity)
    workers = store.read_table("workers", ["worker_id", "name", "team_id"])
    allowed = workers["worker_id"].map(lambda w: w == identity.worker_id or scope.allows_worker(w))
    if identity.role == PRACTITIONER:
        allowed = workers["worker_id"] == identity.worker_id
    picked = workers[allowed.fillna(False).astype(bool)]
    return picked.sort_values(["name", "worker_id"]).reset_index(drop=True)


def _cases_of(text: object) -> tuple[str, ...]:
    if text is None or (isinstance(text, float) and np.isnan(text)) or pd.isna(text):
        return ()
    return tuple(c for c in (part.strip() for part in str(text).split(",")) if c)


def save_entry(
    store: Store,
    identity: Identity,
    worker_id: str,
    year_end: date | str,
    words: str,
    cases: tuple[str, ...] | list[str] = (),
) -> int:
    """Save ``identity``'s words (and chosen cases) in ``worker_id``'s appraisal; return the entry id.

    Whose words they are comes from who is writing (:func:`voice_of`): the worker's own, or
    their manager's. Each save is a new version; the chosen cases must be children the worker
    worked with in the year. Text is kept as typed and escaped wherever it is shown.
    """
    year_end = pd.Timestamp(year_end).date()
    scope = appraisal_scope(store, year_end, identity)
    voice = voice_of(identity, worker_id, scope)
    if voice is None:
        raise AccessRefusedError(
            f"{identity.user} ({identity.title.lower()}) may read {worker_id}'s appraisal but not "
            "write in it: the worker and their team lead write it"
        )
    text = (words or "").strip()
    if len(text) > ENTRY_TEXT_LIMIT:
        raise AppraisalError(f"the words are {len(text):,} characters; the most kept is {ENTRY_TEXT_LIMIT:,}")
    known = set(worked_with(store.read_table("allocations"), worker_id, year_end)["child_id"])
    unknown = [c for c in cases if c not in known]
    if unknown:
        raise AppraisalError(
            f"{', '.join(unknown)} not among the children {worker_id} worked with in the year to {year_end}"
        )
    if not text and not cases:
        raise AppraisalError("write something or choose a case before saving")
    row = {
        "worker_id": worker_id,
        "year_end": year_end,
        "voice": voice,
        "words": text or None,
        "cases": ",".join(cases) or None,
        "written_by": identity.record_id,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }

    def write(conn) -> int:
        return int(conn.execute(APPRAISAL_ENTRIES.insert().values(**row)).inserted_primary_key[0])

    return write_with_retry(store, write)


def entry_history(store: Store, worker_id: str, year_end: date | str) -> pd.DataFrame:
    """Return every saved entry of ``worker_id``'s appraisal year, oldest first (the history)."""
    table = APPRAISAL_ENTRIES
    query = (
        sa.select(table)
        .where(table.c.worker_id == worker_id, table.c.year_end == pd.Timestamp(year_end).date())
        .order_by(table.c.entry_id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in table.columns])


def latest_entries(store: Store, worker_id: str, year_end: date | str) -> pd.DataFrame:
    """Return the latest entry of each voice (appraisee, manager) for ``worker_id``'s year."""
    history = entry_history(store, worker_id, year_end)
    return history.drop_duplicates("voice", keep="last").reset_index(drop=True)
