"""The partial extracts: each is still a valid extract, and lacks exactly what it says."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from tests.fixtures.states import DEMO_EXTRACT
from workbench.cli.app import main
from workbench.imports.extract import validate_extract
from workbench.states import STATES, write_partial_extract


def rows(folder, name):
    with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("state", ["no-audits", "some-plan-types", "one-locality", "idle-team"])
def test_each_state_is_a_valid_extract(tmp_path, state):
    counts = write_partial_extract(DEMO_EXTRACT, tmp_path, STATES[state])
    extract = validate_extract(tmp_path)  # raises ExtractError on any broken reference
    assert extract.row_counts() == counts


def test_states_lack_what_they_say(tmp_path):
    write_partial_extract(DEMO_EXTRACT, tmp_path / "a", STATES["no-audits"])
    assert rows(tmp_path / "a", "audits") == [] and rows(tmp_path / "a", "audit_answers") == []
    assert len(rows(tmp_path / "a", "outcomes")) == len(rows(DEMO_EXTRACT, "outcomes"))

    write_partial_extract(DEMO_EXTRACT, tmp_path / "b", STATES["one-locality"])
    assert len({r["locality"] for r in rows(tmp_path / "b", "children")}) == 1
    assert len({r["locality"] for r in rows(tmp_path / "b", "teams")}) == 1

    write_partial_extract(DEMO_EXTRACT, tmp_path / "c", STATES["some-plan-types"])
    assert {r["plan_type"] for r in rows(tmp_path / "c", "involvements")} == {"early_help", "cin"}

    write_partial_extract(DEMO_EXTRACT, tmp_path / "d", STATES["idle-team"])
    idle = rows(tmp_path / "d", "teams")[-1]["team_id"]
    assert idle not in {r["team_id"] for r in rows(tmp_path / "d", "involvements")}
    workers = {r["worker_id"] for r in rows(tmp_path / "d", "workers") if r["team_id"] == idle}
    assert workers and not workers & {r["worker_id"] for r in rows(tmp_path / "d", "allocations")}


def test_demo_data_writes_a_state_and_refuses_unknown_tables(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["demo-data", "--size", "tiny", "--out", str(tmp_path / "t"),
                                  "--state", "no-reviews", "--without", "audits,supervisions"])  # fmt: skip
    assert result.exit_code == 0, result.output
    for table in ("outcome_reviews", "audits", "audit_answers", "supervisions", "supervision_cases"):
        assert rows(tmp_path / "t", table) == [], table
    assert rows(tmp_path / "t", "outcomes")
    validate_extract(tmp_path / "t")

    result = runner.invoke(main, ["demo-data", "--out", str(tmp_path / "u"), "--without", "audit"])
    assert result.exit_code == 2 and "no such tables: audit; choose from audits" in result.output
