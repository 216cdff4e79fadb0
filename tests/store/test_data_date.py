"""The data's date ("as at"): derived at load, kept with the load, and given to an old store."""

from datetime import date

import pandas as pd
import pytest

from workbench.core.provenance import (
    AS_AT_FILE,
    LATEST_RECORD,
    OWN_DATE,
    AsAtError,
    extract_as_at,
    latest_record,
)
from workbench.store.engine import Store
from workbench.store.loading import load_extract
from workbench.store.migrations import SCHEMA_VERSION


def test_the_latest_record_is_the_newest_date_among_meetings_outcomes_and_reviews():
    frames = {
        "meetings": pd.DataFrame({"date": ["2025-01-02", "2025-03-04"]}),
        "outcomes": pd.DataFrame({"agreed_date": ["2025-02-01"], "closed_date": ["2025-05-06"]}),
        "outcome_reviews": pd.DataFrame({"review_date": ["2025-04-30", ""]}),
    }
    assert latest_record(frames) == date(2025, 5, 6)
    assert extract_as_at("/nowhere", frames) == (date(2025, 5, 6), LATEST_RECORD)
    assert latest_record({}) is None
    assert extract_as_at("/nowhere", {}) == (None, None)


def test_the_extracts_own_date_file_comes_before_its_latest_record(tmp_path):
    frames = {"meetings": pd.DataFrame({"date": ["2025-03-04"]})}
    (tmp_path / AS_AT_FILE).write_text("2025-03-10\n")
    assert extract_as_at(tmp_path, frames) == (date(2025, 3, 10), OWN_DATE)
    # A date given at load (workbench load --as-at) comes before the file.
    assert extract_as_at(tmp_path, frames, date(2025, 3, 12)) == (date(2025, 3, 12), OWN_DATE)


def test_an_own_date_that_is_not_a_date_is_refused_by_name(tmp_path):
    (tmp_path / AS_AT_FILE).write_text("31/03/2026\n")
    with pytest.raises(AsAtError, match=r"as_at\.txt.*YYYY-MM-DD"):
        extract_as_at(tmp_path, {})


def test_a_load_records_its_date_and_the_store_gives_it(store, handworked_dir):
    (handworked_dir / AS_AT_FILE).unlink()  # no own date: the latest record's
    assert store.data_date() is None and store.loaded_at() is None
    result = load_extract(store, handworked_dir)
    latest = date.fromisoformat(store.latest_record_date())
    assert (result.as_at, result.as_at_basis) == (latest, LATEST_RECORD)
    assert store.data_date() == latest
    assert store.loaded_at() is not None
    (handworked_dir / AS_AT_FILE).write_text("2030-01-31\n")
    # The same tables with another own date are another load.
    again = load_extract(store, handworked_dir)
    assert again.status == "loaded" and again.as_at_basis == OWN_DATE
    assert store.data_date() == date(2030, 1, 31)
    assert load_extract(store, handworked_dir).status == "unchanged"
    assert load_extract(store, handworked_dir, as_at=date(2030, 2, 1)).status == "loaded"
    assert store.data_date() == date(2030, 2, 1)
    assert store.latest_load()["as_at_basis"] == OWN_DATE


def test_a_store_at_version_7_upgrades_and_its_load_is_as_at_its_latest_record(tmp_path, handworked_dir):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = Store(url, target_version=7)
    assert old.schema_version() == 7
    (handworked_dir / AS_AT_FILE).unlink()  # not read before version 8 anyway
    load_extract(old, handworked_dir)
    assert "as_at" not in old.latest_load()
    latest = old.latest_record_date()
    upgraded = Store(url)
    assert SCHEMA_VERSION >= 8 and upgraded.schema_version() == SCHEMA_VERSION
    assert upgraded.data_date() == date.fromisoformat(latest)
    assert upgraded.latest_load()["as_at_basis"] == LATEST_RECORD
    assert upgraded.row_counts() == old.row_counts()
