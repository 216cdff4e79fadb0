"""What `workbench serve` adds inside the Voila server: health, page-view logs and kernel culling.

Voila is started with ``--VoilaConfiguration.multi_kernel_manager_class`` set to
:class:`WorkbenchKernelManager` (see ``workbench.cli.serving``). Voila builds its kernel
manager before its web application, so once the server runs the manager adds to that
application:

- ``GET /workbench/health``: JSON saying whether the store opens, the latest date found in
  its records, how many kernels run (preheated and viewing) and their memory. It needs no
  identity and shows no child's data: counts, a date and sizes only.
- one log line per page view or refusal on stderr (:func:`page_view_line`), in ``key=value``
  form after a fixed prefix, which journald and log shippers read as they are.

Culling of idle kernels is jupyter_server's own (``cull_idle_timeout``); this class only logs
each kernel it stops, so an operator sees the culling happen.

This module imports no UI package: the manager is a jupyter_server kernel manager, and the
handler a tornado handler.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import psutil
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from tornado.log import access_log

from workbench.access import TRUSTED_HEADER_ENV, AccessRefusedError, current_identity, header_env
from workbench.store.engine import ENV_VAR, Store, StoreError

HEALTH_PATH = "/workbench/health"
#: Where Voila serves a page of a served folder; the rest of the path names the page.
PAGE_PREFIX = "/voila/render/"
LOG_PREFIX = "workbench-serve"
SAFE_VALUE = re.compile(r"[\w.@:/+,-]+", re.ASCII)

service_log = logging.getLogger("workbench.serve")


def log_line(event: str, fields: Mapping[str, object]) -> str:
    """Return one log line: ``workbench-serve <UTC time> event=<event> key=value ...``.

    A value with anything but letters, digits and ``_ . @ : / + , -`` is quoted with JSON
    escapes (control characters included), so a line always splits into the same fields and a
    header a client made up cannot forge a line; a missing value is ``-``.
    """
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
    parts = [LOG_PREFIX, stamp, f"event={event}"]
    for key, value in fields.items():
        text = "-" if value is None or value == "" else str(value)
        if not SAFE_VALUE.fullmatch(text):
            text = json.dumps(text)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def write_log(event: str, fields: Mapping[str, object]) -> None:
    """Write one log line to the server's stderr (journald's input under systemd)."""
    sys.stderr.write(log_line(event, fields) + "\n")
    sys.stderr.flush()


def page_of(path: str, served_notebook: str | None = None) -> str | None:
    """Return the page a request path asks for, or None for anything that is not a page view.

    ``/voila/render/team-lead.ipynb`` is ``team-lead.ipynb``; when one notebook is served,
    ``/`` is that notebook.
    """
    if path.startswith(PAGE_PREFIX) and path.endswith(".ipynb"):
        return unquote(path.removeprefix(PAGE_PREFIX))
    if served_notebook and path == "/":
        return served_notebook
    return None


def viewer_of(headers: Mapping[str, str], environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Return ``(user, refusal)`` for a request: who it is, or why a page refuses them.

    The same decision the page's kernel makes (``workbench.access.current_identity``), from
    the server's environment and the trusted proxy header, so the log says what the viewer saw.
    """
    request_env = dict(environ)
    header = environ.get(TRUSTED_HEADER_ENV, "").strip()
    claimed = headers.get(header) if header else None
    if header and claimed:
        request_env[header_env(header)] = claimed
    try:
        return current_identity(request_env).user, None
    except AccessRefusedError as refusal:
        return claimed, str(refusal)


def page_view_line(
    *, page: str, user: str | None, refusal: str | None, status: int, seconds: float
) -> tuple[str, dict[str, object]]:
    """Return the event name and fields logged for one page view.

    ``outcome`` is ``refused`` when the viewer may not see the page, ``failed`` when the server
    answered with an error, ``not-found`` for a page that does not exist, else ``shown``.
    ``render_s`` is the time until the page, every cell run, was sent.
    """
    if refusal is not None:
        outcome = "refused"
    elif status == 404:
        outcome = "not-found"
    elif status >= 400:
        outcome = "failed"
    else:
        outcome = "shown"
    fields: dict[str, object] = {
        "page": page,
        "viewer": user,
        "outcome": outcome,
        "status": status,
        "render_s": f"{seconds:.2f}",
    }
    if refusal is not None:
        fields["reason"] = refusal
    return ("page_refused" if refusal is not None else "page_view"), fields


