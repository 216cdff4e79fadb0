"""Statutory returns imported into the store: whole files, provenance, idempotence, children."""

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fixtures.demo_store import copy_demo_store
from tests.fixtures.handworked import write_extract
from workbench.core.provenance import sha256_file
from workbench.store.engine import Store
from workbench.store.loading import import_statutory, load_extract
from workbench.store.migrations import SCHEMA_VERSION

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
D2I = CONFORMANCE / "ssda903" / "d2i_fake"
needs_conformance = pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="../shared/conformance is not here")


def _count(store, sql, **params):
    with store.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def test_upgrade_from_version_2_adds_statutory_tables_and_provenance_and_keeps_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'v2.sqlite'}"
    old = Store(url, target_version=2)
    with old.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO children VALUES ('C9', '2015-01', 'F', 'WBRI', 0, 'North')")
    assert not sa.inspect(old.engine).has_table("ssda903_episodes")
    new = Store(url)
    assert new.schema_version() == SCHEMA_VERSION >= 4
    tables = set(sa.inspect(new.engine).get_table_names())
    assert {"statutory_files", "ssda903_episodes", "cin_referrals", "annex_a_list_8"} <= tables
    assert "statutory_children" not in tables  # folded into children at version 5
    columns = {c["name"] for c in sa.inspect(new.engine).get_columns("children")}
    assert {"source_file", "source_sha256", "source_row", "origin"} <= columns
    assert new.read_table("children")["child_id"].tolist() == ["C9"]
    load_extract(new, write_extract(tmp_path / "extract"))  # the upgraded store takes a load
    assert new.row_counts()["outcomes"] == 8


@needs_conformance
def test_ssda903_files_import_with_provenance_and_only_once(store):
    files = [D2I / "episodes.csv", D2I / "header.csv", D2I / "sw_episodes.csv"]
    outcomes = import_statutory(store, "ssda903", files)
    assert [o.status for o in outcomes] == ["imported", "imported", "imported"]
    # Counts as the parser accepted them (tests/imports/test_ssda903.py checks those).
    assert _count(store, "SELECT COUNT(*) FROM ssda903_episodes") == 5050
    # Issue 14, part 4: MOTHER "1.0" and SW_REASON "SWLAZY" are in fields no measure reads, so
    # they are blanked (in the report) and their rows stored (were 2674 and 0).
    assert _count(store, "SELECT COUNT(*) FROM ssda903_header") == 2675
    assert _count(store, "SELECT COUNT(*) FROM ssda903_sw_episodes") == 1
    assert _count(store, "SELECT sw_reason FROM ssda903_sw_episodes") is None
    first = _count(store, "SELECT MIN(source_row) FROM ssda903_episodes WHERE source_sha256 = :s",
                   s=sha256_file(D2I / "episodes.csv"))
    assert first == 2
    assert _count(store, "SELECT decom FROM ssda903_episodes WHERE child_id = '566910' ORDER BY source_row") == "2016-02-15"
    assert _count(store, "SELECT COUNT(*) FROM statutory_files") == 3

    again = import_statutory(store, "ssda903", files)
    assert [o.status for o in again] == ["unchanged"] * 3
    assert _count(store, "SELECT COUNT(*) FROM ssda903_episodes") == 5050


@needs_conformance
def test_children_new_to_the_store_are_recorded_once_and_filled_in(store):
    import_statutory(store, "ssda903", [D2I / "ad1.csv"])
    # ad1 gives a month of birth but no sex; the header file gives sex later.
    assert _count(store, "SELECT sex FROM children WHERE child_id = '988635'") is None
    assert _count(store, "SELECT origin FROM children WHERE child_id = '988635'") == "ssda903"
    import_statutory(store, "ssda903", [D2I / "header.csv"])
    assert _count(store, "SELECT sex FROM children WHERE child_id = '988635'") in {"M", "F"}
    assert _count(store, "SELECT COUNT(*) FROM children WHERE child_id = '988635'") == 1


