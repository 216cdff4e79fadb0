"""What `workbench serve` adds inside the Voila server: health, page-view logs and kernel culling.

Voila is started with ``--VoilaConfiguration.multi_kernel_manager_class`` set to
:class:`WorkbenchKernelManager` (see ``workbench.cli.serving``). Voila builds its kernel
manager before its web application, so once the server runs the manager adds to that
application:

- ``GET /workbench/health``: JSON saying whether the store opens, the latest date found in
  its records, how many kernels run (preheated and viewing) and their memory. It needs no
  identity and shows no child's data: counts, a date and sizes only.
- one log line per page view or refusal on stderr (:func:`page_view_line`), in ``key=value``
  form after a fixed prefix, which journald and log shippers read as they are;
- a limit of kernels per page (a further viewer gets a plain 503 page), and a memory limit
  per kernel: a settled kernel over it is restarted, and ``GET /workbench/kernels/<id>`` tells
  its page, whose script (the ``workbench`` template) then asks the viewer to reload.

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
from tornado.ioloop import PeriodicCallback
from tornado.log import access_log
from traitlets import Integer, Unicode

from workbench.access import TRUSTED_HEADER_ENV, AccessRefusedError, current_identity, header_env
from workbench.cli.gate import Gate, install_gate, read_secret
from workbench.cli.log_lines import format_log_line
from workbench.store.engine import ENV_VAR, Store, StoreError

HEALTH_PATH = "/workbench/health"
#: Where a page asks whether its kernel was restarted for using too much memory.
KERNEL_STATE_PATH = r"/workbench/kernels/([0-9a-f-]{36})"
#: Seconds between two checks of the kernels' memory.
MEMORY_CHECK_S = 5
#: Where Voila serves a page of a served folder; the rest of the path names the page.
PAGE_PREFIX = "/voila/render/"
LOG_PREFIX = "workbench-serve"

service_log = logging.getLogger("workbench.serve")

#: A dashboard cell that calls one of these waits in it for its viewer's request when preheated
#: (``widgets.viewer.viewer_identity``, Voila's ``wait_for_request``).
WAITS_FOR_VIEWER = re.compile(r"\b(viewer_page|viewer_identity|service_dashboard_page|wait_for_request)\(")


def waits_for_viewer(source: str) -> bool:
    """Return True when a cell of ``source`` waits for the viewer's request in a preheated kernel."""
    return bool(WAITS_FOR_VIEWER.search(source))


class CellTimeout:
    """The cell timeout of Voila's executor, but none for the cell that waits for the viewer.

    A pooled kernel runs its page up to that cell before anyone comes and then waits there,
    for hours on a pool filled the night before; with the timeout counting the wait, every
    pooled kernel older than the timeout would show its viewer "Cell execution timed out"
    (measured: the 5 refills of a 20-kernel pool, 300 s after they started). Every other cell
    keeps the timeout; the viewer's part is bounded by the kernel memory limit and the service's.
    """

    def __init__(self, timeout: int | None) -> None:
        self.timeout = timeout

    def __call__(self, cell: Mapping | str) -> int | None:
        """Return the timeout of ``cell`` (nbclient's ``timeout_func``: a cell); None: no timeout."""
        source = cell if isinstance(cell, str) else str(cell.get("source", ""))
        return None if waits_for_viewer(source) else self.timeout


def log_line(event: str, fields: Mapping[str, object]) -> str:
    """Return one log line: ``workbench-serve <UTC time> event=<event> key=value ...``.

    A value with anything but letters, digits and ``_ . @ : / + , -`` is quoted with JSON
    escapes (control characters included), so a line always splits into the same fields and a
    header a client made up cannot forge a line; a missing value is ``-``.
    """
    return format_log_line(LOG_PREFIX, event, fields)


def write_log(event: str, fields: Mapping[str, object]) -> None:
    """Write one log line to the server's stderr (journald's input under systemd)."""
    sys.stderr.write(log_line(event, fields) + "\n")
    sys.stderr.flush()


