"""The request gate of `workbench serve`: who may reach Voila at all (security review 2026-12).

Every HTTP request and websocket handshake passes :func:`refusal` before Voila sees it; a
refused one gets a plain 403 page (:class:`RefusedHandler`) and never reaches a kernel.

- **Host and Origin** (finding 4, DNS rebinding): the ``Host`` must be a loopback address,
  ``localhost``, or a name on the deployment's allow-list (``--allow-host``). An ``Origin``,
  when a browser sends one, must name the same host. jupyter_server's own ``check_host`` is on
  as well (``allow_remote_access`` off, ``local_hostnames`` the allow-list).
- **The proxy header is believed only from the proxy** (finding 1): with
  ``--trust-proxy-header``, a request must come from a trusted proxy address
  (``--trusted-proxy``) *and* carry the shared secret (``--proxy-secret-file``) in
  :data:`SECRET_HEADER`, or it is refused; the secret is then removed from the request, so no
  kernel and no log sees it. Two paths are exempt from this check (not from the Host check):
  the health endpoint (counts only, no identity, no child's data) and Voila's request-info
  websocket ``/voila/query/`` when it comes from this host (a preheated kernel fetching its
  viewer's request).
- **No template or theme from the URL**: ``?template=``, ``?voila-template=`` and the theme
  parameters are refused (Voila would ignore them, but only after skipping the preheated pool).

Refusals name no path, user or setting: the details go to the server's log.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tornado import httputil, web

#: The header the proxy adds with the shared secret; a client's copy is worthless without it.
SECRET_HEADER = "X-Workbench-Proxy-Secret"  # noqa: S105 - a header name, not a secret
HEALTH_PATH = "/workbench/health"
QUERY_PREFIX = "/voila/query/"
LOCAL_NAMES = frozenset({"localhost"})
#: Query parameters that would ask Voila for another template or theme (and skip the kernel pool).
REFUSED_PARAMETERS = frozenset({"template", "voila-template", "theme", "voila-theme"})

#: What a refused request reads (HTTP 403); deliberately says nothing about the set-up.
REFUSED_PAGE = (
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Refused</title></head>"
    "<body><h1>Refused</h1><p>This request cannot be served. Open the workbench through its "
    "usual address; if this keeps happening, tell the workbench administrator.</p></body></html>"
)

gate_log = logging.getLogger("workbench.serve.gate")


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def host_name(netloc: str) -> str:
    """Return the host of ``host[:port]`` (``[::1]:8866`` is ``::1``), lower case."""
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[1 : netloc.find("]")] if "]" in netloc else netloc
    if netloc.count(":") == 1:
        return netloc.split(":", 1)[0]
    return netloc


def read_secret(path: str | Path) -> str:
    """Return the shared secret in ``path`` (surrounding white space ignored); refuse a short one."""
    secret = Path(path).read_text(encoding="utf-8").strip()
    if len(secret) < 16:
        raise ValueError(f"the proxy secret in {path} is shorter than 16 characters")
    return secret


@dataclass
class Gate:
    """What the gate allows: host names, proxy addresses and the proxy's secret."""

    allowed_hosts: frozenset[str] = frozenset()
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    secret: str | None = None
    #: Addresses of this host (the bound address): a kernel's request-info websocket comes from one.
    own_addresses: frozenset[str] = field(default_factory=frozenset)
    proxy_header: str | None = None

    @classmethod
    def build(
        cls,
        *,
        allowed_hosts: Iterable[str] = (),
        trusted_proxies: Iterable[str] = (),
        secret: str | None = None,
        own_address: str | None = None,
        proxy_header: str | None = None,
    ) -> Gate:
        """Return a gate from the serve options (proxies as addresses or networks)."""
        networks = tuple(ipaddress.ip_network(p.strip("[]"), strict=False) for p in trusted_proxies)
        own = frozenset(filter(None, [own_address.strip("[]") if own_address else None]))
        return cls(
            allowed_hosts=frozenset(h.strip().lower() for h in allowed_hosts if h.strip()),
            trusted_proxies=networks,
            secret=secret,
            own_addresses=own,
            proxy_header=proxy_header or None,
        )

    def host_allowed(self, host: str) -> bool:
        """Whether a ``Host`` (or an Origin's host) names this deployment."""
        name = host_name(host)
        address = _address(name)
        if address is not None:
            return address.is_loopback or name in self.allowed_hosts
        return name in LOCAL_NAMES or name in self.allowed_hosts

    def from_proxy(self, peer: str) -> bool:
        """Whether the peer address is one of the trusted proxies."""
        address = _address(peer)
        return address is not None and any(address in network for network in self.trusted_proxies)

    def from_this_host(self, peer: str) -> bool:
        """Whether the peer is this host (loopback, or the address Voila is bound to)."""
        address = _address(peer)
        return address is not None and (address.is_loopback or peer.strip("[]") in self.own_addresses)

    def refusal(self, request: httputil.HTTPServerRequest) -> str | None:
        """Return why ``request`` is refused (for the server's log), or None to let it through."""
        host = request.headers.get("Host", "")
        if not host or not self.host_allowed(host):
            return f"foreign Host {host!r}"
        origin = request.headers.get("Origin")
        if origin is not None:
            origin_host = urlsplit(origin).hostname or ""
            if origin_host.lower() != host_name(host) or not self.host_allowed(origin_host):
                return f"Origin {origin!r} does not match Host {host!r}"
        asked = {name.lower() for name in request.query_arguments}
        if asked & REFUSED_PARAMETERS:
            return f"query parameter(s) {sorted(asked & REFUSED_PARAMETERS)}"
        if not self.proxy_header:
            return None
        path = request.path or ""
        if path == HEALTH_PATH:
            return None
        peer = request.remote_ip or ""
        if path.startswith(QUERY_PREFIX) and self.from_this_host(peer):
            return None
        if not self.from_proxy(peer):
            return f"{peer} is not a trusted proxy"
        sent = request.headers.get(SECRET_HEADER, "")
        if not self.secret or not hmac.compare_digest(sent.encode(), self.secret.encode()):
            return "the proxy secret is missing or wrong"
        del request.headers[SECRET_HEADER]
        return None


class RefusedHandler(web.RequestHandler):
    """Answers every method with a plain 403 page, before any Voila handler or kernel runs."""

    def initialize(self, reason: str) -> None:
        """Keep the reason, for the log only."""
        self.reason = reason

    def prepare(self) -> None:
        """Refuse: 403 with :data:`REFUSED_PAGE`, nothing else."""
        gate_log.warning(
            "refused %s %s from %s: %s",
            self.request.method,
            self.request.path,
            self.request.remote_ip,
            self.reason,
        )
        self.set_status(403)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(REFUSED_PAGE)


def install_gate(application: web.Application, gate: Gate) -> None:
    """Put ``gate`` in front of every route of ``application`` (HTTP and websocket alike)."""
    find_handler = application.find_handler

    def gated(request: httputil.HTTPServerRequest, **kwargs: object):
        reason = gate.refusal(request)
        if reason is not None:
            return application.get_handler_delegate(request, RefusedHandler, {"reason": reason})
        return find_handler(request, **kwargs)

    application.find_handler = gated  # type: ignore[method-assign]
