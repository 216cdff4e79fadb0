"""The tables measures need, read once from the store.

With the derived arrays that keep a filter change cheap: see :class:`ServiceData`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from workbench.core.codes import code_list
from workbench.measures.definitions import (
    NOT_CONSTANT_STATUSES,
    OWN_WORDS,
    PARTICIPATION_COUNTED,
    PARTICIPATION_TOOK_PART,
    RESULT_STATUSES,
)
from workbench.measures.filters import AGE_BAND_LABELS, AGE_BANDS, CHILD_COLUMNS, Filters, plan_type_kept
from workbench.store.audit_frames import audit_frame
from workbench.store.engine import Store
from workbench.store.snapshot import ChildScope, Snapshot, open_snapshot
from workbench.text.statements import clear_outcome_mask

#: How many dates D keep their derived arrays (a dashboard works at one D; a period series
#: walks through many, one after another).
_CACHED_DATES = 8


#: Arrays kept per date: children, latest scores, reviewed, and each measure's cohort.
_KINDS_PER_DATE = 24


#: Filtered row selections kept: a filter change asks for the same rows once per measure and grouping.
CACHED_SELECTIONS = 24


def _categorical(values: pd.Series) -> pd.Categorical:
    """Return ``values`` as a Categorical whose categories are sorted (so groups come out sorted)."""
    index = pd.Index(values.dropna().unique(), dtype=values.dtype).sort_values()
    return pd.Categorical(values, categories=index)


def _positions(index: pd.Index, ids: pd.Series, what: str) -> np.ndarray:
    """Return the row position of each id in ``index``; an unknown id is an error, never a wrap."""
    found = index.get_indexer(ids)
    if (found < 0).any():
        missing = ids[found < 0].iloc[0]
        raise ValueError(f"{what} {missing!r} is not in the store; reload the extract")
    return found


def _dates(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="datetime64[s]")


class ServiceData:
    """The tables measures need, read from the store's snapshot once and shared by every measure.

    Read from the columnar snapshot every kernel shares (``workbench.store.snapshot``), never
    from the store itself: the same frames :meth:`Store.read_table` gives. With ``scope``
    (``workbench.access.data_for`` gives a viewer's), only the rows of the children that scope
    can ever count are read, so a team lead's kernel holds its team, not the service.

    Each table is read the first time a measure needs it (:meth:`read_now` reads the usual
    ones at once).
    """

    def __init__(
        self, store: Store, scope: ChildScope | None = None, *, snapshot: Snapshot | None = None
    ) -> None:
        self._store = store
        self.scope = scope
        self._snapshot = snapshot or open_snapshot(store)

    def _read(self, name: str) -> pd.DataFrame:
        return self._snapshot.read(name, scope=self.scope)

    @cached_property
    def children(self) -> pd.DataFrame:
        """Children (in scope), read on first use like every table here."""
        return self._read("children")

    @cached_property
    def teams(self) -> pd.DataFrame:
        """Every team (teams are never scoped: a page names them)."""
        return self._read("teams")

    @cached_property
    def workers(self) -> pd.DataFrame:
        """Every worker (never scoped)."""
        return self._read("workers")

    @cached_property
    def involvements(self) -> pd.DataFrame:
        """Involvements of the children in scope."""
        return self._read("involvements")

    @cached_property
    def allocations(self) -> pd.DataFrame:
        """Allocations of the children in scope (each child's every allocation)."""
        return self._read("allocations")

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """Outcomes of the children in scope."""
        return self._read("outcomes")

    @cached_property
    def reviews(self) -> pd.DataFrame:
        """Reviews (review_id, outcome_id, review_date, score, approved) of the outcomes in scope."""
        return self._read("outcome_reviews")

    def read_now(self) -> ServiceData:
        """Read the tables most measures need now (a page's setup, before a viewer waits); return self."""
        for name in ("children", "teams", "workers", "involvements", "allocations", "outcomes", "reviews"):
            getattr(self, name)
        return self

    @property
    def store(self) -> Store:
        """The store these tables were read from (through its snapshot)."""
        return self._store

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot these tables were read from."""
        return self._snapshot

    @cached_property
    def whole_service(self) -> ServiceData:
        """The whole service's data from the same snapshot: this data itself when it has no scope.

        Read only when a figure for the whole service is asked for that the snapshot did not
        keep (see ``workbench.measures.service_figures``).
        """
        if self.scope is None:
            return self
        return ServiceData(self._store, snapshot=self._snapshot)

    # -- tables read on first use -----------------------------------------------------------

    @cached_property
    def meetings(self) -> pd.DataFrame:
        """Meetings, for Participation and the meetings on the service pages (read on first use)."""
        return self._read("meetings")

    @cached_property
    def interventions(self) -> pd.DataFrame:
        """Interventions, for Evidence-informed (read on first use)."""
        return self._read("interventions")

    @cached_property
    def intervention_links(self) -> pd.DataFrame:
        """Which outcomes each intervention was meant to help, for What works (read on first use)."""
        return self._read("intervention_outcomes")

    @cached_property
    def audits(self) -> pd.DataFrame:
        """Audits for Audit grade, from both sources (read on first use).

        The extract's historic audits and those recorded in the workbench, with the latest
        moderation of each (``workbench.store.audit_frames.audit_frame``), so an audit submitted on the
        audit dashboard counts in the headline figure.
        """
        # Read from the store, not the snapshot: an audit recorded since the load counts.
        found = audit_frame(self._store)
        if self.scope is not None:
            found = found[found["child_id"].isin(self.children["child_id"])].reset_index(drop=True)
        return found[
            [
                "audit_id",
                "child_id",
                "audit_date",
                "status",
                "overall_grade",
                "moderated_grade",
                "moderation_date",
            ]
        ]

    # -- helpers --------------------------------------------------------------------------

    def localities(self) -> list[str]:
        """Return the localities children live in, sorted."""
        return sorted(self.children["locality"].dropna().unique().tolist())

    def allocation_at(self, at: date) -> pd.DataFrame:
        """Return each child's worker and team from the allocation open at ``at``.

        Where two allocations are open, the one that started last wins.
        """
        when = pd.Timestamp(at)
        alloc = self.allocations
        open_at = alloc[
            (alloc["start_date"] <= when) & (alloc["end_date"].isna() | (alloc["end_date"] > when))
        ]
        latest = open_at.sort_values(["child_id", "start_date"]).drop_duplicates("child_id", keep="last")
        return latest.merge(self.workers[["worker_id", "team_id"]], on="worker_id", how="left")[
            ["child_id", "worker_id", "team_id"]
        ]

    # -- children at D ----------------------------------------------------------------------

    @cached_property
    def _child_index(self) -> pd.Index:
        return pd.Index(self.children["child_id"])

    @cached_property
    def _child_static(self) -> pd.DataFrame:
        """The child's attributes that do not depend on D, one row per child position."""
        kids = self.children
        birth = kids["birth_month"]
        return pd.DataFrame(
            {
                "locality": _categorical(kids["locality"]),
                "sex": _categorical(kids["sex"]),
                "ethnicity": _categorical(kids["ethnicity"]),
                "disability": kids["disability"].array,
                # NaN where a statutory return gave no month of birth: such a child has no age band.
                "birth_year": pd.to_numeric(birth.str.slice(0, 4)).to_numpy("float64", na_value=np.nan),
                "birth_month": pd.to_numeric(birth.str.slice(5, 7)).to_numpy("float64", na_value=np.nan),
            }
        )

    @cached_property
    def page_caches(self) -> dict[tuple, dict]:
        """What dashboard pages built on this data keep between viewers, by page and date.

        Only what does not depend on the viewer or the filters goes here (see
        ``workbench.pages.service.prepare_page``).
        """
        return {}

    @cached_property
    def _child_indexes(self) -> dict[int, tuple[pd.DataFrame, np.ndarray, np.ndarray]]:
        """Each kind of unit's rows sorted by child (see ``_rows_of_children``)."""
        return {}

    @cached_property
    def _row_selections(self) -> dict[tuple, tuple[pd.DataFrame, np.ndarray]]:
        """Filtered rows by (id of the units frame, D, filters), oldest first (see ``_filter_rows``)."""
        return {}

    @cached_property
    def _by_date(self) -> dict[tuple[str, pd.Timestamp], object]:
        """Arrays derived for a date D, kept for the last few dates asked about."""
        return {}

    def _cached(self, kind: str, when: pd.Timestamp, build: Callable[[], object]) -> object:
        key = (kind, when)
        if key not in self._by_date:
            if len(self._by_date) >= _CACHED_DATES * _KINDS_PER_DATE:
                # Forget the oldest entry: dictionaries keep insertion order.
                self._by_date.pop(next(iter(self._by_date)))
            built = build()
            # Shared by every later caller: make in-place changes fail loudly.
            for part in built if isinstance(built, tuple) else (built,):
                if isinstance(part, np.ndarray):
                    part.flags.writeable = False
            self._by_date[key] = built
        return self._by_date[key]

    def children_at(self, at: date) -> pd.DataFrame:
        """Return every child's attributes at ``at``, one row per child in ``children`` order.

        Columns: child_id and :data:`CHILD_COLUMNS`. Team and worker come from the allocation
        open at ``at`` (empty when none is open); the age band is the child's age in completed
        years at ``at``, counting the birthday as reached in the birth month (only the month
        of birth is held).
        """
        frame = self._children_at(pd.Timestamp(at))
        out = frame.copy()
        out.insert(0, "child_id", self.children["child_id"].array)
        for name in CHILD_COLUMNS:
            out[name] = plain_values(out[name])
        return out[["child_id", *CHILD_COLUMNS]]

    def _children_at(self, when: pd.Timestamp) -> pd.DataFrame:
        def build() -> pd.DataFrame:
            static = self._child_static
            frame = static[["locality", "sex", "ethnicity", "disability"]].copy()
            age = (
                when.year - static["birth_year"].to_numpy() - (when.month < static["birth_month"].to_numpy())
            )
            in_band = [(age >= low) & (age <= high) for _, low, high in AGE_BANDS]
            band = np.select(in_band, range(len(AGE_BANDS)), default=-1)
            frame["age_band"] = pd.Categorical.from_codes(band, pd.Index(AGE_BAND_LABELS, dtype="string"))
            allocated = self.allocation_at(when)
            rows = _positions(self._child_index, allocated["child_id"], "allocated child")
            for name, table in (("team_id", self.teams), ("worker_id", self.workers)):
                categories = pd.Index(table[name], dtype=table[name].dtype).unique().sort_values()
                codes = np.full(len(frame), -1, dtype="int64")
                codes[rows] = categories.get_indexer(allocated[name])
                frame[name] = pd.Categorical.from_codes(codes, categories)
            # The service of the child's team at D (teams.service), empty when unallocated.
            services = self.teams.set_index("team_id")["service"]
            frame["service"] = _categorical(frame["team_id"].astype(object).map(services))
            return frame[list(CHILD_COLUMNS)]

        return self._cached("children", when, build)

    def _child_mask(self, when: pd.Timestamp, filters: Filters) -> np.ndarray | None:
        """Return a boolean per child position for the child filters, or None if none is set."""
        wanted = {k: v for k, v in filters.active().items() if k in CHILD_COLUMNS}
        if not wanted:
            return None
        children = self._children_at(when)
        mask = np.ones(len(children), dtype=bool)
        for name, value in wanted.items():
            mask &= children[name].eq(value).fillna(False).to_numpy(dtype=bool)
        return mask

    # -- the things measures count, with row positions (independent of D) -------------------

    @cached_property
    def _involvement_index(self) -> pd.Index:
        return pd.Index(self.involvements["involvement_id"])

    @cached_property
    def _involvement_units(self) -> pd.DataFrame:
        """Involvements with their child's position, and whether each end is a case closure.

        A case closure is an involvement that ended leaving the child with no other
        involvement open on its end date (a step up or down between plans has the next plan
        open on that date, so it is not a closure). ``next_start`` is the first start of
        another of the child's involvements after the end date.
        """
        inv = self.involvements
        frame = pd.DataFrame(
            {
                "child": _positions(self._child_index, inv["child_id"], "child"),
                "plan_type": _categorical(inv["plan_type"]),
                "start": _dates(inv["start_date"]),
                "end": _dates(inv["end_date"]),
            }
        )
        ended = frame[frame["end"].notna()].reset_index(names="row")
        others = frame[["child", "start", "end"]].reset_index(names="other")
        pairs = ended.merge(others, on="child", suffixes=("", "_other"))
        pairs = pairs[pairs["row"] != pairs["other"]]
        open_on_end = (pairs["start_other"] <= pairs["end"]) & ~(pairs["end_other"] <= pairs["end"])
        stepped = pairs.loc[open_on_end, "row"].unique()
        later = pairs[pairs["start_other"] > pairs["end"]].groupby("row")["start_other"].min()
        frame["closure"] = frame["end"].notna().to_numpy() & ~np.isin(np.arange(len(frame)), stepped)
        frame["next_start"] = pd.Series(later).reindex(range(len(frame))).to_numpy(dtype="datetime64[s]")
        return frame

    @cached_property
    def _outcome_units(self) -> pd.DataFrame:
        """Outcomes with positions and the flags the outcome measures count, in ``outcomes`` order."""
        out = self.outcomes
        involvement = _positions(self._involvement_index, out["involvement_id"], "involvement")
        success = out["success_looks_like"]
        status = out["status"]
        return pd.DataFrame(
            {
                "child": _positions(self._child_index, out["child_id"], "child"),
                "involvement": involvement,
                "plan_type": self._involvement_units["plan_type"].array.take(involvement),
                "domain": _categorical(out["domain"]),
                "agreed": _dates(out["agreed_date"]),
                "closed": _dates(out["closed_date"]),
                "target": _dates(out["target_date"]),
                "baseline": out["baseline_score"].to_numpy(dtype="float64"),
                "clear": (
                    success.notna() & success.str.strip().ne("").fillna(False) & out["baseline_score"].notna()
                ).to_numpy(dtype=bool),
                "agreed_with_family": out["agreed_with_family"].fillna(False).to_numpy(dtype=bool),
                "own_words": out["whose_words"].isin(OWN_WORDS).fillna(False).to_numpy(dtype=bool),
                "achieved": status.eq("achieved").fillna(False).to_numpy(dtype=bool),
                "partly_achieved": status.eq("partly_achieved").fillna(False).to_numpy(dtype=bool),
                "result": status.isin(RESULT_STATUSES).fillna(False).to_numpy(dtype=bool),
                "not_constant": status.isin(NOT_CONSTANT_STATUSES).fillna(False).to_numpy(dtype=bool),
            }
        )

    @cached_property
    def _statement_clear(self) -> np.ndarray:
        """Whether each outcome's statement reads as a clear outcome (read on first use).

        Only Clear statements needs it, so other measures never pay for reading statements.
        """
        return clear_outcome_mask(self.outcomes["statement"])

    @cached_property
    def _outcome_index(self) -> pd.Index:
        return pd.Index(self.outcomes["outcome_id"])

    @cached_property
    def _scored_reviews(self) -> pd.DataFrame:
        """Scored reviews in (outcome, date, review_id) order, with the outcome's row position.

        Sorting once means the latest score at any D is the last row of each outcome among
        the rows dated on or before D: one pass, no sort per filter change.
        """
        rev = self.reviews[self.reviews["score"].notna()]
        outcome = _positions(self._outcome_index, rev["outcome_id"], "reviewed outcome")
        dates = _dates(rev["review_date"])
        # Sort on integers (fast); only reviews of one outcome on one date need review_id.
        order = np.lexsort((dates.view("int64"), outcome))
        sorted_outcome, sorted_dates = outcome[order], dates[order]
        tie = np.zeros(len(order), dtype=bool)
        tie[1:] = (sorted_outcome[1:] == sorted_outcome[:-1]) & (sorted_dates[1:] == sorted_dates[:-1])
        if tie.any():
            tie[:-1] |= tie[1:]  # the first row of each tied run too
            rows = np.flatnonzero(tie)
            # Tied runs are contiguous and already in (outcome, date) order, so sorting the
            # tied rows by (outcome, date, review_id) only reorders within each run.
            within = (
                pd.DataFrame(
                    {
                        "outcome": sorted_outcome[rows],
                        "date": sorted_dates[rows],
                        "review_id": rev["review_id"].array.take(order[rows]),
                    }
                )
                .sort_values(["outcome", "date", "review_id"])
                .index.to_numpy()
            )
            order[rows] = order[rows][within]
        return pd.DataFrame(
            {
                "outcome": outcome[order],
                "date": dates[order],
                "score": rev["score"].to_numpy(dtype="float64")[order],
            }
        )

    @cached_property
    def _scale_masks(self) -> dict[str, np.ndarray]:
        return {}

    def _scale_mask(self, scale: str) -> np.ndarray:
        if scale not in self._scale_masks:
            self._scale_masks[scale] = self.outcomes["scale"].eq(scale).fillna(False).to_numpy(dtype=bool)
        return self._scale_masks[scale]

    def _latest_scores(self, when: pd.Timestamp) -> np.ndarray:
        """Each outcome's latest score on or before D (NaN when it has none)."""

        def build() -> np.ndarray:
            reviews = self._scored_reviews
            upto = reviews[_dates(reviews["date"]) <= when.to_datetime64()]
            outcome = upto["outcome"].to_numpy()
            last = np.ones(len(outcome), dtype=bool)
            last[:-1] = outcome[1:] != outcome[:-1]
            latest = np.full(len(self.outcomes), np.nan)
            latest[outcome[last]] = upto["score"].to_numpy()[last]
            return latest

        return self._cached("latest", when, build)

    def _reviewed_recently(self, when: pd.Timestamp) -> np.ndarray:
        """Whether each outcome has a scored review dated in (D-91, D]."""

        def build() -> np.ndarray:
            reviews = self._scored_reviews
            dates = reviews["date"].to_numpy()
            recent = (dates > day64(when, 91)) & (dates <= day64(when))
            found = np.zeros(len(self.outcomes), dtype=bool)
            found[reviews["outcome"].to_numpy()[recent]] = True
            return found

        return self._cached("reviewed", when, build)

    @cached_property
    def _meeting_units(self) -> pd.DataFrame:
        meet = self.meetings
        involvement = _positions(self._involvement_index, meet["involvement_id"], "involvement")
        code = meet["child_participation"]
        return pd.DataFrame(
            {
                "child": _positions(self._child_index, meet["child_id"], "child"),
                "plan_type": self._involvement_units["plan_type"].array.take(involvement),
                "meeting_type": _categorical(meet["meeting_type"]),
                "date": _dates(meet["date"]),
                "took_part": code.isin(PARTICIPATION_TOOK_PART).fillna(False).to_numpy(dtype=bool),
                "participation_counted": code.isin(PARTICIPATION_COUNTED).fillna(False).to_numpy(dtype=bool),
                "family_attended": meet["family_attended"].fillna(False).to_numpy(dtype=bool),
            }
        )

    @cached_property
    def _intervention_units(self) -> pd.DataFrame:
        inter = self.interventions
        involvement = _positions(self._involvement_index, inter["involvement_id"], "involvement")
        ranks = evidence_ranks()
        return pd.DataFrame(
            {
                "child": _positions(self._child_index, inter["child_id"], "child"),
                "plan_type": self._involvement_units["plan_type"].array.take(involvement),
                "start": _dates(inter["start_date"]),
                # An unknown level has no rank, so it counts below any threshold.
                "rank": inter["evidence_level"].map(ranks).astype("float64").to_numpy(),
            }
        )

    @cached_property
    def _audit_units(self) -> pd.DataFrame:
        aud = self.audits
        return pd.DataFrame(
            {
                "child": _positions(self._child_index, aud["child_id"], "child"),
                "date": _dates(aud["audit_date"]),
                "completed": aud["status"].ne("draft").fillna(False).to_numpy(dtype=bool),
                "first_grade": aud["overall_grade"].to_numpy(dtype=object, na_value=None),
                "moderated_grade": aud["moderated_grade"].to_numpy(dtype=object, na_value=None),
                "moderation_date": _dates(aud["moderation_date"]),
            }
        )

    # -- rows by child, for pages that show a few children's outcomes ----------------------------

    def outcome_rows(
        self,
        child_ids: Iterable[str],
        plan_type: str | tuple[str, ...] | None = None,
        domain: str | None = None,
    ) -> np.ndarray:
        """Return the row positions in ``outcomes`` of the children's outcomes (by plan type, domain)."""
        positions = self._child_index.get_indexer(list(child_ids))
        units = self._outcome_units
        picked = np.isin(units["child"].to_numpy(), positions[positions >= 0])
        if plan_type:
            picked &= plan_type_kept(units["plan_type"], plan_type)
        if domain:
            picked &= units["domain"].eq(domain).fillna(False).to_numpy(dtype=bool)
        return np.flatnonzero(picked)

    def scored_reviews(self, outcome_rows: np.ndarray) -> pd.DataFrame:
        """Return the scored reviews of the outcomes at row positions ``outcome_rows`` of ``outcomes``.

        Reads the store's reviews already sorted by (outcome, date, review_id), so picking a
        team's reviews out of millions is a binary search, not a scan. Columns: outcome_id,
        review_id (the sorted position, so ties keep their order), review_date, score.
        """
        reviews = self._scored_reviews
        owner = reviews["outcome"].to_numpy()
        rows = np.sort(np.asarray(outcome_rows, dtype="int64"))
        starts, ends = np.searchsorted(owner, rows, "left"), np.searchsorted(owner, rows, "right")
        lengths = ends - starts
        picked = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        return pd.DataFrame(
            {
                # Take the few rows first: converting the whole column would cost more than the search.
                "outcome_id": self.outcomes["outcome_id"].iloc[owner[picked]].to_numpy(),
                "review_id": picked,
                "review_date": pd.to_datetime(reviews["date"].to_numpy()[picked]),
                "score": reviews["score"].to_numpy()[picked],
            }
        )

    def meeting_rows(self, child_ids: Iterable[str]) -> np.ndarray:
        """Return the row positions in ``meetings`` of the children's meetings."""
        positions = self._child_index.get_indexer(list(child_ids))
        return np.flatnonzero(np.isin(self._meeting_units["child"].to_numpy(), positions[positions >= 0]))

    def outcome_positions(self, outcome_ids: Iterable[str]) -> np.ndarray:
        """Return the row position in ``outcomes`` of each outcome id (-1 for an unknown id)."""
        return self._outcome_index.get_indexer(list(outcome_ids))

    def children_chosen(self, at: date, filters: Filters) -> np.ndarray:
        """Return a mask over ``children``: those the child filters (team, worker, ...) choose at ``at``."""
        mask = self._child_mask(timestamp_at(at), filters)
        return np.ones(len(self.children), dtype=bool) if mask is None else mask

    def children_allocated(self, at: date) -> np.ndarray:
        """Return a mask over ``children``: those with a team (an open allocation) at ``at``."""
        return self._children_at(timestamp_at(at))["team_id"].notna().to_numpy()


def evidence_ranks() -> dict[str, int]:
    """Return ``{evidence level: rank}`` from data/codes/evidence_levels.csv (not rated is lowest)."""
    return {row["code"]: int(row["rank"]) for row in code_list("evidence_levels") if row["rank"]}


def plain_values(column: pd.Series) -> pd.Series:
    """Turn a categorical key back into plain values (charts filter badly on categoricals)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype(column.cat.categories.dtype)
    return column


def timestamp_at(at: date) -> pd.Timestamp:
    """Return the date D as a pandas timestamp (midnight)."""
    return pd.Timestamp(at)


def day64(when: pd.Timestamp, days: int = 0) -> np.datetime64:
    """Return ``days`` days before ``when`` as a numpy datetime, to compare with date arrays."""
    return (when - pd.Timedelta(days=days)).to_datetime64()
