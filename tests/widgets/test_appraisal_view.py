"""The appraisal page's widget on the supervision fixture: scope by the trusted identity, words kept."""

from __future__ import annotations

import pytest

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, supervision_rows
from widgets.appraisal_view import AppraisalView
from workbench.access import Identity
from workbench.store.engine import Store
from workbench.store.loading import load_extract

ANN = Identity("ann.example", "practitioner", worker_id="W1", team_id="T1", name="Ann Example")
CAT = Identity("cat.example", "team_lead", team_id="T1", worker_id="W3", name="Cat Example")
DEE = Identity("dee.lead", "team_lead", team_id="T2", name="Dee Lead")
HOPE = Identity("hope.pi", "head_of_practice_improvement", name="Hope PI")


@pytest.fixture
def fixture_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", supervision_rows()))
    return store


def test_appraisee_and_team_lead_write_and_find_their_words(fixture_store):
    mine = AppraisalView(fixture_store, ANN, at=AT)
    assert mine.worker_choice_values() == ["W1"] and mine.voice == "appraisee"
    assert "Appraisal: Ann Example" in mine.body.value
    assert [value for _label, value in mine.cases.options] == ["C1", "C2", "C4", "C5"]
    mine.words.value = "We got <b>C1</b> back to school"
    mine.cases.value = ("C1",)
    assert mine.save() and "Saved" in mine.message.value
    assert "We got &lt;b&gt;C1&lt;/b&gt; back to school" in mine.body.value

    lead = AppraisalView(fixture_store, CAT, at=AT)
    assert set(lead.worker_choice_values()) == {"W1", "W3"}
    lead.worker_choice.value = "W1"
    assert lead.voice == "manager" and lead.words.value == ""
    lead.words.value = "Ann's reviews kept every plan moving"
    assert lead.save()

    again = AppraisalView(fixture_store, ANN, at=AT)
    assert again.words.value == "We got <b>C1</b> back to school" and again.cases.value == ("C1",)
    assert "Ann&#x27;s reviews kept every plan moving" in again.body.value
    assert "<section class='wb-chosen-cases'>" in again.body.value and "<td>C1</td>" in again.body.value

    other = AppraisalView(fixture_store, DEE, at=AT)
    assert "W1" not in other.worker_choice_values()
    reader = AppraisalView(fixture_store, HOPE, at=AT)
    reader.worker_choice.value = "W1"
    assert reader.voice is None and reader.writing.layout.display == "none"
    assert "Ann&#x27;s reviews" in reader.body.value


def test_the_page_shows_quality_and_supervision(fixture_store):
    page = AppraisalView(fixture_store, ANN, at=AT)
    body = page.body.value
    assert "Their outcomes: clear, consensual, in the family" in body
    assert "Supervision in the year" in body
