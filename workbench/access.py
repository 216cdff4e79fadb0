"""Who is looking, and what they may see: identities from a trusted source, and scopes by role.

DESIGN.md section 7: access is scoped by role, decided here (never in a notebook), from a
trusted identity, and never from a URL or a widget value.

Roles and their scopes
    ``head_of_practice_improvement``: the whole service. ``service_lead``: the teams whose
    ``teams.service`` is their service (for example ``cla`` or ``cp``). ``team_lead``: one
    team. ``practitioner``: their own caseload, the children allocated to their worker_id.
    A child belongs to a team or worker through the allocation open at the date D the
    figures are at (DESIGN.md section 4), so a scope is worked out for a date.

Where the identity comes from (:func:`current_identity`), first match wins
    1. **Authenticating proxy.** When the deployment trusts a proxy header (``workbench serve
       --trust-proxy-header X-Workbench-User`` sets ``WORKBENCH_TRUST_PROXY_HEADER`` and asks
       Voila to pass that header to kernels as ``HTTP_X_WORKBENCH_USER``), the user name is
       that header, looked up in the deployment's identity file. No header means refusal:
       there is no fallback to anything wider.
    2. **JupyterHub.** ``JUPYTERHUB_USER``, looked up in the identity file.
    3. **Deployment configuration.** ``WORKBENCH_USER`` (one user per deployment, for example a
       single-user server), looked up in the identity file.
    4. **Demo.** Only when no identity file is configured (``WORKBENCH_IDENTITY_FILE`` unset)
       *and* the store is the demo (marked by ``workbench load data/demo --demo``):
       ``WORKBENCH_DEMO_USER`` (default :data:`DEMO_DEFAULT_USER`, the Head of Practice
       Improvement) looked up in ``data/demo-identities.yaml``. On any other store this is a
       refusal saying what to configure (security review 2026-12, finding 3: fail closed), in
       every kernel, whether ``workbench serve``, Voila run by hand, or a notebook started it.

    The identity file (``WORKBENCH_IDENTITY_FILE``) maps user names to roles; the role always
    comes from it, never from the client. A user not in it is refused (:class:`AccessRefusedError`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from workbench.core.codes import DATA_DIR
from workbench.measures.filters import Filters
from workbench.measures.service_data import ServiceData
from workbench.store.engine import ENV_VAR as STORE_ENV
from workbench.store.engine import Store, store_is_demo
from workbench.store.snapshot import ChildScope, Snapshot, open_snapshot

HEAD_OF_PRACTICE_IMPROVEMENT = "head_of_practice_improvement"
SERVICE_LEAD = "service_lead"
TEAM_LEAD = "team_lead"
PRACTITIONER = "practitioner"
#: Every role, widest first, with the field of :class:`Identity` each one needs.
ROLES: dict[str, str | None] = {
    HEAD_OF_PRACTICE_IMPROVEMENT: None,
    SERVICE_LEAD: "service",
    TEAM_LEAD: "team_id",
    PRACTITIONER: "worker_id",
}
ROLE_TITLES = {
    HEAD_OF_PRACTICE_IMPROVEMENT: "Head of Practice Improvement",
    SERVICE_LEAD: "Service lead",
    TEAM_LEAD: "Team lead",
    PRACTITIONER: "Practitioner",
}

#: Environment variables read by :func:`current_identity`.
IDENTITY_FILE_ENV = "WORKBENCH_IDENTITY_FILE"
TRUSTED_HEADER_ENV = "WORKBENCH_TRUST_PROXY_HEADER"
JUPYTERHUB_USER_ENV = "JUPYTERHUB_USER"
DEPLOYMENT_USER_ENV = "WORKBENCH_USER"
DEMO_USER_ENV = "WORKBENCH_DEMO_USER"

DEMO_IDENTITIES = DATA_DIR / "demo-identities.yaml"
DEMO_DEFAULT_USER = "demo-head-of-pi"


class AccessRefusedError(PermissionError):
    """The viewer has no identity we can trust, or asked for something outside their scope."""


@dataclass(frozen=True)
class Identity:
    """A viewer: their user name and role, with the team, service or worker the role needs."""

    user: str
    role: str
    team_id: str | None = None
    service: str | None = None
    worker_id: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise AccessRefusedError(
                f"user {self.user!r} has the role {self.role!r}, which is not a role; "
                f"roles are {', '.join(ROLES)}"
            )
        needed = ROLES[self.role]
        if needed and not getattr(self, needed):
            raise AccessRefusedError(
                f"user {self.user!r} is a {self.role} but has no {needed} in the identity file"
            )

    @property
    def record_id(self) -> str:
        """The id a record this person makes carries (an audit, a moderation, a supervision).

        Their ``worker_id`` when they have one, so records name people the way the extract
        does (``audits.auditor_id`` and ``supervisions.supervisor_id`` are workers); otherwise
        their user name (a Head of Practice Improvement who carries no caseload).
        """
        return self.worker_id or self.user

    @property
    def title(self) -> str:
        """The role in plain words, for the page's "viewing as" line."""
        return ROLE_TITLES[self.role]


