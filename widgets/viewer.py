"""Who is viewing a dashboard: the trusted identity, read once Voila has handed over the request.

With preheated kernels Voila runs a dashboard before anyone asks for it; the request (and any
proxy header named in ``http_header_envs``) reaches the kernel only when
``voila.utils.wait_for_request`` returns. So a dashboard reads the store first (the slow part,
done while preheating), then calls :func:`viewer_identity`, then builds its widgets.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable

import ipywidgets as W
import pandas as pd

from workbench.access import AccessRefusedError, Identity, Scope, current_identity


def viewer_identity() -> Identity:
    """Wait for the viewer's request when preheated, then return their identity (or refuse)."""
    try:
        from voila.utils import wait_for_request
    except ImportError:  # not under Voila (JupyterLab, nbval): nothing to wait for
        pass
    else:
        wait_for_request()
    return current_identity(os.environ)


def refusal(error: AccessRefusedError) -> W.HTML:
    """Return the message a viewer sees when the workbench cannot tell who they are."""
    message = W.HTML(
        '<div role="alert"><h2>You cannot see this dashboard</h2>'
        f"<p>{html.escape(str(error))}</p>"
        "<p>Nothing is shown until the workbench knows who you are and what your role allows.</p></div>"
    )
    message.add_class("wb-refused")
    return message


def viewer_page(build: Callable[[Identity], W.Widget]) -> W.Widget:
    """Return ``build(viewer)`` for the trusted viewer, or the refusal when they cannot see it.

    Every dashboard builds its page through this, so none handles identity or refusal itself.
    """
    try:
        return build(viewer_identity())
    except AccessRefusedError as error:
        return refusal(error)


def scope_caption(scope: Scope, teams: pd.DataFrame) -> W.HTML:
    """Return a line saying who is viewing and which children the figures count (escaped)."""
    identity = scope.identity
    if scope.everything:
        what = "every team in the service"
    elif scope.worker_id is not None:
        what = "only your own caseload"
    else:
        names = teams.loc[teams["team_id"].isin(scope.team_ids), "name"].sort_values()
        what = "only " + ", ".join(names)
    caption = W.HTML(
        f"<p>Viewing as <strong>{html.escape(identity.name or identity.user)}</strong> "
        f"({html.escape(identity.title)}): the figures count {html.escape(what)}.</p>"
    )
    caption.add_class("wb-viewer")
    return caption


def quiet_tracebacks() -> None:
    """In a served dashboard's kernel, report exceptions as their type and message only.

    ipywidgets shows the traceback of an exception in a widget's message handler (a crafted
    message can raise one) to the viewer's websocket, whatever Voila's ``show_tracebacks``
    says; in ``Minimal`` mode it carries no source lines and no server paths (security review
    2026-12, finding 6). Only in Voila's kernels (``VOILA_BASE_URL``): analysts' notebooks keep
    full tracebacks.
    """
    if "VOILA_BASE_URL" not in os.environ:
        return
    # The comm package logs a failed comm_open or comm_msg with its traceback, and the kernel's
    # stderr reaches the viewer: keep the message, drop the traceback.
    for name in ("Comm", "ipykernel.comm"):
        logging.getLogger(name).addFilter(_drop_traceback)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "InteractiveTB"):
        shell.InteractiveTB.set_mode(mode="Minimal")


def _drop_traceback(record: logging.LogRecord) -> bool:
    """Keep the log record, without its exception's traceback (a logging filter)."""
    record.exc_info = None
    record.exc_text = None
    return True
