"""The meetings view on the service pages without a kernel: charts, tables and filters agree."""

from __future__ import annotations

from datetime import date

import pytest

from tests.fixtures.handworked import write_extract
from tests.pages.test_service_meetings import extract_with_family_meetings
from widgets import ServiceDashboard
from widgets.meeting_outcomes_view import MeetingOutcomesView
from workbench.pages.service import dashboard_view
from workbench.store.loading import load_extract

AT = date(2026, 3, 31)


@pytest.fixture
def loaded(store, tmp_path):
    load_extract(store, write_extract(tmp_path / "extract", extract_with_family_meetings()))
    return store


def chart_rows(chart) -> list[dict]:
    spec = chart.chart.to_dict()
    return [row for rows in spec["datasets"].values() for row in rows]


def test_every_service_page_shows_its_meetings_drawn_and_tabled(loaded):
    for page_name in ("overview", "cla", "cp", "eh_cin"):
        page = ServiceDashboard(dashboard_view(page_name, loaded, AT))
        assert sum(isinstance(v, MeetingOutcomesView) for v in page.views) == 1, page_name

    page = ServiceDashboard(dashboard_view("eh_cin", loaded, AT))
    meetings = next(v for v in page.views if isinstance(v, MeetingOutcomesView))
    assert "Showing children with early help or child in need plans" in page.status.value
    # The chart draws the shares of meetings; a share over nobody (no CIN review in the year) has no bar.
    drawn = {(row["meeting"], row["figure"]): row["numerator"] for row in chart_rows(meetings.chart)}
    assert drawn[("Family group conference", "wider_family_attended")] == 1
    assert drawn[("Team around the family review", "scored")] == 1
    assert not any(meeting == "Child in need review" for meeting, _ in drawn)
    assert {figure for _, figure in drawn} == {"took_part", "family_attended", "wider_family_attended",
                                               "agreed", "scored"}  # fmt: skip
    # Text alternatives: each chart describes itself, and a table with a caption carries its figures.
    assert "one panel per figure" in meetings.chart.chart.to_dict()["description"]
    assert "<caption>" in meetings.figures.value and "Wider family attended" in meetings.figures.value
    assert "PN7" not in meetings.participation_table.value  # the table gives the code list's words
    assert "Child does not attend nor are his or her views conveyed" in meetings.participation_table.value
    assert "3 meetings in the year. The wider family network came to 2 of them (67%)" in meetings.summary.value
    codes = {row["code"] for row in chart_rows(meetings.participation_chart)}
    assert codes == {"PN1", "PN7", ""}

    # A filter change redraws in place: nothing in South.
    page.state.locality = "South"
    assert meetings.table["denominator"].eq(0).all()
    assert chart_rows(meetings.chart) == []
    assert "No meetings of these types" in meetings.summary.value
