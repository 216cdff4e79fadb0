"""Import messages a data officer can act on: one line per cause, a summary first (issue 19)."""

from __future__ import annotations

import shutil

import pytest

from tests.fixtures.handworked import workbook_extract
from tests.fixtures.states import DEMO_EXTRACT
from workbench.core.model import EXTRACT_TABLES
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


def test_a_title_row_is_skipped_and_the_extract_loads_with_a_note(title_row_extract):
    """Before issue 19 this extract gave 20,432 messages; then it was refused with a handful.

    Now the header on row 2 is found and used, and the report says so in one note.
    """
    extract = validate_extract(title_row_extract)
    assert extract.row_counts()["workers"] == len(extract.frames["workers"]) > 0
    (note,) = extract.notices
    assert str(note) == "workers.csv: the header is on row 2; row 1 ('Workers export') was skipped"
    assert extract.notice_lines() == [
        "  - workers.csv: the header is on row 2; row 1 ('Workers export') was skipped"
    ]
    # Rows keep the numbers a person sees in Excel: the first worker is on row 3, not row 2.
    workers = next(spec for spec in EXTRACT_TABLES if spec.name == "workers")
    first = next(extract.store_rows(workers))
    assert first[-1] == 3 and first[-3] == "workers.csv"


def test_a_problem_below_a_title_row_names_the_row_seen_in_excel(title_row_extract):
    workers = title_row_extract / "workers.csv"
    lines = workers.read_text(encoding="utf-8").splitlines()
    cells = lines[4].split(",")  # row 5 in Excel: the title, the header, then the third worker
    cells[4] = "31/02/2020"
    lines[4] = ",".join(cells)
    workers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ExtractError) as caught:
        validate_extract(title_row_extract)
    [start] = [p for p in caught.value.problems if p.field == "start_date"]
    assert (start.file, start.row, start.value) == ("workers.csv", 5, "31/02/2020")
    message = str(caught.value)
    assert "workers.csv, row 5, field 'start_date': value '31/02/2020'" in message
    # The note is in the refusal too, after the problems: it alone would not refuse the extract.
    assert "  - workers.csv: the header is on row 2; row 1 ('Workers export') was skipped" in message
    assert "Could not be read" not in message


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


def test_a_title_row_in_a_workbook_sheet_is_skipped_and_rows_keep_their_numbers(tmp_path):
    # The same reader serves XLSX sheets: a title above the teams header is skipped with a note,
    # and a problem below it names the row as Excel shows it (the title, the header, then row 3).
    book = workbook_extract()
    book["teams"].insert_rows(1)
    book["teams"]["A1"] = "Teams export"
    book["teams"]["B4"] = "=1+1"
    path = tmp_path / "extract.xlsx"
    book.save(path)
    with pytest.raises(ExtractError) as caught:
        validate_extract(path)
    (formula,) = caught.value.problems
    assert (formula.file, formula.row, formula.field) == ("extract.xlsx [teams]", 4, "name")
    assert [str(n) for n in caught.value.notices] == [
        "extract.xlsx [teams]: the header is on row 2; row 1 ('Teams export') was skipped"
    ]
    book["teams"]["B4"] = "Team two"
    book.save(path)
    extract = validate_extract(path)
    teams = next(spec for spec in EXTRACT_TABLES if spec.name == "teams")
    assert [row[-1] for row in extract.store_rows(teams)][:2] == [3, 4]
