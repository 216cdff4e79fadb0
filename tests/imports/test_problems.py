"""Import messages a data officer can act on: one line per cause, a summary first (issue 19)."""

from __future__ import annotations

import shutil

import pytest

from tests.fixtures.states import DEMO_EXTRACT
from workbench.imports.extract import ExtractError, validate_extract
from workbench.imports.problems import Problem, group_problems, refusal_report, row_ranges


def test_one_cause_is_one_line_with_a_count_and_the_first_rows():
    problems = [Problem("workers.csv", row, "worker_id", "", "a value (an identifier); this field is required")
                for row in range(2, 122)]  # fmt: skip
    (group,) = group_problems(problems)
    assert str(group) == (
        "workers.csv: 'worker_id' is empty in 120 rows (rows 2–121); "
        "expected a value (an identifier); this field is required"
    )
    assert row_ranges([2, 3, 4, 9, 11, 12, 20, 30, 40, 50, 51]) == "rows 2–4, 9, 11–12, 20, 30 and 3 more"
    assert row_ranges([7]) == "row 7"


def test_the_report_opens_with_what_was_read_and_three_things_to_fix():
    problems = [
        *[Problem("outcomes.csv", r, "domain", "health", "one of good_education, ...") for r in range(2, 40)],
        Problem("teams.csv", 1, "", "Teams", "the header on row 1; it is on row 3 (...)"),
        *[Problem("meetings.csv", r, "date", "31/02/2025", "a date written YYYY-MM-DD") for r in (5, 6)],
        Problem("children.csv", 9, "sex", "X", "one of F, M, ..."),
    ]
    report = refusal_report("extract", problems, ["children.csv", "teams.csv", "outcomes.csv", "meetings.csv",
                                                  "workers.csv"])  # fmt: skip
    lines = report.splitlines()
    assert lines[0] == "extract extract was refused: 42 problem(s) in 4 group(s); nothing was loaded"
    assert lines[1] == "  Read without problems: workers.csv"
    assert lines[2] == "  Could not be read: teams.csv"
    assert lines[3] == "  Read, with problems: outcomes.csv, meetings.csv, children.csv"
    assert lines[4] == "  Fix first:"
    assert lines[5].startswith("    1. teams.csv, row 1: value 'Teams'; expected the header on row 1")
    assert lines[6].startswith(
        "    2. outcomes.csv: 'domain' is values such as 'health' in 38 rows (rows 2–39)"
    )
    assert lines[7].startswith(
        "    3. meetings.csv: 'date' is values such as '31/02/2025' in 2 rows (rows 5–6)"
    )


@pytest.fixture
def title_row_extract(tmp_path):
    """The demo extract with ``Workers export,,,,,`` on row 1 of workers.csv, as in the issue."""
    folder = tmp_path / "title-row"
    shutil.copytree(DEMO_EXTRACT, folder)
    workers = folder / "workers.csv"
    workers.write_text("Workers export,,,,,\n" + workers.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_a_title_row_is_refused_with_a_handful_of_messages_naming_it_first(title_row_extract):
    """Before issue 19 this extract gave 20,432 messages, the title row buried among them."""
    with pytest.raises(ExtractError) as caught:
        validate_extract(title_row_extract)
    problems = caught.value.problems
    assert len(problems) <= 6
    assert str(problems[0]) == (
        "workers.csv, row 1: value 'Workers export'; expected the header on row 1; it is on row 2 "
        "(worker_id, name, team_id, role, start_date, end_date): delete the 1 row(s) above it, such as "
        "a title, and load again"
    )
    message = str(caught.value)
    assert "Could not be read: workers.csv" in message
    assert "1. workers.csv, row 1: value 'Workers export'" in message
    assert ("2. allocations.csv, field 'worker_id': expected an existing worker_id from workers.csv, which "
            "could not be read: 8,969 rows name one, checked once it is fixed") in message  # fmt: skip


def test_no_header_anywhere_is_one_message_naming_the_columns_seen(title_row_extract):
    teams = title_row_extract / "teams.csv"
    teams.write_text(
        "id,team name,area,kind\n" + "\n".join(f"T{n},Team {n},North,cin" for n in range(30)) + "\n"
    )
    with pytest.raises(ExtractError) as caught:
        validate_extract(title_row_extract)
    (teams_problem,) = [p for p in caught.value.problems if p.file == "teams.csv"]
    assert teams_problem.row == 1 and teams_problem.expected == (
        "a header row with the columns team_id, name, locality, service; none of the first 20 rows has them "
        "(row 1 has: id, team name, area, kind)"
    )
