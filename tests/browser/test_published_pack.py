"""Published supervision and appraisal packs open in Chromium with the network off, every chart drawn."""

from __future__ import annotations

import os

import pytest

from workbench.practice.supervision import caseload_sizes, supervision_view
from workbench.publishing.batch import print_pdf, publish
from workbench.publishing.supervision_pack import _charted_scales
from workbench.store.engine import Store

from .rig import SCREENSHOTS, all_requests, external_requests

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

AT = "2026-03-31"
MARKS = "g.role-mark:not(.mark-group) > :not(g)"


@pytest.fixture(scope="module")
def store():
    return Store(os.environ["WORKBENCH_STORE"])


@pytest.fixture(scope="module")
def worker(store) -> str:
    sizes = caseload_sizes(store, AT).sort_values(["children", "worker_id"], ascending=[False, True])
    return sizes["worker_id"].iloc[3]


def open_offline(page, path):
    page.context.set_offline(True)
    page.set_content(path.read_text(encoding="utf-8"), wait_until="load")


def test_supervision_packs_render_offline_with_every_chart_drawn(page, store, worker, tmp_path):
    caseload = supervision_view(store, worker, AT)
    charted = caseload.outcomes[caseload.outcomes["scale"].isin(_charted_scales())]
    with_scores = set(charted["outcome_id"]) & set(caseload.scores.dropna(subset=["score"])["outcome_id"])
    (path,) = publish(store, "supervision", AT, tmp_path, worker=worker, audience="internal", progress=False)
    open_offline(page, path)
    charts = page.locator("svg.wb-chart")
    assert charts.count() == 1
    # One line and one latest-score dot per outcome with scores; nothing left undrawn.
    assert page.locator("svg.wb-chart g.mark-line.role-mark > path").count() == len(with_scores)
    assert page.locator("svg.wb-chart g.mark-symbol.role-mark > path").count() == len(with_scores)
    assert page.locator(".wb-child").count() == len(caseload.children)
    assert page.locator("h1").inner_text() == f"Supervision: {caseload.worker_name}"
    page.screenshot(path=SCREENSHOTS / "supervision-pack-internal.png", full_page=False)
    assert all_requests(page) == [] and external_requests(page) == []

    # Shared: figures only. Two charts of the published counts, each drawn; no child listed.
    (path,) = publish(store, "supervision", AT, tmp_path, worker=worker, audience="shared", progress=False)
    open_offline(page, path)
    charts = page.locator("svg.wb-chart")
    assert charts.count() == 2
    for index in range(charts.count()):
        assert charts.nth(index).locator(MARKS).count() > 0
    assert page.locator(".wb-child").count() == 0 and page.locator(".wb-shared-note").count() == 1
    assert page.locator("h1").inner_text() == f"Supervision: {caseload.worker_name}"
    page.screenshot(path=SCREENSHOTS / "supervision-pack-shared.png", full_page=True)
    assert all_requests(page) == [] and external_requests(page) == []


def test_appraisal_pack_renders_offline_and_prints_to_pdf(page, store, worker, tmp_path):
    (path,) = publish(store, "appraisal", AT, tmp_path, worker=worker, audience="shared", progress=False)
    open_offline(page, path)
    charts = page.locator("svg.wb-chart")
    assert charts.count() >= 1
    for index in range(charts.count()):
        assert charts.nth(index).locator(MARKS).count() > 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "appraisal-pack-shared.png", full_page=True)
    assert all_requests(page) == [] and external_requests(page) == []
    pdf = print_pdf(path)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
