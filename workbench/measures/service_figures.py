"""The whole service's headline figures, worked out once per load and kept in the snapshot.

A team lead's page sets the team beside the whole service. A kernel that holds only its
team's rows (``ServiceData`` with a scope) cannot count the service, and reading the service
to count it is what made every kernel big. So when a snapshot is written, the service's
headline figures are worked out there, by the same ``headline_measures``, for the dates and
filters the team lead page offers first (:func:`service_dates`, :func:`service_filters`), and kept
in the snapshot's ``service_headline`` table. :func:`service_headline` reads them back; a
figure not kept is worked out from the whole service (read from the snapshot), with a note
in the log.

Audit grades are left out of the kept figures: audits recorded in the workbench count as
soon as they are recorded (``ServiceData.audits``), so they are worked out when asked.
"""

from __future__ import annotations

import logging
from datetime import date

import pandas as pd

from workbench.core.codes import labels
from workbench.measures.filters import Filters
from workbench.measures.headline import MEASURES, headline_measures
from workbench.measures.periods import period_ends
from workbench.measures.service_data import ServiceData
from workbench.store.engine import Store
from workbench.store.snapshot import Snapshot, register_derived

TABLE = "service_headline"
#: How many financial quarters back the kept figures go (the team lead page's period chooser).
QUARTERS_KEPT = 8
#: Measures worked out when asked, never kept: audits are recorded between loads.
LIVE_MEASURES = ("audit_grade", "audit_grade_moderated")
KEPT_MEASURES = tuple(name for name in MEASURES if name not in LIVE_MEASURES)
log = logging.getLogger("workbench.snapshot")


def service_dates(latest: date) -> list[date]:
    """Return the dates whose service figures are kept: ``latest`` and the last quarter ends before it."""
    start = pd.Timestamp(latest) - pd.DateOffset(months=3 * QUARTERS_KEPT + 2)
    ends = period_ends(start.date(), latest, "quarterly").tail(QUARTERS_KEPT)["period_end"]
    return sorted({latest, *(end.date() for end in ends)})


def service_filters(at: date, latest: date) -> list[Filters]:
    """Return the service filters kept at ``at``: none, and at the data's date each plan type and each domain.

    As the team lead page offers them; a plan type or domain at an earlier quarter is worked out
    when asked (each kept filter adds to every load's time).
    """
    if at != latest:
        return [Filters()]
    return [
        Filters(),
        *(Filters(plan_type=code) for code in labels("plan_types")),
        *(Filters(domain=code) for code in labels("outcome_domains")),
    ]


def _key(filters: Filters) -> tuple[str, str]:
    plan = filters.plan_type
    return ("" if plan is None else str(plan), filters.domain or "")


def build_service_figures(store: Store, snapshot: Snapshot) -> dict[str, pd.DataFrame]:
    """Work out the kept service figures from a snapshot being written (a :data:`DERIVED` builder)."""
    latest = store.data_date()
    if latest is None:
        return {}
    data = ServiceData(store, snapshot=snapshot)
    frames = []
    for at in service_dates(latest):
        for filters in service_filters(at, latest):
            figures = headline_measures(data, at, filters, names=KEPT_MEASURES)
            plan_type, domain = _key(filters)
            figures.insert(0, "domain", domain)
            figures.insert(0, "plan_type", plan_type)
            figures.insert(0, "at_date", pd.Timestamp(at))
            frames.append(figures)
    table = pd.concat(frames, ignore_index=True)
    table["numerator"] = table["numerator"].astype("float64")
    table["denominator"] = table["denominator"].astype("int64")
    table["value"] = table["value"].astype("float64")
    return {TABLE: table}


register_derived(build_service_figures)


def service_headline(data: ServiceData, at: date, filters: Filters) -> pd.DataFrame:
    """Return ``headline_measures(whole service, at, filters)``: kept figures where the snapshot has them.

    ``filters`` may hold plan type and domain only (a service figure is not a team's). Audit
    grades are worked out from the audits as they stand. Only a figure the snapshot did not
    keep makes a scoped kernel read the whole service (logged).
    """
    unknown = set(filters.active()) - {"plan_type", "domain"}
    if unknown:
        named = ", ".join(sorted(unknown))
        raise ValueError(f"a service figure takes plan type and domain only, not {named}")
    kept = _kept(data, at, filters)
    if kept is None:
        if data.scope is not None:
            log.warning("service figures at %s for %s not in the snapshot: reading the service", at, filters)
        return headline_measures(data.whole_service, at, filters)
    live = [name for name in LIVE_MEASURES if MEASURES[name].applies(filters)]
    if live:
        # The whole service's tables are read when first used: audits need only children and audits.
        audits = headline_measures(data.whole_service, at, filters, names=live)
        kept = pd.concat([kept, audits], ignore_index=True)
        order = {name: n for n, name in enumerate(MEASURES)}
        kept = kept.sort_values("measure", key=lambda names: names.map(order), kind="stable")
    return kept.reset_index(drop=True)


def _kept(data: ServiceData, at: date, filters: Filters) -> pd.DataFrame | None:
    if not data.snapshot.has_table(TABLE):
        return None
    plan_type, domain = _key(filters)
    found = data.snapshot.query(
        f"SELECT measure, title, unit, numerator, denominator, value FROM {TABLE} "  # noqa: S608
        "WHERE at_date = $at AND plan_type = $plan AND domain = $domain ORDER BY rowid",
        {"at": pd.Timestamp(at).to_pydatetime(), "plan": plan_type, "domain": domain},
    )
    if found.empty:
        return None
    return found
