"""Outcome plans on a real PostgreSQL server: saved, checked against a concurrent save, projected."""

import copy
from datetime import date

import pytest
import sqlalchemy as sa

from tests.fixtures.handworked import write_extract
from workbench.core.model import PlanAction, PlanOutcome
from workbench.practice.plans import load_history, new_plan, next_meeting, save_plan
from workbench.store.loading import load_extract
from workbench.store.plan_tables import PLAN_SOURCE, PlanChangedError


def test_plans_on_postgres(pg_store, tmp_path):
    folder = write_extract(tmp_path / "extract")
    load_extract(pg_store, folder)
    plan = new_plan("C1", "I1")
    plan.meeting_type, plan.meeting_date, plan.status, plan.family_agreed = (
        "fgc",
        "2025-10-01",
        "agreed",
        True,
    )
    plan.outcomes = [
        PlanOutcome(
            key="O1",
            statement="I get to school every day",
            whose_words="child",
            success_looks_like="In school 9 days in 10",
            domain="education",
            family_baseline=3.0,
            target_score=8.0,
            target_date="2026-06-30",
            actions=[
                PlanAction(
                    key="A1",
                    owner_kind="agency",
                    owner_name="School",
                    action="Breakfast club",
                    by_date="2025-11-01",
                    intervention="Breakfast club",
                    evidence_level="level_2",
                )
            ],
        )
    ]
    saved = save_plan(pg_store, plan, "chair")
    stale = copy.deepcopy(saved)
    review = next_meeting(saved, "cin_review", "2026-01-15")
    review.outcomes[0].family_score, review.outcomes[0].decision, review.status = 9.0, "achieved", "agreed"
    save_plan(pg_store, review, "chair")
    with pytest.raises(PlanChangedError):
        save_plan(pg_store, stale, "someone else")
    assert [v.version for v in load_history(pg_store, saved.plan_id)] == [1, 2]
    with pg_store.engine.connect() as conn:
        outcome = conn.execute(
            sa.text("SELECT status, closed_date FROM outcomes WHERE source_file = :s"), {"s": PLAN_SOURCE}
        ).one()
        links = conn.execute(
            sa.text("SELECT COUNT(*) FROM intervention_outcomes WHERE source_file = :s"), {"s": PLAN_SOURCE}
        ).scalar()
    assert (outcome[0], str(outcome[1])) == ("achieved", "2026-01-15") and links == 1
    load_extract(pg_store, folder, as_at=date(2026, 4, 2))  # a reload keeps them
    with pg_store.engine.connect() as conn:
        kept = conn.execute(
            sa.text("SELECT COUNT(*) FROM outcome_reviews WHERE source_file = :s"), {"s": PLAN_SOURCE}
        ).scalar()
    assert kept == 1
