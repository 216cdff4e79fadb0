"""The store on a real PostgreSQL server: schema, foreign keys, loading and measures."""

import pytest
import sqlalchemy as sa

from tests.fixtures.handworked import write_extract
from workbench.imports.extract import ExtractError
from workbench.measures.distance import gas_t_scores
from workbench.measures.filters import DEMO_AT
from workbench.measures.headline import distance_travelled
from workbench.measures.service_data import ServiceData
from workbench.store.engine import Store
from workbench.store.loading import load_extract
from workbench.store.migrations import SCHEMA_VERSION


def test_postgres_store_loads_and_measures_like_sqlite(pg_store, tmp_path):
    assert pg_store.engine.dialect.name == "postgresql"
    assert pg_store.schema_version() == SCHEMA_VERSION
    extract = write_extract(tmp_path / "extract")
    assert load_extract(pg_store, extract).status == "loaded"
    assert load_extract(pg_store, extract).status == "unchanged"
    table = distance_travelled(ServiceData(pg_store), DEMO_AT).set_index("domain")
    assert table["value"].to_dict() == {"education": 4.0, "health": -1.0}
    # Version 15's optional Star columns, and GAS as a T-score (O7: one goal from -1 to +1).
    assert ServiceData(pg_store).reviews["approved"].isna().all()
    gas = gas_t_scores(ServiceData(pg_store), DEMO_AT)
    assert gas[["baseline_t", "latest_t"]].values.tolist() == [[40.0, 60.0]]


def test_postgres_enforces_foreign_keys(pg_store):
    with pytest.raises(sa.exc.IntegrityError), pg_store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO outcome_reviews (review_id, outcome_id, review_date) VALUES ('R1', 'NOPE', '2025-01-01')"
        )


def test_postgres_refused_extract_changes_nothing(pg_store, tmp_path):
    good = write_extract(tmp_path / "good")
    load_extract(pg_store, good)
    before = pg_store.row_counts()
    bad = write_extract(tmp_path / "bad")
    (bad / "outcome_reviews.csv").write_text(
        (bad / "outcome_reviews.csv").read_text().replace("2025-06-01,,5", "2025-06-01,,50", 1)
    )
    with pytest.raises(ExtractError, match="field 'score'"):
        load_extract(pg_store, bad)
    assert pg_store.row_counts() == before


def test_postgres_takes_a_statutory_import(pg_store, tmp_path):
    from workbench.store.loading import import_statutory

    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nA1,2,01/05/2014,WBRI,,,\nB2,1,01/02/2012,WBRI,,,\n")
    [outcome] = import_statutory(pg_store, "ssda903", [header])
    assert outcome.status == "imported" and outcome.rows["ssda903_header"] == 2
    assert import_statutory(pg_store, "ssda903", [header])[0].status == "unchanged"
    with pg_store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM children WHERE origin = 'ssda903'").scalar() == 2


def test_postgres_upgrade_to_version_5_folds_statutory_children_into_children(postgres_url, tmp_path):
    old = Store(postgres_url, target_version=4)
    try:
        load_extract(old, write_extract(tmp_path / "extract"))
        before = old.row_counts()
        with old.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO statutory_files VALUES ('abc', 'cin', 'cin.xml', 2024, 2, 0, '2026-01-01')"
            )
            conn.exec_driver_sql("INSERT INTO statutory_children VALUES ('S1', '2012-02', 'F', 'WBRI', 'Y', 'abc')")
            conn.exec_driver_sql(
                "INSERT INTO cin_referrals (child_id, source_sha256, source_row) VALUES ('S2', 'abc', 7)"
            )
        new = Store(postgres_url)
        assert new.schema_version() == SCHEMA_VERSION >= 5
        assert not sa.inspect(new.engine).has_table("statutory_children")
        assert new.row_counts() == {**before, "children": before["children"] + 2}
        with new.engine.connect() as conn:
            rows = {
                row[0]: tuple(row[1:])
                for row in conn.exec_driver_sql(
                    "SELECT child_id, birth_month, sex, disability, locality, origin FROM children"
                )
            }
        assert rows["S1"] == ("2012-02", "F", True, None, "cin")
        assert rows["S2"] == (None, None, None, None, "cin")
        assert rows["C1"][-1] == "extract" and rows["C1"][-2] == "North"
        new.engine.dispose()
    finally:
        with old.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        old.engine.dispose()
