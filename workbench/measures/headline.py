"""Headline measures, computed from the store into tidy DataFrames (DESIGN.md section 4).

Definitions are the contract in DESIGN.md section 4; a figure that disagrees with them is a
bug. ``docs/measures.md`` explains each one in plain English. Every result carries its
numerator and denominator, and a share or mean over nobody is empty (``NA``), never 0.

Every measure has the same call: ``measure(data, at, filters, by)``, where ``data`` is a
:class:`ServiceData`, ``at`` is the date D the figures are "at", ``filters`` is a
:class:`Filters` and ``by`` is a grouping column or ``None``. It returns the columns
``[by], numerator, denominator, value``. :data:`MEASURES` lists them all by name, so the
CLI, notebooks and docs can go through every figure; :func:`measure_over_periods` gives a
measure at the end of each month, quarter or financial year.

How it stays fast: :class:`ServiceData` reads the tables once, then keeps a few derived
arrays (row positions of each child and involvement, reviews in date order) and, for the
last few dates D asked about, each child's team, worker and age band at D and each
outcome's latest score at D. A filter change at the same D is then only boolean masks and a
group-by. ``ServiceData`` is a snapshot: read a new one after loading a new extract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from workbench.measures.definitions import EVIDENCE_THRESHOLD, GOOD_GRADES, GRADED_AUDIT_GRADES
from workbench.measures.filters import CHILD_COLUMNS, Filters, plan_type_kept
from workbench.measures.service_data import (
    CACHED_SELECTIONS,
    ServiceData,
    day64,
    evidence_ranks,
    plain_values,
    timestamp_at,
)

# ---------------------------------------------------------------------------------------------
# What each measure counts, and which filters and groupings apply to it.

#: For each kind of thing counted, the columns a filter or ``by`` may use.
UNIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "involvement": (*CHILD_COLUMNS, "plan_type"),
    "outcome": (*CHILD_COLUMNS, "plan_type", "domain"),
    "case closure": (*CHILD_COLUMNS, "plan_type"),
    "meeting": (*CHILD_COLUMNS, "plan_type", "meeting_type"),
    "intervention": (*CHILD_COLUMNS, "plan_type"),
    "audit": CHILD_COLUMNS,
}

_FILTER_NAMES = tuple(f.name for f in fields(Filters))


def _check(measure: str, unit: str, filters: Filters, by: str | None) -> None:
    """Refuse a filter or grouping that does not apply, rather than ignore it silently."""
    allowed = UNIT_COLUMNS[unit]
    for name in filters.active():
        if name not in allowed:
            usable = ", ".join(n for n in _FILTER_NAMES if n in allowed)
            raise ValueError(
                f"{measure} counts {unit}s, which have no {name}: the {name} filter does not apply. "
                f"Filters that apply: {usable}."
            )
    if by is not None and by not in allowed:
        raise ValueError(f"{measure} cannot be grouped by {by!r}; it can be grouped by {', '.join(allowed)}.")


def _figure(
    data: ServiceData,
    when: pd.Timestamp,
    units: pd.DataFrame,
    counted: np.ndarray,
    values: np.ndarray,
    filters: Filters,
    by: str | None,
    kind: Literal["share", "mean"] = "share",
) -> pd.DataFrame:
    """Restrict the counted rows by the filters and sum ``values`` over them, by group.

    ``counted`` marks the denominator rows before filtering; ``values`` is a boolean (share:
    the numerator rows) or a number (mean: summed). Returns ``[by], numerator, denominator, value``.
    """
    rows = _filter_rows(data, when, units, filters)
    picked_rows = np.flatnonzero(counted) if rows is None else rows[counted[rows]]
    picked = values[picked_rows]
    if by is None:
        total = picked.sum() if kind == "mean" else int(picked.sum())
        result = pd.DataFrame({"numerator": [total], "denominator": [len(picked_rows)]})
    else:
        if by in CHILD_COLUMNS:
            keys = data._children_at(when)[by].array.take(units["child"].to_numpy()[picked_rows])
        else:
            keys = units[by].array.take(picked_rows)
        result = (
            pd.DataFrame({by: keys, "v": picked})
            .groupby(by, observed=True, dropna=False, sort=True)["v"]
            .agg(numerator="sum", denominator="count")
            .reset_index()
        )
        result[by] = plain_values(result[by])
    result["numerator"] = result["numerator"].astype("float64" if kind == "mean" else "int64")
    result["denominator"] = result["denominator"].astype("int64")
    result["value"] = (result["numerator"] / result["denominator"]).where(result["denominator"] > 0)
    return result


def _filter_rows(
    data: ServiceData, when: pd.Timestamp, units: pd.DataFrame, filters: Filters
) -> np.ndarray | None:
    """Return the rows of ``units`` the filters keep, in order (child filters at D, then the unit's).

    None when no filter is set. A team's or a worker's children own a few thousand of a
    la-decade store's million outcomes: their rows are found through an index by child, so a
    filter costs what it keeps, not what the store holds. Remembered for the last few (units,
    D, filters): after a filter change every measure asks for the same rows, twice.
    """
    if not filters.active():
        return None
    key = (id(units), when, filters)
    found = data._row_selections.get(key)
    if found is not None and found[0] is units:
        return found[1]
    rows = _new_filter_rows(data, when, units, filters)
    rows.flags.writeable = False  # shared between callers: nobody may change it in place
    if len(data._row_selections) >= CACHED_SELECTIONS:
        data._row_selections.pop(next(iter(data._row_selections)))
    data._row_selections[key] = (units, rows)
    return rows


def _new_filter_rows(
    data: ServiceData, when: pd.Timestamp, units: pd.DataFrame, filters: Filters
) -> np.ndarray:
    child_mask = data._child_mask(when, filters)
    if child_mask is None:
        rows = np.arange(len(units))
    else:
        rows = _rows_of_children(data, units, np.flatnonzero(child_mask))
    for name, value in filters.active().items():
        if name not in CHILD_COLUMNS:
            column = pd.Series(units[name].array.take(rows))
            rows = rows[plan_type_kept(column, value)]
    return rows


def _rows_of_children(data: ServiceData, units: pd.DataFrame, children: np.ndarray) -> np.ndarray:
    """Return the rows of ``units`` whose child is at one of the positions ``children``, in row order."""
    found = data._child_indexes.get(id(units))
    if found is None or found[0] is not units:
        child = units["child"].to_numpy()
        order = np.argsort(child, kind="stable")
        found = (units, order, child[order])
        data._child_indexes[id(units)] = found  # one index per kind of unit, kept for good
    _, order, sorted_child = found
    starts = np.searchsorted(sorted_child, children, "left")
    lengths = np.searchsorted(sorted_child, children, "right") - starts
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    return np.sort(order[offsets])


def _outcomes_active(units: pd.DataFrame, when: pd.Timestamp) -> np.ndarray:
    # NaT compares False, so an open outcome (no closed date) is never "closed <= D".
    return (units["agreed"].to_numpy() <= day64(when)) & ~(units["closed"].to_numpy() <= day64(when))


def _active_outcomes(data: ServiceData, when: pd.Timestamp) -> np.ndarray:
    """Which outcomes are active at D, worked out once per date (most outcome measures start here)."""
    units = data._outcome_units
    return data._cached("active outcomes", when, lambda: _outcomes_active(units, when))


# ---------------------------------------------------------------------------------------------
# The measures. Each takes (data, at, filters, by) and returns [by], numerator, denominator, value.


def coverage(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Coverage: of involvements open at D, the share with at least one outcome active at D.

    Counts involvements, so the domain filter does not apply (ValueError).
    """
    filters = filters or Filters()
    _check("coverage", "involvement", filters, by)
    when = timestamp_at(at)
    inv = data._involvement_units

    def cohort() -> tuple[np.ndarray, np.ndarray]:
        open_at = (inv["start"].to_numpy() <= day64(when)) & ~(inv["end"].to_numpy() <= day64(when))
        outcomes = data._outcome_units
        with_outcome = np.zeros(len(inv), dtype=bool)
        with_outcome[outcomes["involvement"].to_numpy()[_active_outcomes(data, when)]] = True
        return open_at, with_outcome

    open_at, with_outcome = data._cached("coverage", when, cohort)
    return _figure(data, when, inv, open_at, with_outcome, filters, by)


def clear(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Clear: of outcomes active at D, the share with a non-empty success_looks_like and a baseline."""
    filters = filters or Filters()
    _check("clear", "outcome", filters, by)
    when = timestamp_at(at)
    units = data._outcome_units
    return _figure(data, when, units, _active_outcomes(data, when), units["clear"].to_numpy(), filters, by)


def clear_statements(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Clear, second figure: of outcomes active at D, the share whose statement reads as a clear outcome.

    A clear outcome describes a change for the child or family (not a service, task or
    compliance) with an observable sign of success; see :mod:`workbench.text.statements`.
    """
    filters = filters or Filters()
    _check("clear_statements", "outcome", filters, by)
    when = timestamp_at(at)
    units = data._outcome_units
    return _figure(data, when, units, _active_outcomes(data, when), data._statement_clear, filters, by)


def consensual(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Consensual: of outcomes active at D, the share agreed with the family."""
    filters = filters or Filters()
    _check("consensual", "outcome", filters, by)
    when = timestamp_at(at)
    units = data._outcome_units
    values = units["agreed_with_family"].to_numpy()
    return _figure(data, when, units, _active_outcomes(data, when), values, filters, by)


def consensual_own_words(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Consensual, second figure: of outcomes active at D, the share in the child's or family's words.

    Own words means ``whose_words`` is child, parent or family (not practitioner).
    """
    filters = filters or Filters()
    _check("consensual_own_words", "outcome", filters, by)
    when = timestamp_at(at)
    units = data._outcome_units
    return _figure(
        data, when, units, _active_outcomes(data, when), units["own_words"].to_numpy(), filters, by
    )


def constant(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Constant: outcomes agreed in the year to D-90 not closed as replaced or withdrawn within 90 days.

    The share *not* so closed. Agreed in (D-455, D-90]; "within 90 days" means
    closed_date - agreed_date <= 90 days, so every 90-day window ends on or before D.
    """
    filters = filters or Filters()
    _check("constant", "outcome", filters, by)
    when = timestamp_at(at)
    units = data._outcome_units

    def build() -> tuple[np.ndarray, np.ndarray]:
        agreed = units["agreed"].to_numpy()
        cohort = (agreed > day64(when, 90 + 365)) & (agreed <= day64(when, 90))
        dropped = units["not_constant"].to_numpy() & (
            units["closed"].to_numpy() <= agreed + np.timedelta64(90, "D")
        )
        return cohort, ~dropped

    cohort, kept = data._cached("constant", when, build)
    return _figure(data, when, units, cohort, kept, filters, by)


def reviewed(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Reviewed: of outcomes active at D agreed by D-91, the share with a scored review in (D-91, D]."""
    filters = filters or Filters()
    _check("reviewed", "outcome", filters, by)
    when = timestamp_at(at)
    units = data._outcome_units
    cohort = data._cached(
        "reviewed cohort",
        when,
        lambda: _active_outcomes(data, when) & (units["agreed"].to_numpy() <= day64(when, 91)),
    )
    return _figure(data, when, units, cohort, data._reviewed_recently(when), filters, by)


def within_target(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Timescales: of outcomes active at D with a target date, the share whose target date is not past.

    "Past" means the target date is before D: the outcome is still open (so not achieved) after
    the day the family hoped to reach it. Outcomes with no target date are not counted.
    """
    filters = filters or Filters()
    _check("within_target", "outcome", filters, by)
    when = timestamp_at(at)
    units = data._outcome_units
    target = units["target"].to_numpy()
    cohort = data._cached("with a target", when, lambda: _active_outcomes(data, when) & ~np.isnat(target))
    return _figure(data, when, units, cohort, ~(target < day64(when)), filters, by)


def _distance_counted(data: ServiceData, when: pd.Timestamp, scale: str) -> tuple[np.ndarray, np.ndarray]:
    """Which outcomes distance travelled counts at D (before filters), and each one's distance.

    Worked out once per date and scale: filter changes only pick among these rows.
    """
    return data._cached(f"distance {scale}", when, lambda: _new_distance_counted(data, when, scale))


def _new_distance_counted(data: ServiceData, when: pd.Timestamp, scale: str) -> tuple[np.ndarray, np.ndarray]:
    units = data._outcome_units
    latest = data._latest_scores(when)
    agreed = units["agreed"].to_numpy() <= day64(when)
    closed = units["closed"].to_numpy()
    closed_in_year = (closed > day64(when, 365)) & (closed <= day64(when))
    baseline = units["baseline"].to_numpy()
    counted = (
        data._scale_mask(scale)
        & ~np.isnan(baseline)
        & ~np.isnan(latest)
        & (_active_outcomes(data, when) | (agreed & closed_in_year))
    )
    return counted, latest - baseline


def outcome_distances(
    data: ServiceData, at: date, filters: Filters | None = None, scale: str = "scaling_0_10"
) -> pd.DataFrame:
    """Return one row per outcome counted by *distance travelled* at ``at``.

    Counted: outcomes on ``scale`` with a baseline and at least one scored review on or
    before D, that are active at D or were closed in the year to D. ``distance`` is the
    latest score on or before D minus the baseline. Scales are never mixed: a 0-10 step and
    a Goal Attainment step mean different things.
    """
    when = pd.Timestamp(at)
    units = data._outcome_units
    rows, _ = _distance_rows(data, when, filters or Filters(), scale)
    outcomes = data.outcomes
    latest = data._latest_scores(when)[rows]

    def gathered(series: pd.Series, positions: np.ndarray) -> pd.Series:
        return series.take(positions).reset_index(drop=True)

    # Same columns, order (the outcomes table's) and dtypes as before the registry existed; a
    # column at a time (taking the rows of the whole table would copy every statement too).
    frame = pd.DataFrame(
        {
            "outcome_id": gathered(outcomes["outcome_id"], rows),
            "child_id": gathered(outcomes["child_id"], rows),
            "domain": gathered(outcomes["domain"], rows),
            "locality": gathered(data.children["locality"], units["child"].to_numpy()[rows]),
            "plan_type": gathered(data.involvements["plan_type"], units["involvement"].to_numpy()[rows]),
            "baseline_score": outcomes["baseline_score"].to_numpy(dtype="float64")[rows],
            "latest_score": latest,
        }
    )
    frame["distance"] = frame["latest_score"] - frame["baseline_score"]
    return frame


def _distance_rows(
    data: ServiceData, when: pd.Timestamp, filters: Filters, scale: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return the rows of ``outcomes`` distance travelled counts (in order), and every outcome's distance."""
    _check("distance travelled", "outcome", filters, None)
    counted, distance = _distance_counted(data, when, scale)
    kept = _filter_rows(data, when, data._outcome_units, filters)
    rows = np.flatnonzero(counted) if kept is None else kept[counted[kept]]
    return rows, distance


def counted_distances(
    data: ServiceData, at: date, filters: Filters | None = None, scale: str = "scaling_0_10"
) -> np.ndarray:
    """Return ``outcome_distances(data, at, filters, scale)["distance"]`` as an array, without the frame.

    The same outcomes in the same order, each the same latest score minus the same baseline: for
    counting how many went which way, where building the frame of every counted outcome (a
    whole service's at la-decade size) would cost more than the count.
    """
    rows, distance = _distance_rows(data, pd.Timestamp(at), filters or Filters(), scale)
    return distance[rows]


def counted_distances_by(
    data: ServiceData,
    at: date,
    filters: Filters | None,
    by: str,
    groups: Sequence[object],
    scale: str = "scaling_0_10",
) -> list[np.ndarray]:
    """Return ``counted_distances`` for each group: ``filters`` with ``by`` set to the group.

    ``by`` is a column of the outcomes themselves (plan type or domain, not the child's), so a
    group's outcomes are those the other filters keep whose ``by`` is the group: the other
    filters are worked out once, not once a group.
    """
    if by in CHILD_COLUMNS:
        raise ValueError(f"{by} is the child's: use counted_distances for each group")
    others = Filters(**{name: value for name, value in (filters or Filters()).active().items() if name != by})
    rows, distance = _distance_rows(data, pd.Timestamp(at), others, scale)
    column = pd.Series(data._outcome_units[by].array.take(rows))
    for group in groups:  # each group as a filter would be checked
        _check("distance travelled", "outcome", Filters(**{by: group}), None)
    return [distance[rows[plan_type_kept(column, group)]] for group in groups]


#: The columns of :func:`outcome_distances`, which distance travelled may also be grouped by.
_DISTANCE_COLUMNS = (
    "outcome_id",
    "child_id",
    "domain",
    "locality",
    "plan_type",
    "baseline_score",
    "latest_score",
    "distance",
)


def distance_travelled(
    data: ServiceData,
    at: date,
    filters: Filters | None = None,
    by: str | None = "domain",
    scale: str = "scaling_0_10",
) -> pd.DataFrame:
    """Mean distance travelled at ``at``, grouped ``by`` a column (or for the whole service).

    Returns columns ``[by], numerator, denominator, value``: the sum of distances, the number
    of outcomes counted, and their mean (``NA`` when none are counted). ``by`` may be any
    outcome grouping (:data:`UNIT_COLUMNS`) or any column of :func:`outcome_distances`.
    """
    filters = filters or Filters()
    when = pd.Timestamp(at)
    if by in _DISTANCE_COLUMNS and by not in UNIT_COLUMNS["outcome"]:
        # A column only outcome_distances has (child_id, outcome_id, ...): group its rows.
        counted_rows = outcome_distances(data, at, filters, scale)
        result = (
            counted_rows.groupby(by, observed=True)["distance"]
            .agg(numerator="sum", denominator="count")
            .reset_index()
        )
        result["numerator"] = result["numerator"].astype("float64")
        result["denominator"] = result["denominator"].astype("int64")
        result["value"] = (result["numerator"] / result["denominator"]).where(result["denominator"] > 0)
        return result
    _check("distance travelled", "outcome", filters, by)
    counted, distance = _distance_counted(data, when, scale)
    return _figure(data, when, data._outcome_units, counted, distance, filters, by, kind="mean")


def _distance_measure(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    return distance_travelled(data, at, filters, by)


def _closed_with_result(data: ServiceData, when: pd.Timestamp) -> np.ndarray:
    """Outcomes closed with a result in the year to D (Achieved's cohort), once per date."""
    units = data._outcome_units

    def build() -> np.ndarray:
        closed = units["closed"].to_numpy()
        return (
            units["result"].to_numpy()
            & (closed > day64(when, 365))
            & (closed <= day64(when))
            & (units["agreed"].to_numpy() <= day64(when))
        )

    return data._cached("closed with result", when, build)


def achieved(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Achieved: of outcomes closed in the year to D with a result, the share achieved.

    Closed with a result means closed as achieved, partly achieved or not achieved; withdrawn
    and replaced outcomes are left to Constant.
    """
    filters = filters or Filters()
    _check("achieved", "outcome", filters, by)
    when = timestamp_at(at)
    units = data._outcome_units
    return _figure(
        data, when, units, _closed_with_result(data, when), units["achieved"].to_numpy(), filters, by
    )


def achieved_partly(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Achieved, second figure: the share partly achieved, out of the same outcomes as Achieved."""
    filters = filters or Filters()
    _check("achieved_partly", "outcome", filters, by)
    when = timestamp_at(at)
    units = data._outcome_units
    return _figure(
        data, when, units, _closed_with_result(data, when), units["partly_achieved"].to_numpy(), filters, by
    )


def sustained(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Sustained: of successful case closures in the year to D-365, the share not followed within a year.

    The closures counted are those whose involvement had at least one outcome and every
    outcome achieved; the share is of those whose child started no new involvement within
    365 days. A case closure is an involvement that ended leaving the child with no other involvement
    open on its end date E; "within 365 days" is a start in (E, E+365], a window that ends on
    or before D. An outcome counts as achieved when its status is achieved and it closed on or
    before D; an involvement with any other outcome (including withdrawn or replaced) is not
    in the cohort. Counts closures, so the domain filter does not apply (ValueError).
    """
    filters = filters or Filters()
    _check("sustained", "case closure", filters, by)
    when = timestamp_at(at)
    inv = data._involvement_units

    def build() -> tuple[np.ndarray, np.ndarray]:
        outcomes = data._outcome_units
        known = outcomes["agreed"].to_numpy() <= day64(when)
        done = known & outcomes["achieved"].to_numpy() & (outcomes["closed"].to_numpy() <= day64(when))
        involvement = outcomes["involvement"].to_numpy()
        n_outcomes = np.bincount(involvement[known], minlength=len(inv))
        n_achieved = np.bincount(involvement[done], minlength=len(inv))
        end = inv["end"].to_numpy()
        cohort = (
            inv["closure"].to_numpy()
            & (end > day64(when, 730))
            & (end <= day64(when, 365))
            & (n_outcomes > 0)
            & (n_achieved == n_outcomes)
        )
        came_back = inv["next_start"].to_numpy() <= end + np.timedelta64(365, "D")
        return cohort, ~came_back

    cohort, stayed = data._cached("sustained", when, build)
    return _figure(data, when, inv, cohort, stayed, filters, by)


def _meetings_in_year(data: ServiceData, when: pd.Timestamp) -> np.ndarray:
    """Meetings dated in the year to D, once per date."""
    dates = data._meeting_units["date"].to_numpy()
    return data._cached("meetings in year", when, lambda: (dates > day64(when, 365)) & (dates <= day64(when)))


def participation(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Participation: of meetings in the year to D coded PN1 to PN7, the share the child took part in.

    The child took part when the code is PN1 to PN6; PN0 (under 4) and blanks are left out.
    Counts meetings, so the domain filter does not apply (ValueError).
    """
    filters = filters or Filters()
    _check("participation", "meeting", filters, by)
    when = timestamp_at(at)
    units = data._meeting_units
    counted = _meetings_in_year(data, when) & units["participation_counted"].to_numpy()
    return _figure(data, when, units, counted, units["took_part"].to_numpy(), filters, by)


def participation_family(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Participation, second figure: of all meetings dated in the year to D, the share family attended."""
    filters = filters or Filters()
    _check("participation_family", "meeting", filters, by)
    when = timestamp_at(at)
    units = data._meeting_units
    return _figure(
        data, when, units, _meetings_in_year(data, when), units["family_attended"].to_numpy(), filters, by
    )


def evidence_informed(
    data: ServiceData,
    at: date,
    filters: Filters | None = None,
    by: str | None = None,
    threshold: str = EVIDENCE_THRESHOLD,
) -> pd.DataFrame:
    """Evidence-informed: of interventions started in the year to D, the share at or above ``threshold``.

    ``threshold`` is the authority's setting (default level 3). Levels are compared by their
    rank in data/codes/evidence_levels.csv; not rated ranks lowest. Counts interventions, so
    the domain filter does not apply (ValueError).
    """
    filters = filters or Filters()
    _check("evidence_informed", "intervention", filters, by)
    ranks = evidence_ranks()
    if threshold not in ranks:
        raise ValueError(f"no evidence level {threshold!r}; levels are {', '.join(ranks)}")
    when = timestamp_at(at)
    units = data._intervention_units
    start = units["start"].to_numpy()
    counted = data._cached(
        "interventions in year", when, lambda: (start > day64(when, 365)) & (start <= day64(when))
    )
    # NaN (an unknown level) compares False: below the threshold.
    return _figure(data, when, units, counted, units["rank"].to_numpy() >= ranks[threshold], filters, by)


def _audit_grade(
    name: str, data: ServiceData, at: date, filters: Filters | None, by: str | None, moderated: bool
) -> pd.DataFrame:
    filters = filters or Filters()
    _check(name, "audit", filters, by)
    when = timestamp_at(at)
    units = data._audit_units
    dates = units["date"].to_numpy()
    grade = units["first_grade"].to_numpy()
    if moderated:
        # The moderated grade replaces the first once moderated on or before D (an undated
        # moderation counts from the audit date).
        moderated_on = units["moderation_date"].to_numpy()
        moderated_on = np.where(np.isnat(moderated_on), dates, moderated_on)
        second = units["moderated_grade"].to_numpy()
        use = pd.notna(second) & (moderated_on <= day64(when))
        grade = np.where(use, second, grade)
    graded = pd.Series(grade).isin(GRADED_AUDIT_GRADES).to_numpy()
    counted = units["completed"].to_numpy() & graded & (dates > day64(when, 365)) & (dates <= day64(when))
    good = pd.Series(grade).isin(GOOD_GRADES).to_numpy()
    return _figure(data, when, units, counted, good, filters, by)


def audit_grade(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Audit grade: of audits completed in the year to D, the share first graded good or outstanding.

    Completed means not a draft; audits with no overall grade are left out of the
    denominator. Counts audits of a child, so plan type and domain do not apply (ValueError).
    """
    return _audit_grade("audit_grade", data, at, filters, by, moderated=False)


def audit_grade_moderated(
    data: ServiceData, at: date, filters: Filters | None = None, by: str | None = None
) -> pd.DataFrame:
    """Audit grade, second figure: the same audits as Audit grade, graded after moderation.

    Each audit counts with its moderated grade where it was moderated on or before D, and
    with its first grade otherwise, so the two figures share a denominator and differ by
    exactly what moderation changed.
    """
    return _audit_grade("audit_grade_moderated", data, at, filters, by, moderated=True)


# ---------------------------------------------------------------------------------------------
# The registry.

MeasureFunction = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Measure:
    """One headline figure: what it is called, what it means and how to compute it."""

    name: str
    title: str
    definition: str
    unit: Literal["share", "mean"]
    counts: str  # the kind of thing counted: a key of UNIT_COLUMNS
    function: MeasureFunction

    @property
    def filters(self) -> tuple[str, ...]:
        """The :class:`Filters` fields that apply to this measure."""
        return tuple(name for name in _FILTER_NAMES if name in UNIT_COLUMNS[self.counts])

    @property
    def groupings(self) -> tuple[str, ...]:
        """The columns ``by`` may name for this measure."""
        return UNIT_COLUMNS[self.counts]

    def applies(self, filters: Filters | None = None, by: str | None = None) -> bool:
        """Return whether every active filter and the grouping apply to this measure."""
        allowed = UNIT_COLUMNS[self.counts]
        names = set((filters or Filters()).active())
        return names <= set(allowed) and (by is None or by in allowed)

    def __call__(
        self,
        data: ServiceData,
        at: date,
        filters: Filters | None = None,
        by: str | None = None,
        **options,
    ) -> pd.DataFrame:
        """Compute the measure: ``[by], numerator, denominator, value``."""
        return self.function(data, at, filters, by, **options)


_REGISTRY = (
    Measure(
        "coverage",
        "Coverage",
        "Of involvements open at D, the share with at least one outcome active at D.",
        "share",
        "involvement",
        coverage,
    ),
    Measure(
        "clear",
        "Clear",
        "Of outcomes active at D, the share with a non-empty success_looks_like and a baseline score.",
        "share",
        "outcome",
        clear,
    ),
    Measure(
        "clear_statements",
        "Clear: statements that read as clear outcomes",
        "Of outcomes active at D, the share whose statement reads as a clear outcome: a change for the "
        "child or family, not a service, task or compliance, with an observable sign of success.",
        "share",
        "outcome",
        clear_statements,
    ),
    Measure(
        "consensual",
        "Consensual: agreed with the family",
        "Of outcomes active at D, the share agreed with the family.",
        "share",
        "outcome",
        consensual,
    ),
    Measure(
        "consensual_own_words",
        "Consensual: in the child's or family's own words",
        "Of outcomes active at D, the share whose statement is in the child's, a parent's or the "
        "family's own words.",
        "share",
        "outcome",
        consensual_own_words,
    ),
    Measure(
        "constant",
        "Constant",
        "Of outcomes agreed in the year to D-90, the share not closed as replaced or withdrawn within "
        "90 days of agreement.",
        "share",
        "outcome",
        constant,
    ),
    Measure(
        "reviewed",
        "Reviewed",
        "Of outcomes active at D that were agreed on or before D-91, the share with a scored review "
        "dated in (D-91, D].",
        "share",
        "outcome",
        reviewed,
    ),
    Measure(
        "within_target",
        "Timescales: within target date",
        "Of outcomes active at D with a target_date, the share whose target date is on or after D "
        "(the rest are past their target date and not achieved).",
        "share",
        "outcome",
        within_target,
    ),
    Measure(
        "distance_travelled",
        "Distance travelled (0 to 10 scale)",
        "Of outcomes on the 0-10 scale with a baseline and a scored review on or before D, active at D "
        "or closed in the year to D: the mean of the latest score on or before D minus the baseline.",
        "mean",
        "outcome",
        _distance_measure,
    ),
    Measure(
        "achieved",
        "Achieved",
        "Of outcomes closed in the year to D as achieved, partly achieved or not achieved, the share "
        "achieved.",
        "share",
        "outcome",
        achieved,
    ),
    Measure(
        "achieved_partly",
        "Achieved: partly achieved",
        "Of outcomes closed in the year to D as achieved, partly achieved or not achieved, the share "
        "partly achieved.",
        "share",
        "outcome",
        achieved_partly,
    ),
    Measure(
        "sustained",
        "Sustained",
        "Of case closures in the year to D-365 whose involvement had at least one outcome and every "
        "outcome achieved, the share whose child started no new involvement within 365 days.",
        "share",
        "case closure",
        sustained,
    ),
    Measure(
        "participation",
        "Participation: child took part",
        "Of meetings dated in the year to D, coded PN1 to PN7, the share where the child took part "
        "(PN1 to PN6). PN0 (under 4) and blanks are left out.",
        "share",
        "meeting",
        participation,
    ),
    Measure(
        "participation_family",
        "Participation: family attended",
        "Of all meetings dated in the year to D, the share where the family attended.",
        "share",
        "meeting",
        participation_family,
    ),
    Measure(
        "evidence_informed",
        "Evidence-informed",
        "Of interventions started in the year to D, the share with an evidence level at or above the "
        "authority's threshold (default level 3; not rated counts below).",
        "share",
        "intervention",
        evidence_informed,
    ),
    Measure(
        "audit_grade",
        "Audit grade: first grade",
        "Of audits completed in the year to D, the share whose first overall grade is good or outstanding.",
        "share",
        "audit",
        audit_grade,
    ),
    Measure(
        "audit_grade_moderated",
        "Audit grade: after moderation",
        "Of audits completed in the year to D, the share graded good or outstanding after moderation "
        "(the moderated grade where moderated on or before D, else the first grade).",
        "share",
        "audit",
        audit_grade_moderated,
    ),
)

#: Every headline figure, by name, in the order of DESIGN.md section 4.
MEASURES: dict[str, Measure] = {m.name: m for m in _REGISTRY}


def headline_measures(
    data: ServiceData,
    at: date,
    filters: Filters | None = None,
    by: str | None = None,
    names: Iterable[str] | None = None,
    evidence_threshold: str = EVIDENCE_THRESHOLD,
) -> pd.DataFrame:
    """Compute every headline measure (or those ``names``) at ``at`` into one tidy frame.

    Columns: measure, title, unit, [by], numerator, denominator, value (numerators are
    floats here because the mean's numerator is a sum of scores). A measure that a filter or
    ``by`` does not apply to (for example domain for meetings) is left out; its name is
    listed in ``frame.attrs["not_applicable"]``. ``evidence_threshold`` is passed to
    Evidence-informed.
    """
    frames = []
    measured = []
    skipped = []
    for name in names or MEASURES:
        measure = MEASURES[name]
        if not measure.applies(filters, by):
            skipped.append(name)
            continue
        options = {"threshold": evidence_threshold} if measure.function is evidence_informed else {}
        frames.append(measure(data, at, filters, by, **options))
        measured.append(measure)
    columns = ["measure", "title", "unit", *([by] if by else []), "numerator", "denominator", "value"]
    if frames:
        result = pd.concat(frames, ignore_index=True)
        # Named once for all rows (a team lead's filter change asks for every measure at once).
        lengths = [len(frame) for frame in frames]
        for column, attribute in (("measure", "name"), ("title", "title"), ("unit", "unit")):
            result[column] = np.repeat([getattr(m, attribute) for m in measured], lengths)
    else:
        result = pd.DataFrame(columns=columns)
    result.attrs["not_applicable"] = skipped
    return result[columns]


# ---------------------------------------------------------------------------------------------
# Periods: each measure at the end of each month, financial quarter or financial year.


