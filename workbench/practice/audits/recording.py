"""Recording audits: who is auditing, drafts saved as the auditor types, and submission.

Writes are short transactions that retry when SQLite says the database is locked, so several
auditors (or processes) can submit at once to one SQLite file (the store turns on the
write-ahead log and a busy timeout). An audit and all its answers are written in one
transaction: a reader never sees half an audit.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa

from workbench.access import AccessRefusedError, Identity, Scope, current_identity
from workbench.practice.audits.scoping import require_audit, require_case
from workbench.practice.audits.templates import NOT_APPLICABLE, AuditTemplate, graded_codes, store_template
from workbench.store.audit_tables import T
from workbench.store.retry import write_with_retry


class AuditError(ValueError):
    """An audit that cannot be recorded as asked; the message says why."""


class IdentityError(AuditError):
    """Nobody trusted is named as the user."""


def auditor_id(identity: Identity) -> str:
    """Return the id an audit, moderation, action or round records for ``identity``.

    The identity's ``worker_id`` when it has one (team leads and practitioners), so the
    workbench's audits name auditors the way the extract's ``audits.auditor_id`` does (a
    worker); otherwise its user name (for example a Head of Practice Improvement who carries no
    caseload).
    """
    return identity.record_id


def current_user(environ: Mapping[str, str] | None = None) -> str:
    """Return the id of the person using the workbench (:func:`auditor_id` of their identity).

    The identity is :func:`workbench.access.current_identity`, the one source of truth for who
    is looking: a trusted proxy header, JupyterHub, the deployment's ``WORKBENCH_USER``, or (with
    no identity file configured) the demo identity. The same refusals apply: a missing proxy
    header or an unknown user is no user, never a fallback. Never from a widget value or a URL:
    an auditor's name on an audit must not be something a page can type.
    """
    try:
        return auditor_id(current_identity(os.environ if environ is None else environ))
    except AccessRefusedError as error:
        raise IdentityError(f"no user: {error}") from error


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Answer:
    """An auditor's grade and evidence for one question."""

    grade: str = ""
    evidence: str = ""


@dataclass
class AuditRecord:
    """Everything an auditor submits for one case."""

    child_id: str
    auditor_id: str
    template: AuditTemplate
    answers: dict[str, Answer]
    overall_grade: str
    audit_date: date
    evidence_from: date
    evidence_to: date
    round_id: str | None = None
    source: str = "workbench"
    audit_id: str = field(default_factory=lambda: f"WA-{uuid.uuid4().hex[:12]}")


def evidence_window(template: AuditTemplate, on: date) -> tuple[date, date]:
    """Return the default evidence window: the template's months (usually 6) up to ``on``."""
    start = (pd.Timestamp(on) - pd.DateOffset(months=template.evidence_window_months)).date()
    return start, on


def submission_problems(
    template: AuditTemplate, answers: Mapping[str, Answer], overall_grade: str
) -> dict[str, str]:
    """Return ``{question id or "overall": what is wrong}``; empty when the audit can be submitted."""
    problems = {}
    for extra in sorted(set(answers) - set(template.question_ids)):
        problems[extra] = f"not a question of {template.template_id} v{template.version}"
    for question in template.questions:
        answer = answers.get(question.question_id, Answer())
        if not answer.grade:
            if question.required:
                problems[question.question_id] = "required: choose a grade"
        elif answer.grade not in question.allowed_grades():
            allowed = ", ".join(question.allowed_grades())
            problems[question.question_id] = (
                f"grade {answer.grade!r} is not allowed; expected one of {allowed}"
            )
    if overall_grade not in graded_codes():
        problems["overall"] = "required: choose an overall grade (" + ", ".join(graded_codes()) + ")"
    return problems


def _check_record(record: AuditRecord) -> None:
    problems = submission_problems(record.template, record.answers, record.overall_grade)
    if not record.child_id.strip():
        problems["child_id"] = "required"
    if not record.auditor_id.strip():
        problems["auditor_id"] = "required"
    if record.evidence_from > record.evidence_to:
        problems["evidence window"] = "the window must start on or before it ends"
    if problems:
        listed = "; ".join(f"{key}: {value}" for key, value in problems.items())
        raise AuditError(f"audit of {record.child_id} cannot be submitted: {listed}")


def _audit_row(record: AuditRecord) -> dict:
    return {
        "audit_id": record.audit_id,
        "child_id": record.child_id,
        "auditor_id": record.auditor_id,
        "audit_date": record.audit_date.isoformat(),
        "template_id": record.template.template_id,
        "template_version": record.template.version,
        "evidence_from": record.evidence_from.isoformat(),
        "evidence_to": record.evidence_to.isoformat(),
        "overall_grade": record.overall_grade,
        "round_id": record.round_id,
        "source": record.source,
        "submitted_at": _now(),
    }


def _answer_rows(record: AuditRecord) -> list[dict]:
    return [
        {
            "audit_id": record.audit_id,
            "question_id": q.question_id,
            "grade": record.answers[q.question_id].grade,
            "evidence": record.answers[q.question_id].evidence,
        }
        for q in record.template.questions
        if q.question_id in record.answers and record.answers[q.question_id].grade
    ]


def _require_case(scope: Scope | None, child_id: str) -> None:
    if scope is not None:
        require_case(scope, child_id)


