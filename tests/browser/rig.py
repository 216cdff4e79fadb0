"""Browser test rig: standalone Voila servers, recorded Chromium pages and Vega chart helpers.

Fixtures and reporting hooks live in ``conftest.py``; everything a test calls lives here. Import
from ``tests.browser.rig`` (``from .rig import ...``), never from ``conftest``.

Servers
    :func:`start_voila` serves a notebook or a directory on 127.0.0.1 with the project's settings
    (tracebacks hidden, sources stripped, the offline ``workbench`` template, never
    ``allow_origin='*'``) and yields a :class:`VoilaServer`.
Network
    :func:`record_network` makes a context record every request and abort any that is not to
    loopback (or ``data:``/``blob:``/``about:``), so a CDN dependency fails fast and is still
    reported by :func:`external_requests`.
Pages and charts
    :func:`wait_for_voila_rendered`, :func:`wait_for_chart`, :func:`mark_labels`,
    :func:`mark_figures`, :func:`wait_for_marks_to_change`, :func:`chart_title` and
    :func:`assert_no_error_output`.
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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Route

from workbench.cli.serving import JUPYTER_DATA_DIR, TEMPLATE, VOILA_SETTINGS, culling_settings

ROOT = Path(__file__).resolve().parents[2]
RIG_DIR = Path(__file__).resolve().parent
FIXTURES = RIG_DIR / "fixtures"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

CHROMIUM = Path(os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

#: Served exactly as production serves: the settings come from ``workbench.cli.serving``
#: (tracebacks hidden, sources stripped, the offline ``workbench`` template, URL overrides refused).
WORKBENCH_TEMPLATE = TEMPLATE
TEMPLATE_DATA_DIR = JUPYTER_DATA_DIR

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome-error"})

#: Drawn data marks of a Vega chart rendered as SVG (axes, legends and titles are not marks).
MARK_SELECTOR = "svg.marks g.role-mark:not(.mark-group) > :not(g)"

#: Text that only shows when a cell or a widget failed.
ERROR_TEXTS = (
    "There was an error when executing cell",
    "Traceback (most recent call last)",
    "Error displaying widget",
    "Failed to load model class",
    "Failed to load view class",
)
ERROR_SELECTORS = (
    '[data-mime-type="application/vnd.jupyter.stderr"]',
    '[data-mime-type="application/vnd.jupyter.error"]',
    ".jupyter-widgets-error-widget",
)

#: Console noise on every Voila 0.5.13 page (its bundled JupyterLab is older than the
#: labextensions ask for). Harmless; left out of failure reports.
CONSOLE_NOISE = re.compile(r"^(warning: (Unsatisfied version|No satisfying version)|debug: )")

_READY = re.compile(r"Voil\S* is running at:\s*(http://\S+)")


# --- Voila servers -------------------------------------------------------------------------


class VoilaStartError(RuntimeError):
    """Voila exited or did not listen in time; the message carries the log."""


@dataclass
class VoilaServer:
    """A running standalone Voila server."""

    target: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    command: list[str]
    base_url: str = ""

    @property
    def url(self) -> str:
        """Page URL: the notebook itself, or the tree page when serving a directory."""
        return self.base_url

    def notebook_url(self, name: str) -> str:
        """Page URL of notebook ``name`` (relative to the served directory)."""
        if self.target.is_file():
            raise ValueError("notebook_url() is for a served directory; use .url")
        return f"{self.base_url}voila/render/{name}"

    def log_text(self) -> str:
        """Everything Voila has logged so far."""
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 80) -> str:
        """The last ``lines`` lines of the log."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    def wait_for_log(self, pattern: str, timeout: float = 30.0, count: int = 1) -> None:
        """Wait until regex ``pattern`` occurs ``count`` times in the log."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while len(regex.findall(self.log_text())) < count:
            if self.process.poll() is not None:
                raise VoilaStartError(f"Voila exited ({self.process.returncode}).\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pattern!r} not logged in {timeout} s.\n{self.log_tail()}")
            time.sleep(0.05)

    def wait_for_preheat(self, timeout: float = 60.0, quiet: float = 0.5) -> None:
        """Wait until the preheated kernel has run every code cell of the notebook.

        "Kernel pool ... is filled" only means the kernel started. The server must have been
        started with ``preheat=True`` (which logs at DEBUG), so that each executed cell is logged;
        this waits for all of them and then for ``quiet`` seconds without a new log line.
        """
        if not self.target.is_file():
            raise ValueError("wait_for_preheat() needs a single-notebook server")
        self.wait_for_log(r"Kernel pool of .* is filled", timeout)
        cells = json.loads(self.target.read_text())["cells"]
        code_cells = sum(1 for c in cells if c["cell_type"] == "code" and "".join(c["source"]))
        self.wait_for_log(r"Executing cell:", timeout, count=code_cells)
        deadline = time.monotonic() + timeout
        size = -1
        while (new_size := self.log_path.stat().st_size) != size:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the preheated kernel stayed busy.\n{self.log_tail()}")
            size = new_size
            time.sleep(quiet)


#: Servers started by :func:`start_voila` and not yet stopped (their logs go into failure reports).
LIVE_SERVERS: list[VoilaServer] = []


def _free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check_args(args: Sequence[str]) -> None:
    for arg in args:
        lowered = arg.lower()
        if "allow_origin" in lowered and "*" in arg:
            raise ValueError(f"DESIGN.md section 7 forbids {arg!r}")
        if "show_tracebacks" in lowered and lowered.endswith("true"):
            raise ValueError(f"DESIGN.md section 7 requires tracebacks hidden, not {arg!r}")
        if arg == "--debug":
            raise ValueError("--debug shows tracebacks; use --Voila.log_level=DEBUG")
        if arg.startswith(("--Voila.ip", "--ip")):
            raise ValueError("the rig always binds to 127.0.0.1")


@contextlib.contextmanager
def start_voila(
    target: str | os.PathLike[str],
    log_dir: Path,
    *,
    env: Mapping[str, str | None] | None = None,
    preheat: bool = False,
    pool_size: int = 1,
    template: str | None = WORKBENCH_TEMPLATE,
    extra_args: Sequence[str] = (),
    ready_timeout: float = 60.0,
) -> Iterator[VoilaServer]:
    """Serve ``target`` (a notebook or a directory) with standalone Voila on 127.0.0.1.

    The command is ``python -m voila TARGET --no-browser --port=P --Voila.ip=127.0.0.1``, the
    required and hardening settings above, ``--template=workbench`` and then ``extra_args``
    (which may not widen ``allow_origin``, show tracebacks or change the bind address).

    ``env`` is laid over this process's environment for Voila and hence its kernels (for example
    ``{"WORKBENCH_STORE": "sqlite:////abs/path.sqlite"}``); a ``None`` value removes a variable.
    ``template=None`` serves Voila's stock ``lab`` template, which loads Font Awesome from a CDN.
    ``preheat=True`` adds ``--preheat_kernel=True --pool_size=N`` and DEBUG logging (which
    :meth:`VoilaServer.wait_for_preheat` reads). The log goes to ``log_dir``. On exit the server's
    kernels are killed, then the server gets SIGTERM, and SIGKILL if it has not stopped in 15 s.
    """
    target = Path(target).resolve()
    if not target.exists():
        raise FileNotFoundError(target)
    _check_args(extra_args)
    port = _free_loopback_port()
    command = [
        sys.executable, "-m", "voila", str(target),
        "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
    ]  # fmt: skip
    # template=None serves Voila's stock template (to prove the rig sees its CDN requests).
    # A setting named again in extra_args (such as a shorter cell timeout) replaces the default.
    overridden = {arg.partition("=")[0] for arg in extra_args}
    command += [arg for arg in VOILA_SETTINGS
                if not arg.startswith("--template=") and arg.partition("=")[0] not in overridden]  # fmt: skip
    command += culling_settings()
    if template is not None:
        command.append(f"--template={template}")
    if preheat:
        command += ["--preheat_kernel=True", f"--pool_size={pool_size}", "--Voila.log_level=DEBUG"]
    command += extra_args

    process_env = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            process_env.pop(name, None)
        else:
            process_env[name] = value
    data_dirs = [str(TEMPLATE_DATA_DIR), process_env.get("JUPYTER_PATH", "")]
    process_env["JUPYTER_PATH"] = os.pathsep.join(filter(None, data_dirs))

    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"voila-{target.stem}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=process_env,
            cwd=target if target.is_dir() else target.parent, start_new_session=True,
        )  # fmt: skip
    server = VoilaServer(target=target, process=process, log_path=log_path, command=command)
    LIVE_SERVERS.append(server)
    try:
        deadline = time.monotonic() + ready_timeout
        while not (ready := _READY.search(server.log_text())):
            if process.poll() is not None:
                raise VoilaStartError(
                    f"Voila exited ({process.returncode}) before listening.\n{server.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise VoilaStartError(f"Voila did not listen in {ready_timeout} s.\n{server.log_tail()}")
            time.sleep(0.05)
        server.base_url = ready.group(1).rstrip("/") + "/"
        yield server
    finally:
        LIVE_SERVERS.remove(server)
        _stop(process)


def _kill_kernels(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server's child processes (its kernels), which run in sessions of their own.

    On SIGTERM Voila asks each kernel to shut down and waits for it, which took seconds per
    server; a test's kernels hold nothing that needs a clean shutdown.
    """
    import psutil  # ipykernel's dependency

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(children, timeout=5)


