"""Fixtures and reporting hooks of the browser test rig; the helpers are in ``rig.py``.

``voila``
    Function-scoped factory: ``server = voila(target, env={...}, preheat=False, ...)`` takes the
    arguments of :func:`tests.browser.rig.start_voila` except ``log_dir``; servers stop at
    teardown. For a module-scoped server use ``start_voila`` with ``tmp_path_factory``.
``browser``
    Session-scoped Debian Chromium (``WORKBENCH_CHROMIUM`` overrides the path).
``page``
    A page in a fresh context that records every request and blocks all but loopback.

On a failing test the rig saves a full-page screenshot of ``page`` to
``test-artifacts/screenshots/<test>.png`` and adds the browser console, the blocked requests and
the logs of the running Voila servers to the report. Timings recorded with
``record_property("<name>_s", seconds)`` are listed under "browser timings" at the end of the run.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from .rig import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LIVE_SERVERS,
    SCREENSHOTS,
    VoilaServer,
    blocked_requests,
    console_messages,
    record_network,
    start_voila,
)


@pytest.fixture(scope="session")
def service():
    """The measures' data from the store the served dashboards read (``WORKBENCH_STORE``)."""
    from workbench.measures.service_data import ServiceData
    from workbench.store.engine import Store

    return ServiceData(Store(os.environ["WORKBENCH_STORE"]))


@pytest.fixture
def voila(tmp_path: Path) -> Iterator[Callable[..., VoilaServer]]:
    """Start Voila servers for this test: ``voila(target, env=..., preheat=...)``."""
    with contextlib.ExitStack() as stack:

        def start(target: str | os.PathLike[str], **options: Any) -> VoilaServer:
            return stack.enter_context(start_voila(target, tmp_path, **options))

        yield start


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver (sync API)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium: Playwright cannot download its own browsers here."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run `make chromium` or set WORKBENCH_CHROMIUM")
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context that records requests and blocks all but loopback."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    record_network(context)
    yield context.new_page()
    context.close()


def _artifact_name(test_name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", test_name).strip("_") or "test"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """On failure: screenshot the page; attach its console and the Voila logs to the report."""
    report = yield
    if not report.failed:
        return report
    live_page = getattr(item, "funcargs", {}).get("page")
    if isinstance(live_page, Page) and not live_page.is_closed():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"{_artifact_name(item.name)}.png"
        try:
            live_page.screenshot(path=shot, full_page=True, timeout=10_000)
            report.sections.append(("screenshot", str(shot)))
        except Exception as error:  # a broken page must not hide the real failure
            report.sections.append(("screenshot", f"not saved: {error}"))
        with contextlib.suppress(KeyError):
            report.sections.append(("browser console", "\n".join(console_messages(live_page))))
            report.sections.append(("blocked requests", "\n".join(blocked_requests(live_page))))
    for server in LIVE_SERVERS:
        report.sections.append((f"voila log {server.log_path}", server.log_tail(150)))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the timings browser tests recorded with ``record_property("<name>_s", seconds)``."""
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", []):
                if name.endswith("_s") and isinstance(value, int | float):
                    lines.append(f"{report.nodeid}: {name} = {value:.2f}")
    if lines:
        terminalreporter.write_sep("-", "browser timings")
        for line in sorted(lines):
            terminalreporter.write_line(line)