def page_of(path: str, served_notebook: str | None = None) -> str | None:
    """Return the page a request path asks for, or None for anything that is not a page view.

    ``/voila/render/team-lead.ipynb`` is ``team-lead.ipynb``; when one notebook is served,
    ``/`` is that notebook.
    """
    _, prefix, page = path.partition(PAGE_PREFIX)
    if prefix and page.endswith(".ipynb"):
        return unquote(page)
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
    *,
    page: str,
    user: str | None,
    refusal: str | None,
    status: int,
    seconds: float,
    first_output: float | None = None,
) -> tuple[str, dict[str, object]]:
    """Return the event name and fields logged for one page view.

    ``outcome`` is ``refused`` when the viewer may not see the page, ``busy`` when the page
    already holds its most kernels, ``failed`` when the server answered with another error,
    ``not-found`` for a page that does not exist, else ``shown``.
    ``first_output_s`` is the time until the first cell's output was sent (``-`` when no cell
    gave any, as on a refusal before the page); ``render_s`` the time until the whole page,
    every cell run, was sent.
    """
    if refusal is not None:
        outcome = "refused"
    elif status == 503:
        outcome = "busy"
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
        "first_output_s": None if first_output is None else f"{first_output:.2f}",
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
    sqlite_file = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    if sqlite_file and sqlite_file != ":memory:" and not os.path.exists(sqlite_file):
        # Opening it would create an empty database where the store should be.
        service_log.warning("the store's SQLite file is missing")
        return {"opens": False, "latest_date_in_data": None}
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


#: What marks one output of a cell in the HTML Voila streams (an element of nbconvert's lab
#: template; the page shell's style sheet names the class too, so the mark is the attribute).
CELL_OUTPUT_MARK = re.compile(r"""class=["'][^"']*\bjp-OutputArea-child\b""")

#: What a viewer reads when a page already holds its most kernels (HTTP 503).
PAGE_BUSY = (
    "This page is open in as many browsers as the server allows just now. "
    "Close a tab where you have it open, or try again in a few minutes."
)


def page_limited(
    handler_class: type[web.RequestHandler], kernels: WorkbenchKernelManager, served: str | None
):
    """Return ``handler_class`` (Voila's page handler) turning a page view away at the page's limit.

    The check runs before Voila starts a kernel or takes a preheated one, so a busy page costs
    no memory; the viewer gets a plain 503 page saying so.
    """

    class PageLimitedHandler(handler_class):  # type: ignore[valid-type, misc]
        #: Seconds from the request to the first cell output sent (Voila sends the page shell
        #: first, then each cell as it runs), for the page-view log.
        first_output_s: float | None = None

        def write(self, chunk) -> None:
            if self.first_output_s is None and isinstance(chunk, str) and CELL_OUTPUT_MARK.search(chunk):
                self.first_output_s = self.request.request_time()
            super().write(chunk)

        async def prepare(self) -> None:
            # Jupyter's prepare first: it sets the current user the error page needs.
            prepared = super().prepare()
            if prepared is not None:
                await prepared
            page = page_of(self.request.path, served)
            limit = kernels.max_kernels_per_page
            if page is not None and limit and kernels.viewer_kernel_count(page) >= limit:
                raise web.HTTPError(503, PAGE_BUSY.replace("%", "%%"), reason="Page busy")

    return PageLimitedHandler


def page_rules(application: web.Application) -> list:
    """Return the routing rules of Voila's page handler in ``application`` (tornado's router)."""
    found = []
    for host_rule in application.default_router.rules:
        for rule in getattr(host_rule.target, "rules", []):
            regex = getattr(rule.matcher, "regex", None)
            if regex is not None and regex.pattern.endswith((PAGE_PREFIX + "(.*)$", "/(.*)$")):
                found.append(rule)
    return found


def settled(kernel: object, quiet_s: float = MEMORY_CHECK_S) -> bool:
    """Return True when a kernel is idle and has been quiet ``quiet_s`` seconds (its page is drawn).

    jupyter_server keeps each kernel's ``execution_state`` and ``last_activity`` (UTC).
    """
    last = getattr(kernel, "last_activity", None)
    if getattr(kernel, "execution_state", None) != "idle" or last is None:
        return False
    return (datetime.now(UTC) - last).total_seconds() >= quiet_s


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


