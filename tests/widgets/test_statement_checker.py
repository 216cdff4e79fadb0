"""The statement checker widget, tested without a kernel: set values, assert on traits and data."""

from datetime import date

import pytest

from tests.fixtures.measures import service_with_statements
from widgets.statement_checker import StatementChecker, ranked_table_html, reading_html
from workbench.practice.team_statements import team_statements

D = date(2026, 3, 31)

# Active at D in team T1 (tests/measures/test_clear_statements.py has the working):
# P1, P2, P4, P12, P13; in T2: P10.
STATEMENTS = {
    "P1": "I want to go to school on time every day",
    "P2": "Mum to attend GP appointments",
    "P4": "We want to get on better as a family",
    "P10": "The baby will sleep in her own cot every night",
    "P12": "...",
    "P13": "<b>Sam</b> will rate his worries at 6 out of 10 or less by June",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return service_with_statements(STATEMENTS, tmp_path_factory.mktemp("checker"))


def test_a_team_is_ranked_by_what_most_needs_work(service):
    table = team_statements(service, "T1", D)
    # Empty first, then the process, then the vague outcome, then the clear outcome in
    # professional words (one flag), then the clear one in the family's words (no flags).
    assert table["outcome_id"].tolist() == ["P12", "P2", "P4", "P13", "P1"]
    assert table["kind"].tolist() == ["outcome", "process", "outcome", "outcome", "outcome"]
    assert table["clarity"].fillna("-").tolist() == ["vague", "-", "vague", "clear", "clear"]
    assert table["plan_type"].unique().tolist() == ["cin"]
    assert table["worker_id"].unique().tolist() == ["W1"]
    assert (
        table.loc[1, "prompt"]
        == "This describes a service. What would be different for the child if it worked?"
    )
    assert table.loc[4, "flag_titles"] == () and table.loc[4, "prompt"] == ""
    assert team_statements(service, "T2", D)["outcome_id"].tolist() == ["P10"]
    assert team_statements(service, "T9", D).empty


def test_pasting_a_statement_shows_its_reading(service):
    checker = StatementChecker(service, at=D)
    assert "wb-statement-checker" in checker._dom_classes
    checker.box.value = "Parents to engage with services"
    assert checker.statement == "Parents to engage with services"
    assert "A process, not an outcome" in checker.reading.value
    assert "Asks for compliance" in checker.reading.value
    checker.statement = "I want to go to school every day"
    assert checker.box.value == "I want to go to school every day"
    assert (
        "An outcome, clear" in checker.reading.value
        and "the family&#x27;s own words" in checker.reading.value
    )
    checker.box.value = ""
    assert "Paste or type" in checker.reading.value


def test_choosing_a_team_fills_the_ranked_table(service):
    checker = StatementChecker(service, at=D)
    assert [value for _, value in checker.teams.options][:1] == [""]
    assert "T1" in [value for _, value in checker.teams.options]
    checker.teams.value = "T1"
    assert checker.team_id == "T1"
    assert checker.team_table["outcome_id"].tolist() == ["P12", "P2", "P4", "P13", "P1"]
    assert "5 outcomes active" in checker.table.value and "1 as processes" in checker.table.value
    assert checker.table.value.index("P12") < checker.table.value.index("P1<")
    checker.team_id = ""
    assert checker.team_table.empty and "Choose a team" in checker.table.value


def test_everything_from_a_statement_is_escaped(service):
    hostile = "<script>alert('x')</script> Mum to attend <img src=x onerror=alert(1)>"
    shown = reading_html(hostile)
    assert "<script>" not in shown and "<img" not in shown
    table = ranked_table_html(team_statements(service, "T1", D), "<i>Team</i>")
    assert "<b>Sam</b>" not in table and "&lt;b&gt;Sam&lt;/b&gt;" in table
    assert "<i>Team</i>" not in table


def test_the_table_shows_at_most_the_limit(service):
    table = team_statements(service, "T1", D)
    shown = ranked_table_html(table, "T1", limit=2)
    assert shown.count("<tr>") == 3  # the header and two rows
    assert "Showing the 2 that most need work" in shown


def test_the_checker_works_without_service_data():
    checker = StatementChecker()
    checker.statement = "Things will be better at home"
    assert "vague" in checker.reading.value
    assert checker.teams not in checker.children
