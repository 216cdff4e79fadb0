"""The team lead's audit grades and open actions, from both audit sources, worked by hand.

Hand-worked extract: T1 has C1 and C2, T2 has C3. The extract brings A1 (C1, 2025-06-01, good,
not moderated). Recorded in the workbench here:
- R1: C2, 2026-01-10, requires improvement, moderated to good on 2026-02-01;
- R2: C3 (team T2), 2026-02-01, inadequate;
- R3: C1, 2026-05-01, after D.
Actions: X1 on R1 due 2026-03-01, never completed (overdue at D); X2 on A1 due 2026-04-30 (open
at D); X3 on A1 due 2026-02-01, completed 2026-02-15; X4 on R2 (T2); X5 on R3 (audit after D).
At D = 2026-03-31 for T1 ({C1, C2}):
- grades, first: good 1 (A1), requires improvement 1 (R1); after moderation: good 2;
- open actions: X1 (overdue) then X2 (open). X3 is completed, X4 is another team's, X5's audit is after D.
"""

from __future__ import annotations

from datetime import date

import pytest

from workbench.pages.team_audits import audit_grades, open_actions, read_audits
from workbench.practice.audits.moderation import moderate_audit
from workbench.practice.audits.recording import (
    Answer,
    AuditRecord,
    complete_action,
    record_action,
    submit_audit,
)
from workbench.practice.audits.templates import load_template
from workbench.store.loading import load_extract

D = date(2026, 3, 31)
T1 = ["C1", "C2"]


def _audit(store, child: str, on: date, grade: str) -> str:
    template = load_template()
    answers = {q: Answer(grade, "") for q in template.question_ids}
    return submit_audit(store, AuditRecord(child, "W3", template, answers, grade, on, date(2025, 9, 1), on))


@pytest.fixture
def audited(store, handworked_dir):
    load_extract(store, handworked_dir)
    r1 = _audit(store, "C2", date(2026, 1, 10), "requires_improvement")
    grades = dict.fromkeys(load_template().question_ids, ("good", "agreed in panel"))
    moderate_audit(store, r1, "W1", grades, "good", "agreed in panel", date(2026, 2, 1))
    r2 = _audit(store, "C3", date(2026, 2, 1), "inadequate")
    r3 = _audit(store, "C1", date(2026, 5, 1), "good")
    ids = {
        "X1": record_action(store, r1, "C2", "X1 <b>plan</b>", "W1", date(2026, 3, 1), "W3"),
        "X2": record_action(store, "A1", "C1", "X2", "W1", date(2026, 4, 30), "W3"),
        "X3": record_action(store, "A1", "C1", "X3", "W1", date(2026, 2, 1), "W3"),
        "X4": record_action(store, r2, "C3", "X4", "W2", date(2026, 4, 30), "W3"),
        "X5": record_action(store, r3, "C1", "X5", "W1", date(2026, 6, 1), "W3"),
    }
    complete_action(store, ids["X3"], date(2026, 2, 15))
    return store, {"R1": r1, "R2": r2, "R3": r3, **ids}


def test_grades_count_extract_and_recorded_audits_with_moderation_by_d(audited):
    store, _ids = audited
    audits = read_audits(store).audits
    assert set(audits["source"]) == {"extract", "workbench"}
    grades = audit_grades(audits, D, T1).set_index("grade")
    assert grades.loc["Good"].tolist() == [1, 2]
    assert grades.loc["Requires improvement"].tolist() == [1, 0]
    assert grades[["first", "moderated"]].sum().tolist() == [2, 2]  # R2 is T2's, R3 after D
    before = audit_grades(audits, date(2026, 1, 20), T1).set_index("grade")  # before the moderation
    assert before.loc["Good"].tolist() == [1, 1] and before.loc["Requires improvement"].tolist() == [1, 1]


def test_open_actions_are_the_real_actions_overdue_first(audited):
    store, ids = audited
    tables = read_audits(store)
    found = open_actions(tables.audits, tables.actions, D, T1)
    assert found["description"].tolist() == ["X1 <b>plan</b>", "X2"]
    assert found["status"].tolist() == ["overdue", "open"]
    assert found["owner"].tolist() == ["W1", "W1"] and found["child_id"].tolist() == ["C2", "C1"]
    assert found["due_date"].dt.date.tolist() == [date(2026, 3, 1), date(2026, 4, 30)]
    assert found["audit_id"].tolist() == [ids["R1"], "A1"]
    # Before X3 was completed it was overdue; before R1 was audited X1 did not exist.
    earlier = open_actions(tables.audits, tables.actions, date(2026, 2, 10), T1)
    assert earlier["description"].tolist() == ["X3", "X1 <b>plan</b>", "X2"]
    assert earlier["status"].tolist() == ["overdue", "open", "open"]
    assert open_actions(tables.audits, tables.actions, D, ["C3"])["description"].tolist() == ["X4"]


def test_the_team_lead_view_lists_the_real_actions_escaped(audited):
    from widgets.team_lead_view import TeamLeadView
    from workbench.access import Identity
    from workbench.measures.service_data import ServiceData

    store, _ids = audited
    view = TeamLeadView(ServiceData(store), Identity("cat", "team_lead", team_id="T1", worker_id="W3"), at=D,
                        audits=read_audits(store))  # fmt: skip
    table = view.actions_table.value
    assert "X1 &lt;b&gt;plan&lt;/b&gt;" in table and "overdue" in table and "X2" in table
    assert "X3" not in table and "X4" not in table and "X5" not in table
    assert "<td>2</td>" in view.grades_table.value  # two audits good after moderation
