"""The exported OBA report card opens in Chromium with no network and reads as a page."""

from __future__ import annotations

import os

import pytest

from workbench.measures.filters import Filters
from workbench.measures.service_data import ServiceData
from workbench.publishing.report_card import build_report_card, render_report_card_page
from workbench.store.engine import Store

from .rig import SCREENSHOTS, all_requests, external_requests

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_exported_report_card_is_self_contained(page):
    service = ServiceData(Store(os.environ["WORKBENCH_STORE"]))
    locality = service.localities()[0]
    card = build_report_card(service, f"Children in {locality}", filters=Filters(locality=locality))
    card.stories["Is anyone better off?"] = "Family group conferences <b>started</b> in 2024."
    # Loaded as content, so every request the page makes is seen by the rig (and blocked
    # unless it is to this machine).
    page.set_content(render_report_card_page(card), wait_until="load")
    assert page.locator("h1").inner_text() == f"Report card: Children in {locality}"
    assert page.locator("section.wb-card-part h2").all_inner_texts() == [
        "How much did we do?", "How well did we do it?", "Is anyone better off?"
    ]
    assert page.locator("td svg").count() >= 10  # sparklines drawn inline
    assert "Family group conferences <b>started</b> in 2024." in page.locator("section").last.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "report-card.png", full_page=True)
    assert all_requests(page) == []
    assert external_requests(page) == []
