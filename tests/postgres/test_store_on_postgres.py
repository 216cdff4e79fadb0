"""The store on a real PostgreSQL server: schema, foreign keys, loading and measures."""

import pytest
import sqlalchemy as sa

from tests.unit.handworked import write_extract
from workbench.extract import ExtractError, load_extract
from workbench.measures import ServiceData, distance_travelled
from workbench.store import SCHEMA_VERSION, Store


@pytest.fixture
def pg_store(postgres_url):
    store = Store(postgres_url)
    yield store
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    store.engine.dispose()


def test_postgres_store_loads_and_measures_like_sqlite(pg_store, tmp_path):
    assert pg_store.engine.dialect.name == "postgresql"
    assert pg_store.schema_version() == SCHEMA_VERSION
    extract = write_extract(tmp_path / "extract")
    assert load_extract(pg_store, extract).status == "loaded"
    assert load_extract(pg_store, extract).status == "unchanged"
    table = distance_travelled(ServiceData(pg_store)).set_index("domain")
    assert table["value"].to_dict() == {"education": 4.0, "health": -1.0}


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
    from workbench.statutory_store import import_statutory

    header = tmp_path / "header.csv"
    header.write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nA1,2,01/05/2014,WBRI,,,\nB2,1,01/02/2012,WBRI,,,\n")
    [outcome] = import_statutory(pg_store, "ssda903", [header])
    assert outcome.status == "imported" and outcome.rows["ssda903_header"] == 2
    assert import_statutory(pg_store, "ssda903", [header])[0].status == "unchanged"
    with pg_store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM statutory_children").scalar() == 2
