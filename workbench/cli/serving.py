"""How dashboards are served: the standalone Voila command line and its environment.

Production (``workbench serve``) and the browser tests build the command here, so the tests
serve exactly what users get (DESIGN.md section 7):
- standalone Voila, never the JupyterLab ``/voila`` route;
- tracebacks hidden and sources stripped;
- the offline ``workbench`` template (Voila's stock template links Font Awesome from a CDN),
  with template and theme overrides from the URL refused, so ``?template=lab`` cannot bring
  the CDN links back;
- a cell timeout, idle kernels culled (``--cull-idle-after``);
- a health endpoint and one log line per page view (``workbench.cli.service``);
- a port that is taken is an error, never a quiet move to the next port;
- SIGTERM or SIGINT stops Voila and its kernels, and Voila dies with `workbench serve` even
  when that is killed (``workbench.cli.voila_process``);
- uploads up to 200 MiB over the widget websocket for the import notebook, and
  :data:`SERVED_MAX_MESSAGE` for `workbench serve`, whose dashboards upload nothing;
- Host and Origin checked, and the proxy header believed only from the proxy with its
  secret (``workbench.cli.gate``);
- bound to loopback unless the caller names another address (only behind an authenticating
  proxy), and never ``allow_origin='*'``.

This module builds a command line only; it does not import Voila.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from workbench.cli.options import store_option
from workbench.cli.voila_process import run_until_stopped, start_voila
from workbench.core.codes import DATA_DIR
from workbench.store.engine import ENV_VAR, Store, StoreError, absolute_store_url

PROJECT_DIR = DATA_DIR.parent
DASHBOARDS_DIR = PROJECT_DIR / "dashboards"
#: A Jupyter data directory holding the offline ``workbench`` Voila template.
JUPYTER_DATA_DIR = PROJECT_DIR / "share" / "jupyter"
TEMPLATE = "workbench"

#: Settings every served dashboard gets, in production and in the browser tests alike.
VOILA_SETTINGS: tuple[str, ...] = (
    "--show_tracebacks=False",
    "--strip_sources=True",
    f"--template={TEMPLATE}",
    "--VoilaConfiguration.allow_template_override=NO",
    "--VoilaConfiguration.allow_theme_override=NO",
    "--VoilaExecutor.timeout=300",
    # Uploaded extracts travel over the widget websocket; tornado's 10 MiB default would drop
    # the connection for a typical extract.
    '--Voila.tornado_settings={"websocket_max_message_size": 209715200, "allow_remote_access": False}',
    # The health endpoint, page-view logs and culling log (workbench.cli.service).
    "--VoilaConfiguration.multi_kernel_manager_class=workbench.cli.service.WorkbenchKernelManager",
)

#: Bytes a websocket message may have on the served dashboards (none uploads anything).
SERVED_MAX_MESSAGE = 4 * 1024 * 1024


def tornado_settings(max_message: int, allowed_hosts: tuple[str, ...] = ()) -> str:
    """Return Voila's tornado settings: message size, Host check on, the deployment's host names."""
    names = ", ".join(repr(name) for name in ("localhost", *allowed_hosts))
    return (
        f'--Voila.tornado_settings={{"websocket_max_message_size": {max_message}, '
        f'"allow_remote_access": False, "local_hostnames": [{names}]}}'
    )


#: The most kernels one page holds for its viewers; a further viewer is asked to come back later.
MAX_KERNELS_PER_PAGE = 10

#: MiB of memory a viewer's kernel may use before it is restarted (a la-decade page needs 1.5 GiB).
KERNEL_MEMORY_LIMIT_MIB = 4096

#: Seconds a kernel may sit idle with no page connected before it is stopped.
CULL_IDLE_AFTER_S = 1800

#: Preheated kernels each page keeps waiting for its next viewer, unless ``--pool-size`` says otherwise.
DEFAULT_POOL_SIZE = 1

#: The most kernels ``--pool-size`` may keep waiting for one page (each holds memory all day).
MAX_POOL_SIZE = 100

#: Niceness of a kernel started to refill a pool once viewers have come (docs/deploy.md).
REFILL_NICE = 10


def pool_sizes(
    values: tuple[str, ...] | list[str],
    *,
    dashboards: Path = DASHBOARDS_DIR,
    max_kernels_per_page: int = MAX_KERNELS_PER_PAGE,
) -> dict[str, int]:
    """Return the preheated pool of each page from ``--pool-size`` values: ``N`` or ``PAGE=N``.

    ``N`` sets every page's pool (the ``"default"`` key, :data:`DEFAULT_POOL_SIZE` unless given);
    ``PAGE=N`` one dashboard's, such as ``team-lead.ipynb=20`` for a Monday morning's team leads.
    A bad value raises ``ValueError`` saying what was expected. A pool larger than
    ``max_kernels_per_page`` is refused: viewers past that limit would be turned away while
    pooled kernels sat waiting.
    """
    sizes = {"default": DEFAULT_POOL_SIZE}
    pages = sorted(path.name for path in Path(dashboards).glob("*.ipynb"))
    for value in values:
        page, equals, number = value.rpartition("=")
        page = page.strip()
        if equals and not page:
            raise ValueError(f"--pool-size {value!r}: a page name must come before '='")
        if not re.fullmatch(r"\s*\d+\s*", number) or not 0 <= int(number) <= MAX_POOL_SIZE:
            raise ValueError(
                f"--pool-size {value!r}: expected a number of kernels from 0 to {MAX_POOL_SIZE}, "
                "for every page (such as 2) or for one page (such as team-lead.ipynb=20)"
            )
        if page and page not in pages:
            raise ValueError(
                f"--pool-size {value!r}: there is no dashboard {page!r}; the pages are {', '.join(pages)}"
            )
        sizes[page or "default"] = int(number)
    if max_kernels_per_page:
        for page, size in sizes.items():
            if size > max_kernels_per_page:
                where = "every page" if page == "default" else page
                raise ValueError(
                    f"--pool-size {size} for {where} is more than --max-kernels-per-page "
                    f"{max_kernels_per_page}: viewers past {max_kernels_per_page} would be turned away "
                    "while pooled kernels wait; raise --max-kernels-per-page too"
                )
    return sizes


def pool_settings(sizes: Mapping[str, int], refill_nice: int = REFILL_NICE) -> list[str]:
    """Return Voila's settings for preheated pools of ``sizes`` (from :func:`pool_sizes`).

    Each page gets its own pool (Voila's ``kernel_pools_config``); kernels that refill a pool
    after a viewer took one start at niceness ``refill_nice`` (``WorkbenchKernelManager``).
    """
    if not 0 <= refill_nice <= 19:
        raise ValueError(f"a refill's niceness must be from 0 to 19, not {refill_nice}")
    config = {page: {"pool_size": size} for page, size in sizes.items()}
    return [
        "--preheat_kernel=True",
        f"--pool_size={sizes.get('default', DEFAULT_POOL_SIZE)}",
        f"--VoilaKernelManager.kernel_pools_config={json.dumps(config, sort_keys=True)}",
        f"--WorkbenchKernelManager.refill_nice={refill_nice}",
    ]


def culling_settings(idle_after: int = CULL_IDLE_AFTER_S) -> tuple[str, ...]:
    """Return the settings that stop kernels idle for ``idle_after`` seconds with no page open.

    A page still open in a browser keeps its kernel (``cull_connected`` stays off): culling it
    would leave the viewer a page that no longer answers. Idleness is checked every tenth of
    the limit, at least every 5 minutes.
    """
    if idle_after < 1:
        raise ValueError("idle kernels must be culled after at least 1 second")
    interval = max(1, min(300, idle_after // 10))
    return (
        f"--MappingKernelManager.cull_idle_timeout={idle_after}",
        f"--MappingKernelManager.cull_interval={interval}",
    )


def voila_command(
    target: Path = DASHBOARDS_DIR,
    *,
    port: int = 8866,
    ip: str = "127.0.0.1",
    preheat: bool = False,
    pools: Mapping[str, int] | None = None,
    refill_nice: int = REFILL_NICE,
    trust_proxy_header: str | None = None,
    cull_idle_after: int = CULL_IDLE_AFTER_S,
    max_kernels_per_page: int = MAX_KERNELS_PER_PAGE,
    kernel_memory_limit: int = KERNEL_MEMORY_LIMIT_MIB,
    allowed_hosts: tuple[str, ...] = (),
    trusted_proxies: tuple[str, ...] = (),
    proxy_secret_file: str | os.PathLike[str] | None = None,
) -> list[str]:
    """Return the standalone Voila command that serves ``target`` (a dashboard or a folder).

    ``preheat`` runs each dashboard in waiting kernels, so a viewer does not wait for the store
    to be read: ``pools`` (from :func:`pool_sizes`) says how many kernels wait for each page,
    :data:`DEFAULT_POOL_SIZE` each unless given. ``trust_proxy_header`` (such as ``X-Workbench-User``) asks
    Voila to hand that request header to each kernel (``http_header_envs``); only name it when
    an authenticating proxy sets it and strips any copy a client sent (docs/deploy.md).
    """
    for name in allowed_hosts:
        if not re.fullmatch(r"[A-Za-z0-9.-]+", name):
            raise ValueError(f"{name!r} is not a host name")
    settings = [arg for arg in VOILA_SETTINGS if not arg.startswith("--Voila.tornado_settings=")]
    command = [
        sys.executable, "-m", "voila", str(target),
        "--no-browser", f"--port={port}", f"--Voila.ip={ip}", "--Voila.port_retries=0",
        *settings, tornado_settings(SERVED_MAX_MESSAGE, allowed_hosts), *culling_settings(cull_idle_after),
        f"--WorkbenchKernelManager.max_kernels_per_page={max_kernels_per_page}",
        f"--WorkbenchKernelManager.memory_limit_mib={kernel_memory_limit}",
    ]  # fmt: skip
    if preheat:
        command += pool_settings(pools or {"default": DEFAULT_POOL_SIZE}, refill_nice)
    if trust_proxy_header:
        command.append(proxy_header_setting(trust_proxy_header))
    if allowed_hosts:
        command.append(f"--WorkbenchKernelManager.allowed_hosts={','.join(allowed_hosts)}")
    if trusted_proxies:
        for proxy in trusted_proxies:
            ipaddress.ip_network(proxy.strip("[]"), strict=False)  # ValueError for a non-address
        command.append(f"--WorkbenchKernelManager.trusted_proxies={','.join(trusted_proxies)}")
    if proxy_secret_file is not None:
        command.append(f"--WorkbenchKernelManager.proxy_secret_file={Path(proxy_secret_file).resolve()}")
    return command


def proxy_header_setting(header: str) -> str:
    """Return the Voila setting that passes request header ``header`` to kernels."""
    if not re.fullmatch(r"[A-Za-z0-9-]+", header):
        raise ValueError(f"{header!r} is not an HTTP header name (letters, digits and hyphens)")
    return f'--VoilaConfiguration.http_header_envs=["{header}"]'


def identity_environment(
    env: dict[str, str],
    *,
    trust_proxy_header: str | None = None,
    identity_file: str | os.PathLike[str] | None = None,
    demo_user: str | None = None,
) -> dict[str, str]:
    """Set the variables ``workbench.access.current_identity`` reads in each kernel.

    A trusted proxy header or a deployment identity file turns the demo identities off; a
    demo user only chooses among data/demo-identities.yaml.
    """
    from workbench.access import DEMO_USER_ENV, IDENTITY_FILE_ENV, TRUSTED_HEADER_ENV

    if identity_file is not None:
        env[IDENTITY_FILE_ENV] = str(Path(identity_file).resolve())
    if trust_proxy_header:
        env[TRUSTED_HEADER_ENV] = trust_proxy_header
    if demo_user:
        env[DEMO_USER_ENV] = demo_user
    return env


def voila_environment(
    store: str, base: Mapping[str, str] | None = None, ip: str = "127.0.0.1"
) -> dict[str, str]:
    """Return the environment for Voila and its kernels: the store URL and the template path.

    A preheated kernel fetches its viewer's request from Voila at ``VOILA_APP_IP`` (127.0.0.1
    unless set), so a server bound elsewhere (``::1``, one address) tells its kernels where.
    """
    env = dict(os.environ if base is None else base)
    env[ENV_VAR] = store
    if ip not in ("127.0.0.1", "0.0.0.0", "localhost"):  # noqa: S104 - compared, not bound
        env["VOILA_APP_IP"] = f"[{ip}]" if ":" in ip else ip
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(JUPYTER_DATA_DIR), env.get("JUPYTER_PATH", "")]))
    return env


@click.command()
@store_option
@click.option("--port", type=int, default=8866, show_default=True)
@click.option(
    "--ip",
    default="127.0.0.1",
    show_default=True,
    help="Bind address. Keep loopback unless behind an authenticating proxy.",
)
@click.option(
    "--preheat/--no-preheat",
    default=True,
    show_default=True,
    help="Run each dashboard in waiting kernels (a pool), so its viewers wait less.",
)
@click.option(
    "--pool-size",
    "pool_size_values",
    metavar="[PAGE=]N",
    multiple=True,
    help=f"Preheated kernels kept waiting for each page (N, default {DEFAULT_POOL_SIZE}) or for one "
    "page (PAGE=N, e.g. team-lead.ipynb=20 for 20 team leads on a Monday morning); repeatable. Each "
    "holds memory all day: size it from the kernel's USS (docs/deploy.md).",
)
@click.option(
    "--refill-nice",
    type=click.IntRange(0, 19),
    default=REFILL_NICE,
    show_default=True,
    metavar="N",
    help="Niceness of the kernels that refill a pool after viewers took its kernels, so refills "
    "wait while viewers' pages draw; a taken kernel is put back to normal priority.",
)
@click.option(
    "--trust-proxy-header",
    metavar="NAME",
    default=None,
    help="Take the viewer's user name from this request header (e.g. X-Workbench-User), set by an "
    "authenticating proxy that strips any copy from the client. Needs --identity-file.",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    metavar="ADDR",
    multiple=True,
    help="Address (or network) of the authenticating proxy; repeatable. With --trust-proxy-header "
    "a request from any other address is refused (403).",
)
@click.option(
    "--proxy-secret-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File holding the secret the proxy sends in X-Workbench-Proxy-Secret; with "
    "--trust-proxy-header a request without it is refused (403).",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    metavar="NAME",
    multiple=True,
    help="A host name this deployment is reached by (the proxy's Host), besides loopback and "
    "localhost; repeatable. Any other Host, or an Origin of another host, is refused (403).",
)
@click.option(
    "--identity-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="YAML file mapping user names to roles (docs/deploy.md); turns the demo identities off.",
)
@click.option(
    "--demo-user",
    metavar="USER",
    default=None,
    help="View the demo as this user from data/demo-identities.yaml (default: demo-head-of-pi).",
)
@click.option(
    "--cull-idle-after",
    type=click.IntRange(min=1),
    default=CULL_IDLE_AFTER_S,
    show_default=True,
    metavar="SECONDS",
    help="Stop a page's kernel after it has been idle this long with no browser connected.",
)
@click.option(
    "--max-kernels-per-page",
    type=click.IntRange(min=0),
    default=MAX_KERNELS_PER_PAGE,
    show_default=True,
    metavar="N",
    help="The most kernels one page holds for its viewers (0: no limit); a further viewer is "
    "asked to try again later.",
)
@click.option(
    "--kernel-memory-limit",
    type=click.IntRange(min=0),
    default=KERNEL_MEMORY_LIMIT_MIB,
    show_default=True,
    metavar="MIB",
    help="Restart a viewer's kernel that uses more memory than this (0: no limit); the page "
    "tells its viewer to reload.",
)
def serve(
    store: str | None,
    port: int,
    ip: str,
    preheat: bool,
    pool_size_values: tuple[str, ...] = (),
    refill_nice: int = REFILL_NICE,
    trust_proxy_header: str | None = None,
    identity_file: Path | None = None,
    demo_user: str | None = None,
    cull_idle_after: int = CULL_IDLE_AFTER_S,
    max_kernels_per_page: int = MAX_KERNELS_PER_PAGE,
    kernel_memory_limit: int = KERNEL_MEMORY_LIMIT_MIB,
    trusted_proxies: tuple[str, ...] = (),
    proxy_secret_file: Path | None = None,
    allowed_hosts: tuple[str, ...] = (),
) -> None:
    """Serve the dashboards with standalone Voila (tracebacks hidden, offline template).

    SIGTERM or SIGINT (Ctrl+C) stops Voila and every kernel within about 10 seconds and exits 0.
    The service's health is at /workbench/health; each page view is logged on stderr.
    """
    refuse_an_unsafe_set_up(
        ip=ip,
        trust_proxy_header=trust_proxy_header,
        identity_file=identity_file,
        demo_user=demo_user,
        trusted_proxies=trusted_proxies,
        proxy_secret_file=proxy_secret_file,
    )
    if pool_size_values and not preheat:
        raise click.ClickException("--pool-size sizes the preheated pools; it cannot go with --no-preheat")
    try:
        pools = pool_sizes(pool_size_values, max_kernels_per_page=max_kernels_per_page)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    url = absolute_store_url(store)
    try:
        counts = Store(url).row_counts()
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    if not counts["outcomes"]:
        raise click.ClickException(
            f"the store {url} holds no outcomes; load an extract first: workbench load data/demo --demo"
        )
    from workbench.access import IDENTITY_FILE_ENV

    configured = identity_file or trust_proxy_header or os.environ.get(IDENTITY_FILE_ENV, "").strip()
    if not configured and not Store(url).is_demo():
        raise click.ClickException(
            "refusing to serve: this store is not the demo, and no identity file says who may "
            "see what. Give --identity-file PATH (with --trust-proxy-header NAME behind an "
            "authenticating proxy, or WORKBENCH_USER for one user); see docs/deploy.md. Only a "
            "store loaded with `workbench load data/demo --demo` is shown with the demo identities."
        )
    refuse_a_taken_port(ip, port)
    click.echo(f"Serving the dashboards at http://{ip}:{port}/ (Ctrl+C to stop)")
    click.echo(f"  Service overview: http://{ip}:{port}/voila/render/service-overview.ipynb")
    click.echo(f"  Early help, CIN:  http://{ip}:{port}/voila/render/early-help-and-cin.ipynb")
    click.echo(f"  Team lead:        http://{ip}:{port}/voila/render/team-lead.ipynb")
    click.echo(f"  Appraisal:        http://{ip}:{port}/voila/render/appraisal.ipynb")
    click.echo(f"  Outcome plan:     http://{ip}:{port}/voila/render/outcome-plan.ipynb")
    click.echo(f"  Health:           http://{ip}:{port}/workbench/health")
    if not (identity_file or trust_proxy_header):
        click.echo(f"  Viewing as the demo user {demo_user or 'demo-head-of-pi'} (data/demo-identities.yaml)")
    command = voila_command(
        port=port,
        ip=ip,
        preheat=preheat,
        pools=pools,
        refill_nice=refill_nice,
        trust_proxy_header=trust_proxy_header,
        cull_idle_after=cull_idle_after,
        max_kernels_per_page=max_kernels_per_page,
        kernel_memory_limit=kernel_memory_limit,
        allowed_hosts=allowed_hosts,
        trusted_proxies=trusted_proxies,
        proxy_secret_file=proxy_secret_file,
    )
    env = identity_environment(
        voila_environment(url, ip=ip),
        trust_proxy_header=trust_proxy_header,
        identity_file=identity_file,
        demo_user=demo_user,
    )
    exit_code = run_until_stopped(start_voila(command, env))
    if exit_code is not None:
        raise click.ClickException(f"Voila stopped by itself (exit code {exit_code}); see the log above")
    click.echo("Stopped: Voila and its kernels have exited.", err=True)


def refuse_an_unsafe_set_up(
    *,
    ip: str,
    trust_proxy_header: str | None,
    identity_file: Path | None,
    demo_user: str | None,
    trusted_proxies: tuple[str, ...],
    proxy_secret_file: Path | None,
) -> None:
    """Refuse serve options that would let someone be served as a user they are not."""
    if trust_proxy_header and identity_file is None:
        raise click.ClickException("--trust-proxy-header needs --identity-file to map users to roles")
    if demo_user and (identity_file or trust_proxy_header):
        raise click.ClickException(
            "--demo-user is for the demo; a deployment takes users from its identity file"
        )
    if trust_proxy_header and not (trusted_proxies and proxy_secret_file):
        raise click.ClickException(
            "--trust-proxy-header needs --trusted-proxy ADDR (the proxy's address) and "
            "--proxy-secret-file PATH (the secret the proxy sends in X-Workbench-Proxy-Secret), "
            "so that nobody but the proxy can name a user (docs/deploy.md)"
        )
    if (trusted_proxies or proxy_secret_file) and not trust_proxy_header:
        raise click.ClickException("--trusted-proxy and --proxy-secret-file go with --trust-proxy-header")
    if proxy_secret_file is not None:
        from workbench.cli.gate import read_secret

        try:
            read_secret(proxy_secret_file)
        except (OSError, ValueError) as error:
            raise click.ClickException(str(error)) from error
    if ip not in ("127.0.0.1", "localhost", "::1") and not trust_proxy_header:
        raise click.ClickException(
            f"refusing to listen on {ip}: only an authenticating proxy may reach the workbench. Keep "
            "the loopback address, or put the proxy in front and name it (docs/deploy.md)"
        )


def refuse_a_taken_port(ip: str, port: int) -> None:
    """Fail with a clear message when ``ip:port`` is already in use (another server holds it)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # The same option tornado sets, so a port in TIME_WAIT after a clean stop counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError as error:
            raise click.ClickException(
                f"port {port} on {ip} is in use ({error.strerror}); is another workbench serve running?"
            ) from error


