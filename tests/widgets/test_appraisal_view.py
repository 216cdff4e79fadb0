"""The appraisal page's widget on the supervision fixture: scope by the trusted identity, words kept."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, supervision_rows
from widgets.appraisal_view import AppraisalView
from workbench.access import Identity
from workbench.measures.filters import DEMO_AT
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
    assert "Appraisal: Ann Example" in mine.page_html
    assert [value for _label, value in mine.cases.options] == ["C1", "C2", "C4", "C5"]
    mine.words.value = "We got <b>C1</b> back to school"
    mine.cases.value = ("C1",)
    assert mine.save() and "Saved" in mine.message.value
    assert "We got &lt;b&gt;C1&lt;/b&gt; back to school" in mine.page_html

    lead = AppraisalView(fixture_store, CAT, at=AT)
    assert set(lead.worker_choice_values()) == {"W1", "W3"}
    lead.worker_choice.value = "W1"
    assert lead.voice == "manager" and lead.words.value == ""
    lead.words.value = "Ann's reviews kept every plan moving"
    assert lead.save()

    again = AppraisalView(fixture_store, ANN, at=AT)
    assert again.words.value == "We got <b>C1</b> back to school" and again.cases.value == ("C1",)
    assert "Ann&#x27;s reviews kept every plan moving" in again.page_html
    assert "<section class='wb-chosen-cases'>" in again.page_html and "<td>C1</td>" in again.page_html

    other = AppraisalView(fixture_store, DEE, at=AT)
    assert "W1" not in other.worker_choice_values()
    reader = AppraisalView(fixture_store, HOPE, at=AT)
    reader.worker_choice.value = "W1"
    assert reader.voice is None and reader.writing.layout.display == "none"
    assert "Ann&#x27;s reviews" in reader.page_html


def test_the_page_shows_quality_and_supervision(fixture_store):
    page = AppraisalView(fixture_store, ANN, at=AT)
    body = page.page_html
    assert "Their outcomes: clear, consensual, in the family" in body
    assert "Supervision in the year" in body


def _chart_rows(view: AppraisalView) -> list[dict]:
    (rows,) = view.chart.spec["datasets"].values()
    return rows


def test_the_chart_is_sent_before_the_rest_and_draws_the_appraisals_own_figures(demo_store_url):
    """The chart's figures, worked out from the distances alone, are the whole appraisal's."""
    from widgets.offline import chart_rows, stable_dataset_names
    from workbench.practice.appraisal import service_distance_by_domain, worker_distance_by_domain
    from workbench.publishing.appraisal_pack import distance_chart_frame

    view = AppraisalView(Store(demo_store_url), HOPE)
    sent = []  # the order the page's parts are set in
    for name in ("loading", "head", "body"):
        getattr(view, name).observe(lambda change, name=name: sent.append((name, change["new"] != "")), "value")
    view.chart.observe(lambda _change: sent.append(("chart", True)), "spec")
    workers = view.worker_choice_values()[::12]  # some with no outcome counted
    drawn, charted = set(), 0
    for worker in [*workers, workers[0]]:
        sent.clear()
        view.worker_choice.value = worker
        appraisal = view.appraisal
        assert appraisal.worker_id == worker
        alone = worker_distance_by_domain(view.data, worker, view.at)
        pd.testing.assert_frame_equal(alone, appraisal.distance_by_domain)
        pd.testing.assert_frame_equal(service_distance_by_domain(view.data, view.at), appraisal.service_by_domain)
        expected = chart_rows(distance_chart_frame(appraisal.distance_by_domain, appraisal.service_by_domain))
        if expected:
            assert _chart_rows(view) == expected, worker
        else:  # no outcome counted: the chart says so
            assert _chart_rows(view)[0]["text"].startswith("No desired outcome counted"), worker
        assert view.chart.spec == stable_dataset_names(view.chart.chart.to_dict(validate=False))
        order = [name for name, _ in sent]
        if "chart" in order:  # the chart goes before the head and the rest, under a loading line
            assert order[0] == "loading" and order.index("chart") < order.index("head") < order.index("body")
            assert sent[-1] == ("loading", False)
            charted += 1
        drawn.add(str(expected))
    assert len(drawn) > 5 and charted > 5, (len(drawn), charted)  # each worker's own figures
    assert view.chart._drawings  # swapped into the chart drawn, not built by Altair each time
    assert f"Appraisal: {view.appraisal.worker_name}" in view.head.value


def test_the_pack_draws_the_pages_chart_between_the_same_parts(demo_store_url):
    from workbench.measures.service_data import ServiceData
    from workbench.practice.appraisal import audit_frame, build_appraisal
    from workbench.publishing.appraisal_pack import (
        CHART_NOTE,
        appraisal_body_parts,
        distance_chart,
        render_appraisal_body,
    )
    from workbench.render.html import svg

    data = ServiceData(Store(demo_store_url))
    appraisal = build_appraisal(data, "W0130", DEMO_AT, audit_frame(data.store))
    for audience in ("internal", "shared"):
        parts = appraisal_body_parts(appraisal, audience)
        assert not parts.chart.empty
        chart = svg(distance_chart(parts.chart, appraisal.at)) + CHART_NOTE
        assert render_appraisal_body(appraisal, audience) == parts.head + chart + parts.rest
    internal, shared = (appraisal_body_parts(appraisal, a).chart for a in ("internal", "shared"))
    # The shared pack keeps its disclosure rule: a bar only where its count may be shown.
    assert set(shared["domain"]) <= set(internal["domain"])
    assert set(internal["domain"]) == set(appraisal.distance_by_domain.dropna(subset=["value"])["domain"])
