import pandas as pd
import pytest
import sqlalchemy as sa

from workbench.core.model import EXTRACT_TABLES
from workbench.store.engine import ENV_VAR, LATEST_DATE_COLUMNS, Store, StoreError, store_url
from workbench.store.loading import load_extract
from workbench.store.migrations import SCHEMA_VERSION, STAR_COLUMNS


def test_store_url_prefers_argument_then_environment_then_default(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert store_url().endswith("data/workbench.sqlite")
    monkeypatch.setenv(ENV_VAR, "sqlite:///from-env.sqlite")
    assert store_url() == "sqlite:///from-env.sqlite"
    assert store_url("sqlite:///given.sqlite") == "sqlite:///given.sqlite"


def test_new_store_has_every_table_and_the_current_version(store):
    names = set(sa.inspect(store.engine).get_table_names())
    assert {t.name for t in EXTRACT_TABLES} <= names
    assert store.schema_version() == SCHEMA_VERSION
    assert all(count == 0 for count in store.row_counts().values())


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO outcome_reviews (review_id, outcome_id, review_date) VALUES ('R1', 'NOPE', '2025-01-01')"
        )


def test_upgrade_from_version_1_keeps_data(tmp_path, handworked_dir):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = Store(url, target_version=1)
    assert old.schema_version() == 1
    assert not sa.inspect(old.engine).has_table("extract_loads")
    with old.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO children VALUES ('C9', '2015-01', 'F', 'WBRI', 0, 'North')"
        )
    upgraded = Store(url)
    assert upgraded.schema_version() == SCHEMA_VERSION
    children = upgraded.read_table("children")
    assert children["child_id"].tolist() == ["C9"]
    assert upgraded.latest_load() is None


def test_refuses_a_store_newer_than_the_code(store):
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO schema_version VALUES ({SCHEMA_VERSION + 1}, 'future', '2030-01-01')"
        )
    with pytest.raises(StoreError, match="newer than this workbench"):
        Store(store.url)


def test_refuses_a_database_that_is_not_a_workbench_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'foreign.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE children (x TEXT)")
    with pytest.raises(StoreError, match="no schema_version"):
        Store(url)


def test_read_table_types_columns(store, handworked_dir):
    load_extract(store, handworked_dir)
    outcomes = store.read_table("outcomes")
    assert str(outcomes["agreed_date"].dtype).startswith("datetime64")
    assert outcomes["agreed_with_family"].dtype == "boolean"
    assert outcomes["baseline_score"].dtype == "float64"
    assert outcomes.loc[outcomes["outcome_id"] == "O4", "baseline_score"].isna().all()
    assert outcomes.loc[outcomes["outcome_id"] == "O8", "replaced_by"].item() == "O3"


def test_sqlite_reads_through_the_driver_cursor_give_what_sqlalchemy_rows_give(store, handworked_dir):
    """read_table on SQLite skips SQLAlchemy's row objects (for speed); every table reads the same."""
    import workbench.store.engine as store_module

    load_extract(store, handworked_dir)

    def through_sqlalchemy(conn, query):
        result = conn.execution_options(stream_results=True, yield_per=2).execute(query)
        for rows in result.partitions():
            yield [tuple(row) for row in rows]

    fast = {spec.name: store.read_table(spec.name) for spec in EXTRACT_TABLES}
    assert sum(len(frame) for frame in fast.values()) > 0
    original = store_module._row_chunks
    try:
        store_module._row_chunks = through_sqlalchemy
        for spec in EXTRACT_TABLES:
            pd.testing.assert_frame_equal(fast[spec.name], store.read_table(spec.name), obj=spec.name)
    finally:
        store_module._row_chunks = original


def test_the_latest_record_date_is_the_newest_meeting_outcome_or_review(store, handworked_dir):
    assert store.latest_record_date() is None
    load_extract(store, handworked_dir)
    newest = max(
        store.read_table(table)[column].max() for table, column in LATEST_DATE_COLUMNS
    ).date().isoformat()
    assert store.latest_record_date() == newest


def test_version_14_adds_the_star_columns_to_a_store_that_lacks_them(tmp_path, handworked_dir):
    # A store made before version 14 has no star, star_edition or approved: dropped here to make one.
    url = f"sqlite:///{tmp_path / 'before-14.sqlite'}"
    old = Store(url, target_version=10)
    with old.engine.begin() as conn:
        for table, column in STAR_COLUMNS:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    upgraded = Store(url)
    assert upgraded.schema_version() == SCHEMA_VERSION >= 14
    columns = {t: {c["name"] for c in sa.inspect(upgraded.engine).get_columns(t)} for t, _ in STAR_COLUMNS}
    assert all(column in columns[table] for table, column in STAR_COLUMNS)
    load_extract(upgraded, handworked_dir)
    assert upgraded.read_table("outcome_reviews")["approved"].isna().all()

