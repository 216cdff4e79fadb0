"""The supervision widget without a kernel: choose a worker and date, read the caseload, record."""

from __future__ import annotations

from datetime import date

import pytest

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, signed_in, supervision_rows
from widgets import SupervisionView
from workbench.access import AccessRefusedError
from workbench.practice.supervision import supervision_records
from workbench.store.engine import Store
from workbench.store.loading import load_extract


@pytest.fixture
def fixture_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", supervision_rows()))
    store.mark_demo()  # viewed with the demo identities, which view only a store marked as the demo
    return store


def test_choosing_a_worker_and_date_follows_the_allocations(fixture_store):
    view = SupervisionView(fixture_store, at=date(2026, 3, 31))
    assert view.worker_choice.options == (
        ("Ann Example (W1): 3 children", "W1"),
        ("Bob Example (W2): 1 children", "W2"),
    )
    assert view.worker_id == "W1"
    assert view.caseload.children["child_id"].tolist() == ["C1", "C2", "C5"]
    assert "wb-supervision" in view._dom_classes
    view.worker_choice.value = "W2"
    assert view.worker_id == "W2" and view.caseload.children["child_id"].tolist() == ["C3"]
    assert "Outcome 1: No progress over the last 3 reviews" in view.caseload_html.value
    # On 1 January 2026 C5 was still W2's: their caseload grows, and the worker is kept.
    view.date_choice.value = date(2025, 12, 31)
    assert view.worker_id == "W2"
    assert sorted(view.caseload.children["child_id"]) == ["C3", "C5"]
    # The chart is updated in place with the chosen children's scores.
    spec = view.chart.chart.to_dict()
    assert {row["child_label"] for row in spec["datasets"][spec["data"]["name"]]} == {"C5"}  # C3 is on GAS


def test_no_page_without_a_trusted_identity(fixture_store, monkeypatch, tmp_path):
    signed_in(monkeypatch, tmp_path, None)
    with pytest.raises(AccessRefusedError, match="no trusted source names the user"):
        SupervisionView(fixture_store, at=date(2026, 3, 31))


def test_a_team_lead_chooses_only_their_teams_workers(fixture_store, monkeypatch, tmp_path):
    signed_in(monkeypatch, tmp_path, "dee.lead")
    view = SupervisionView(fixture_store, at=date(2026, 3, 31))
    assert view.worker_choice.options == (("Bob Example (W2): 1 children", "W2"),)
    assert "Dee Lead" in view.viewer.value and "Team lead" in view.viewer.value
    # A worker outside the scope set from code is refused by the workbench, and nothing shows.
    view.worker_id = "W1"
    assert view.caseload is None and "may not see worker &#x27;W1&#x27;" in view.caseload_html.value
    view.notes["discussed"].value = "Ann's children"
    assert view.save() is None and "may not see worker" in view.message.value
    assert supervision_records(fixture_store).empty


def test_a_saved_record_is_listed_escaped(fixture_store, monkeypatch, tmp_path):
    signed_in(monkeypatch, tmp_path, "cat.example")
    view = SupervisionView(fixture_store, at=date(2026, 3, 31))
    view.notes["challenged"].value = "Is <img src=x> P2 the right outcome?"
    view.supervision_date.value = date(2026, 4, 2)
    view.save_button.click()
    assert view.saved_record_id > 0
    records = supervision_records(fixture_store, "W1")
    assert records.loc[0, "supervisor"] == "W3" and str(records.loc[0, "view_at"].date()) == AT
    assert "Is &lt;img src=x&gt; P2 the right outcome?" in view.records_html.value
    assert "<img" not in view.records_html.value
    assert view.notes["challenged"].value == ""


def test_the_page_opens_at_the_datas_date_and_says_it(fixture_store):
    view = SupervisionView(fixture_store)
    assert view.at == fixture_store.data_date() == date(2026, 3, 31)
    assert "Figures as at Tuesday 31 March 2026, loaded " in view.data_date.line.value
    view.date_choice.value = date(2025, 12, 31)
    assert "Figures as at Wednesday 31 December 2025 (looking back" in view.data_date.line.value
    # A date after the data's date: a plain note, and the page stays where it was.
    view.date_choice.value = date(2026, 6, 1)
    assert view.at == date(2025, 12, 31) and view.date_choice.value == date(2025, 12, 31)
    assert "no figures after the data's date" in view.data_date.note.value


def test_a_supervision_by_outcome_brings_its_actions_back_until_done(fixture_store, monkeypatch, tmp_path):
    """Cat (T1's lead) challenges P2 and sets an action about P3; it is open next time, then done."""
    signed_in(monkeypatch, tmp_path, "cat.example")
    view = SupervisionView(fixture_store, at=date(2026, 3, 31), worker_id="W1")
    # Labels are text (a Dropdown never reads them as HTML): the child, the outcome's number, its words.
    labels = dict(view.outcome_choice.options)
    assert labels["C1, Outcome 1: <b>P2</b> I will get to school on time at least 9 days in 10"] == "P2"
    view.outcome_choice.value = "P2"
    view.stance.value = "challenged"
    view.outcome_note.value = "Not moved: <i>is it the right outcome?</i>"
    view.add_outcome_button.click()
    view.action_text.value = "Agree a success measure with Mum"
    view.action_due.value = date(2026, 4, 15)
    view.action_about.value = "outcome:P3"
    view.add_action_button.click()
    assert "<i>" not in view.pending_html.value and "&lt;i&gt;" in view.pending_html.value
    assert view.action_owner.value == "Ann Example"  # the worker, unless changed
    view.save_button.click()
    assert "Saved supervision record" in view.message.value, view.message.value
    assert view.pending_outcomes == [] and view.pending_actions == []

    # The next supervision: a new page for the same worker finds the action open.
    again = SupervisionView(fixture_store, at=date(2026, 3, 31), worker_id="W1")
    assert again.open_actions["description"].tolist() == ["Agree a success measure with Mum"]
    assert "Agree a success measure with Mum (C2, outcome P3): Ann Example, due 15 Apr 2026" in (
        again.open_actions_html.value
    )
    assert "Challenged" in again.records_html.value and "&lt;i&gt;" in again.records_html.value
    again.done_button.click()
    assert again.open_actions.empty and "No open actions" in again.open_actions_html.value, again.message.value