def health_summary(report: Mapping[str, object]) -> list[str]:
    """Return the health endpoint's answer in plain lines, for an operator's terminal."""
    store = report.get("store", {})
    kernels = report.get("kernels", {})
    opens = "opens" if store.get("opens") else "does NOT open"
    return [
        f"Status: {report.get('status', 'unknown')}",
        f"Store: {opens}; latest date in the data: {store.get('latest_date_in_data') or 'none'}",
        f"Kernels: {kernels.get('running', 0)} running ({kernels.get('preheated', 0)} preheated, "
        f"{kernels.get('viewing', 0)} viewing), {kernels.get('memory_mib', 0)} MiB",
        f"Limits: idle kernels culled after {kernels.get('cull_idle_s')} s, "
        f"{kernels.get('max_kernels_per_page')} kernels a page, "
        f"{kernels.get('memory_limit_mib')} MiB a kernel; "
        f"{kernels.get('restarted_for_memory', 0)} restarted for memory",
    ]


@click.command()
@click.option("--port", type=int, default=8866, show_default=True)
@click.option("--ip", default="127.0.0.1", show_default=True, help="Where workbench serve listens.")
@click.option("--json", "as_json", is_flag=True, help="Print the health endpoint's JSON as it is.")
def status(port: int, ip: str, as_json: bool) -> None:
    """Say whether a running `workbench serve` is healthy (exit 0) or not (exit 1).

    Reads /workbench/health: whether the store opens, the latest date in the data, and the
    kernels running and their memory. It needs no identity and shows no child's data.
    """
    import json
    import urllib.error
    import urllib.request

    host = f"[{ip}]" if ":" in ip else ip
    url = f"http://{host}:{port}/workbench/health"
    try:
        with urllib.request.urlopen(url, timeout=15) as answer:
            body = answer.read()
    except urllib.error.HTTPError as error:  # 503: the store does not open
        body = error.read()
    except OSError as error:
        raise click.ClickException(f"no workbench serve answers at {url}: {error}") from error
    report = json.loads(body)
    click.echo(body.decode() if as_json else "\n".join(health_summary(report)))
    if report.get("status") != "ok":
        raise SystemExit(1)
