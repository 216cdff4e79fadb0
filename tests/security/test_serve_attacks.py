"""Attacks on a real `workbench serve` on loopback (issue 15; security review 2026-12).

One server for the module, on the demo store, as a deployment behind a proxy would run it:
``--trust-proxy-header X-Workbench-User`` with an identity file, ``--trusted-proxy 127.0.0.2``
(a loopback address we can connect *from*) and ``--proxy-secret-file``. "The proxy" below is
a client bound to 127.0.0.2 that sends the secret; everything else is an attacker. Each attack
is refused, and each refusal is asserted: the status, and that no figure or identity leaked.
Plain HTTP is http.client; websockets are tornado's client (a dependency of Voila).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from tornado import httpclient, websocket

from tests.browser.rig import ROOT, _free_loopback_port

PROXY = "127.0.0.2"
ATTACKER = "127.0.0.1"
HEADER = "X-Workbench-User"
SECRET_HEADER = "X-Workbench-Proxy-Secret"  # noqa: S105 - a header name
PAGE = "/voila/render/team-lead.ipynb"
IDENTITIES = "users:\n  lead@council.example: {role: team_lead, team_id: T16, name: Lead Tester}\n"
#: What a served page shows and a refusal must not: who you are, and the team's figures.
LEAKS = ("Viewing as", "Lead Tester", "Team lead", "T16", "children", "kernelId")


@dataclass
class Server:
    """The running `workbench serve`, its secret and its log."""

    process: subprocess.Popen[bytes]
    port: int
    secret: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """`workbench serve` trusting only the proxy at 127.0.0.2 with a secret; stopped at the end."""
    folder = tmp_path_factory.mktemp("security")
    (folder / "ids.yaml").write_text(IDENTITIES)
    secret = secrets.token_urlsafe(32)
    (folder / "secret").write_text(secret + "\n")
    port = _free_loopback_port()
    log_path = folder / "serve.log"
    command = [
        sys.executable, "-m", "workbench.cli", "serve", "--store", os.environ["WORKBENCH_STORE"],
        "--port", str(port), "--no-preheat", "--trust-proxy-header", HEADER,
        "--identity-file", str(folder / "ids.yaml"), "--trusted-proxy", PROXY,
        "--proxy-secret-file", str(folder / "secret"), "--allow-host", "workbench.example",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    served = Server(process, port, secret, log_path)
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"workbench serve exited:\n{served.log()}")
            with contextlib.suppress(OSError):
                if get(served, "/workbench/health")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(served.log())
            time.sleep(0.2)
        yield served
    finally:
        family = []
        with contextlib.suppress(psutil.NoSuchProcess):
            family = psutil.Process(process.pid).children(recursive=True)
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(15)
        for child in [*family, psutil.Process(process.pid) if process.poll() is None else None]:
            if child is not None:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()


def get(server: Server, path: str, headers: dict[str, str] | None = None, source: str = ATTACKER):
    """GET ``path`` from address ``source``; return (status, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120, source_address=(source, 0))
    try:
        conn.putrequest("GET", path, skip_host="Host" in (headers or {}))
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        answer = conn.getresponse()
        return answer.status, answer.read().decode(errors="replace")
    finally:
        conn.close()


def as_proxy(server: Server, user: str = "lead@council.example") -> dict[str, str]:
    """The headers the real proxy sends."""
    return {HEADER: user, SECRET_HEADER: server.secret}


def assert_refused(status: int, body: str) -> None:
    assert status == 403, body[:500]
    assert "Refused" in body
    for leak in LEAKS:
        assert leak not in body, f"{leak!r} in a refusal"


@pytest.fixture(scope="module")
def kernel_id(server) -> str:
    """A page the proxy asked for (the control: it is shown), and its kernel's id."""
    status, body = get(server, PAGE, as_proxy(server), source=PROXY)
    assert status == 200, server.log()[-3000:]
    assert "Refused" not in body  # the page itself (its widgets come over the websocket)
    found = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body)
    assert found, body[:2000]
    return found.group(1)


# --- who may name a user --------------------------------------------------------------------


