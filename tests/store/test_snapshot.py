"""The columnar snapshot (issue 16): written at every load, read as the store reads, rebuilt when stale."""

from __future__ import annotations

import logging
import shutil

import pandas as pd
import pytest

from tests.fixtures.states import DEMO_EXTRACT
from workbench.measures import service_figures  # noqa: F401 - every snapshot carries the service figures
from workbench.store.engine import Store
from workbench.store.loading import load_extract
from workbench.store.snapshot import (
    SNAPSHOT_ENV,
    SNAPSHOT_TABLES,
    ChildScope,
    code_fingerprint,
    files_fingerprint,
    fingerprinted_files,
    open_snapshot,
    snapshot_path,
    store_stamp,
    write_snapshot,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Store:
    """The demo extract loaded into a store of this module's own (so its snapshot may be replaced)."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('snapshot') / 'demo.sqlite'}")
    load_extract(store, DEMO_EXTRACT)
    return store


def test_a_load_writes_the_snapshot_beside_the_store_and_leaves_no_temporary_file(demo):
    path = snapshot_path(demo.url)
    assert path.name == "demo.duckdb" and path.parent == snapshot_path(demo.url).parent
    assert path.is_file()
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    snapshot = open_snapshot(demo)
    assert snapshot.path == path and snapshot.stamp == store_stamp(demo)
    assert snapshot.has_table("service_headline")


@pytest.mark.parametrize("name", list(SNAPSHOT_TABLES))
def test_every_table_reads_back_exactly_as_the_store_gives_it(demo, name):
    columns = SNAPSHOT_TABLES[name]
    expected = demo.read_table(name, list(columns) if columns else None)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(open_snapshot(demo).read(name), expected, check_exact=True)


def test_a_scope_reads_only_its_childrens_rows_in_the_store_order(demo):
    snapshot = open_snapshot(demo)
    scope = ChildScope(frozenset({"T01"}))
    workers = demo.read_table("workers")
    allocations = demo.read_table("allocations")
    team_workers = set(workers.loc[workers["team_id"] == "T01", "worker_id"])
    children = set(allocations.loc[allocations["worker_id"].isin(team_workers), "child_id"])
    outcomes = demo.read_table("outcomes")
    expected = outcomes[outcomes["child_id"].isin(children)].reset_index(drop=True)
    assert 0 < len(expected) < len(outcomes)
    pd.testing.assert_frame_equal(snapshot.read("outcomes", scope=scope), expected, check_exact=True)
    reviews = demo.read_table("outcome_reviews", list(SNAPSHOT_TABLES["outcome_reviews"]))
    kept = reviews[reviews["outcome_id"].isin(expected["outcome_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(snapshot.read("outcome_reviews", scope=scope), kept, check_exact=True)
    # Teams and workers are never scoped: a page names every team.
    assert len(snapshot.read("workers", scope=scope)) == len(workers)


def test_a_stale_snapshot_is_rebuilt_with_a_warning(tmp_path, caplog):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, DEMO_EXTRACT)
    path = snapshot_path(store.url)
    shutil.copy(path, tmp_path / "old.duckdb")
    load_extract(store, DEMO_EXTRACT, as_at=pd.Timestamp("2026-02-28").date())  # another load
    shutil.copy(tmp_path / "old.duckdb", path)  # as if the load's snapshot had not been written
    with caplog.at_level(logging.WARNING, logger="workbench.snapshot"):
        snapshot = open_snapshot(store)
    assert "is stale" in caplog.text and "load 1" in caplog.text
    assert (
        snapshot.stamp
        == store_stamp(store)
        == (f"load 2, children 3000, plan versions 0, code {code_fingerprint()}")
    )
    meta = snapshot.query("SELECT value FROM snapshot_meta WHERE key = 'load_id'")
    assert meta["value"].tolist() == ["2"]


def test_a_snapshot_written_by_other_code_is_rebuilt(tmp_path, caplog):
    """After an upgrade (a measure, the reader's lexicon, a rule changed) the kept figures are redone."""
    import duckdb

    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, DEMO_EXTRACT)
    path = snapshot_path(store.url)
    old = store_stamp(store).replace(code_fingerprint(), "0123456789ab")
    with duckdb.connect(str(path)) as con:  # as an older release wrote it, for the same data
        con.execute("UPDATE snapshot_meta SET value = ? WHERE key = 'stamp'", [old])
    with caplog.at_level(logging.WARNING, logger="workbench.snapshot"):
        snapshot = open_snapshot(store)
    assert "is stale" in caplog.text and "0123456789ab" in caplog.text
    assert snapshot.stamp == store_stamp(store) != old


def test_the_code_fingerprint_moves_with_a_files_content(tmp_path):
    lexicon = tmp_path / "lexicon.yaml"
    lexicon.write_text("clear: [by]\n")
    before = files_fingerprint([lexicon])
    lexicon.write_text("clear: [by, within]\n")
    assert files_fingerprint([lexicon]) != before
    assert len(code_fingerprint()) == 12


def test_the_code_fingerprint_covers_the_readers_lexicon_and_its_learned_weights():
    from workbench.text.learned_kind import LEARNED_KIND_PATH
    from workbench.text.statements import LEXICON_PATH

    files = fingerprinted_files()
    assert LEXICON_PATH in files
    assert LEARNED_KIND_PATH in files  # retrained weights rebuild the snapshot
    assert any(f.name == "statements.py" and f.parent.name == "text" for f in files)


def test_a_missing_snapshot_is_rebuilt_and_an_unwritable_place_is_built_in_memory(
    tmp_path, caplog, monkeypatch
):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, DEMO_EXTRACT)
    snapshot_path(store.url).unlink()
    with caplog.at_level(logging.WARNING, logger="workbench.snapshot"):
        assert open_snapshot(store).path == snapshot_path(store.url)
    assert "is missing" in caplog.text
    # A snapshot named under a file cannot be written: the reader says so and builds its own.
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv(SNAPSHOT_ENV, str(tmp_path / "a-file" / "snapshot.duckdb"))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="workbench.snapshot"):
        snapshot = open_snapshot(store)
    assert snapshot.path is None and "cannot be written" in caplog.text
    pd.testing.assert_frame_equal(snapshot.read("teams"), store.read_table("teams"))


