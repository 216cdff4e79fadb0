"""Statutory returns imported into the store: whole files, provenance, idempotence, children."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.unit.handworked import write_extract
from workbench.extract import load_extract, sha256_file
from workbench.statutory_store import import_statutory
from workbench.store import SCHEMA_VERSION, Store

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
    assert {"statutory_files", "statutory_children", "ssda903_episodes", "cin_referrals", "annex_a_list_8"} <= tables
    columns = {c["name"] for c in sa.inspect(new.engine).get_columns("children")}
    assert {"source_file", "source_sha256", "source_row"} <= columns
    assert new.read_table("children")["child_id"].tolist() == ["C9"]
    load_extract(new, write_extract(tmp_path / "extract"))  # the upgraded store takes a load
    assert new.row_counts()["outcomes"] == 8


@needs_conformance
def test_ssda903_files_import_with_provenance_and_only_once(store):
    files = [D2I / "episodes.csv", D2I / "header.csv", D2I / "sw_episodes.csv"]
    outcomes = import_statutory(store, "ssda903", files)
    assert [o.status for o in outcomes] == ["imported", "imported", "imported"]
    # Counts as the parser accepted them (tests/unit/test_import_ssda903.py checks those).
    assert _count(store, "SELECT COUNT(*) FROM ssda903_episodes") == 5050
    assert _count(store, "SELECT COUNT(*) FROM ssda903_header") == 2674
    assert _count(store, "SELECT COUNT(*) FROM ssda903_sw_episodes") == 0  # SWLAZY rejected, in the report
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
    assert _count(store, "SELECT sex FROM statutory_children WHERE child_id = '988635'") is None
    import_statutory(store, "ssda903", [D2I / "header.csv"])
    assert _count(store, "SELECT sex FROM statutory_children WHERE child_id = '988635'") in {"M", "F"}
    assert _count(store, "SELECT COUNT(*) FROM statutory_children WHERE child_id = '988635'") == 1


def test_a_child_the_extract_knows_is_not_recorded_again(store, handworked_dir, tmp_path):
    load_extract(store, handworked_dir)
    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,2,01/05/2014,WBRI,,,\nNEW1,1,01/02/2012,WBRI,,,\n")
    [outcome] = import_statutory(store, "ssda903", [header])
    assert outcome.status == "imported" and outcome.new_children == 1
    assert _count(store, "SELECT child_id FROM statutory_children") == "NEW1"
    assert _count(store, "SELECT birth_month FROM statutory_children") == "2012-02"


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
    assert annex[0].rows["annex_a_list_8"] == 4
    assert _count(store, "SELECT COUNT(*) FROM statutory_children") >= 329
