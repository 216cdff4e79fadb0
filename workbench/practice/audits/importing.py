"""Import past audits from a spreadsheet (XLSX or CSV), all or nothing.

One row per audit. Columns: child_id, auditor_id, audit_date, evidence_from, evidence_to,
overall_grade, template_id, template_version, then for each question of that template
``<question id>_grade`` and ``<question id>_evidence`` (for example ``q1_grade``,
``q1_evidence``). Dates are written YYYY-MM-DD; grades are codes from
``data/codes/audit_grades.csv``. An XLSX workbook is read from its sheet named ``audits``, or
its first sheet.

The same rules as every other import: every problem is found, each names the file, sheet,
row (the header is row 1), field, the value and what was expected
(:class:`workbench.imports.report.Rejection`); if there is any problem nothing is stored.
The template must be the default template or one already in the store. The child must be in
the store's children and the auditor in its workers. A file already imported (same sha256)
is refused.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from workbench.core.errors import RefusedError
from workbench.core.provenance import sha256_file
from workbench.imports.report import REJECTION_COLUMNS, Rejection
from workbench.imports.sources import read_text_csv, read_workbook
from workbench.practice.audits.recording import Answer, AuditRecord, submit_audits
from workbench.practice.audits.templates import (
    DEFAULT_TEMPLATE,
    AuditTemplate,
    TemplateError,
    graded_codes,
    load_template,
    stored_template,
)
from workbench.store.audit_tables import T

AUDIT_FIELDS = (
    "child_id",
    "auditor_id",
    "audit_date",
    "evidence_from",
    "evidence_to",
    "overall_grade",
    "template_id",
    "template_version",
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TABLE = "audits"


class AuditImportError(RefusedError):
    """A spreadsheet of audits that was refused; ``rejections`` lists every problem."""

    def __init__(self, path: Path, rejections: list[Rejection]) -> None:
        self.path = path
        self.rejections = rejections
        super().__init__(f"audits in {path.name} were refused", rejections, "imported")

    def to_frame(self) -> pd.DataFrame:
        """Return the rejections as a DataFrame (file, sheet, row, table, field, value, expected)."""
        return pd.DataFrame([r.__dict__ for r in self.rejections], columns=REJECTION_COLUMNS)


@dataclass
class AuditImport:
    """What an import stored."""

    path: Path
    audit_ids: list[str]


def _read(path: Path) -> tuple[str, pd.DataFrame]:
    if path.suffix.lower() == ".xlsx":
        sheets = read_workbook(path)
        if not sheets:
            raise AuditImportError(
                path, [Rejection(path.name, "", None, TABLE, "", "", "a workbook with a sheet")]
            )
        name = "audits" if "audits" in sheets else next(iter(sheets))
        return name, sheets[name]
    if path.suffix.lower() == ".csv":
        return "", read_text_csv(path)
    raise AuditImportError(
        path, [Rejection(path.name, "", None, TABLE, "", "", "an .xlsx or .csv file of audits")]
    )


def _day(text: str) -> date | None:
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _templates(store, frame: pd.DataFrame) -> dict[tuple[str, str], AuditTemplate]:
    default = load_template(DEFAULT_TEMPLATE)
    found = {(default.template_id, default.version): default}
    for key in set(zip(frame.get("template_id", []), frame.get("template_version", []), strict=True)):
        if key not in found:
            with contextlib.suppress(TemplateError):  # reported row by row below
                found[key] = stored_template(store, *key)
    return found


def check_audit_file(store, path: str | Path) -> tuple[list[AuditRecord], list[Rejection]]:  # noqa: C901
    """Read and check a spreadsheet of audits; return the records and every rejection."""
    path = Path(path)
    sheet, frame = _read(path)
    frame = frame.fillna("").astype(str)
    frame.columns = [str(c).strip() for c in frame.columns]
    problems: list[Rejection] = []

    def reject(row: int | None, fld: str, value: str, expected: str) -> None:
        problems.append(Rejection(path.name, sheet, row, TABLE, fld, value, expected))

    missing = [c for c in AUDIT_FIELDS if c not in frame.columns]
    if missing:
        for column in missing:
            reject(1, column, "", f"a column named {column!r} in the header")
        return [], problems
    if frame.empty:
        reject(None, "", "", "at least one audit below the header")
        return [], problems
    with store.engine.connect() as conn:
        children = set(conn.execute(sa.text("SELECT child_id FROM children")).scalars())
        workers = set(conn.execute(sa.text("SELECT worker_id FROM workers")).scalars())
    templates = _templates(store, frame)
    known_columns = set(AUDIT_FIELDS)
    for template in templates.values():
        known_columns |= {f"{q}_{part}" for q in template.question_ids for part in ("grade", "evidence")}
    for column in frame.columns:
        if column not in known_columns:
            reject(
                1,
                column,
                column,
                "a column of the audit layout: "
                + ", ".join(AUDIT_FIELDS)
                + ", <question>_grade, <question>_evidence",
            )
    records: list[AuditRecord] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, row in enumerate(frame.to_dict("records")):
        number = index + 2  # the header is row 1
        before = len(problems)
        if not any(v.strip() for v in row.values()):
            reject(number, "", "", "an audit (the row is empty)")
            continue
        values = {k: row[k].strip() for k in AUDIT_FIELDS}
        for fld in ("child_id", "auditor_id", "template_id", "template_version"):
            if not values[fld]:
                reject(number, fld, "", "a value (required)")
        if values["child_id"] and values["child_id"] not in children:
            reject(number, "child_id", values["child_id"], "a child_id in the store's children")
        if values["auditor_id"] and values["auditor_id"] not in workers:
            reject(number, "auditor_id", values["auditor_id"], "a worker_id in the store's workers")
        days = {}
        for fld in ("audit_date", "evidence_from", "evidence_to"):
            days[fld] = _day(values[fld])
            if days[fld] is None:
                reject(number, fld, values[fld], "a date written YYYY-MM-DD")
        if None not in days.values():
            if days["evidence_from"] > days["evidence_to"]:
                reject(number, "evidence_to", values["evidence_to"], "a date on or after evidence_from")
            if days["evidence_to"] > days["audit_date"]:
                reject(number, "evidence_to", values["evidence_to"], "a date on or before audit_date")
        if values["overall_grade"] not in graded_codes():
            reject(
                number,
                "overall_grade",
                values["overall_grade"],
                "a grade from data/codes/audit_grades.csv (not not_applicable)",
            )
        template = templates.get((values["template_id"], values["template_version"]))
        if template is None and values["template_id"]:
            reject(number, "template_version", values["template_version"],
                   "a template version in the store or data/audit-templates/")  # fmt: skip
        answers = {}
        for question in template.questions if template else ():
            grade = row.get(f"{question.question_id}_grade", "").strip()
            evidence = row.get(f"{question.question_id}_evidence", "")
            field_name = f"{question.question_id}_grade"
            if not grade:
                if question.required:
                    reject(number, field_name, "", "a grade: the question is required")
                continue
            if grade not in question.allowed_grades():
                reject(number, field_name, grade, "one of " + ", ".join(question.allowed_grades()))
            answers[question.question_id] = Answer(grade, evidence.strip())
        key = (values["child_id"], values["auditor_id"], values["audit_date"])
        if key in seen:
            reject(
                number,
                "audit_date",
                values["audit_date"],
                f"one audit per child, auditor and date (row {seen[key]} has it too)",
            )
        seen.setdefault(key, number)
        if len(problems) == before and template is not None:
            records.append(
                AuditRecord(
                    child_id=values["child_id"],
                    auditor_id=values["auditor_id"],
                    template=template,
                    answers=answers,
                    overall_grade=values["overall_grade"],
                    audit_date=days["audit_date"],
                    evidence_from=days["evidence_from"],
                    evidence_to=days["evidence_to"],
                )
            )
    return records, problems


def import_audits(store, path: str | Path) -> AuditImport:
    """Import a spreadsheet of past audits, all or nothing; raise :class:`AuditImportError`."""
    path = Path(path)
    if not path.is_file():
        raise AuditImportError(path, [Rejection(path.name, "", None, TABLE, "", "", "an existing file")])
    digest = sha256_file(path)
    source = f"import:{path.name}:{digest[:16]}"
    audits = T["recorded_audits"]
    with store.engine.connect() as conn:
        done = conn.execute(
            sa.select(sa.func.count()).where(audits.c.source.like(f"import:%:{digest[:16]}"))
        ).scalar()
    if done:
        raise AuditImportError(
            path,
            [
                Rejection(
                    path.name,
                    "",
                    None,
                    TABLE,
                    "",
                    "",
                    f"a file not imported before ({done} audits came from it)",
                )
            ],
        )
    records, problems = check_audit_file(store, path)
    if problems:
        raise AuditImportError(path, problems)
    for record in records:
        record.source = source
    return AuditImport(path, submit_audits(store, records))


def write_audit_layout(path: str | Path, template: AuditTemplate | None = None) -> Path:
    """Write an empty CSV with the import's header for ``template`` (a starting point)."""
    template = template or load_template(DEFAULT_TEMPLATE)
    columns = [*AUDIT_FIELDS] + [
        f"{q}_{part}" for q in template.question_ids for part in ("grade", "evidence")
    ]
    path = Path(path)
    pd.DataFrame(columns=columns).to_csv(path, index=False)
    return path
