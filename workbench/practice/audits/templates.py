"""Audit templates as data: YAML files in ``data/audit-templates/`` (DESIGN.md section 6).

A template names its id and version, a title, the evidence window in months, and its
questions. Each question has an id, a theme, the question text, guidance for the auditor,
whether an answer is required, and whether "not applicable" may be chosen. Grades are the
codes in ``data/codes/audit_grades.csv``.

Versions: the store keeps the exact text of every template version it has used
(:func:`store_template`). A version once stored never changes; loading an edited file under
the same version is refused, so past audits always read against the questions they answered.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import yaml

from workbench.core.codes import DATA_DIR, code_list
from workbench.store.audit_tables import T
from workbench.store.retry import write_with_retry

TEMPLATES_DIR = DATA_DIR / "audit-templates"
DEFAULT_TEMPLATE = TEMPLATES_DIR / "outcome-focused.yaml"
NOT_APPLICABLE = "not_applicable"

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOP_KEYS = {
    "template_id",
    "version",
    "title",
    "description",
    "evidence_window_months",
    "grades",
    "questions",
}
_QUESTION_KEYS = {"id", "theme", "text", "guidance", "required", "not_applicable_allowed"}


def graded_codes() -> tuple[str, ...]:
    """Return the four-point scale, best first (the ranked codes of audit_grades.csv)."""
    ranked = [row for row in code_list("audit_grades") if row["rank"]]
    return tuple(row["code"] for row in sorted(ranked, key=lambda r: -int(r["rank"])))


def grade_ranks() -> dict[str, int]:
    """Return ``{grade: rank}``: outstanding 4 down to inadequate 1 (not applicable has none)."""
    return {row["code"]: int(row["rank"]) for row in code_list("audit_grades") if row["rank"]}


def grade_labels() -> dict[str, str]:
    """Return ``{grade code: label}``, not applicable included."""
    return {row["code"]: row["label"] for row in code_list("audit_grades")}


class TemplateError(ValueError):
    """A template that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Question:
    """One audit question."""

    question_id: str
    theme: str
    text: str
    guidance: str
    required: bool
    not_applicable_allowed: bool

    def allowed_grades(self) -> tuple[str, ...]:
        """Return the grades an auditor may give this question."""
        return graded_codes() + ((NOT_APPLICABLE,) if self.not_applicable_allowed else ())


@dataclass(frozen=True)
class AuditTemplate:
    """A parsed, checked audit template and the exact text it came from."""

    template_id: str
    version: str
    title: str
    description: str
    evidence_window_months: int
    questions: tuple[Question, ...]
    yaml_text: str
    source: str  # file name, or "store" for a version read back from the store

    @property
    def sha256(self) -> str:
        """The sha256 of the template text, which identifies this exact version."""
        return hashlib.sha256(self.yaml_text.encode("utf-8")).hexdigest()

    def question(self, question_id: str) -> Question:
        """Return the question called ``question_id``."""
        for question in self.questions:
            if question.question_id == question_id:
                return question
        raise KeyError(f"template {self.template_id} v{self.version} has no question {question_id!r}")

    @property
    def question_ids(self) -> list[str]:
        """The question ids, in template order."""
        return [q.question_id for q in self.questions]


def _text(value, where: str, source: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value).strip():
        raise TemplateError(f"{source}: {where} must be non-empty text, found {value!r}")
    return str(value).strip()


