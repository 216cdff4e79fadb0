"""Supervision views and records on a real PostgreSQL server give what they give on SQLite."""

import pytest

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, signed_in, supervision_rows
from workbench.access import AccessRefusedError, Identity
from workbench.practice.supervision import (
    ActionSet,
    OutcomeTalkedThrough,
    record_supervision,
    supervision_records,
    supervision_scope,
    supervision_view,
)
from workbench.practice.supervision_actions import (
    mark_action_done,
    open_actions,
    outcomes_discussed,
    supervision_cases,
)
from workbench.store.loading import load_extract


def test_supervision_on_postgres(pg_store, tmp_path, monkeypatch):
    load_extract(pg_store, write_extract(tmp_path / "extract", supervision_rows()))
    for name in ("WORKBENCH_IDENTITY_FILE", "WORKBENCH_USER", "JUPYTERHUB_USER", "WORKBENCH_TRUST_PROXY_HEADER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(AccessRefusedError, match="not the demo"):  # fail closed on a real server's store
        supervision_view(pg_store, "W1", AT)
    pg_store.mark_demo()  # now the demo identities may view it (the mark is read from PostgreSQL)
    view = supervision_view(pg_store, "W1", AT)
    assert view.children["child_id"].tolist() == ["C1", "C2", "C5"]
    assert view.prompt_counts().to_dict() == {
        "not_reviewed": 4, "past_target": 0, "no_progress": 2, "success_missing": 2,
        "score_gap": 1, "statement_process": 2, "statement_unclear": 1,
    }  # fmt: skip
    signed_in(monkeypatch, tmp_path, "cat.example")
    record_id = record_supervision(pg_store, "W1", "2026-04-02", AT, confirmed="P1 is right")
    records = supervision_records(pg_store, "W1")
    assert records["record_id"].tolist() == [record_id]
    assert str(records.loc[0, "view_at"].date()) == AT and records.loc[0, "confirmed"] == "P1 is right"

    # Supervision by outcome (schema version 11): an outcome challenged, an action open, then done.
    second = record_supervision(
        pg_store, "W1", "2026-03-20", AT,
        outcomes=[OutcomeTalkedThrough("P2", "challenged", "Stuck at 5")],
        actions=[ActionSet("Agree a success measure", "Ann Example", "2026-04-15", outcome_id="P3")],
    )  # fmt: skip
    talked = supervision_records(pg_store, "W1").set_index("record_id").loc[second, "outcomes"]
    assert [(t["child_id"], t["stance"]) for t in talked] == [("C1", "challenged")]
    cat = supervision_scope(
        pg_store, AT, Identity(user="cat.example", role="team_lead", team_id="T1", worker_id="W3")
    )
    found = open_actions(pg_store, cat, AT)
    assert found[["record_id", "child_id", "overdue"]].values.tolist() == [[second, "C2", False]]
    figure = outcomes_discussed(supervision_cases(pg_store, AT))
    assert figure["workbench"] == (1, 2)  # C1 (P2 talked through), C2 (an action only: not discussed)
    mark_action_done(pg_store, int(found["action_id"].iloc[0]), AT)
    assert open_actions(pg_store, cat, AT).empty
