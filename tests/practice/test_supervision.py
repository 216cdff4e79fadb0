"""Supervision views, prompts and records on the hand-worked fixture (tests/fixtures/supervision.py)."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, signed_in, supervision_rows
from workbench.access import AccessRefusedError
from workbench.practice.supervision import (
    PROMPT_COLUMNS,
    SupervisionError,
    build_prompts,
    load_caseloads,
    record_supervision,
    statement_prompts,
    supervision_records,
    supervision_scope,
    supervision_view,
    trusted_user,
    workers_in_scope,
)
from workbench.store.engine import Store
from workbench.store.loading import load_extract
from workbench.store.migrations import SCHEMA_VERSION


@pytest.fixture
def fixture_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", supervision_rows()))
    store.mark_demo()  # viewed with the demo identities, which view only a store marked as the demo
    return store


def prompts_of(view) -> set[tuple[str, str]]:
    return set(zip(view.prompts["outcome_id"], view.prompts["code"], strict=True))


def test_a_workers_children_come_from_allocations_open_at_d(fixture_store):
    caseloads = load_caseloads(fixture_store, AT)
    assert caseloads.workers_with_caseload() == ["W1", "W2"]
    w1 = caseloads.view("W1")
    assert w1.children["child_id"].tolist() == ["C1", "C2", "C5"]  # not C4 (ends on D); C5 moved to W1
    assert w1.worker_name == "Ann Example" and w1.team_name == "North CIN"
    assert caseloads.view("W2").children["child_id"].tolist() == ["C3"]
    assert caseloads.view("W3").children.empty


def test_outcomes_are_those_active_at_d_with_scores_on_or_before_d(fixture_store):
    view = supervision_view(fixture_store, "W1", AT)
    assert sorted(view.outcomes["outcome_id"]) == ["P1", "P10", "P2", "P3", "P4", "P5", "P9"]
    p9 = view.outcomes.set_index("outcome_id").loc["P9"]
    assert p9["latest_score"] == 5  # the 9 is after D
    assert p9["last_review_date"] == pd.Timestamp("2025-11-15")
    p1 = view.scores[view.scores["outcome_id"] == "P1"]
    assert p1["kind"].tolist() == ["baseline", "review", "review", "review"]
    assert p1["score"].tolist() == [3, 4, 5, 6]


def test_prompts_on_the_hand_worked_fixture(fixture_store):
    view = supervision_view(fixture_store, "W1", AT)
    assert prompts_of(view) == {
        ("P2", "not_reviewed"), ("P3", "not_reviewed"), ("P4", "not_reviewed"), ("P9", "not_reviewed"),
        ("P2", "no_progress"), ("P5", "no_progress"),
        ("P2", "success_missing"), ("P10", "success_missing"),
        ("P2", "score_gap"),
        ("P3", "statement_process"), ("P4", "statement_process"), ("P5", "statement_unclear"),
    }  # fmt: skip
    assert view.prompt_counts().to_dict() == {
        "not_reviewed": 4,
        "past_target": 0,  # the fixture's outcomes have no target dates
        "no_progress": 2,
        "success_missing": 2,
        "score_gap": 1,
        "statement_process": 2,
        "statement_unclear": 1,
    }
    assert prompts_of(supervision_view(fixture_store, "W2", AT)) == {("P6", "no_progress")}


def test_prompts_are_explained_in_plain_words(fixture_store):
    prompts = supervision_view(fixture_store, "W1", AT).prompts.set_index(["outcome_id", "code"])
    assert prompts.loc[("P2", "not_reviewed"), "explanation"].startswith(
        "Last scored at a review on 1 November 2025, 150 days before 31 March 2026."
    )
    assert prompts.loc[("P3", "not_reviewed"), "explanation"].startswith(
        "Never scored at a review since it was agreed on 1 December 2025, 120 days before 31 March 2026."
    )
    assert prompts.loc[("P2", "no_progress"), "explanation"].startswith(
        "Scored 5, 4, 5 at its last 3 reviews, the latest on 1 November 2025."
    )
    assert prompts.loc[("P2", "score_gap"), "explanation"].startswith(
        "At the review on 1 November 2025 the family scored 9 and the practitioner 5: 4 points apart."
    )
    assert (
        prompts.loc[("P2", "score_gap"), "title"]
        == "Family's score differs from the practitioner's by 3 or more"
    )


def test_statement_prompts_say_what_the_wording_misses_and_ask_the_coaching_question(fixture_store):
    prompts = supervision_view(fixture_store, "W1", AT).prompts.set_index(["outcome_id", "code"])
    service = prompts.loc[("P3", "statement_process")]
    assert service["title"] == "Outcome reads as a service or a task, not a change for the child"
    assert service["explanation"].endswith(
        "not a change in the child's life. What would be different for the child if it worked?"
    )
    assert prompts.loc[("P4", "statement_process"), "explanation"].endswith(
        "If the family did this, what would be different for the child?"
    )
    assert prompts.loc[("P5", "statement_unclear"), "explanation"].startswith(
        "Nothing in it says how everyone will know it has been achieved"
    )
    # One statement prompt per outcome; none for P10, whose success_missing prompt already asks.
    statement = prompts.reset_index()
    statement = statement[statement["code"].str.startswith("statement_")]
    assert statement["outcome_id"].is_unique and "P10" not in set(statement["outcome_id"])


def test_statement_prompts_leave_out_professional_voice_and_jargon_alone():
    outcomes = pd.DataFrame(
        {
            "outcome_id": ["A", "B", "C"],
            "child_id": ["X", "X", "Y"],
            # A: clear, in professional words with jargon; B: empty; C: a task for professionals.
            "statement": [
                "Protective factors to be evident: Sam will attend school at least 9 days in 10",
                "",
                "Family to be offered support with housing",
            ],
            "success_looks_like": ["Attendance 90%", "Something written", "Housing settled"],
        }
    )
    prompts = statement_prompts(outcomes, pd.DataFrame(), pd.Timestamp(AT).date())
    assert list(zip(prompts["outcome_id"], prompts["code"], strict=True)) == [
        ("B", "statement_unclear"), ("C", "statement_process"),
    ]  # fmt: skip
    assert prompts.set_index("outcome_id").loc["B", "child_id"] == "X"


def test_a_prompt_source_can_join(fixture_store):
    view = supervision_view(fixture_store, "W1", AT)

    def vague_statements(outcomes, _scores, _at):
        return outcomes.assign(
            code="vague", title="Vague statement", explanation="Say what will be different."
        )[list(PROMPT_COLUMNS)]

    prompts = build_prompts(view.outcomes, view.scores, view.at, sources=[vague_statements])
    assert len(prompts) == len(view.outcomes) and set(prompts["code"]) == {"vague"}


def test_last_meeting_says_who_was_there(fixture_store):
    children = supervision_view(fixture_store, "W1", AT).children.set_index("child_id")
    assert children.loc["C1", "last_meeting_date"] == pd.Timestamp("2026-02-01")
    assert children.loc["C1", "who_was_there"] == (
        "Child does not attend nor are his or her views conveyed to the review (PN7); "
        "no parent or carer; wider family attended; no other agency"
    )
    assert children.loc["C1", "age"] == 11  # born May 2014, at 31 March 2026


def test_records_need_a_trusted_identity(fixture_store, monkeypatch, tmp_path):
    signed_in(monkeypatch, tmp_path, None)  # an identity file, but nobody named by a trusted source
    assert trusted_user() is None
    with pytest.raises(SupervisionError, match=r"no trusted identity.*WORKBENCH_USER"):
        record_supervision(fixture_store, "W1", "2026-04-02", AT, discussed="C1's outcomes")
    signed_in(monkeypatch, tmp_path, "stranger")  # named, but not in the identity file
    with pytest.raises(SupervisionError, match=r"'stranger'.*not in the identity file"):
        record_supervision(fixture_store, "W1", "2026-04-02", AT, discussed="C1's outcomes")
    assert supervision_records(fixture_store).empty


def test_the_demo_head_of_pi_records_when_no_identity_file_is_set(fixture_store, monkeypatch):
    for name in ("WORKBENCH_IDENTITY_FILE", "WORKBENCH_USER", "WORKBENCH_DEMO_USER", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("WORKBENCH_TRUST_PROXY_HEADER", raising=False)
    record_supervision(fixture_store, "W2", "2026-04-02", AT, discussed="C3")
    assert supervision_records(fixture_store)["supervisor"].tolist() == ["demo-head-of-pi"]


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        ("hope.pi", ["W1", "W2"]),  # everyone with a caseload (W3 has none)
        ("cat.example", ["W1"]),  # T1's workers: W1, and W3 who has no caseload
        ("dee.lead", ["W2"]),
        ("ann.example", ["W1"]),  # their own
    ],
)
def test_the_scope_decides_whose_caseload_can_be_seen_and_recorded(
    fixture_store, monkeypatch, tmp_path, user, allowed
):
    signed_in(monkeypatch, tmp_path, user)
    scope = supervision_scope(fixture_store, AT)
    assert scope.identity.user == user
    assert workers_in_scope(fixture_store, AT, scope)["worker_id"].tolist() == allowed
    for worker in ("W1", "W2"):
        if worker in allowed:
            assert supervision_view(fixture_store, worker, AT).worker_id == worker
            record_supervision(fixture_store, worker, "2026-04-02", AT, discussed="ok")
        else:
            # Refused in the workbench, whatever a page or a notebook asks for.
            with pytest.raises(AccessRefusedError, match=f"may not see worker '{worker}'"):
                supervision_view(fixture_store, worker, AT)
            with pytest.raises(AccessRefusedError, match=f"may not see worker '{worker}'"):
                supervision_view(fixture_store, worker, AT, scope)
            with pytest.raises(SupervisionError, match=f"may not see worker '{worker}'"):
                record_supervision(fixture_store, worker, "2026-04-02", AT, discussed="not mine")
    records = supervision_records(fixture_store)
    assert sorted(records["worker_id"]) == allowed and set(records["supervisor"]) == {scope.identity.record_id}


def test_records_are_saved_and_survive_an_extract_load(fixture_store, monkeypatch, tmp_path):
    signed_in(monkeypatch, tmp_path, "cat.example")
    first = record_supervision(fixture_store, "W1", "2026-04-02", AT, discussed="<script>x</script>")
    second = record_supervision(
        fixture_store, "W1", "2026-05-01", AT, challenged="P2 is stuck", confirmed="P1 is right"
    )
    assert second > first
    with pytest.raises(SupervisionError, match="no worker 'W9'"):
        record_supervision(fixture_store, "W9", "2026-04-02", AT, discussed="x")
    with pytest.raises(SupervisionError, match="write what was discussed"):
        record_supervision(fixture_store, "W1", "2026-04-02", AT, discussed="   ")
    # A new extract replaces every extract table; the records are not an extract table.
    rows = supervision_rows()
    rows["outcomes"] = rows["outcomes"][:3]
    rows["outcome_reviews"] = [r for r in rows["outcome_reviews"] if r["outcome_id"] in ("P1", "P2", "P3")]
    rows["intervention_outcomes"] = []
    assert load_extract(fixture_store, write_extract(tmp_path / "again", rows)).status == "loaded"
    records = supervision_records(fixture_store, "W1")
    assert records["record_id"].tolist() == [second, first]  # newest first
    assert records.loc[0, "supervisor"] == "W3"  # her worker_id, as the docs say
    assert records.loc[0, "supervision_date"] == pd.Timestamp("2026-05-01")
    assert records.loc[1, "discussed"] == "<script>x</script>"  # kept as typed, escaped when shown
    assert pd.isna(records.loc[1, "challenged"])
    assert supervision_records(fixture_store, "W2").empty


def test_migration_7_adds_the_records_table_to_an_older_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = Store(url, target_version=4)
    assert "supervision_records" not in sa.inspect(old.engine).get_table_names()
    upgraded = Store(url)
    assert upgraded.schema_version() == SCHEMA_VERSION
    assert "supervision_records" in sa.inspect(upgraded.engine).get_table_names()


def test_a_worker_whose_outcomes_were_never_reviewed_still_has_a_view(tmp_path):
    """W2's only outcome (P6) without its reviews: no last review, no latest score, no error."""
    rows = supervision_rows()
    rows["outcome_reviews"] = [r for r in rows["outcome_reviews"] if r["outcome_id"] != "P6"]
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", rows))
    store.mark_demo()
    outcomes = supervision_view(store, "W2", AT).outcomes.set_index("outcome_id")
    assert list(outcomes.index) == ["P6"]
    assert pd.isna(outcomes.loc["P6", "last_review_date"])
    assert pd.isna(outcomes.loc["P6", "latest_score"]) and pd.isna(outcomes.loc["P6", "latest_score_date"])
    assert outcomes.loc["P6", "scored_reviews"] == 0


def test_prompts_built_after_the_chart_are_the_prompts_read_with_the_caseload(fixture_store):
    """The dashboard reads a caseload without prompts, draws its chart, then builds them: the same prompts."""
    from workbench.practice.supervision import build_prompts, read_workers

    everyone = load_caseloads(fixture_store, AT)
    workers = read_workers(fixture_store)
    assert everyone.prompts.shape[0] > 0
    for worker in everyone.workers_with_caseload():
        whole = everyone.view(worker)
        later = supervision_view(fixture_store, worker, AT, workers=workers, prompts=False)
        assert later.prompts.empty
        built = build_prompts(later.outcomes, later.scores, AT)
        pd.testing.assert_frame_equal(built.reset_index(drop=True), whole.prompts.reset_index(drop=True))