def parse_template(text: str, source: str = "<text>") -> AuditTemplate:  # noqa: C901
    """Parse and check a template's YAML text; raise :class:`TemplateError` naming ``source``."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise TemplateError(f"{source}: not valid YAML{where}: {problem}") from None
    if not isinstance(doc, dict):
        raise TemplateError(f"{source}: expected a mapping with template_id, version, title and questions")
    unknown = sorted(set(map(str, doc)) - _TOP_KEYS)
    if unknown:
        raise TemplateError(
            f"{source}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(_TOP_KEYS))}"
        )
    for key in ("template_id", "version", "title", "questions"):
        if key not in doc:
            raise TemplateError(f"{source}: missing {key!r}")
    template_id = _text(doc["template_id"], "template_id", source)
    version = _text(doc["version"], "version", source)
    for name, value in (("template_id", template_id), ("version", version)):
        if not _ID.match(value):
            raise TemplateError(f"{source}: {name} {value!r} must be letters, digits, '.', '_' or '-'")
    window = doc.get("evidence_window_months", 6)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 60:
        raise TemplateError(
            f"{source}: evidence_window_months must be a whole number from 1 to 60, found {window!r}"
        )
    grades = doc.get("grades", list(graded_codes()))
    if list(grades or []) != list(graded_codes()):
        raise TemplateError(
            f"{source}: grades must be the four-point scale {list(graded_codes())} "
            f"(data/codes/audit_grades.csv), found {grades!r}"
        )
    raw_questions = doc["questions"]
    if not isinstance(raw_questions, list) or not raw_questions:
        raise TemplateError(f"{source}: questions must be a non-empty list")
    questions: list[Question] = []
    for number, raw in enumerate(raw_questions, start=1):
        where = f"question {number}"
        if not isinstance(raw, dict):
            raise TemplateError(f"{source}: {where} must be a mapping with id, text and guidance")
        if isinstance(raw.get("id"), str) and raw["id"].strip():
            where = f"question {number} ({raw['id'].strip()})"
        unknown = sorted(set(map(str, raw)) - _QUESTION_KEYS)
        if unknown:
            raise TemplateError(
                f"{source}: {where}: unknown key(s) {', '.join(unknown)}; "
                f"expected {', '.join(sorted(_QUESTION_KEYS))}"
            )
        question_id = _text(raw.get("id"), f"{where} id", source)
        where = f"question {number} ({question_id})"
        if not _ID.match(question_id):
            raise TemplateError(f"{source}: {where}: id must be letters, digits, '.', '_' or '-'")
        if question_id in {q.question_id for q in questions}:
            raise TemplateError(f"{source}: {where}: id {question_id!r} is used twice")
        flags = {}
        for flag in ("required", "not_applicable_allowed"):
            value = raw.get(flag, flag == "required")
            if not isinstance(value, bool):
                raise TemplateError(f"{source}: {where}: {flag} must be true or false, found {value!r}")
            flags[flag] = value
        questions.append(
            Question(
                question_id=question_id,
                theme=_text(raw.get("theme"), f"{where} theme", source, required=False),
                text=_text(raw.get("text"), f"{where} text", source),
                guidance=_text(raw.get("guidance"), f"{where} guidance", source),
                **flags,
            )
        )
    return AuditTemplate(
        template_id=template_id,
        version=version,
        title=_text(doc["title"], "title", source),
        description=_text(doc.get("description"), "description", source, required=False),
        evidence_window_months=window,
        questions=tuple(questions),
        yaml_text=text,
        source=source,
    )


def load_template(path: str | Path = DEFAULT_TEMPLATE) -> AuditTemplate:
    """Read and check the template file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TemplateError(f"{path}: cannot read the template: {error}") from None
    return parse_template(text, str(path))


def store_template(store, template: AuditTemplate) -> bool:
    """Keep ``template``'s exact text in the store; return True if it was new.

    The same version stored again with the same text changes nothing. An edited text under a
    version already stored is refused: past audits answered the stored questions.
    """
    table = T["audit_templates"]

    def write(conn) -> bool:
        found = conn.execute(
            sa.select(table.c.sha256).where(
                table.c.template_id == template.template_id, table.c.version == template.version
            )
        ).scalar()
        if found == template.sha256:
            return False
        if found is not None:
            raise TemplateError(
                f"{template.source}: template {template.template_id!r} version {template.version!r} is "
                "already stored with different text; past audits used the stored questions, so give "
                "the edited template a new version"
            )
        conn.execute(
            table.insert().values(
                template_id=template.template_id,
                version=template.version,
                title=template.title,
                yaml_text=template.yaml_text,
                sha256=template.sha256,
                loaded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )
        return True

    return write_with_retry(store, write)


def stored_template(store, template_id: str, version: str) -> AuditTemplate:
    """Return a template version exactly as stored (what its audits answered)."""
    table = T["audit_templates"]
    with store.engine.connect() as conn:
        text = conn.execute(
            sa.select(table.c.yaml_text).where(table.c.template_id == template_id, table.c.version == version)
        ).scalar()
    if text is None:
        raise TemplateError(f"template {template_id!r} version {version!r} is not in the store")
    return parse_template(text, f"store: {template_id} v{version}")


def stored_templates(store) -> list[tuple[str, str]]:
    """Return ``(template_id, version)`` of every template version in the store."""
    table = T["audit_templates"]
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table.c.template_id, table.c.version))]


def current_template(store, path: str | Path = DEFAULT_TEMPLATE) -> AuditTemplate:
    """Load the template file at ``path``, keep it in the store, and return it."""
    template = load_template(path)
    store_template(store, template)
    return template
