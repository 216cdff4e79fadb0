"""`workbench serve` as a service: clean stops, a health endpoint, page-view logs and culling.

Each test runs the real `workbench serve` command (and so real Voila and real kernels) and
views a real page in Chromium. Processes are found with psutil from the serve process down.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from workbench.cli.app import main

from .rig import ROOT, _free_loopback_port, wait_for_voila_rendered

PAGE = "service-overview.ipynb"
#: The issue's promise: after SIGTERM or SIGKILL, nothing left and the port free within 15 s.
STOP_LIMIT_S = 15.0


@dataclass
class Served:
    """A running `workbench serve` process and where its output goes."""

    process: subprocess.Popen[bytes]
    port: int
    stderr_path: Path
    seen: list[psutil.Process] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self.port}/"

    def health(self) -> dict:
        """The health endpoint's JSON answer."""
        url = f"{self.base_url}workbench/health"
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - http on loopback
            return json.loads(answer.read())

    def log(self) -> str:
        """Everything `workbench serve` and Voila wrote to stderr so far."""
        return self.stderr_path.read_text(errors="replace")

    def family(self) -> list[psutil.Process]:
        """The serve process, Voila and every kernel (remembered for the teardown)."""
        parent = psutil.Process(self.process.pid)
        family = [parent, *parent.children(recursive=True)]
        self.seen.extend(family)
        return family


def serve(log_dir: Path, port: int, *options: str) -> Served:
    """Start `workbench serve` on ``port`` and wait until its health endpoint answers."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stderr_path = log_dir / f"serve-{port}-{time.monotonic_ns()}.err"
    command = [
        sys.executable, "-m", "workbench.cli", "serve", "--store", os.environ["WORKBENCH_STORE"],
        "--port", str(port), "--no-preheat", *options,
    ]  # fmt: skip
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, cwd=ROOT)
    served = Served(process, port, stderr_path)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"workbench serve exited ({process.returncode}):\n{served.log()}")
        with contextlib.suppress(OSError):
            served.health()
            return served
        if time.monotonic() > deadline:
            raise TimeoutError(f"workbench serve did not answer in 60 s:\n{served.log()}")
        time.sleep(0.2)


def kill_all(served: Served) -> None:
    """Teardown: kill whatever a failed test left running, orphans included."""
    with contextlib.suppress(psutil.NoSuchProcess):
        served.family()
    for process in served.seen:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        served.process.wait(5)


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:``port`` (a new server could bind it)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_all_gone(processes: list[psutil.Process], port: int, limit: float) -> float:
    """Wait until every process has exited and the port is free; return the seconds it took."""
    start = time.monotonic()
    _, alive = psutil.wait_procs(processes, timeout=limit)
    while not port_is_free(port) and time.monotonic() - start < limit:
        time.sleep(0.1)
    left = [f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in alive if p.is_running()]
    assert not left, f"still running {limit} s after the signal: {left}"
    assert port_is_free(port), f"port {port} still held {limit} s after the signal"
    return time.monotonic() - start


def view_page(browser, served: Served):
    """Open the page in a fresh Chromium context, wait until it has rendered, and leave it open."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{served.base_url}voila/render/{PAGE}")
    wait_for_voila_rendered(page)
    return context


def wait_for_kernels(served: Served, count: int, limit: float = 30.0) -> int:
    """Wait until the health endpoint counts ``count`` running kernels; return the last count."""
    deadline = time.monotonic() + limit
    while (running := served.health()["kernels"]["running"]) != count and time.monotonic() < deadline:
        time.sleep(0.5)
    return running


@pytest.fixture(scope="module")
def culling_server(tmp_path_factory) -> Iterator[Served]:
    """One `workbench serve` that culls kernels idle for 2 s with no page open, one kernel a page."""
    served = serve(
        tmp_path_factory.mktemp("serve"), _free_loopback_port(),
        "--cull-idle-after", "2", "--max-kernels-per-page", "1",
    )  # fmt: skip
    yield served
    kill_all(served)


