"""Moderation: a second person's agreed grades beside the first, and how often they agree.

A moderation is a row of its own (``audit_moderations`` with one ``audit_moderation_answers``
row per question); the first grade in ``recorded_audits`` is never touched. An audit may be
moderated more than once; the latest moderation is the agreed grade.

Agreement between first and moderated grades is reported two ways, by question and overall:
- percentage agreement: the share of graded pairs where the two grades are the same;
- Cohen's kappa: (p_o - p_e) / (1 - p_e), where p_o is that observed agreement and p_e the
  agreement expected by chance, the sum over grades of (first-grade share x moderated-grade
  share). Kappa is empty when p_e is 1 (both people used one and the same grade throughout),
  since it is then undefined.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa

from workbench.access import Scope
from workbench.practice.audits.recording import AuditError
from workbench.practice.audits.scoping import require_case
from workbench.practice.audits.templates import graded_codes, stored_template
from workbench.store.audit_tables import T
from workbench.store.retry import write_with_retry


def moderate_audit(
    store,
    audit_id: str,
    moderator_id: str,
    question_grades: Mapping[str, tuple[str, str]],
    overall_grade: str,
    reason: str,
    on: date,
    *,
    scope: Scope | None = None,
) -> int:
    """Record a moderation of a workbench audit; return its id.

    Given the moderator's ``scope``, an audit of a case outside it is refused
    (``AccessRefusedError``).

    ``question_grades`` maps every answered question to ``(moderated grade, reason)``. The
    moderator must not be the auditor, every answered question needs a grade and a reason,
    and grades must be allowed for their question.
    """
    audits = T["recorded_audits"]
    answers = T["recorded_audit_answers"]
    with store.engine.connect() as conn:
        audit = conn.execute(sa.select(audits).where(audits.c.audit_id == audit_id)).mappings().first()
        answered = [
            r[0] for r in conn.execute(sa.select(answers.c.question_id).where(answers.c.audit_id == audit_id))
        ]
    if audit is None:
        raise AuditError(f"no workbench audit {audit_id!r} to moderate")
    if scope is not None:
        require_case(scope, audit["child_id"])
    if moderator_id == audit["auditor_id"]:
        raise AuditError("moderation needs a second person: the moderator is the auditor")
    template = stored_template(store, audit["template_id"], audit["template_version"])
    problems = _moderation_problems(template, answered, question_grades, overall_grade, reason)
    if problems:
        raise AuditError(f"moderation of {audit_id} refused: " + "; ".join(problems))

    def write(conn) -> int:
        result = conn.execute(
            T["audit_moderations"]
            .insert()
            .values(
                audit_id=audit_id,
                moderator_id=moderator_id,
                moderation_date=on.isoformat(),
                overall_grade=overall_grade,
                reason=reason.strip(),
                recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )
        moderation_id = int(result.inserted_primary_key[0])
        conn.execute(
            T["audit_moderation_answers"].insert(),
            [
                {
                    "moderation_id": moderation_id,
                    "question_id": qid,
                    "moderated_grade": g,
                    "reason": w.strip(),
                }
                for qid, (g, w) in question_grades.items()
            ],
        )
        return moderation_id

    return write_with_retry(store, write)


def _moderation_problems(
    template,
    answered: list[str],
    question_grades: Mapping[str, tuple[str, str]],
    overall_grade: str,
    reason: str,
) -> list[str]:
    """Return what is missing or wrong in a moderation, question by question, then overall."""
    problems = []
    for qid in answered:
        grade, why = question_grades.get(qid, ("", ""))
        if grade not in template.question(qid).allowed_grades():
            problems.append(f"{qid}: choose a moderated grade")
        elif not why.strip():
            problems.append(f"{qid}: give a reason")
    problems += [f"{qid}: not answered in the audit" for qid in set(question_grades) - set(answered)]
    if overall_grade not in graded_codes():
        problems.append("overall: choose a moderated overall grade")
    if not reason.strip():
        problems.append("overall: give a reason")
    return problems


def _kappa(pairs: pd.DataFrame) -> tuple[float, float, float]:
    """Return (observed agreement, chance agreement, kappa) for first/moderated pairs."""
    n = len(pairs)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    observed = float((pairs["first"] == pairs["moderated"]).mean())
    first = pairs["first"].value_counts() / n
    moderated = pairs["moderated"].value_counts() / n
    chance = float(
        sum(first.get(g, 0.0) * moderated.get(g, 0.0) for g in set(first.index) | set(moderated.index))
    )
    kappa = float("nan") if chance >= 1.0 else (observed - chance) / (1.0 - chance)
    return observed, chance, kappa


def agreement(answers: pd.DataFrame) -> pd.DataFrame:
    """Agreement between first and moderated grades, by question and overall.

    ``answers`` has question_id, grade (first) and moderated_grade (as from ``answer_frame``).
    Only moderated answers count. Not applicable is a category like any grade: a moderator who
    says a question did apply disagrees. Returns one row per question and a last row
    ``"all questions"``: pairs, agreed, percent_agreement (0 to 100), chance_agreement, kappa.
    """
    moderated = answers.dropna(subset=["moderated_grade"])
    moderated = moderated[moderated["moderated_grade"].astype(str) != ""]
    pairs = pd.DataFrame(
        {
            "question_id": moderated["question_id"].astype(str),
            "first": moderated["grade"].astype(str),
            "moderated": moderated["moderated_grade"].astype(str),
        }
    )
    rows = []
    groups = [(q, g) for q, g in pairs.groupby("question_id", sort=True)] + [("all questions", pairs)]
    for question, group in groups:
        observed, chance, kappa = _kappa(group)
        rows.append(
            {
                "question_id": question,
                "pairs": len(group),
                "agreed": int((group["first"] == group["moderated"]).sum()),
                "percent_agreement": 100 * observed,
                "chance_agreement": chance,
                "kappa": kappa,
            }
        )
    return pd.DataFrame(rows)


def overall_agreement(audits: pd.DataFrame) -> pd.DataFrame:
    """Agreement on the overall grade of moderated audits (from ``audit_frame``)."""
    frame = audits.rename(columns={"overall_grade": "grade"}).assign(question_id="overall")
    return agreement(frame[["question_id", "grade", "moderated_grade"]]).iloc[:1]