class KernelStateHandler(web.RequestHandler):
    """``GET /workbench/kernels/<id>``: whether that kernel was restarted for using too much memory.

    The page's own script asks, to tell its viewer; a kernel id is a random UUID only that page
    knows, and the answer is a single true or false.
    """

    def initialize(self, kernels: WorkbenchKernelManager) -> None:
        """Keep the kernel manager that restarts kernels."""
        self.kernels = kernels

    def get(self, kernel_id: str) -> None:
        """Answer ``{"restarted_for_memory": true|false}``."""
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"restarted_for_memory": kernel_id in self.kernels.restarted_for_memory}))


class WorkbenchKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager with health, page-view logs, and limits on kernels per page and memory."""

    max_kernels_per_page = Integer(
        0,
        config=True,
        help="The most kernels one page may hold for its viewers (0: no limit); more views get a 503.",
    )

    memory_limit_mib = Integer(
        0,
        config=True,
        help="Restart a viewer's kernel using more memory than this, in MiB (0: no limit).",
    )

    allowed_hosts = Unicode(
        "",
        config=True,
        help="Host names this deployment answers to besides loopback and localhost, comma-separated "
        "(--allow-host).",
    )

    trusted_proxies = Unicode(
        "",
        config=True,
        help="Addresses (or networks) of the authenticating proxy, comma-separated; with a trusted "
        "proxy header, any other peer is refused (--trusted-proxy).",
    )

    proxy_secret_file = Unicode(
        "",
        config=True,
        help="File holding the secret the proxy sends in X-Workbench-Proxy-Secret (--proxy-secret-file).",
    )

    refill_nice = Integer(
        0,
        config=True,
        help="Niceness of a preheated kernel started once a viewer has taken one (a refill), so "
        "refills wait while viewers' pages draw; the kernel a viewer takes is put back to 0.",
    )

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        #: Kernels restarted for using more than ``memory_limit_mib``; their pages say so.
        self.restarted_for_memory: set[str] = set()
        #: Viewer kernels Voila started for a page request (not preheated), by page.
        self.page_kernel_ids: dict[str, set[str]] = {}
        #: The notebook's name when Voila serves one notebook rather than a folder.
        self.served_notebook: str | None = None
        #: Whether a viewer has taken a preheated kernel yet: later preheated kernels are refills.
        self.viewer_took_a_kernel = False
        #: Whether the server may put a kernel back to normal priority (the first refusal is logged).
        self.may_raise_priority = True
        # Voila's preheating class (built on this one) hands a viewer a pooled kernel through
        # get_rendered_notebook and defines it itself, so the hand-over is wrapped here.
        hand_over = getattr(self, "get_rendered_notebook", None)
        if hand_over is not None:
            self.get_rendered_notebook = self.promoting(hand_over)
        fill = getattr(self, "fill_if_needed", None)
        if fill is not None:
            self.fill_if_needed = self.within_page_limit(fill)
        # Voila gives every page's executor its own config object: waiting for the viewer is
        # not a cell running too long (CellTimeout).
        config = getattr(self.parent, "config", None)
        if config is not None:
            executor = config.VoilaExecutor
            timeout = str(executor.get("timeout", "")).strip()  # from the command line: text
            executor.timeout_func = CellTimeout(int(timeout) if timeout.lstrip("-").isdigit() else None)
        # The web application does not exist yet: Voila builds it after its kernel manager.
        asyncio.get_event_loop().call_soon(self.install_service_routes)

    def install_service_routes(self) -> None:
        """Add the health and kernel-state endpoints, the page limit and the page-view log to Voila's app."""
        voila = self.parent
        application = getattr(voila, "app", None)
        if application is None:  # not started by Voila (a test of the class alone)
            return
        # The gate first: Host, Origin, and the proxy's address and secret (workbench.cli.gate).
        try:
            gate = Gate.build(
                allowed_hosts=self.allowed_hosts.split(","),
                trusted_proxies=[p for p in self.trusted_proxies.split(",") if p.strip()],
                secret=read_secret(self.proxy_secret_file) if self.proxy_secret_file else None,
                own_address=getattr(voila, "ip", None),
                proxy_header=os.environ.get(TRUSTED_HEADER_ENV, "").strip() or None,
            )
            install_gate(application, gate)
        except Exception as error:  # fail closed: never serve without the gate
            write_log("gate-failed", {"error": str(error)})
            os._exit(3)
        notebook = getattr(voila, "notebook_path", "") or None
        served = os.path.basename(notebook) if notebook else None
        self.served_notebook = served
        for rule in page_rules(application):
            rule.target = page_limited(rule.target, self, served)
        application.add_handlers(
            ".*$",
            [
                (HEALTH_PATH, HealthHandler, {"kernels": self}),
                (KERNEL_STATE_PATH, KernelStateHandler, {"kernels": self}),
            ],
        )
        # Ahead of Voila's own routes, whose catch-all would take the path when one notebook is served.
        rules = application.default_router.rules
        rules.insert(0, rules.pop(-2))

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
                first_output=getattr(handler, "first_output_s", None),
            )
            write_log(event, fields)

        application.settings["log_function"] = log_request
        if self.memory_limit_mib:
            PeriodicCallback(self.restart_kernels_over_memory, MEMORY_CHECK_S * 1000).start()
        from workbench.cli.load_watch import watch_loads  # a refresh recycles preheated kernels

        watch_loads(self, write_log)
        write_log("serving", {"health": HEALTH_PATH, "cull_idle_s": self.cull_idle_timeout})

    def promoting(self, hand_over):
        """Return Voila's hand-over of a pooled kernel, putting that kernel back to normal priority."""

        async def hand_over_at_full_priority(*args: object, **kwargs: object):
            self.viewer_took_a_kernel = True
            handed = await hand_over(*args, **kwargs)
            self.set_kernel_priority(handed[2], 0)  # (render task, rendered cells, kernel id)
            return handed

        return hand_over_at_full_priority

    def pool_size(self, notebook: str) -> int:
        """Return the preheated pool ``notebook`` is given (Voila's ``kernel_pools_config``)."""
        config = getattr(self, "kernel_pools_config", {})
        default = config.get("default", {})
        return int(config.get(notebook, default).get("pool_size", default.get("pool_size", 1)))

    def within_page_limit(self, fill):
        """Return Voila's filling of a pool, refilling only while the page has room for more kernels.

        A page's kernels, its viewers' and its pool's, never number more than
        ``max_kernels_per_page``, so memory stays within that many kernels a page: on a Monday
        morning the pool's kernels go to viewers, and refills are held (logged) once the page is
        at its limit, then made as kernels are culled.
        """

        def fill_within_limit(delay: float | None = None, notebook_name: str | None = None, **kwargs: object):
            limit = self.max_kernels_per_page
            if not limit or notebook_name is None:
                return fill(delay, notebook_name, **kwargs)
            waiting = len(getattr(self, "_pools", {}).get(notebook_name, ()))
            wanted = self.pool_size(notebook_name) - waiting
            viewers = self.viewer_kernel_count(notebook_name)
            room = limit - viewers - waiting
            if wanted <= 0:
                return None
            if room < wanted:
                made = max(room, 0)
                fields = {"page": notebook_name, "viewers": viewers, "waiting": waiting, "limit": limit}
                write_log("pool_refill_held", fields | {"refills": made, "held": wanted - made})
            if room <= 0:
                return None
            if room >= wanted:
                return fill(delay, notebook_name, **kwargs)
            # Fill to the room left: Voila fills to the configured size, so give it the smaller one.
            config = self.kernel_pools_config
            entry = dict(config.get(notebook_name, config.get("default", {})))
            self.kernel_pools_config = {**config, notebook_name: entry | {"pool_size": waiting + room}}
            try:
                return fill(delay, notebook_name, **kwargs)
            finally:
                self.kernel_pools_config = config

        return fill_within_limit

    def set_kernel_priority(self, kernel_id: str, nice: int) -> bool:
        """Give every thread of the kernel's process niceness ``nice``; False when not allowed.

        Threads, not only the process: Linux keeps a niceness per thread, and the threads a kernel
        started while niced (ZeroMQ's, DuckDB's) would stay niced. Lowering the niceness back to 0
        needs root, CAP_SYS_NICE or an RLIMIT_NICE of 20 (systemd ``LimitNICE=+0``); without it the
        kernel keeps its refill niceness, logged once.
        """
        try:
            pid = getattr(self.get_kernel(kernel_id).provisioner, "pid", None)
        except KeyError:  # shut down meanwhile
            return False
        if not pid or (nice == 0 and not self.may_raise_priority):
            return False
        try:
            threads = [thread.id for thread in psutil.Process(pid).threads()]
            for thread in threads:
                os.setpriority(os.PRIO_PROCESS, thread, nice)
        except PermissionError:
            self.may_raise_priority = False
            fields = {"kernel": kernel_id[:8], "nice": self.refill_nice, "why": "needs LimitNICE=+0"}
            write_log("kernel_priority_kept", fields)
            return False
        except (psutil.Error, ProcessLookupError):  # the kernel (or a thread) ended meanwhile
            return False
        return True

    async def start_kernel(self, **kwargs: object) -> str:
        """Start a kernel, noting which page it is for when Voila started it for a page request.

        A preheated kernel started once a viewer has taken one refills a pool: it runs at
        ``refill_nice`` until a viewer takes it, so that it waits while viewers' pages draw.
        """
        kernel_id = await super().start_kernel(**kwargs)
        env = kwargs.get("env") or {}
        if isinstance(env, Mapping) and env.get("VOILA_PREHEAT") == "True":
            if self.viewer_took_a_kernel and self.refill_nice:
                self.set_kernel_priority(kernel_id, self.refill_nice)
        elif isinstance(env, Mapping):
            page = page_of(
                urlsplit(env.get("VOILA_REQUEST_URL", "")).path, getattr(self, "served_notebook", None)
            )
            if page is not None:
                self.page_kernel_ids.setdefault(page, set()).add(kernel_id)
        return kernel_id

    def viewer_kernel_count(self, page: str) -> int:
        """Return how many running kernels hold a view of ``page`` (preheated ones not counted)."""
        running = set(self.list_kernel_ids())
        kernel_ids = self.page_kernel_ids.get(page, set()) & running
        self.page_kernel_ids[page] = kernel_ids
        # With preheating Voila hands each viewer a pooled kernel and records it per notebook.
        for notebook, data in getattr(self, "notebook_data", {}).items():
            if notebook == page or str(notebook).endswith("/" + page):
                kernel_ids = kernel_ids | (set(data.get("kernel_ids", ())) & running)
        return len(kernel_ids - self.preheated_kernel_ids())

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
            "max_kernels_per_page": self.max_kernels_per_page,
            "memory_limit_mib": self.memory_limit_mib,
            "restarted_for_memory": len(self.restarted_for_memory & set(kernel_ids)),
        }

    async def restart_kernels_over_memory(self) -> None:
        """Restart each viewer's kernel that uses more than ``memory_limit_mib``; log each restart.

        A preheated kernel waiting for a viewer is left alone: restarting it would hand the next
        viewer a page with no kernel state. So is a kernel still at work (see :func:`settled`):
        restarted while its page renders, the page would wait for a cell that never ends and
        never show the message; the service's own memory limit (systemd) is the backstop.
        The restart is jupyter_server's plain one (this class's parent), not Voila's, which
        would run the page again for nobody.
        """
        limit = self.memory_limit_mib * 2**20
        waiting = self.preheated_kernel_ids()
        for kernel_id in list(self.list_kernel_ids()):
            kernel = self.get_kernel(kernel_id)
            if kernel_id in waiting or not settled(kernel):
                continue
            pid = getattr(kernel.provisioner, "pid", None)
            used = process_memory(pid) if pid else 0
            if used <= limit:
                continue
            write_log(
                "kernel_over_memory",
                {"kernel": kernel_id[:8], "memory_mib": used // 2**20, "limit_mib": self.memory_limit_mib},
            )
            self.restarted_for_memory.add(kernel_id)
            await super().restart_kernel(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args: object, **kwargs: object) -> None:
        """Shut a kernel down and forget that it was restarted for its memory."""
        self.restarted_for_memory.discard(kernel_id)
        await super().shutdown_kernel(kernel_id, *args, **kwargs)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """jupyter_server's culling, with a log line for each kernel it stops."""
        await super().cull_kernel_if_idle(kernel_id)
        if kernel_id not in self:
            write_log("kernel_culled", {"kernel": kernel_id[:8], "idle_limit_s": self.cull_idle_timeout})
            # A pool held at its page's limit gets the room back (fill_within_limit).
            for notebook in list(getattr(self, "_pools", {})):
                self.fill_if_needed(notebook_name=notebook)
