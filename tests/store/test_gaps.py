"""What a page says when the store lacks records: one message for an empty store, else one per gap."""

from __future__ import annotations

from tests.fixtures.states import DEMO_EXTRACT
from workbench.states import STATES, write_partial_extract
from workbench.store.engine import Store
from workbench.store.gaps import missing, missing_plan
from workbench.store.loading import load_extract


def test_an_empty_store_says_only_that_nothing_is_loaded(store):
    assert missing(store, ["audits", "supervisions"]) == [
        "Nothing has been loaded yet: a data officer loads the authority's extract with the command "
        "workbench load FOLDER (or the notebook 01-import-and-check), and the figures appear here."
    ]
    assert missing_plan(store, "cp") == []


def test_a_partial_store_names_each_gap_and_the_plans_it_holds(tmp_path):
    write_partial_extract(DEMO_EXTRACT, tmp_path / "x", STATES["some-plan-types"], without=("audits",))
    partial = Store(f"sqlite:///{tmp_path / 'x.sqlite'}")
    load_extract(partial, tmp_path / "x")
    said = missing(partial, ["audits", "supervisions", "reviews"])
    assert len(said) == 1 and said[0].startswith("No audits yet: audit a case on the first tab")
    assert missing_plan(partial, "cin") == []
    (cp,) = missing_plan(partial, "cp")
    assert cp.startswith("No child protection plans in the loaded extract")
    assert "it holds only child in need plans, early help" in cp


def test_a_date_outside_the_records_is_said(tmp_path):
    from datetime import date

    from workbench.store.gaps import missing_at, records_span

    write_partial_extract(DEMO_EXTRACT, tmp_path / "x", STATES["first-extract"])
    partial = Store(f"sqlite:///{tmp_path / 'x.sqlite'}")
    load_extract(partial, tmp_path / "x")
    first, last = records_span(partial)
    assert first < last
    (before,) = missing_at(partial, date(1990, 1, 1))
    assert before.startswith("1990-01-01 is before the first record")
    (after,) = missing_at(partial, date(2099, 12, 31))
    assert after.startswith("2099-12-31 is after the last record")
    assert missing_at(partial, first) == missing_at(partial, last) == []


def test_an_empty_store_has_no_span(store):
    from datetime import date

    from workbench.store.gaps import missing_at, records_span

    assert records_span(store) is None and missing_at(store, date(2020, 1, 1)) == []
