"""The data officer's import notebook in Voila and Chromium: upload, check, read, load."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from workbench.cli.serving import PROJECT_DIR

from .rig import SCREENSHOTS, assert_no_error_output, external_requests, start_voila, wait_for_voila_rendered

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NOTEBOOK = PROJECT_DIR / "notebooks" / "01-import-and-check.ipynb"
BROKEN = sorted((PROJECT_DIR / "data" / "examples" / "broken-extract").glob("*.csv"))
DEMO = sorted((PROJECT_DIR / "data" / "demo").glob("*.csv"))


def _upload(page, files: list[Path]) -> None:
    with page.expect_file_chooser() as chooser:
        page.click(".wb-upload")
    chooser.value.set_files([str(f) for f in files])
    page.wait_for_function(f"document.querySelector('.wb-upload').innerText.includes('({len(files)})')")


def test_upload_check_and_load_in_the_browser(tmp_path, page):
    store = tmp_path / "uploaded.sqlite"
    with start_voila(NOTEBOOK, tmp_path / "voila", env={"WORKBENCH_STORE": f"sqlite:///{store}"}) as server:
        page.goto(server.url)
        wait_for_voila_rendered(page, timeout=120_000)

        _upload(page, BROKEN)
        page.click(".wb-check")
        page.wait_for_selector(".wb-import-report table")
        assert "Refused: 4 problem(s)" in page.inner_text(".wb-import-status")
        report = page.inner_text(".wb-import-report")
        assert "meetings.csv\t2\tdate\t31/02/2025" in report
        assert page.locator(".wb-load").is_disabled()

        _upload(page, DEMO)  # 16 MB: more than the websocket's default limit
        page.click(".wb-check")
        page.wait_for_function(
            "document.querySelector('.wb-import-status').innerText.includes('No problems')", timeout=120_000
        )
        page.click(".wb-load")
        page.wait_for_function(
            "document.querySelector('.wb-import-status').innerText.includes('Loaded')", timeout=120_000
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "import-notebook.png", full_page=True)
        assert_no_error_output(page)
        assert external_requests(page) == []
    with sa.create_engine(f"sqlite:///{store}").connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM children").scalar() == 3000