def header_env(header: str) -> str:
    """Return the kernel variable Voila sets for HTTP header ``header`` (RFC 3875 style)."""
    return "HTTP_" + header.strip().upper().replace("-", "_")


def read_identities(path: str | os.PathLike[str]) -> dict[str, Identity]:
    """Read an identity file: ``users: {name: {role, team_id | service | worker_id, name}}``.

    A malformed file is refused with the file, user and field named.
    """
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AccessRefusedError(f"the identity file {path} does not exist") from None
    except yaml.YAMLError as error:
        raise AccessRefusedError(f"the identity file {path} is not valid YAML: {error}") from None
    users = document.get("users") if isinstance(document, dict) else None
    if not isinstance(users, dict):
        raise AccessRefusedError(f"the identity file {path} must have a 'users' mapping of user name to role")
    allowed = {f.name for f in fields(Identity)} - {"user"}
    identities = {}
    for user, entry in users.items():
        if not isinstance(entry, dict) or "role" not in entry:
            raise AccessRefusedError(f"{path}: user {user!r} needs a 'role'")
        unknown = set(entry) - allowed
        if unknown:
            raise AccessRefusedError(
                f"{path}: user {user!r} has unknown field(s) {', '.join(sorted(unknown))}; "
                f"expected {', '.join(sorted(allowed))}"
            )
        values = {key: (None if value is None else str(value)) for key, value in entry.items()}
        try:
            identities[str(user)] = Identity(user=str(user), **values)
        except AccessRefusedError as error:
            raise AccessRefusedError(f"{path}: {error}") from None
    return identities


def _lookup(user: str, source: str, path: Path) -> Identity:
    identities = read_identities(path)
    if user not in identities:
        raise AccessRefusedError(
            # No server path for the viewer to read (security review, finding 6).
            f"the user {user!r} (from {source}) is not in the identity file; "
            "ask the workbench administrator to add them"
        )
    return identities[user]


#: The refusal when nothing says who is looking and the store is not the demo.
NOT_THE_DEMO = (
    "no one is configured as the viewer, and this store is not the demo, so the demo identities "
    "may not view it. Set WORKBENCH_IDENTITY_FILE to the deployment's identity file and name the "
    "user: WORKBENCH_USER for a notebook or a single-user server, JUPYTERHUB_USER under JupyterHub, "
    "or `workbench serve --identity-file` (docs/deploy.md, sections 2 and 5)"
)


