"""Appraisal entries and improvement plans (schema version 12) on a real PostgreSQL server."""

from datetime import date

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, supervision_rows
from workbench.access import Identity
from workbench.practice.appraisal import entry_history, save_entry
from workbench.practice.improvement_plans import ImprovementPlan, PlanAction, latest_plan, save_plan
from workbench.store.loading import load_extract


def test_entries_and_plans_on_postgres(pg_store, tmp_path):
    load_extract(pg_store, write_extract(tmp_path / "extract", supervision_rows()))
    ann = Identity("ann.example", "practitioner", worker_id="W1", team_id="T1")
    save_entry(pg_store, ann, "W1", AT, "Proud of C1", ["C1"])
    assert entry_history(pg_store, "W1", AT)[["voice", "cases"]].values.tolist() == [["appraisee", "C1"]]
    hope = Identity("hope.pi", "head_of_practice_improvement")
    action = PlanAction("Coach teams", "Practice educators", date(2026, 6, 30))
    save_plan(pg_store, hope, ImprovementPlan("clear", target=0.7, story="First", actions=[action]))
    version = save_plan(pg_store, hope, ImprovementPlan("clear", target=0.75, story="Second"))
    kept = latest_plan(pg_store, "clear")
    assert (kept.version_id, kept.target, kept.story, kept.actions) == (version, 0.75, "Second", [])