def test_a_child_the_extract_knows_is_not_recorded_again(store, handworked_dir, tmp_path):
    load_extract(store, handworked_dir)
    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,2,01/05/2014,WBRI,,,\nNEW1,1,01/02/2012,WBRI,,,\n")
    [outcome] = import_statutory(store, "ssda903", [header])
    assert outcome.status == "imported" and outcome.new_children == 1
    assert _count(store, "SELECT child_id FROM children WHERE origin = 'ssda903'") == "NEW1"
    assert _count(store, "SELECT birth_month FROM children WHERE child_id = 'NEW1'") == "2012-02"
    assert _count(store, "SELECT sex FROM children WHERE child_id = 'NEW1'") == "M"
    assert _count(store, "SELECT locality FROM children WHERE child_id = 'NEW1'") is None
    # C1 is the extract's: its characteristics stay the extract's (F, born 2014-05 in both).
    assert _count(store, "SELECT origin FROM children WHERE child_id = 'C1'") == "extract"


def test_a_refused_file_stores_nothing(store, tmp_path):
    junk = tmp_path / "notes.csv"
    junk.write_text("a,b\n1,2\n")
    [outcome] = import_statutory(store, "ssda903", [junk])
    assert outcome.status == "refused"
    assert _count(store, "SELECT COUNT(*) FROM statutory_files") == 0


@needs_conformance
def test_cin_and_annex_a_import(store):
    cin = import_statutory(store, "cin", [CONFORMANCE / "cin_census" / "fake_CIN_data.xml"])
    assert cin[0].rows["cin_referrals"] == 398
    annex = import_statutory(store, "annex-a", [CONFORMANCE / "annex_a" / "Annex_A_liia_sample.xlsx"])
    # Was 4: row 3's postcode "nope" is blanked now (no measure reads it) and the row stored.
    assert annex[0].rows["annex_a_list_8"] == 5
    assert annex[0].rows["annex_a_list_10"] == 5  # was 0: the formulas are blanked, never evaluated
    assert _count(store, "SELECT COUNT(*) FROM children WHERE origin = 'cin'") >= 329
    assert _count(store, "SELECT COUNT(*) FROM children WHERE origin = 'annex_a'") >= 1


def _children(store):
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT child_id, birth_month, sex, ethnicity, disability, locality, origin FROM children"
        ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_upgrade_from_version_4_folds_statutory_children_into_children_losing_nothing(tmp_path, handworked_dir):
    url = f"sqlite:///{tmp_path / 'v4.sqlite'}"
    old = Store(url, target_version=4)
    load_extract(old, handworked_dir)
    before_counts = old.row_counts()
    with old.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO statutory_files VALUES ('abc', 'ssda903', 'header.csv', 2024, 3, 0, '2026-01-01')"
        )
        conn.exec_driver_sql(
            "INSERT INTO statutory_files VALUES ('def', 'annex-a', 'annex.xlsx', 2024, 1, 0, '2026-01-01')"
        )
        conn.exec_driver_sql("INSERT INTO statutory_children VALUES ('S1', '2012-02', 'M', 'WBRI', NULL, 'abc')")
        conn.exec_driver_sql("INSERT INTO statutory_children VALUES ('S2', NULL, NULL, NULL, 'Y', 'def')")
        # A child only an episode names, never recorded in statutory_children.
        conn.exec_driver_sql(
            "INSERT INTO ssda903_episodes (child_id, decom, source_sha256, source_row) "
            "VALUES ('S3', '2024-01-01', 'abc', 2)"
        )
        extract_children = {
            row[0]: row[1:] for row in conn.exec_driver_sql("SELECT * FROM children").fetchall()
        }
    old.engine.dispose()

    new = Store(url)
    assert new.schema_version() == SCHEMA_VERSION >= 5
    assert "statutory_children" not in sa.inspect(new.engine).get_table_names()
    children = _children(new)
    assert children["S1"] == ("2012-02", "M", "WBRI", None, None, "ssda903")
    assert children["S2"] == (None, None, None, 1, None, "annex_a")
    assert children["S3"] == (None, None, None, None, None, "ssda903")
    with new.engine.connect() as conn:
        after = {row[0]: row[1:] for row in conn.exec_driver_sql("SELECT * FROM children").fetchall()}
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    for child_id, row in extract_children.items():
        assert after[child_id][: len(row)] == row  # every column as it was, provenance too
        assert children[child_id][-1] == "extract"
    assert new.row_counts() == {**before_counts, "children": before_counts["children"] + 3}
    # Foreign keys still hold on the rebuilt table.
    with pytest.raises(sa.exc.IntegrityError), new.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM children WHERE child_id = 'C1'")