def current_identity(environ: Mapping[str, str] = os.environ, store: Store | str | None = None) -> Identity:
    """Return the viewer's identity from a trusted source (see the module docstring for the order).

    ``store`` (a :class:`Store` or its URL) is the store the page reads; by default
    ``environ``'s ``WORKBENCH_STORE``, else the one ``open_store()`` opens. It matters only for
    the demo identities, which view nothing but a store marked as the demo.

    Raises :class:`AccessRefusedError` when no trusted source names a user we know, so a page
    shows nothing rather than a default wide scope.
    """
    configured = environ.get(IDENTITY_FILE_ENV, "").strip()
    header = environ.get(TRUSTED_HEADER_ENV, "").strip()
    if header:
        if not configured:
            raise AccessRefusedError(f"a trusted proxy header is set but {IDENTITY_FILE_ENV} is not")
        user = environ.get(header_env(header), "").strip()
        if not user:
            raise AccessRefusedError(
                f"the authenticating proxy did not send the {header} header; refusing to guess who you are"
            )
        return _lookup(user, f"the {header} header", Path(configured))
    for variable in (JUPYTERHUB_USER_ENV, DEPLOYMENT_USER_ENV):
        user = environ.get(variable, "").strip()
        if user:
            if not configured:
                raise AccessRefusedError(f"{variable} is {user!r} but {IDENTITY_FILE_ENV} is not set")
            return _lookup(user, variable, Path(configured))
    if configured:
        raise AccessRefusedError(
            f"{IDENTITY_FILE_ENV} is set but no trusted source names the user "
            f"(proxy header, {JUPYTERHUB_USER_ENV} or {DEPLOYMENT_USER_ENV})"
        )
    if not _is_demo(store if store is not None else environ.get(STORE_ENV) or None):
        raise AccessRefusedError(NOT_THE_DEMO)
    user = environ.get(DEMO_USER_ENV, "").strip() or DEMO_DEFAULT_USER
    return _lookup(user, f"{DEMO_USER_ENV} (demo)", DEMO_IDENTITIES)


def _is_demo(store: Store | str | None) -> bool:
    """Whether ``store`` (a Store, a URL, or None for the default store) is marked as the demo."""
    if isinstance(store, Store):
        return store.is_demo()
    return store_is_demo(store)


# ---------------------------------------------------------------------------------------------
# Scopes


@dataclass(frozen=True)
class Scope:
    """What one identity may see at the date ``at``.

    ``everything`` (Head of Practice Improvement), or the ``team_ids`` it may see (a service
    lead's or team lead's teams), or the ``worker_id`` whose caseload it may see. ``child_ids``
    are the children allocated at ``at`` within it (empty for ``everything``: all children).
    ``service`` is a service lead's service. Widgets ask :meth:`allows_team`,
    :meth:`allows_child` and :meth:`allows_worker`; measures go through :meth:`restrict`.
    """

    identity: Identity
    at: date
    everything: bool = False
    team_ids: frozenset[str] = frozenset()
    service: str | None = None
    worker_id: str | None = None
    child_ids: frozenset[str] = frozenset()
    worker_ids: frozenset[str] = frozenset()
    localities: tuple[str, ...] = ()

    def allows_team(self, team_id: str | None) -> bool:
        """Whether the scope covers the whole of ``team_id``."""
        return self.everything or (team_id is not None and team_id in self.team_ids)

    def allows_worker(self, worker_id: str | None) -> bool:
        """Whether the scope covers ``worker_id``'s caseload (a worker of a team in scope)."""
        if self.everything:
            return True
        return worker_id is not None and (worker_id == self.worker_id or worker_id in self.worker_ids)

    def allows_child(self, child_id: str | None) -> bool:
        """Whether the child, allocated at ``at``, is in scope."""
        return self.everything or (child_id is not None and child_id in self.child_ids)

    def children(self, child_ids: Iterable[str]) -> list[str]:
        """Return those of ``child_ids`` in scope, in their order."""
        return [child for child in child_ids if self.allows_child(child)]

    def restrict_children(self, frame: pd.DataFrame, column: str = "child_id") -> pd.DataFrame:
        """Return the rows of ``frame`` whose child is in scope."""
        if self.everything:
            return frame
        return frame[frame[column].isin(self.child_ids)]

    def teams(self, teams: pd.DataFrame) -> pd.DataFrame:
        """Return the rows of the ``teams`` table in scope."""
        return teams if self.everything else teams[teams["team_id"].isin(self.team_ids)]

    def restrict(self, filters: Filters | None = None) -> Filters:
        """Return ``filters`` narrowed to this scope; refuse a filter that reaches outside it.

        A team or worker outside the scope raises :class:`AccessRefusedError`: a value from a URL or
        a widget can narrow what the viewer sees, never widen it. Without a team or worker
        filter the scope's own restriction is added (the service, the team or the worker).
        """
        filters = filters or Filters()
        if self.everything:
            return filters
        if filters.team_id is not None and not self.allows_team(filters.team_id):
            raise AccessRefusedError(f"{self.identity.user} may not see team {filters.team_id!r}")
        if filters.worker_id is not None and not self.allows_worker(filters.worker_id):
            raise AccessRefusedError(
                f"{self.identity.user} may not see worker {filters.worker_id!r}'s caseload"
            )
        if filters.service is not None and filters.service != self.service:
            raise AccessRefusedError(f"{self.identity.user} may not see the {filters.service!r} service")
        if self.worker_id is not None:
            return replace(filters, worker_id=self.worker_id)
        if self.service is not None:
            return replace(filters, service=self.service)
        if filters.team_id is None:
            (team,) = self.team_ids
            return replace(filters, team_id=team)
        return filters