def test_a_forged_header_without_the_secret_is_refused(server):
    """From the proxy's own address, but without the secret: refused, shown as nobody."""
    assert_refused(*get(server, PAGE, {HEADER: "lead@council.example"}, source=PROXY))
    wrong = {HEADER: "lead@council.example", SECRET_HEADER: "not-the-secret"}
    assert_refused(*get(server, PAGE, wrong, source=PROXY))


def test_the_header_and_secret_from_an_address_that_is_not_the_proxy_are_refused(server):
    """Even with the right secret, a peer other than the trusted proxy is refused."""
    assert_refused(*get(server, PAGE, as_proxy(server), source=ATTACKER))
    assert_refused(*get(server, "/voila/static/voila.js", as_proxy(server), source=ATTACKER))


def test_a_foreign_host_is_refused(server):
    """DNS rebinding: the proxy's request with another Host is refused; an allowed name is not."""
    headers = {**as_proxy(server), "Host": f"rebind.attacker.example:{server.port}"}
    assert_refused(*get(server, PAGE, headers, source=PROXY))
    headers = {**as_proxy(server), "Host": "workbench.example", "Origin": "https://evil.example"}
    assert_refused(*get(server, PAGE, headers, source=PROXY))
    assert get(server, "/workbench/health", {"Host": "workbench.example"})[0] == 200


@pytest.mark.parametrize("query", ["?template=lab", "?voila-template=lab", "?template=../../..", "?theme=dark"])
def test_template_and_theme_parameters_are_refused(server, query):
    """A template or theme from the URL is refused, even from the proxy (and skips no pool)."""
    assert_refused(*get(server, PAGE + query, as_proxy(server), source=PROXY))


def test_the_health_endpoint_answers_without_identity_and_shows_no_one(server):
    status, body = get(server, "/workbench/health")
    assert status == 200
    assert "lead@" not in body and "T16" not in body


# --- the kernel websocket -------------------------------------------------------------------


def ws_connect(server: Server, kernel: str, headers: dict[str, str], source: str = PROXY):
    """Open the kernel's channels websocket from ``source`` (raises HTTPClientError on refusal)."""
    request = httpclient.HTTPRequest(
        f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels?session_id={uuid.uuid4()}",
        headers=headers,
        network_interface=source,
        request_timeout=20,
    )
    return websocket.websocket_connect(request, max_message_size=64 * 1024 * 1024)


def message(msg_type: str, content: dict, channel: str = "shell", metadata: dict | None = None) -> str:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": uuid.uuid4().hex,
              "username": "attacker", "date": "2026-12-05T00:00:00Z", "version": "5.3"}  # fmt: skip
    return json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content,
                       "channel": channel, "buffers": []})  # fmt: skip


async def collect(conn, seconds: float) -> list[str]:
    """Every message the kernel sends in ``seconds`` (stops early if the server closes)."""
    got = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            item = await asyncio.wait_for(conn.read_message(), left)
        except TimeoutError:
            break
        if item is None:
            break
        got.append(item if isinstance(item, str) else item.decode(errors="replace"))
    return got



