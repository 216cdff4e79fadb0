"""Supervision views and records on a real PostgreSQL server give what they give on SQLite."""

import pytest

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, signed_in, supervision_rows
from workbench.access import AccessRefusedError
from workbench.practice.supervision import record_supervision, supervision_records, supervision_view
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