def data_for(identity: Identity, store: Store, snapshot: Snapshot | None = None) -> ServiceData:
    """Return the measures' data for a viewer's kernel: only the rows their role can ever count.

    A team lead's kernel reads the children ever allocated to their team's workers, a service
    lead's those of their service's teams, a practitioner's their own caseload's (from the
    store's snapshot, the scope pushed into its SQL); the Head of Practice Improvement reads
    the whole service. :func:`scope_for` then works out the scope at a date from this data, as
    from the whole service's (a child in scope at any date is among these children).
    """
    snapshot = snapshot or open_snapshot(store)
    if identity.role == HEAD_OF_PRACTICE_IMPROVEMENT:
        return ServiceData(store, snapshot=snapshot)
    if identity.role == PRACTITIONER:
        return ServiceData(store, ChildScope(worker_id=identity.worker_id), snapshot=snapshot)
    if identity.role == SERVICE_LEAD:
        teams = snapshot.read("teams", ["team_id", "service"])
        team_ids = frozenset(teams.loc[teams["service"] == identity.service, "team_id"])
    else:
        team_ids = frozenset({identity.team_id})
    return ServiceData(store, ChildScope(team_ids), snapshot=snapshot)


def scope_for(identity: Identity, data: ServiceData, at: date) -> Scope:
    """Work out what ``identity`` may see at ``at`` from the store's teams, workers and allocations.

    A team, service or worker that the store does not know is refused, so a typo in the
    identity file shows nothing rather than something.
    """
    if identity.role == HEAD_OF_PRACTICE_IMPROVEMENT:
        return Scope(identity, at, everything=True, localities=tuple(data.localities()))
    teams = data.teams
    workers = data.workers
    if identity.role == SERVICE_LEAD:
        team_ids = frozenset(teams.loc[teams["service"] == identity.service, "team_id"])
        if not team_ids:
            raise AccessRefusedError(f"{identity.user}: no team has the service {identity.service!r}")
    elif identity.role == TEAM_LEAD:
        if identity.team_id not in set(teams["team_id"]):
            raise AccessRefusedError(f"{identity.user}: the team {identity.team_id!r} is not in the store")
        team_ids = frozenset({identity.team_id})
    else:
        if identity.worker_id not in set(workers["worker_id"]):
            raise AccessRefusedError(
                f"{identity.user}: the worker {identity.worker_id!r} is not in the store"
            )
        team_ids = frozenset()
    allocated = data.allocation_at(at)
    if identity.role == PRACTITIONER:
        child_ids = frozenset(allocated.loc[allocated["worker_id"] == identity.worker_id, "child_id"])
        worker_ids = frozenset({identity.worker_id})
    else:
        child_ids = frozenset(allocated.loc[allocated["team_id"].isin(team_ids), "child_id"])
        worker_ids = frozenset(workers.loc[workers["team_id"].isin(team_ids), "worker_id"])
    home_teams = team_ids or frozenset(workers.loc[workers["worker_id"] == identity.worker_id, "team_id"])
    localities = tuple(sorted(teams.loc[teams["team_id"].isin(home_teams), "locality"].dropna().unique()))
    return Scope(
        identity,
        at,
        team_ids=team_ids,
        service=identity.service if identity.role == SERVICE_LEAD else None,
        worker_id=identity.worker_id if identity.role == PRACTITIONER else None,
        child_ids=child_ids,
        worker_ids=worker_ids,
        localities=localities,
    )