def run_apart(coroutine):
    """Run ``coroutine`` to its end on an event loop of its own thread.

    Playwright's sync API (the browser tests, earlier in the same session) keeps an event loop
    running in the main thread, where ``asyncio.run`` is refused.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_websocket_with_a_foreign_origin_or_host_is_refused(server, kernel_id):
    async def attempt(extra: dict[str, str], source: str = PROXY) -> int:
        with pytest.raises(httpclient.HTTPClientError) as refused:
            await ws_connect(server, kernel_id, {**as_proxy(server), **extra}, source)
        return refused.value.code

    async def run() -> None:
        assert await attempt({"Origin": "http://rebind.attacker.example"}) == 403
        host = f"rebind.attacker.example:{server.port}"
        assert await attempt({"Host": host, "Origin": f"http://{host}"}) == 403
        assert await attempt({}, source=ATTACKER) == 403  # not the proxy
        assert await attempt({SECRET_HEADER: "guess"}) == 403  # not the secret

    run_apart(run())


def test_execute_requests_and_crafted_comm_messages_run_nothing(server, kernel_id, tmp_path):
    """Through the proxy itself: no code runs, no reply, no traceback or server path comes back."""
    marker = tmp_path / "executed"
    code = f"open({str(marker)!r}, 'w').write('pwned')"

    async def run() -> list[str]:
        conn = await ws_connect(server, kernel_id, as_proxy(server))
        conn.write_message(message("execute_request", {"code": code, "silent": False, "store_history": True,
                                                       "user_expressions": {"x": code}, "allow_stdin": False}))
        conn.write_message(message("inspect_request", {"code": "open", "cursor_pos": 4, "detail_level": 1}))
        # Crafted widget traffic: a comm to a made-up id, a comm to a made-up target, garbage state.
        conn.write_message(message("comm_msg", {"comm_id": uuid.uuid4().hex,
                                                "data": {"method": "update", "state": {"index": 10**9}}}))
        conn.write_message(message("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": "os.system",
                                                 "data": {"state": {"_model_name": "x"}}}))
        got = await collect(conn, 4.0)
        conn.close()
        return got

    replies = run_apart(run())
    assert not marker.exists(), "the kernel ran an execute_request"
    types = [json.loads(r).get("header", {}).get("msg_type") for r in replies]
    assert "execute_reply" not in types and "inspect_reply" not in types, types
    text = "\n".join(replies)
    assert "pwned" not in text
    assert "site-packages" not in text and str(ROOT) not in text, text[:2000]


def test_an_oversized_websocket_message_is_refused(server, kernel_id):
    """A message over the served limit (4 MiB) closes the connection; nothing is processed."""

    async def run():
        conn = await ws_connect(server, kernel_id, as_proxy(server))
        with contextlib.suppress(websocket.WebSocketClosedError):  # the server may hang up mid-write
            await conn.write_message(message("comm_msg", {"comm_id": "x", "data": {"pad": "a" * (5 << 20)}}))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # anything already on its way, then the close
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(conn.read_message(), deadline - time.monotonic()) is None:
                    return True, conn.close_code
        return False, conn.close_code

    closed, code = run_apart(run())
    assert closed, "the server kept a connection that sent 5 MiB"
    assert code in (1009, None)  # tornado's "message too big", or the stream cut


def test_a_crafted_widget_update_widens_nothing_and_shows_no_server_path(server, kernel_id):
    """Open the widget control comm, push any chooser it reveals past its options: nothing comes back.

    Voila's kernel refuses the control comm (its failure used to come back with a traceback
    and the server's paths on stderr); where it answers, each chooser gets an index far past
    its options, whose failure must come back without a traceback either.
    """

    async def run() -> tuple[dict, list[str]]:
        conn = await ws_connect(server, kernel_id, as_proxy(server))
        control = uuid.uuid4().hex
        conn.write_message(message("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control",
                                                 "data": {}}))  # no protocol version: refused
        conn.write_message(message("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control",
                                                 "data": {}}, metadata={"version": "1.0.0"}))  # fmt: skip
        conn.write_message(message("comm_msg", {"comm_id": control, "data": {"method": "request_states"}}))
        states: dict = {}
        first = await collect(conn, 6.0)
        for item in first:
            data = json.loads(item).get("content", {}).get("data", {})
            if data.get("method") == "update_states":
                states = data["states"]
                break
        choosers = [i for i, s in states.items() if s.get("model_name") == "DropdownModel"]
        for model_id in choosers:
            conn.write_message(message("comm_msg", {"comm_id": model_id, "data": {
                "method": "update", "state": {"index": 10**9}, "buffer_paths": []}}))  # fmt: skip
        got = await collect(conn, 4.0)
        conn.close()
        return states, first + got

    states, replies = run_apart(run())
    assert any(s.get("model_name") == "DropdownModel" for s in states.values()), "no chooser reached"
    text = "\n".join(replies)
    shown = [json.loads(r)["content"] for r in replies if json.loads(r)["msg_type"] in ("stream", "error")]
    shown_text = json.dumps(shown)
    assert "site-packages" not in shown_text and str(ROOT) not in shown_text, shown_text[:3000]
    assert "Traceback" not in shown_text, shown_text[:3000]
    # No other team's id came back (a word of its own: message times such as "05T07:59" are not ids).
    assert not re.search(r"\bT07\b", text)