def _stop(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """Kill the kernels, then SIGTERM the server, then SIGKILL its own process group."""
    if process.poll() is None:
        _kill_kernels(process)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


# --- Network recording ---------------------------------------------------------------------


@dataclass
class NetworkLog:
    """What one browser context asked for, and what its pages said on the console."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


_NETWORK: dict[BrowserContext, NetworkLog] = {}


def is_local_url(url: str) -> bool:
    """True for loopback http(s)/ws(s) URLs and for data:, blob: and about: URLs."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in LOOPBACK_HOSTS


def record_network(context: BrowserContext) -> NetworkLog:
    """Record every request, websocket and console line of ``context``; block non-loopback."""
    log = _NETWORK[context] = NetworkLog()

    def block(route: Route) -> None:
        log.blocked.append(route.request.url)
        route.abort("blockedbyclient")

    def watch(page: Page) -> None:
        page.on("websocket", lambda ws: log.websockets.append(ws.url))
        page.on("console", lambda msg: log.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda error: log.console.append(f"pageerror: {error}"))

    context.route(lambda url: not is_local_url(url), block)
    context.on("request", lambda request: log.requests.append(request.url))
    context.on("page", watch)
    context.on("close", lambda _: _NETWORK.pop(context, None))
    return log


def network_log(page: Page) -> NetworkLog:
    """The :class:`NetworkLog` of ``page``'s context (set up by :func:`record_network`)."""
    return _NETWORK[page.context]


def external_requests(page: Page) -> list[str]:
    """Every request and websocket of ``page``'s context that tried to leave the machine."""
    log = network_log(page)
    return [url for url in [*log.requests, *log.websockets] if not is_local_url(url)]


def blocked_requests(page: Page) -> list[str]:
    """Requests the rig aborted because they were not to loopback."""
    return list(network_log(page).blocked)


def all_requests(page: Page) -> list[str]:
    """Every request URL of ``page``'s context, in order."""
    return list(network_log(page).requests)


def console_messages(page: Page, *, noise: bool = False) -> list[str]:
    """Console lines and uncaught page errors, as ``"type: text"`` (``noise=True`` keeps all)."""
    return [line for line in network_log(page).console if noise or not CONSOLE_NOISE.match(line)]


# --- Page and chart helpers ----------------------------------------------------------------


def _scoped(selector: str, within: str | None) -> str:
    return selector if within is None else f"{within} {selector}"


def wait_for_voila_rendered(page: Page, timeout: float = 60_000) -> None:
    """Wait until Voila has run every cell and revealed the page (its spinner is gone)."""
    page.wait_for_function(
        """() => {
            const cells = document.getElementById("rendered_cells");
            return !document.getElementById("loading") && cells && cells.style.display !== "none";
        }""",
        timeout=timeout,
    )


def wait_for_chart(page: Page, timeout: float = 60_000, *, within: str | None = None) -> int:
    """Wait until a Vega chart (inside CSS selector ``within``) has drawn data marks.

    Needs the SVG renderer (``embed_options={"renderer": "svg"}``): a canvas has no elements.
    Returns the number of marks drawn. Timeouts are in milliseconds, as in Playwright.
    """
    selector = _scoped(MARK_SELECTOR, within)
    page.wait_for_function(
        "(selector) => document.querySelectorAll(selector).length > 0",
        arg=selector,
        timeout=timeout,
    )
    return page.locator(selector).count()


def mark_labels(page: Page, *, within: str | None = None) -> list[str]:
    """The ``aria-label`` of each drawn mark, such as ``"domain: health; reviews: 9"``.

    Vega-Lite builds the label from the encoding titles (not the field names), formatted with the
    axis or tooltip format; a number with no format comes out in full (``2.33333333333``).
    """
    return page.eval_on_selector_all(
        _scoped(MARK_SELECTOR, within),
        "marks => marks.map(mark => mark.getAttribute('aria-label')).filter(Boolean)",
    )


def mark_figures(page: Page, *, within: str | None = None) -> list[dict[str, str]]:
    """The marks' aria labels parsed into dicts such as ``{"domain": "health", "reviews": "9"}``."""
    figures = []
    for label in mark_labels(page, within=within):
        pairs = (part.partition(": ") for part in label.split("; "))
        figures.append({key: value for key, _, value in pairs})
    return figures


def wait_for_marks_to_change(
    page: Page, before: Sequence[str], timeout: float = 15_000, *, within: str | None = None
) -> list[str]:
    """Wait until the drawn marks' labels differ from ``before`` and are not empty; return them."""
    page.wait_for_function(
        """([selector, before]) => {
            const labels = [...document.querySelectorAll(selector)]
                .map(mark => mark.getAttribute("aria-label")).filter(Boolean);
            return labels.length > 0 && JSON.stringify(labels) !== JSON.stringify(before);
        }""",
        arg=[_scoped(MARK_SELECTOR, within), list(before)],
        timeout=timeout,
    )
    return mark_labels(page, within=within)


def chart_title(page: Page, *, within: str | None = None) -> str:
    """The chart's title text (empty when it has none)."""
    titles = page.locator(_scoped("svg.marks .role-title-text text", within))
    return " ".join(titles.all_text_contents())


def assert_no_error_output(page: Page) -> None:
    """Fail if a cell failed or a widget could not be shown.

    Call it once the page has rendered (:func:`wait_for_voila_rendered`): a cell's error message
    appears only when execution reaches that cell. Errors raised in widget callbacks show nothing
    on the page; assert on the effect instead (for example that the marks changed).
    """
    body = page.inner_text("body")
    problems = [text for text in ERROR_TEXTS if text in body]
    for selector in ERROR_SELECTORS:
        for element in page.locator(selector).all():
            if element.is_visible():
                problems.append(f"{selector}: {element.inner_text()[:300]}")
    assert not problems, "error output on the page:\n" + "\n".join(problems)


def screenshot_whole(page: Page, path: Path, width: int = 1280) -> None:
    """Screenshot every rendered cell: Voila scrolls inside its own panel, so grow the viewport to fit.

    ``full_page=True`` does not help there (the document itself never scrolls). The viewport is
    put back to ``width`` x 900 afterwards.
    """
    height = page.evaluate("() => document.getElementById('rendered_cells').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(max(900, height + 40), 8000)})
    time.sleep(0.3)
    page.screenshot(path=path)
    page.set_viewport_size({"width": width, "height": 900})


_DRAWING = """(selector) => {
    const titles = [...document.querySelectorAll(selector + " svg.marks .role-title-text text")];
    const marks = [...document.querySelectorAll(selector + " " + MARKS)];
    return [titles.map(t => t.textContent).join(" "),
            ...marks.map(mark => mark.getAttribute("aria-label")).filter(Boolean)];
}""".replace("MARKS", json.dumps(MARK_SELECTOR))


def chart_drawing(page: Page, *, within: str) -> list[str]:
    """The chart's title, then its marks' aria labels: what differs when a new chart is drawn.

    Two charts with the same marks and different titles (such as two workers' "no scores yet")
    still differ here, where :func:`mark_labels` alone would not see a change.
    """
    return page.evaluate(_DRAWING, within)


def wait_for_chart_to_change(
    page: Page, before: Sequence[str], timeout: float = 15_000, *, within: str
) -> list[str]:
    """Wait until the chart inside ``within`` has marks and its title or marks differ from ``before``."""
    page.wait_for_function(
        f"""([selector, before]) => {{
            const now = ({_DRAWING})(selector);
            return now.length > 1 && JSON.stringify(now) !== JSON.stringify(before);
        }}""",
        arg=[within, list(before)],
        timeout=timeout,
    )
    return chart_drawing(page, within=within)


def kernel_waits_for_request(server: VoilaServer) -> bool:
    """True when a kernel of ``server`` is connected back to it: waiting in ``voila.utils.wait_for_request``.

    A preheated dashboard reads the store and then waits there for the viewer's request (see
    ``widgets/viewer.py``); that wait is a websocket from the kernel to Voila's own port, and
    nothing is logged for it.
    """
    return bool(kernels_waiting_for_request(server))


def kernels_waiting_for_request(server: VoilaServer) -> list[int]:
    """Return the pids of ``server``'s kernels waiting for their viewer's request (a full pool's all).

    See :func:`kernel_waits_for_request`: each waits on a websocket to Voila's own port.
    """
    import psutil  # ipykernel's dependency: only the preheat checks need it

    port = urlsplit(server.base_url).port
    try:
        kernels = psutil.Process(server.process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    waiting = []
    for kernel in kernels:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            for connection in kernel.net_connections(kind="tcp"):
                if connection.raddr and connection.raddr.port == port and connection.status == "ESTABLISHED":
                    waiting.append(kernel.pid)
                    break
    return waiting


def wait_for_preheated_page(server: VoilaServer, timeout: float = 60.0) -> None:
    """Wait until the preheated kernel has run the notebook, or as far as it can before a request.

    Either every code cell ran (:meth:`VoilaServer.wait_for_preheat`), or the kernel is waiting
    for the viewer's request in ``wait_for_request`` (:func:`kernel_waits_for_request`), having
    done everything before it.
    """
    deadline = time.monotonic() + timeout
    server.wait_for_log(r"Kernel pool of .* is filled", timeout)
    cells = json.loads(server.target.read_text())["cells"]
    code_cells = sum(1 for c in cells if c["cell_type"] == "code" and "".join(c["source"]))
    executing = re.compile(r"Executing cell:")
    while not kernel_waits_for_request(server):
        if len(executing.findall(server.log_text())) >= code_cells:
            server.wait_for_preheat(max(1.0, deadline - time.monotonic()))
            return
        if server.process.poll() is not None:
            raise VoilaStartError(f"Voila exited ({server.process.returncode}).\n{server.log_tail()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the preheated kernel did not finish in {timeout} s.\n{server.log_tail()}")
        time.sleep(0.1)
