"""The service dashboard widgets without a kernel: set values, assert on traits and tables."""

from __future__ import annotations

from datetime import date

import pytest

from tests.fixtures.handworked import write_extract
from tests.pages.test_service import extract_with_child_protection_meetings
from widgets import ServiceDashboard
from widgets.dashboard_status import UPDATING
from widgets.figure_table import figures_table, share
from widgets.filter_dropdown import TeamFilter
from widgets.measures_by_group_view import MeasuresByGroupView
from widgets.meeting_outcomes_view import MeetingOutcomesView
from widgets.statutory_view import StatutoryView
from workbench.pages.service import dashboard_view
from workbench.store.loading import load_extract

AT = date(2026, 3, 31)


@pytest.fixture
def loaded(store, tmp_path):
    load_extract(store, write_extract(tmp_path / "extract", extract_with_child_protection_meetings()))
    return store


def test_child_protection_page_follows_the_filters(loaded):
    page = ServiceDashboard(dashboard_view("cp", loaded, AT))
    kinds = {type(view) for view in page.views}
    assert {MeasuresByGroupView, MeetingOutcomesView, StatutoryView} <= kinds
    group = next(v for v in page.views if isinstance(v, MeasuresByGroupView))
    assert set(group.table["group"]) == {"South"}
    assert "Showing children on child protection plans in all localities" in page.status.value

    seen = []
    page.status.observe(lambda change: seen.append(change["new"]), names="value")
    page.state.locality = "North"
    # The status said "Updating" while the views recomputed, and then what is shown.
    assert UPDATING in seen[0]
    assert "in North" in page.status.value and UPDATING not in page.status.value
    assert group.table.empty
    assert "Nobody in this view" in group.summary.value

    team = next(f for f in page.filters.children if isinstance(f, TeamFilter))
    page.state.locality = None
    team.dropdown.value = "T2"
    assert page.state.team_id == "T2"
    assert set(group.table["group"]) == {"South"}
    statutory = next(v for v in page.views if isinstance(v, StatutoryView))
    assert "No statutory returns have been imported" in statutory.notice.value
    assert statutory.repeats.iloc[0].tolist() == [1, 1, 1.0]


def test_group_view_switches_to_teams(loaded):
    page = ServiceDashboard(dashboard_view("overview", loaded, AT))
    group = next(v for v in page.views if isinstance(v, MeasuresByGroupView))
    group.by_picker.value = "team_id"
    assert set(group.table["group"]) == {"North CIN", "South CP"}
    assert "<caption>" in group.figures.value and "Numerator" in group.figures.value


def test_figure_tables_escape_text_and_leave_empty_shares_empty():
    import pandas as pd

    frame = pd.DataFrame({"group": ["<b>Team</b>"], "value": [float("nan")]})
    html_text = figures_table(frame, {"group": ("Team", None), "value": ("Share", share)}, "Caption <i>")
    assert "<b>" not in html_text and "&lt;b&gt;Team&lt;/b&gt;" in html_text
    assert "Caption &lt;i&gt;" in html_text
    assert "<td></td>" in html_text  # a share over nobody is empty, never 0%


def test_the_page_says_its_date_and_looking_back_rebuilds_it_at_that_date(loaded):
    def reopen(day):
        return dashboard_view("overview", loaded, day)

    page = ServiceDashboard(dashboard_view("overview", loaded), reopen=reopen)
    assert page.view.at == loaded.data_date() == AT  # the extract's own date, not a fixed one
    assert page.data_date in page.children
    assert "Figures as at Tuesday 31 March 2026, loaded " in page.data_date.line.value
    page.state.locality = "North"
    earlier = date(2025, 6, 30)
    page.data_date.show(earlier)
    assert page.view.at == earlier and page.state.locality == "North"
    group = next(v for v in page.views if isinstance(v, MeasuresByGroupView))
    fresh = ServiceDashboard(reopen(earlier))
    fresh.state.locality = "North"
    fresh_group = next(v for v in fresh.views if isinstance(v, MeasuresByGroupView))
    assert group.table.equals(fresh_group.table)
    assert "at 30 June 2025" in page.status.value or "30 June 2025" in page.describe()
    # Without a way to reopen the page there is the line, and no picker.
    still = ServiceDashboard(dashboard_view("overview", loaded))
    assert not still.data_date.children[1].children


def test_the_trend_of_distance_travelled_shows_how_many_went_which_way(loaded):
    from widgets.measure_trend_view import MeasureTrendView

    page = ServiceDashboard(dashboard_view("overview", loaded, AT))
    trend = next(v for v in page.views if isinstance(v, MeasureTrendView))
    assert "Went back" not in trend.figures.value
    trend.measure_picker.value = "distance_travelled"
    # 2025-26 at D: O1 +3, O2 -1, O3 +5 (tests/fixtures/handworked.py).
    assert "Behind the mean in 2025-26: 2 went up, 0 stayed the same, 1 went back" in trend.summary.value
    for header in ("Went back", "Stayed the same", "Went up"):
        assert f">{header}</th>" in trend.figures.value
