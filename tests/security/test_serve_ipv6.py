"""`workbench serve --ip ::1` with preheated kernels (security review 2026-12, finding 5).

A preheated kernel fetches its viewer's request from Voila; it used to ask 127.0.0.1 whatever
address Voila was bound to, so on ``::1`` every viewer behind the proxy was refused. The
server here is the command and environment `workbench serve --ip ::1` builds
(``voila_command``, ``voila_environment``, ``identity_environment``), with the proxy on ``::1``
and its secret, serving one dashboard (supervision: the lightest to preheat) instead of the
folder, so that one kernel is preheated rather than six.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import time
import uuid

import pytest
from tornado import httpclient, websocket

from tests.security.test_serve_attacks import collect, message, run_apart
from workbench.cli.serving import DASHBOARDS_DIR, identity_environment, voila_command, voila_environment
from workbench.cli.voila_process import stop_voila

HEADER = "X-Workbench-User"
SECRET_HEADER = "X-Workbench-Proxy-Secret"  # noqa: S105 - a header name


def _ipv6_loopback_port() -> int | None:
    """A free port on ::1, or None when this machine has no IPv6 loopback."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
            return probe.getsockname()[1]
    except OSError:
        return None


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("::1", port, timeout=180)
    try:
        conn.putrequest("GET", path, skip_host="Host" in headers)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        answer = conn.getresponse()
        return answer.status, answer.read().decode(errors="replace")
    finally:
        conn.close()


def _widget_text(port: int, kernel: str, headers: dict[str, str]) -> str:
    """The values of every widget of the viewer's page (read through the widget control comm)."""

    async def run() -> str:
        request = httpclient.HTTPRequest(
            f"ws://[::1]:{port}/api/kernels/{kernel}/channels?session_id={uuid.uuid4()}",
            headers=headers, network_interface="::1", request_timeout=30,
        )  # fmt: skip
        conn = await websocket.websocket_connect(request, max_message_size=64 * 1024 * 1024)
        control = uuid.uuid4().hex
        conn.write_message(message("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control",
                                                 "data": {}}, metadata={"version": "1.0.0"}))  # fmt: skip
        conn.write_message(message("comm_msg", {"comm_id": control, "data": {"method": "request_states"}}))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until the states come (or nothing more does)
            replies = await collect(conn, 1.0)
            for item in replies:
                data = json.loads(item).get("content", {}).get("data", {})
                if data.get("method") == "update_states":
                    conn.close()
                    return json.dumps([s.get("state", {}).get("value") for s in data["states"].values()])
        conn.close()
        return ""

    return run_apart(run())


def test_a_preheated_server_on_ipv6_loopback_serves_the_viewer_and_refuses_a_foreign_host(tmp_path):
    port = _ipv6_loopback_port()
    if port is None:
        pytest.skip("this machine has no IPv6 loopback (::1 cannot be bound), so there is nothing to serve on")
    (tmp_path / "ids.yaml").write_text("users:\n  worker@council.example: {role: practitioner, worker_id: W0184, "
                                       "name: Sophie Tester}\n")  # fmt: skip
    secret = secrets.token_urlsafe(24)
    (tmp_path / "secret").write_text(secret)
    command = [*voila_command(
        DASHBOARDS_DIR / "supervision.ipynb", port=port, ip="::1", preheat=True, trust_proxy_header=HEADER,
        trusted_proxies=("::1",), proxy_secret_file=tmp_path / "secret",
    ), "--Voila.log_level=DEBUG"]  # fmt: skip
    env = identity_environment(
        voila_environment(os.environ["WORKBENCH_STORE"], ip="::1"),
        trust_proxy_header=HEADER, identity_file=tmp_path / "ids.yaml",
    )  # fmt: skip
    for name in ("WORKBENCH_USER", "JUPYTERHUB_USER", "WORKBENCH_DEMO_USER"):
        env.pop(name, None)
    log_path = tmp_path / "voila.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   cwd=DASHBOARDS_DIR, start_new_session=True)  # fmt: skip
    try:
        # The pool's kernel has read the store and waits in viewer_identity() for a request.
        deadline = time.monotonic() + 120
        while not (re.search(r"Kernel pool of .* is filled", text := log_path.read_text(errors="replace"))
                   and "Executing cell" in text):  # fmt: skip
            assert process.poll() is None and time.monotonic() < deadline, text[-3000:]
            time.sleep(0.2)
        proxy = {HEADER: "worker@council.example", SECRET_HEADER: secret}
        status, body = _get(port, "/", proxy)
        assert status == 200, body[:1000]
        assert "Refused" not in body
        kernel = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body)
        assert kernel, body[:2000]
        shown = _widget_text(port, kernel.group(1), proxy)
        assert "Sophie Tester" in shown, shown[:2000]  # the viewer the proxy named, in the preheated kernel
        assert "did not send" not in shown and "You cannot see" not in shown
        # A foreign Host (DNS rebinding), even with the proxy's headers: refused before any kernel.
        status, body = _get(port, "/", {**proxy, "Host": f"rebind.attacker.example:{port}"})
        assert status == 403 and "Refused" in body and "Sophie Tester" not in body
    finally:
        with contextlib.suppress(Exception):
            stop_voila(process)
