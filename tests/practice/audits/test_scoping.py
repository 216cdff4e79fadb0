"""The audit dashboard shows and accepts only the cases, audits and actions of the viewer's scope.

Hand-worked extract: team T1 (North CIN) has C1 and C2, allocated to W1 (Ann); team T2 (South
CP) has C3, allocated to W2 (Bob). Cat (W3) leads T1. Audits: A1 of C1 from the extract, and the
ones each test records. The scope is decided in workbench (``workbench.practice.audits.scoping``) and the
store functions refuse outside it; the widgets only offer what workbench lists.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.widgets.test_audit_widgets import IDENTITIES, sign_in
from workbench.access import AccessRefusedError, Identity
from workbench.practice.audits.findings import build_findings
from workbench.practice.audits.moderation import moderate_audit
from workbench.practice.audits.recording import (
    Answer,
    AuditRecord,
    complete_action,
    record_action,
    submit_audit,
)
from workbench.practice.audits.sampling import draw_sample
from workbench.practice.audits.scoping import audit_scope, scoped_actions, scoped_answers, scoped_audits
from workbench.practice.audits.templates import load_template
from workbench.store.loading import load_extract

DAY = date(2026, 3, 31)


def _record(child_id: str, auditor: str) -> AuditRecord:
    template = load_template()
    answers = {q: Answer("good", f"{q} evidence for {child_id}") for q in template.question_ids}
    return AuditRecord(child_id, auditor, template, answers, "good", DAY, date(2025, 9, 30), DAY)


@pytest.fixture
def audited(store, handworked_dir, monkeypatch, tmp_path):
    """The hand-worked store with a recorded audit and an action for C1 (T1) and for C3 (T2)."""
    load_extract(store, handworked_dir)
    identities = tmp_path / "identities.yaml"
    identities.write_text(IDENTITIES, encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_IDENTITY_FILE", str(identities))
    sign_in(monkeypatch, "cat")
    ids = {}
    for child in ("C1", "C3"):
        ids[child] = submit_audit(store, _record(child, "hopi"))
        ids[f"action {child}"] = record_action(store, ids[child], child, f"follow up {child}", "W1",
                                               date(2026, 3, 1), "hopi")  # fmt: skip
    return store, ids


def who(user: str) -> Identity:
    import os

    from workbench.access import read_identities

    return read_identities(os.environ["WORKBENCH_IDENTITY_FILE"])[user]


@pytest.mark.parametrize(
    ("user", "children"),
    [("hopi", {"C1", "C3"}), ("cat", {"C1"}), ("bob", {"C3"}), ("ann", {"C1"})],
)
def test_audits_answers_and_actions_are_listed_for_the_scope_only(audited, user, children):
    store, _ids = audited
    scope = audit_scope(store, who(user), DAY)
    audits = scoped_audits(store, scope)
    assert set(audits["child_id"]) == children
    # The extract's A1 (C1) and the recorded ones come through the same frames.
    assert ("A1" in set(audits["audit_id"])) == ("C1" in children)
    answers = scoped_answers(store, scope)
    assert set(answers["audit_id"]) == set(audits["audit_id"])
    assert set(scoped_actions(store, scope, DAY)["child_id"]) == children
    findings = build_findings(store, DAY, scope=scope)
    assert set(findings.audits["child_id"]) == children and set(findings.actions["child_id"]) == children


def test_the_default_scope_is_the_viewers_trusted_identity(audited, monkeypatch):
    store, _ids = audited
    assert audit_scope(store).team_ids == {"T1"}  # Cat, from WORKBENCH_USER and the identity file
    sign_in(monkeypatch, None)
    with pytest.raises(AccessRefusedError):
        audit_scope(store)


def test_store_writes_outside_the_scope_are_refused(audited):
    store, ids = audited
    cat = audit_scope(store, who("cat"), DAY)
    with pytest.raises(AccessRefusedError, match="may not see case 'C3'"):
        submit_audit(store, _record("C3", "W3"), scope=cat)
    assert submit_audit(store, _record("C1", "W3"), scope=cat)
    with pytest.raises(AccessRefusedError, match="may not see audit"):
        record_action(store, ids["C3"], "C3", "x", "W3", DAY, "W3", scope=cat)
    with pytest.raises(AccessRefusedError, match="may not see action"):
        complete_action(store, ids["action C3"], DAY, scope=cat)
    complete_action(store, ids["action C1"], DAY, scope=cat)
    grades = dict.fromkeys(load_template().question_ids, ("good", "agreed"))
    with pytest.raises(AccessRefusedError, match="may not see case 'C3'"):
        moderate_audit(store, ids["C3"], "W3", grades, "good", "agreed", DAY, scope=cat)
    assert moderate_audit(store, ids["C1"], "W3", grades, "good", "agreed", DAY, scope=cat)


def test_a_team_lead_samples_only_their_teams_cases(audited):
    store, _ids = audited
    cat = audit_scope(store, who("cat"), DAY)
    sample = draw_sample(store, 2, seed=1, at=DAY, exclude_months=0, scope=cat)
    assert set(sample["child_id"]) == {"C1", "C2"}
    assert len(draw_sample(store, 3, seed=1, at=DAY, exclude_months=0)) == 3  # without a scope: all three


def test_the_widgets_offer_only_the_scope_and_refuse_a_typed_case_outside_it(audited):
    from widgets.audit_actions import AuditActions
    from widgets.audit_dashboard import AuditDashboard

    store, ids = audited
    dashboard = AuditDashboard(store, load_template(), today=DAY)  # Cat, from her trusted identity
    assert dashboard.scope.team_ids == {"T1"}
    form = dashboard.form
    form.case_input.value = "C3"  # a widget value outside the scope
    form.open_button.click()
    assert form.status == "refused" and form.child_id == "" and form.submit_button.disabled
    assert "not one your role lets you see" in form.message.value and "C3" not in form.case_view.value
    form.open_case("C1")
    assert form.child_id == "C1" and not form.submit_button.disabled
    offered = dict(dashboard.moderation.picker.options).values()
    assert ids["C1"] in offered and ids["C3"] not in offered
    dashboard.moderation.show(ids["C3"])  # as if the browser sent a value not in the options
    assert "may not see audit" in dashboard.moderation.message.value
    assert dashboard.moderation.save_button.disabled
    audits = dict(dashboard.actions.audit.options).values()
    assert ids["C1"] in audits and "A1" in audits and ids["C3"] not in audits
    actions = dict(dashboard.actions.open_actions.options).values()
    assert ids["action C1"] in actions and ids["action C3"] not in actions
    assert (
        "follow up C3" not in dashboard.actions.table.value
        and "follow up C1" in dashboard.actions.table.value
    )
    assert "C3" not in dashboard.findings.latest.value and "C1" in dashboard.findings.latest.value
    everyone = AuditActions(store, today=DAY, scope=audit_scope(store, who("hopi"), DAY))
    assert "follow up C3" in everyone.table.value
