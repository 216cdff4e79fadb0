"""Which cases, audits and actions a viewer may see and act on (DESIGN.md section 7).

The scope is :func:`workbench.access.scope_for` of the viewer's trusted identity, worked out
at the date the case records run to (:func:`workbench.practice.audits.casefile.data_end`): the Head of
Practice Improvement sees every case, a service lead the cases of their service's teams, a
team lead their team's cases and a practitioner their own caseload, each as allocated on that
date. An audit, its answers and its actions belong to the audited child, so they are in
scope exactly when the child is. Every function that lists cases or audits for the audit
dashboard takes a :class:`~workbench.access.Scope`; :func:`require_case` refuses a case a
widget value names outside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from workbench.access import AccessRefusedError, Identity, Scope, current_identity, scope_for
from workbench.measures.service_data import ServiceData
from workbench.practice.audits.casefile import data_end
from workbench.store.audit_frames import action_frame, answer_frame, audit_frame


class _ScopeTables:
    """Just the tables :func:`scope_for` reads (teams, workers, allocations, localities).

    The audit dashboard needs a scope but no measures, so it does not read outcomes and reviews.
    """

    allocation_at = ServiceData.allocation_at
    localities = ServiceData.localities

    def __init__(self, store) -> None:
        self.teams = store.read_table("teams")
        self.workers = store.read_table("workers")
        self.allocations = store.read_table("allocations")
        self.children = store.read_table("children", ["child_id", "locality"])


def audit_scope(store, identity: Identity | None = None, at: date | None = None) -> Scope:
    """Return what ``identity`` (default: the viewer's, from a trusted source) may see in audits.

    ``at`` defaults to the date the case records run to. Raises
    :class:`~workbench.access.AccessRefusedError` when no trusted source names a known viewer.
    """
    identity = identity or current_identity(store=store)
    at = at or data_end(store) or date.today()
    return scope_for(identity, _ScopeTables(store), at)


def require_case(scope: Scope, child_id: str) -> None:
    """Refuse (``AccessRefusedError``) a case outside ``scope``, whatever widget or URL named it."""
    if not scope.allows_child(child_id):
        raise AccessRefusedError(f"{scope.identity.user} may not see case {child_id!r}")


def cases_in_scope(scope: Scope, child_ids: Iterable[str]) -> list[str]:
    """Return those of ``child_ids`` in scope, in their order."""
    return scope.children(child_ids)


def scoped_audits(store, scope: Scope) -> pd.DataFrame:
    """Return :func:`~workbench.store.audit_frames.audit_frame` for the children in scope."""
    return scope.restrict_children(audit_frame(store)).reset_index(drop=True)


def scoped_answers(store, scope: Scope) -> pd.DataFrame:
    """Return :func:`~workbench.practice.audits.answer_frame` for the audits in scope."""
    answers = answer_frame(store)
    if scope.everything:
        return answers
    return answers[answers["audit_id"].isin(set(scoped_audits(store, scope)["audit_id"]))].reset_index(
        drop=True
    )


def scoped_actions(store, scope: Scope, at: date | None = None) -> pd.DataFrame:
    """Return :func:`~workbench.practice.audits.action_frame` at ``at`` for the children in scope."""
    return scope.restrict_children(action_frame(store, at)).reset_index(drop=True)


def require_audit(store, scope: Scope, audit_id: str) -> str:
    """Return the audited child of ``audit_id``; refuse an audit unknown or outside ``scope``."""
    audits = audit_frame(store)
    found = audits.loc[audits["audit_id"] == audit_id, "child_id"]
    if found.empty or not scope.allows_child(found.iloc[0]):
        raise AccessRefusedError(f"{scope.identity.user} may not see audit {audit_id!r}")
    return str(found.iloc[0])