def test_writing_replaces_the_file_whole_and_reports_its_size(demo):
    written = write_snapshot(demo)
    assert written.path == snapshot_path(demo.url)
    assert written.size == written.path.stat().st_size > 0
    assert written.stamp == store_stamp(demo) and written.seconds > 0


def test_a_refresh_writes_the_snapshot_of_what_it_committed(tmp_path, handworked_dir):
    from workbench.store.refresh import refresh_extract

    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, DEMO_EXTRACT)
    refresh_extract(store, handworked_dir)
    snapshot = open_snapshot(store)
    assert snapshot.stamp.startswith("load 2,")
    on_file = snapshot.query("SELECT value FROM snapshot_meta WHERE key = 'stamp'")["value"].iloc[0]
    assert on_file == store_stamp(store)
    pd.testing.assert_frame_equal(snapshot.read("outcomes"), store.read_table("outcomes"))


def test_workbench_snapshot_writes_it_and_says_where(tmp_path, handworked_dir):
    from click.testing import CliRunner

    from workbench.cli.app import main

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    load_extract(Store(url), handworked_dir)
    snapshot_path(url).unlink()
    result = CliRunner().invoke(main, ["snapshot", "--store", url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"Snapshot written to {snapshot_path(url)}" in result.output and "load 1," in result.output
    assert open_snapshot(Store(url)).path == snapshot_path(url)
    refused = CliRunner().invoke(main, ["snapshot", "--store", "nosuchdb://x"])
    assert refused.exit_code == 1 and "cannot use store URL" in refused.output


def test_the_first_record_date_is_the_stores_and_none_when_empty(demo, tmp_path):
    """The team lead page reads it from the snapshot (a viewer waits for it); the same date."""
    first = open_snapshot(demo).first_record_date()
    assert first is not None and first == demo.first_record_date()
    # The earliest of the dated columns, not the first of one of them.
    meetings = open_snapshot(demo).read("meetings", ["date"])["date"]
    assert first <= pd.Timestamp(meetings.min()).date()
    empty = Store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert open_snapshot(empty).first_record_date() is None and empty.first_record_date() is None
