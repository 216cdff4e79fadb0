"""After `workbench refresh` an open dashboard says new figures are available, with no restart.

The server also recycles its preheated kernel, so the next viewer gets the new figures.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from playwright.sync_api import expect

from conftest import DEMO_EXTRACT
from widgets.new_figures import NOTICE
from workbench.store.engine import Store
from workbench.store.refresh import refresh_extract

from .rig import ROOT, wait_for_voila_rendered

PAGE = ROOT / "dashboards" / "service-overview.ipynb"


def test_an_open_dashboard_says_new_figures_are_available_after_a_refresh(tmp_path, voila, page):
    source = Path(os.environ["WORKBENCH_STORE"].removeprefix("sqlite:///"))
    copy = tmp_path / "store.sqlite"
    with sqlite3.connect(source) as original, sqlite3.connect(copy) as target:
        original.backup(target)  # a consistent copy, whatever the session's store is doing
    url = f"sqlite:///{copy}"
    server = voila(PAGE, env={"WORKBENCH_STORE": url, "WORKBENCH_LOAD_POLL_S": "1"}, preheat=True)
    server.wait_for_log(r"Kernel pool of .* is filled", timeout=120)
    page.goto(server.url)
    wait_for_voila_rendered(page, timeout=240_000)
    notice = page.locator(".wb-new-figures")
    expect(notice).to_have_count(1)
    expect(page.get_by_text(NOTICE)).to_have_count(0)
    expect(page.locator(".wb-as-at-line")).to_contain_text("Figures as at Tuesday 31 March 2026")

    # Next week's extract: the demo with its last review gone.
    extract = shutil.copytree(DEMO_EXTRACT, tmp_path / "next")
    reviews = (extract / "outcome_reviews.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (extract / "outcome_reviews.csv").write_text("".join(reviews[:-1]), encoding="utf-8")
    (extract / "as_at.txt").write_text("2026-04-10\n", encoding="utf-8")  # a later data's date
    result = refresh_extract(Store(url), extract)
    assert result.status == "refreshed" and result.report.tables["outcome_reviews"]["removed"] == 1

    expect(page.get_by_text(NOTICE)).to_be_visible(timeout=30_000)
    server.wait_for_log(r"event=new_load load_id=\d+ previous_load_id=\d+ kernels_recycled=1", timeout=60)

    # The reloaded page counts from the new extract's date, with no restart (issue 14).
    page.reload()
    wait_for_voila_rendered(page, timeout=240_000)
    expect(page.locator(".wb-as-at-line")).to_contain_text("Figures as at Friday 10 April 2026")