def test_an_extract_load_keeps_statutory_children_and_its_own_characteristics_win(store, tmp_path):
    first = write_extract(tmp_path / "first")
    load_extract(store, first)
    header = tmp_path / "header.csv"
    # C1 is in the extract (F); NEW1 is not. C1's sex here (1 = M) must not win over the extract.
    header.write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,1,01/05/2014,WBRI,,,\nNEW1,1,01/02/2012,WBRI,,,\n")
    import_statutory(store, "ssda903", [header])
    assert _children(store)["C1"][1] == "F"
    assert _children(store)["NEW1"] == ("2012-02", "M", "WBRI", None, None, "ssda903")

    # The next extract names NEW1 (so its characteristics win), and a new child C9.
    second = write_extract(tmp_path / "second")
    with (second / "children.csv").open("a") as children_csv:
        children_csv.write("NEW1,2012-03,F,WBRI,N,North\nC9,2016-07,M,WBRI,N,South\n")
    assert load_extract(store, second).status == "loaded"
    children = _children(store)
    assert children["NEW1"] == ("2012-03", "F", "WBRI", 0, "North", "extract")
    assert children["C9"][-1] == "extract"

    # The first extract again drops both: a return still names NEW1, so it stays, as the
    # return's, with the characteristics last known; nothing names C9, so it goes.
    assert load_extract(store, first).status == "loaded"
    children = _children(store)
    assert children["NEW1"] == ("2012-03", "F", "WBRI", 0, "North", "ssda903")
    assert "C9" not in children
    assert {c for c, row in children.items() if row[-1] == "extract"} == {"C1", "C2", "C3"}


@needs_conformance
def test_every_statutory_row_has_its_child_in_children(store):
    import_statutory(store, "ssda903", [D2I / "episodes.csv", D2I / "reviews.csv"])
    import_statutory(store, "cin", [CONFORMANCE / "cin_census" / "fake_CIN_data.xml"])
    for table in ("ssda903_episodes", "ssda903_reviews", "cin_referrals"):
        orphans = _count(
            store,
            f"SELECT COUNT(*) FROM {table} t WHERE NOT EXISTS "
            "(SELECT 1 FROM children c WHERE c.child_id = t.child_id)",
        )
        assert orphans == 0, table
    # Episodes give no characteristics: those children are there, bare.
    assert _count(store, "SELECT COUNT(*) FROM children WHERE origin = 'ssda903' AND sex IS NULL") > 0


@needs_conformance
def test_children_from_returns_change_no_headline_measure(tmp_path):
    import shutil

    import pandas.testing as pdt

    from workbench.measures.filters import DEMO_AT
    from workbench.measures.headline import headline_measures
    from workbench.measures.service_data import ServiceData

    demo = copy_demo_store(tmp_path / "demo.sqlite", demo=False)
    groupings = [None, "sex", "ethnicity", "age_band", "disability", "locality"]
    before = {by: headline_measures(ServiceData(demo), DEMO_AT, by=by) for by in groupings}
    demo.engine.dispose()
    shutil.copy(tmp_path / "demo.sqlite", tmp_path / "with-returns.sqlite")
    store = Store(f"sqlite:///{tmp_path / 'with-returns.sqlite'}")
    files = {
        "ssda903": [*sorted((CONFORMANCE / "ssda903").rglob("*.csv")), D2I / "fake_903.xml"],
        "cin": sorted((CONFORMANCE / "cin_census").glob("*.xml")),
        "annex-a": [CONFORMANCE / "annex_a" / "Annex_A_liia_sample.xlsx"],
    }
    for kind, paths in files.items():
        assert {o.status for o in import_statutory(store, kind, paths)} == {"imported"}
    # Thousands of children with no extract involvement, many without a birth month or locality.
    assert store.row_counts()["children"] > 2 * demo.row_counts()["children"]
    assert _count(store, "SELECT COUNT(*) FROM children WHERE birth_month IS NULL") > 0
    data = ServiceData(store)
    for by in groupings:
        pdt.assert_frame_equal(headline_measures(data, DEMO_AT, by=by), before[by], obj=f"headline measures by {by}")
    # Such a child has no age band, locality or disability; it is still listed at D.
    at = data.children_at(date(2026, 3, 31)).set_index("child_id")
    bare = _count(store, "SELECT child_id FROM children WHERE birth_month IS NULL AND origin = 'ssda903'")
    assert at.loc[bare, ["age_band", "locality", "disability"]].isna().all()
