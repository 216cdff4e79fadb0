"""The measures read from the snapshot give exactly the figures they gave read from the store (issue 16).

``tests/fixtures/demo-measures.csv.gz`` holds every headline measure, under every filter value
and every breakdown, at four dates, as the measures computed them on the demo when
``ServiceData`` read the SQLite store straight into pandas (captured from that code before it
changed; see ``tests/fixtures/measure_reference.py``). The snapshot path is the only one now.
"""

from __future__ import annotations

import io
import logging

import pandas as pd
import pytest

from tests.fixtures.measure_reference import DATES, REFERENCE, figures
from workbench.measures.filters import Filters
from workbench.measures.headline import headline_measures
from workbench.measures.service_data import ServiceData
from workbench.measures.service_figures import (
    KEPT_MEASURES,
    TABLE,
    service_dates,
    service_filters,
    service_headline,
)
from workbench.store.engine import Store
from workbench.store.snapshot import ChildScope


@pytest.fixture(scope="module")
def whole(demo_store_url) -> ServiceData:
    return ServiceData(Store(demo_store_url))


def _as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """Round the figures through CSV exactly as the reference was written (17 significant digits)."""
    text = frame.to_csv(index=False, float_format="%.17g")
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""], dtype=_TEXT)


_TEXT = dict.fromkeys(("at", "filter", "filter_value", "by", "group", "measure"), str)


def test_every_figure_on_the_demo_is_exactly_the_old_paths(whole):
    expected = pd.read_csv(REFERENCE, keep_default_na=False, na_values=[""], dtype=_TEXT)
    found = _as_written(figures(whole))
    assert len(expected) > 19_000
    pd.testing.assert_frame_equal(found, expected, check_exact=True)


def test_a_teams_data_gives_the_teams_figures_exactly(demo_store_url, whole):
    store = Store(demo_store_url)
    teams = sorted(whole.teams["team_id"])
    assert len(teams) > 20
    for team in teams:
        mine = ServiceData(store, ChildScope(frozenset({team})))
        assert len(mine.outcomes) < len(whole.outcomes)
        for at in DATES:
            filters = Filters(team_id=team)
            pd.testing.assert_frame_equal(
                headline_measures(mine, at, filters), headline_measures(whole, at, filters), check_exact=True
            )
        workers = whole.workers.loc[whole.workers["team_id"] == team, "worker_id"]
        for by in ("worker_id", "plan_type", "domain"):
            pd.testing.assert_frame_equal(
                headline_measures(mine, DATES[0], Filters(team_id=team), by=by),
                headline_measures(whole, DATES[0], Filters(team_id=team), by=by),
                check_exact=True,
            )
    # A practitioner's data: their caseload's figures, exactly.
    worker = workers.iloc[0]
    mine = ServiceData(store, ChildScope(worker_id=worker))
    pd.testing.assert_frame_equal(
        headline_measures(mine, DATES[0], Filters(worker_id=worker)),
        headline_measures(whole, DATES[0], Filters(worker_id=worker)),
        check_exact=True,
    )


def test_the_service_figures_kept_in_the_snapshot_are_the_measures_own(demo_store_url, whole, caplog):
    store = Store(demo_store_url)
    team = ServiceData(store, ChildScope(frozenset({"T01"})))
    latest = store.data_date()
    kept = team.snapshot.query(f"SELECT DISTINCT at_date, plan_type, domain, measure FROM {TABLE}")
    assert set(kept["measure"]) == set(KEPT_MEASURES)
    assert len(kept.drop_duplicates(["at_date", "plan_type", "domain"])) == 7 + len(service_filters(latest, latest))
    with caplog.at_level(logging.WARNING, logger="workbench.snapshot"):
        for at in service_dates(latest):
            for filters in service_filters(at, latest):
                found = service_headline(team, at, filters)
                expected = headline_measures(whole, at, filters)
                pd.testing.assert_frame_equal(found, expected, check_exact=True)
    assert not caplog.text  # every one came from the snapshot
    assert "whole_service" in team.__dict__  # the audit grades counted the service's audits...
    assert "outcomes" not in team.whole_service.__dict__  # ...without reading the service's outcomes
    # A figure not kept is worked out from the whole service, and the log says so.
    earlier = Filters(plan_type="cp")
    with caplog.at_level(logging.WARNING, logger="workbench.snapshot"):
        found = service_headline(team, service_dates(latest)[0], earlier)
    assert "not in the snapshot" in caplog.text
    pd.testing.assert_frame_equal(found, headline_measures(whole, service_dates(latest)[0], earlier))
    with pytest.raises(ValueError, match="plan type and domain only"):
        service_headline(team, latest, Filters(team_id="T01"))


def test_a_viewers_kernel_reads_only_what_their_role_can_count(demo_store_url, whole):
    from workbench.access import Identity, data_for, scope_for

    store = Store(demo_store_url)
    at = DATES[0]
    lead = Identity("lead", "team_lead", team_id="T01")
    mine = data_for(lead, store)
    assert mine.scope == ChildScope(frozenset({"T01"}))
    assert len(mine.children) < len(whole.children) / 5  # 25 teams; children move between them
    assert scope_for(lead, mine, at) == scope_for(lead, whole, at)
    service = Identity("sl", "service_lead", service="cp")
    theirs = data_for(service, store)
    assert theirs.scope.team_ids == frozenset(whole.teams.loc[whole.teams["service"] == "cp", "team_id"])
    assert scope_for(service, theirs, at) == scope_for(service, whole, at)
    assert data_for(Identity("hopi", "head_of_practice_improvement"), store).scope is None