def process_memory(pid: int) -> int:
    """Return the resident memory in bytes of process ``pid`` and its children (0 once gone)."""
    try:
        process = psutil.Process(pid)
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def store_health(url: str) -> dict[str, object]:
    """Return whether the store at ``url`` opens and the latest date in its records.

    The store is opened without upgrading it (a health probe never writes). An error's text is
    left out of the answer (it may carry the store's URL); its kind goes to the log.
    """
    try:
        store = Store(url, upgrade=False)
    except StoreError as error:
        service_log.warning("the store did not open for the health check: %s", type(error).__name__)
        return {"opens": False, "latest_date_in_data": None}
    try:
        latest = store.latest_record_date()
    except Exception as error:  # any database error means the store cannot be read
        service_log.warning("the store did not open for the health check: %s", type(error).__name__)
        return {"opens": False, "latest_date_in_data": None}
    finally:
        store.engine.dispose()
    return {"opens": True, "latest_date_in_data": latest}


def access_line(handler: web.RequestHandler) -> None:
    """Log a request that is not a page view as tornado would: status, method, path and time."""
    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING
    path = urlsplit(handler.request.uri or "").path
    milliseconds = 1000 * handler.request.request_time()
    access_log.log(level, "%d %s %s %.2fms", status, handler.request.method, path, milliseconds)


class HealthHandler(web.RequestHandler):
    """``GET /workbench/health``: the service's health as JSON; 503 when the store does not open."""

    def initialize(self, kernels: WorkbenchKernelManager) -> None:
        """Keep the kernel manager whose kernels are reported."""
        self.kernels = kernels

    async def get(self) -> None:
        """Answer with the store's health and the kernels' counts and memory."""
        url = os.environ.get(ENV_VAR, "")
        store = await asyncio.get_running_loop().run_in_executor(None, store_health, url)
        report = {
            "status": "ok" if store["opens"] else "store-unavailable",
            "store": store,
            "kernels": self.kernels.kernel_report(),
        }
        self.set_status(200 if store["opens"] else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(report))


class WorkbenchKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager with a health endpoint and page-view logging added to its server."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        # The web application does not exist yet: Voila builds it after its kernel manager.
        asyncio.get_event_loop().call_soon(self.install_service_routes)

    def install_service_routes(self) -> None:
        """Add the health endpoint and the page-view log to the running Voila application."""
        voila = self.parent
        application = getattr(voila, "app", None)
        if application is None:  # not started by Voila (a test of the class alone)
            return
        application.add_handlers(".*$", [(HEALTH_PATH, HealthHandler, {"kernels": self})])
        notebook = getattr(voila, "notebook_path", "") or None
        served = os.path.basename(notebook) if notebook else None

        def log_request(handler: web.RequestHandler) -> None:
            page = page_of(urlsplit(handler.request.uri or "").path, served)
            if page is None or handler.request.method != "GET":
                access_line(handler)
                return
            user, refusal = viewer_of(handler.request.headers, os.environ)
            event, fields = page_view_line(
                page=page,
                user=user,
                refusal=refusal,
                status=handler.get_status(),
                seconds=handler.request.request_time(),
            )
            write_log(event, fields)

        application.settings["log_function"] = log_request
        write_log("serving", {"health": HEALTH_PATH, "cull_idle_s": self.cull_idle_timeout})

    def preheated_kernel_ids(self) -> set[str]:
        """Return the kernels waiting in Voila's preheat pools for a viewer."""
        # Voila keeps its pools as tasks in ``_pools`` (voila_kernel_manager.py); a finished task
        # holds the kernel's id. There is no public way to ask.
        waiting = set()
        for tasks in getattr(self, "_pools", {}).values():
            for task in tasks:
                if task.done() and not task.cancelled() and task.exception() is None:
                    waiting.add(task.result()["kernel_id"])
        return waiting

    def kernel_report(self) -> dict[str, object]:
        """Return how many kernels run, how many are preheated, and their memory in MiB."""
        kernel_ids = list(self.list_kernel_ids())
        preheated = self.preheated_kernel_ids() & set(kernel_ids)
        memory = 0
        for kernel_id in kernel_ids:
            pid = getattr(self.get_kernel(kernel_id).provisioner, "pid", None)
            if pid:
                memory += process_memory(pid)
        return {
            "running": len(kernel_ids),
            "preheated": len(preheated),
            "viewing": len(kernel_ids) - len(preheated),
            "memory_mib": round(memory / 2**20, 1),
            "cull_idle_s": self.cull_idle_timeout,
        }

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """jupyter_server's culling, with a log line for each kernel it stops."""
        await super().cull_kernel_if_idle(kernel_id)
        if kernel_id not in self:
            write_log("kernel_culled", {"kernel": kernel_id[:8], "idle_limit_s": self.cull_idle_timeout})