def test_the_health_endpoint_counts_the_kernel_of_a_page_view(culling_server, browser):
    assert wait_for_kernels(culling_server, 0) == 0
    before = culling_server.health()
    assert before["status"] == "ok"
    assert before["store"] == {"opens": True, "latest_date_in_data": "2026-03-31"}
    assert before["kernels"]["running"] == 0

    context = view_page(browser, culling_server)
    try:
        during = culling_server.health()
        assert during["kernels"]["running"] == 1
        assert during["kernels"]["viewing"] == 1
        assert during["kernels"]["memory_mib"] > 50  # a kernel that has read the store
        said = CliRunner().invoke(main, ["status", "--port", str(culling_server.port)])
        assert said.exit_code == 0, said.output
        assert "Kernels: 1 running (0 preheated, 1 viewing)" in said.output
    finally:
        context.close()
    page_views = [line for line in culling_server.log().splitlines() if " event=page_view " in line]
    assert page_views, culling_server.log()[-3000:]
    assert f"page={PAGE} viewer=demo-head-of-pi outcome=shown status=200 first_output_s=" in page_views[-1]
    # The first cell output is sent before the whole page is.
    first = float(re.search(r" first_output_s=([0-9.]+) ", page_views[-1]).group(1))
    assert 0 < first <= float(re.search(r" render_s=([0-9.]+)", page_views[-1]).group(1))


def test_an_idle_kernel_with_no_page_open_is_culled(culling_server, browser):
    assert wait_for_kernels(culling_server, 0) == 0
    context = view_page(browser, culling_server)
    assert culling_server.health()["kernels"]["running"] == 1
    context.close()  # the page's websocket closes; the kernel is now idle and unconnected
    culled_before = culling_server.log().count(" event=kernel_culled ")

    assert wait_for_kernels(culling_server, 0) == 0, culling_server.log()[-3000:]
    assert culling_server.log().count(" event=kernel_culled ") == culled_before + 1


def test_a_page_at_its_kernel_limit_turns_the_next_viewer_away(culling_server, browser, tmp_path):
    assert wait_for_kernels(culling_server, 0) == 0
    first = view_page(browser, culling_server)
    try:
        second = browser.new_context()
        page = second.new_page()
        answer = page.goto(f"{culling_server.base_url}voila/render/{PAGE}")
        assert answer.status == 503
        assert "open in as many browsers as the server allows" in page.inner_text(".wb-page-busy")
        page.screenshot(path=tmp_path / "page-busy.png")
        second.close()
        assert culling_server.health()["kernels"]["running"] == 1  # the refused view started none
        assert " outcome=busy status=503 " in culling_server.log()
    finally:
        first.close()


def test_sigterm_then_sigkill_leave_nothing_running_and_the_port_free(tmp_path, browser, record_property):
    port = _free_loopback_port()
    first = serve(tmp_path, port)
    try:
        context = view_page(browser, first)
        family = first.family()
        assert len(family) == 3, "serve, Voila and the page's kernel"
        first.process.send_signal(signal.SIGTERM)
        record_property("sigterm_to_all_gone_s", wait_all_gone(family, port, STOP_LIMIT_S))
        assert first.process.wait(1) == 0
        assert "Stopped: Voila and its kernels have exited." in first.log()
        context.close()
    finally:
        kill_all(first)

    # A restart on the same port starts at once; then the parent dies without a chance to clean up.
    second = serve(tmp_path, port)
    try:
        context = view_page(browser, second)
        family = second.family()
        assert len(family) == 3
        second.process.send_signal(signal.SIGKILL)
        record_property("sigkill_to_all_gone_s", wait_all_gone(family, port, STOP_LIMIT_S))
        context.close()
    finally:
        kill_all(second)


def test_a_kernel_over_the_memory_limit_is_restarted_and_its_page_says_so(tmp_path, browser):
    # A service-overview kernel holds about 330 MiB of the demo once the page has rendered.
    served = serve(tmp_path, _free_loopback_port(), "--kernel-memory-limit", "200")
    try:
        context = view_page(browser, served)
        page = context.pages[0]
        kernel_pids = {p.pid for p in served.family()[2:]}
        page.wait_for_selector("#wb-kernel-restarted", state="visible", timeout=30_000)
        assert "used more memory than the server allows" in page.inner_text("#wb-kernel-restarted")
        assert "Reload the page" in page.inner_text("#wb-kernel-restarted")
        page.screenshot(path=tmp_path / "kernel-restarted.png")
        health = served.health()["kernels"]
        assert health["restarted_for_memory"] == 1
        assert health["running"] == 1
        # The old kernel process may still be exiting when the health check already counts the restart.
        deadline = time.monotonic() + 20
        while not {p.pid for p in served.family()[2:]}.isdisjoint(kernel_pids) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert {p.pid for p in served.family()[2:]}.isdisjoint(kernel_pids), "a new kernel process"
        assert " event=kernel_over_memory " in served.log()
        context.close()
    finally:
        kill_all(served)
