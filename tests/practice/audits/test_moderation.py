"""Agreement and Cohen's kappa between first and moderated grades, against hand-worked figures."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from workbench.practice.audits.moderation import agreement, moderate_audit
from workbench.practice.audits.recording import Answer, AuditError, AuditRecord, submit_audit
from workbench.practice.audits.templates import load_template
from workbench.store.audit_frames import answer_frame, audit_frame

O, G, R, I = "outstanding", "good", "requires_improvement", "inadequate"  # noqa: E741

#: (question, first grade, moderated grade): ten pairs for q1, four for q2.
PAIRS = [
    ("q1", G, G), ("q1", G, G), ("q1", G, R), ("q1", O, G), ("q1", R, R),
    ("q1", R, R), ("q1", I, I), ("q1", G, G), ("q1", R, I), ("q1", O, O),
    ("q2", G, G), ("q2", G, G), ("q2", G, G), ("q2", G, G),
]  # fmt: skip


def hand_worked_frame() -> pd.DataFrame:
    return pd.DataFrame(PAIRS, columns=["question_id", "grade", "moderated_grade"])


def test_kappa_and_agreement_match_the_hand_worked_example():
    """Worked by hand.

    q1, ten pairs. Agreed: pairs 1, 2, 5, 6, 7, 8, 10, so p_o = 7/10 = 0.70.
      First grades:     outstanding 2, good 4, requires improvement 3, inadequate 1.
      Moderated grades: outstanding 1, good 4, requires improvement 3, inadequate 2.
      p_e = (2x1 + 4x4 + 3x3 + 1x2) / 10^2 = 29/100 = 0.29.
      kappa = (0.70 - 0.29) / (1 - 0.29) = 0.41 / 0.71 = 0.57746...
    q2, four pairs, all good/good: p_o = 1, p_e = 1, so kappa is undefined (empty), agreement 100%.
    All questions, fourteen pairs. Agreed 7 + 4 = 11, p_o = 11/14.
      First:     outstanding 2, good 8, requires improvement 3, inadequate 1.
      Moderated: outstanding 1, good 8, requires improvement 3, inadequate 2.
      p_e = (2x1 + 8x8 + 3x3 + 1x2) / 14^2 = 77/196.
      kappa = (154/196 - 77/196) / (119/196) = 77/119 = 11/17 = 0.64706...
    """
    table = agreement(hand_worked_frame()).set_index("question_id")
    q1, q2, every = table.loc["q1"], table.loc["q2"], table.loc["all questions"]
    assert (q1["pairs"], q1["agreed"]) == (10, 7)
    assert q1["percent_agreement"] == pytest.approx(70.0)
    assert q1["chance_agreement"] == pytest.approx(0.29)
    assert q1["kappa"] == pytest.approx(0.41 / 0.71)
    assert (q2["pairs"], q2["agreed"], q2["percent_agreement"]) == (4, 4, 100.0)
    assert math.isnan(q2["kappa"])
    assert (every["pairs"], every["agreed"]) == (14, 11)
    assert every["percent_agreement"] == pytest.approx(100 * 11 / 14)
    assert every["chance_agreement"] == pytest.approx(77 / 196)
    assert every["kappa"] == pytest.approx(11 / 17)


def test_unmoderated_answers_are_left_out():
    frame = pd.concat(
        [
            hand_worked_frame(),
            pd.DataFrame(
                [("q1", G, None), ("q1", O, "")], columns=["question_id", "grade", "moderated_grade"]
            ),
        ]
    )
    assert agreement(frame).set_index("question_id").loc["q1", "pairs"] == 10


def test_moderation_through_the_store_keeps_the_first_grade_and_gives_the_same_figures(store):
    """The hand-worked q1 pairs recorded as ten audits, each moderated by a second person."""
    template = load_template()
    q1_pairs = [(first, moderated) for question, first, moderated in PAIRS if question == "q1"]
    for number, (first, moderated) in enumerate(q1_pairs):
        answers = {q: Answer(G, "") for q in template.question_ids}
        answers["q1"] = Answer(first, f"evidence {number}")
        record = AuditRecord(
            f"C{number}", "W1", template, answers, G, date(2026, 3, 1), date(2025, 9, 1), date(2026, 3, 1)
        )
        audit_id = submit_audit(store, record)
        grades = dict.fromkeys(template.question_ids, (G, "agreed"))
        grades["q1"] = (moderated, "changed" if moderated != first else "agreed")
        moderate_audit(store, audit_id, "W2", grades, G, "moderated in panel", date(2026, 3, 10))

    answers = answer_frame(store)
    q1 = answers[answers["question_id"] == "q1"]
    assert sorted(zip(q1["grade"], q1["moderated_grade"], strict=True)) == sorted(q1_pairs)
    figures = agreement(answers).set_index("question_id").loc["q1"]
    assert figures["kappa"] == pytest.approx(0.41 / 0.71)
    assert set(audit_frame(store)["status"]) == {"moderated"}


def test_a_second_moderation_is_a_new_row_and_the_latest_wins(store):
    template = load_template()
    answers = {q: Answer(G, "") for q in template.question_ids}
    audit_id = submit_audit(
        store,
        AuditRecord("C1", "W1", template, answers, G, date(2026, 3, 1), date(2025, 9, 1), date(2026, 3, 1)),
    )
    same = dict.fromkeys(template.question_ids, (G, "agreed"))
    moderate_audit(store, audit_id, "W2", same, G, "first look", date(2026, 3, 2))
    moderate_audit(
        store, audit_id, "W3", {**same, "q1": (R, "no success measures")}, R, "panel", date(2026, 3, 9)
    )
    audits = audit_frame(store).set_index("audit_id")
    assert (audits.loc[audit_id, "overall_grade"], audits.loc[audit_id, "moderated_grade"]) == (G, R)
    row = answer_frame(store).set_index(["audit_id", "question_id"]).loc[(audit_id, "q1")]
    assert (row["grade"], row["moderated_grade"], row["moderation_reason"]) == (G, R, "no success measures")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM audit_moderations").scalar() == 2


def test_moderation_needs_a_second_person_and_reasons(store):
    template = load_template()
    answers = {q: Answer(G, "") for q in template.question_ids}
    audit_id = submit_audit(
        store,
        AuditRecord("C1", "W1", template, answers, G, date(2026, 3, 1), date(2025, 9, 1), date(2026, 3, 1)),
    )
    grades = dict.fromkeys(template.question_ids, (G, "agreed"))
    with pytest.raises(AuditError, match="second person"):
        moderate_audit(store, audit_id, "W1", grades, G, "mine", date(2026, 3, 2))
    with pytest.raises(AuditError, match="q3: give a reason"):
        moderate_audit(store, audit_id, "W2", {**grades, "q3": (G, " ")}, G, "ok", date(2026, 3, 2))
    with pytest.raises(AuditError, match="no workbench audit"):
        moderate_audit(store, "nope", "W2", grades, G, "ok", date(2026, 3, 2))
