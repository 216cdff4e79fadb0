"""How dashboards are served: the standalone Voila command line and its environment.

Production (``workbench serve``) and the browser tests build the command here, so the tests
serve exactly what users get (DESIGN.md section 7):
- standalone Voila, never the JupyterLab ``/voila`` route;
- tracebacks hidden and sources stripped;
- the offline ``workbench`` template (Voila's stock template links Font Awesome from a CDN),
  with template and theme overrides from the URL refused, so ``?template=lab`` cannot bring
  the CDN links back;
- a cell timeout, idle kernels culled;
- uploads up to 200 MiB over the widget websocket (larger extracts go through the CLI);
- bound to loopback unless the caller names another address (only behind an authenticating
  proxy), and never ``allow_origin='*'``.

This module builds a command line only; it does not import Voila.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from workbench.codes import DATA_DIR
from workbench.store import ENV_VAR

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
    "--MappingKernelManager.cull_idle_timeout=1800",
    "--MappingKernelManager.cull_interval=300",
    # Uploaded extracts travel over the widget websocket; tornado's 10 MiB default would drop
    # the connection for a typical extract.
    '--Voila.tornado_settings={"websocket_max_message_size": 209715200}',
)


def voila_command(
    target: Path = DASHBOARDS_DIR,
    *,
    port: int = 8866,
    ip: str = "127.0.0.1",
    preheat: bool = False,
    trust_proxy_header: str | None = None,
) -> list[str]:
    """Return the standalone Voila command that serves ``target`` (a dashboard or a folder).

    ``preheat`` runs each dashboard once in a waiting kernel, so the first viewer does not
    wait for the store to be read. ``trust_proxy_header`` (such as ``X-Workbench-User``) asks
    Voila to hand that request header to each kernel (``http_header_envs``); only name it when
    an authenticating proxy sets it and strips any copy a client sent (docs/deploy.md).
    """
    command = [
        sys.executable, "-m", "voila", str(target),
        "--no-browser", f"--port={port}", f"--Voila.ip={ip}",
        *VOILA_SETTINGS,
    ]  # fmt: skip
    if preheat:
        command += ["--preheat_kernel=True", "--pool_size=1"]
    if trust_proxy_header:
        command.append(proxy_header_setting(trust_proxy_header))
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


def voila_environment(store: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment for Voila and its kernels: the store URL and the template path."""
    env = dict(os.environ if base is None else base)
    env[ENV_VAR] = store
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(JUPYTER_DATA_DIR), env.get("JUPYTER_PATH", "")]))
    return env
