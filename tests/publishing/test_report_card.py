"""The OBA report card: figures from the measures, disclosure control, escaping, offline page."""

import re

import pytest

from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.headline import MEASURES
from workbench.measures.service_data import ServiceData
from workbench.publishing.report_card import PARTS, build_report_card, render_report_card_page
from workbench.store.loading import load_extract


@pytest.fixture
def service(store, handworked_dir):
    load_extract(store, handworked_dir)
    return ServiceData(store)


def test_card_has_three_parts_built_from_the_measures(service):
    card = build_report_card(service, "All children")
    assert list(card.parts) == list(PARTS)
    labels = [figure.label for figure in card.parts["Is anyone better off?"]]
    assert labels == [MEASURES[name].title for name in ("distance_travelled", "achieved", "sustained")]
    # Three involvements are open at D: a count of 1 to 5, so it is shown as "c".
    assert MEASURES["coverage"](service, DEMO_AT, Filters(), None)["denominator"].item() == 3
    assert card.parts["How much did we do?"][0].shown == "c"


def test_small_figures_are_suppressed_and_so_are_their_sparklines(service):
    card = build_report_card(service, "All children")
    distance = card.parts["Is anyone better off?"][0]
    # Distance travelled counts 3 outcomes at D (tests/fixtures/handworked.py): suppressed.
    assert distance.shown == "c"
    assert distance.trend["value"].dropna().empty


def test_page_escapes_what_people_wrote_and_needs_no_network(service):
    card = build_report_card(service, "<script>alert('population')</script>", filters=Filters(locality="North"))
    card.stories["Is anyone better off?"] = "Better after the <img src=x onerror=alert(1)> pilot.\n\nMore soon."
    page = render_report_card_page(card)
    assert "<script" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<p>More soon.</p>" in page
    assert not re.search(r"""(src|href)=["']?https?://""", page)
    assert "C1" not in re.sub(r"<svg.*?</svg>", "", page, flags=re.S)  # no child ids


def test_a_filter_that_does_not_apply_to_a_figure_is_left_out_of_it(service):
    card = build_report_card(service, "Education outcomes", filters=Filters(domain="education"))
    meetings = card.parts["How much did we do?"][1]
    assert meetings.label == "Meetings held in the year"  # computed without the domain filter


def test_editor_previews_escaped_stories_and_exports_the_page(service, tmp_path):
    from widgets.report_card_editor import ReportCardEditor

    editor = ReportCardEditor(service, export_folder=tmp_path)
    editor.stories["How well did we do it?"].value = "Reviews are <b>late</b> in two teams."
    assert "Reviews are &lt;b&gt;late&lt;/b&gt; in two teams." in editor.preview.value
    editor.locality.dropdown.value = "North"
    assert "Children in North" in editor.preview.value
    assert "Reviews are &lt;b&gt;late" in editor.preview.value  # the story survives a rebuild
    path = editor.export()
    assert path.name == "report-card-north-2026-03-31.html"
    assert "Report card: Children in North" in path.read_text()