def submit_audit(store, record: AuditRecord, *, scope: Scope | None = None) -> str:
    """Check and store a submitted audit, and clear the auditor's draft; return the audit id.

    Refused (nothing written) if a required question has no grade, a grade is not allowed for
    its question, or the overall grade is missing; and, given the viewer's ``scope``, with
    ``AccessRefusedError`` if the case is outside it.
    """
    _require_case(scope, record.child_id)
    _check_record(record)
    store_template(store, record.template)
    drafts = T["audit_drafts"]

    def write(conn) -> str:
        conn.execute(T["recorded_audits"].insert().values(**_audit_row(record)))
        conn.execute(T["recorded_audit_answers"].insert(), _answer_rows(record))
        conn.execute(
            drafts.delete().where(
                drafts.c.child_id == record.child_id, drafts.c.auditor_id == record.auditor_id
            )
        )
        return record.audit_id

    return write_with_retry(store, write)


def submit_audits(store, records: list[AuditRecord]) -> list[str]:
    """Store several audits in one transaction: all or none (used by imports)."""
    for record in records:
        _check_record(record)
    for template in {(r.template.template_id, r.template.version): r.template for r in records}.values():
        store_template(store, template)

    def write(conn) -> list[str]:
        if records:
            conn.execute(T["recorded_audits"].insert(), [_audit_row(r) for r in records])
            answers = [row for r in records for row in _answer_rows(r)]
            if answers:
                conn.execute(T["recorded_audit_answers"].insert(), answers)
        return [r.audit_id for r in records]

    return write_with_retry(store, write)


# -- drafts ------------------------------------------------------------------------------------


def save_draft(
    store,
    child_id: str,
    auditor_id: str,
    template: AuditTemplate,
    answers: Mapping[str, Answer],
    overall_grade: str = "",
    evidence_from: date | None = None,
    evidence_to: date | None = None,
) -> None:
    """Save (replace) the auditor's draft for this case: whatever has been typed so far."""
    content = {
        "answers": {qid: {"grade": a.grade, "evidence": a.evidence} for qid, a in answers.items()},
        "overall_grade": overall_grade,
        "evidence_from": evidence_from.isoformat() if evidence_from else None,
        "evidence_to": evidence_to.isoformat() if evidence_to else None,
    }
    drafts = T["audit_drafts"]
    row = {
        "child_id": child_id,
        "auditor_id": auditor_id,
        "template_id": template.template_id,
        "template_version": template.version,
        "content_json": json.dumps(content, ensure_ascii=False),
        "saved_at": _now(),
    }

    def write(conn) -> None:
        # Delete then insert: portable (SQLite and PostgreSQL) and atomic in one transaction.
        conn.execute(drafts.delete().where(drafts.c.child_id == child_id, drafts.c.auditor_id == auditor_id))
        conn.execute(drafts.insert().values(**row))

    write_with_retry(store, write)


@dataclass
class Draft:
    """An audit in progress, as last saved."""

    template_id: str
    template_version: str
    answers: dict[str, Answer]
    overall_grade: str
    evidence_from: date | None
    evidence_to: date | None
    saved_at: str


def load_draft(store, child_id: str, auditor_id: str) -> Draft | None:
    """Return the auditor's saved draft for this case, or None."""
    drafts = T["audit_drafts"]
    with store.engine.connect() as conn:
        row = (
            conn.execute(
                sa.select(drafts).where(drafts.c.child_id == child_id, drafts.c.auditor_id == auditor_id)
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    content = json.loads(row["content_json"])
    day = lambda text: date.fromisoformat(text) if text else None  # noqa: E731
    return Draft(
        template_id=row["template_id"],
        template_version=row["template_version"],
        answers={qid: Answer(**a) for qid, a in content.get("answers", {}).items()},
        overall_grade=content.get("overall_grade") or "",
        evidence_from=day(content.get("evidence_from")),
        evidence_to=day(content.get("evidence_to")),
        saved_at=row["saved_at"],
    )


# -- actions -----------------------------------------------------------------------------------


def record_action(
    store,
    audit_id: str,
    child_id: str,
    description: str,
    owner: str,
    due_date: date,
    recorded_by: str,
    *,
    scope: Scope | None = None,
) -> int:
    """Record an action arising from an audit; return its id (refused outside ``scope``, if given)."""
    if scope is not None and require_audit(store, scope, audit_id) != child_id:
        raise AuditError(f"audit {audit_id} is not an audit of case {child_id}")
    if not description.strip() or not owner.strip():
        raise AuditError("an action needs a description and an owner")
    table = T["audit_actions"]

    def write(conn) -> int:
        result = conn.execute(
            table.insert().values(
                audit_id=audit_id,
                child_id=child_id,
                description=description.strip(),
                owner=owner.strip(),
                due_date=due_date.isoformat(),
                completed_date=None,
                recorded_by=recorded_by,
                recorded_at=_now(),
            )
        )
        return int(result.inserted_primary_key[0])

    return write_with_retry(store, write)


def complete_action(store, action_id: int, completed_date: date, *, scope: Scope | None = None) -> None:
    """Mark an action completed on ``completed_date`` (refused outside ``scope``, if given)."""
    table = T["audit_actions"]
    if scope is not None:
        with store.engine.connect() as conn:
            child = conn.execute(sa.select(table.c.child_id).where(table.c.action_id == action_id)).scalar()
        if child is None or not scope.allows_child(child):
            raise AccessRefusedError(f"{scope.identity.user} may not see action {action_id}")

    def write(conn) -> None:
        done = conn.execute(
            table.update()
            .where(table.c.action_id == action_id)
            .values(completed_date=completed_date.isoformat())
        )
        if done.rowcount != 1:
            raise AuditError(f"no action {action_id}")

    write_with_retry(store, write)


__all__ = [
    "NOT_APPLICABLE",
    "Answer",
    "AuditError",
    "AuditRecord",
    "Draft",
    "IdentityError",
    "auditor_id",
    "complete_action",
    "current_user",
    "evidence_window",
    "load_draft",
    "record_action",
    "save_draft",
    "submission_problems",
    "submit_audit",
    "submit_audits",
    "write_with_retry",
]
