"""The audit form and findings view, driven without a kernel (set values, click, read traits).

Without a kernel there is no event loop to debounce on, so forms save at once (``save_delay=0``);
the debounced save is exercised in the browser test.
"""

from __future__ import annotations

import base64
import html
import re
from datetime import date
from io import BytesIO

import openpyxl
import pytest

from widgets.audit_findings_view import AuditFindingsView
from widgets.audit_form import AuditForm
from workbench.practice.audits.recording import load_draft, record_action
from workbench.practice.audits.templates import load_template
from workbench.store.audit_frames import action_frame, answer_frame, audit_frame
from workbench.store.loading import load_extract

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"


#: The deployment's identity file for the hand-worked extract (T1: C1 and C2 with W1; T2: C3 with W2).
IDENTITIES = """
users:
  cat: {role: team_lead, team_id: T1, worker_id: W3, name: Cat Example}
  ann: {role: practitioner, worker_id: W1, name: Ann Example}
  bob: {role: team_lead, team_id: T2, worker_id: W2, name: Bob Example}
  hopi: {role: head_of_practice_improvement}
"""


def sign_in(monkeypatch, user: str | None) -> None:
    """Be ``user`` to ``workbench.access.current_identity`` (the deployment's WORKBENCH_USER)."""
    for name in ("WORKBENCH_TRUST_PROXY_HEADER", "JUPYTERHUB_USER", "WORKBENCH_DEMO_USER"):
        monkeypatch.delenv(name, raising=False)
    if user is None:
        monkeypatch.delenv("WORKBENCH_USER", raising=False)
    else:
        monkeypatch.setenv("WORKBENCH_USER", user)


@pytest.fixture
def audit_store(store, handworked_dir, monkeypatch, tmp_path):
    load_extract(store, handworked_dir)
    identities = tmp_path / "identities.yaml"
    identities.write_text(IDENTITIES, encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_IDENTITY_FILE", str(identities))
    sign_in(monkeypatch, "cat")  # Cat, team lead of T1, worker W3
    return store


def fill(form: AuditForm, skip: tuple[str, ...] = ()) -> None:
    for qid, fld in form.fields.items():
        if qid not in skip:
            fld.grade.value = "good"
            fld.evidence.value = f"{qid}: {HOSTILE}"
    form.overall.value = "good"


def test_the_auditor_is_the_trusted_identity_not_the_page(audit_store, monkeypatch):
    from workbench.access import AccessRefusedError

    form = AuditForm(audit_store, load_template(), today=date(2026, 3, 31), save_delay=0)
    assert form.auditor_id == "W3" and "W3" in form.who.value and "Team lead" in form.who.value
    sign_in(monkeypatch, None)  # an identity file but nobody named: no page at all
    with pytest.raises(AccessRefusedError, match="no trusted source names the user"):
        AuditForm(audit_store, load_template(), today=date(2026, 3, 31), save_delay=0)
    sign_in(monkeypatch, "mallory")  # named, but not in the identity file
    with pytest.raises(AccessRefusedError, match="not in the identity file"):
        AuditForm(audit_store, load_template(), today=date(2026, 3, 31), save_delay=0)


def test_typing_saves_a_draft_and_reopening_the_case_restores_it(audit_store):
    template = load_template()
    form = AuditForm(audit_store, template, today=date(2026, 3, 31), save_delay=0)
    form.case_input.value = "C1"
    form.open_button.click()
    assert form.child_id == "C1" and not form.submit_button.disabled
    assert "wb-case-outcomes" in form.case_view.value
    # A long case scrolls in a region the keyboard reaches (axe: scrollable-region-focusable).
    assert form.case_view.value.startswith("<div class='wb-case-scroll' tabindex='0' role='region'")
    form.fields["q1"].grade.value = "requires_improvement"
    form.fields["q1"].evidence.value = HOSTILE
    assert form.status == "draft saved" and form.saves == 2
    assert load_draft(audit_store, "C1", "W3").answers["q1"].evidence == HOSTILE

    # A closed tab: a new form (new kernel) opens the same case and finds what was typed.
    again = AuditForm(audit_store, template, today=date(2026, 3, 31), save_delay=0)
    again.open_case("C1")
    assert again.status == "draft restored"
    assert (again.fields["q1"].grade.value, again.fields["q1"].evidence.value) == (
        "requires_improvement",
        HOSTILE,
    )
    assert again.saves == 0  # restoring is not a change


def test_submit_names_the_missing_questions_then_stores_the_audit(audit_store):
    form = AuditForm(audit_store, load_template(), today=date(2026, 3, 31), save_delay=0)
    form.open_case("C1")
    fill(form, skip=("q3", "q5"))
    form.overall.value = ""
    assert form.submit() is None
    assert form.missing == ["q3", "q5", "overall"]
    assert "q3, q5, overall" in form.message.value
    assert "wb-audit-missing" in form.fields["q3"]._dom_classes
    assert "wb-audit-missing" not in form.fields["q1"]._dom_classes
    fill(form)
    audit_id = form.submit()
    assert audit_id and form.submitted_audit_id == audit_id and form.status == "submitted"
    stored = audit_frame(audit_store).set_index("audit_id").loc[audit_id]
    assert (stored["child_id"], stored["auditor_id"], stored["template_version"]) == ("C1", "W3", "1")
    assert stored["audit_date"].date() == date(2026, 3, 31)
    answers = answer_frame(audit_store)
    assert answers[answers["audit_id"] == audit_id]["evidence"].str.endswith(HOSTILE).all()
    assert load_draft(audit_store, "C1", "W3") is None
    assert "<script>" not in form.message.value


def test_the_evidence_window_defaults_to_six_months_and_is_kept(audit_store):
    form = AuditForm(
        audit_store, load_template(), today=date(2026, 11, 25), window_end=date(2026, 3, 31), save_delay=0
    )
    assert (form.window_from.value, form.window_to.value) == (date(2025, 9, 30), date(2026, 3, 31))
    form.open_case("C2")
    form.window_from.value = date(2025, 6, 1)
    fill(form)
    audit_id = form.submit()
    with audit_store.engine.connect() as conn:
        window = conn.exec_driver_sql(
            "SELECT evidence_from, evidence_to, audit_date FROM recorded_audits WHERE audit_id = ?",
            (audit_id,),
        ).one()
    assert tuple(window) == ("2025-06-01", "2026-03-31", "2026-11-25")


def test_findings_view_shows_a_new_audit_and_escapes_its_evidence(audit_store):
    view = AuditFindingsView(audit_store, at=date(2026, 12, 31))
    before = view.audits
    form = AuditForm(audit_store, load_template(), today=date(2026, 3, 31), save_delay=0)
    form.open_case("C1")
    fill(form)
    audit_id = form.submit()
    view.refresh_button.click()
    assert view.audits == before + 1
    assert audit_id in view.latest.value
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in view.latest.value and "<script>" not in view.latest.value
    )
    view.group.value = "team"
    assert view.chart.chart.to_dict()["encoding"]["y"]["field"] == "group"
    assert {row["team"] for row in view.chart.chart.to_dict()["datasets"].popitem()[1]} == {"North CIN"}


def test_moderation_form_keeps_the_first_grade_and_updates_agreement(audit_store, monkeypatch):
    from widgets.audit_moderation import ModerationForm

    form = AuditForm(audit_store, load_template(), today=date(2026, 3, 31), save_delay=0)
    form.open_case("C1")
    fill(form)
    audit_id = form.submit()

    own = ModerationForm(audit_store, today=date(2026, 4, 7))  # W3 audited it: cannot moderate it
    own.picker.value = audit_id
    own.save_button.click()
    assert "second person" in own.message.value and own.moderated_audit_id == ""

    sign_in(monkeypatch, "ann")  # Ann (W1), whose caseload C1 is
    moderation = ModerationForm(audit_store, today=date(2026, 4, 7))
    assert audit_id in dict(moderation.picker.options).values()
    moderation.picker.value = audit_id
    assert "&lt;script&gt;" in moderation.questions.children[0].children[0].value
    for _grade, why in moderation._grades.values():
        why.value = "agreed"
    moderation._grades["q1"][0].value = "requires_improvement"
    moderation._grades["q1"][1].value = "no success measure for two outcomes"
    moderation.reason.value = "agreed in panel"
    moderation.save_button.click()
    assert moderation.moderated_audit_id == audit_id
    assert audit_id not in dict(moderation.picker.options).values()
    row = answer_frame(audit_store).set_index(["audit_id", "question_id"]).loc[(audit_id, "q1")]
    assert (row["grade"], row["moderated_grade"]) == ("good", "requires_improvement")
    assert "<td>q1</td><td>1</td><td>0</td><td>0%</td>" in moderation.agreement.value


def test_actions_are_recorded_with_owner_and_due_date_and_completed(audit_store):
    from widgets.audit_actions import AuditActions

    form = AuditForm(audit_store, load_template(), today=date(2026, 3, 31), save_delay=0)
    form.open_case("C1")
    fill(form)
    audit_id = form.submit()
    actions = AuditActions(audit_store, today=date(2026, 4, 1))
    assert actions.actions == 0 and "No actions recorded" in actions.table.value
    actions.audit.value = audit_id
    actions.description.value = f"Agree success measures {HOSTILE}"
    actions.owner.value = "Team lead, North CIN"
    actions.due.value = date(2026, 4, 30)
    actions.add_button.click()
    assert (
        actions.actions == 1
        and "&lt;script&gt;" in actions.table.value
        and "<script>" not in actions.table.value
    )
    action_id = actions.open_actions.options[1][1]
    actions.open_actions.value = action_id
    actions.completed_on.value = date(2026, 4, 1)
    actions.complete_button.click()
    frame = action_frame(audit_store, date(2026, 5, 1)).set_index("action_id")
    assert (frame.loc[action_id, "status"], frame.loc[action_id, "owner"]) == (
        "completed",
        "Team lead, North CIN",
    )
    assert frame.loc[action_id, "due_date"].date() == date(2026, 4, 30)
    assert len(actions.open_actions.options) == 1


def test_sample_panel_draws_reproducibly_and_keeps_a_round(audit_store):
    from widgets.audit_sample import AuditSamplePanel
    from workbench.practice.audits.sampling import round_cases

    panel = AuditSamplePanel(audit_store, at=date(2026, 3, 31))
    panel.size.value, panel.seed.value, panel.exclude.value = 2, 11, 0
    panel.stratify.value = "team"
    panel.draw_button.click()
    first = list(panel.cases)
    assert len(first) == 2 and "C" in panel.table.value
    panel.draw_button.click()
    assert panel.cases == first
    panel.name.value = "Spring <b>round</b>"
    panel.keep_button.click()
    assert panel.round_id and sorted(round_cases(audit_store, panel.round_id)["child_id"]) == sorted(first)
    panel.size.value = 50
    panel.draw_button.click()
    assert "only 2 cases can be sampled" in panel.message.value  # Cat samples her team (C1, C2), not C3


def test_a_sampled_case_is_offered_and_its_audit_is_recorded_against_the_round(audit_store):
    import pandas as pd

    from workbench.practice.audits.sampling import create_round, round_assignments

    sample = pd.DataFrame({"child_id": ["C1", "C2"], "stratum": ["all", "all"]})
    round_id = create_round(audit_store, "Spring", sample, seed=1, at=date(2026, 3, 31), stratify_by=None,
                            exclude_months=0, created_by="W3")  # fmt: skip
    rounds = round_assignments(audit_store)
    assert rounds == {"C1": round_id, "C2": round_id}
    form = AuditForm(audit_store, load_template(), today=date(2026, 3, 31), save_delay=0, rounds=rounds)
    assert list(form.case_input.options) == ["C1", "C2"]
    form.open_case("C1")
    fill(form)
    audit_id = form.submit()
    with audit_store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT round_id FROM recorded_audits WHERE audit_id = ?", (audit_id,))
        assert stored.scalar() == round_id
    assert round_assignments(audit_store) == {"C2": round_id}  # C1 is done for this round


def test_the_dashboard_keeps_its_tabs_in_step(audit_store):
    from widgets.audit_dashboard import AuditDashboard

    dashboard = AuditDashboard(audit_store, load_template(), today=date(2026, 3, 31))
    dashboard.form.save_delay = 0
    before = dashboard.findings.audits
    dashboard.form.open_case("C2")
    fill(dashboard.form)
    audit_id = dashboard.form.submit()
    assert dashboard.findings.audits == before + 1
    assert audit_id in dict(dashboard.actions.audit.options).values()
    assert audit_id in dict(dashboard.moderation.picker.options).values()
    dashboard.sample.size.value, dashboard.sample.exclude.value = 1, 0
    dashboard.sample.draw_button.click()
    dashboard.sample.keep_button.click()
    assert list(dashboard.form.case_input.options) == dashboard.sample.cases


def _submitted_audit(store, child_id: str) -> str:
    """Audit ``child_id`` as the signed-in viewer, with an action owned by a named person; return its id."""
    form = AuditForm(store, load_template(), today=date(2026, 3, 31), save_delay=0)
    form.open_case(child_id)
    fill(form)
    audit_id = form.submit()
    record_action(store, audit_id, child_id, "Review the plan", "Owner Person", date(2026, 4, 30), "W3")
    return audit_id


def _downloads(message: str) -> dict[str, bytes]:
    """The files the view's download links carry (``data:`` URLs), by their download name."""
    links = re.findall(r"download='([^']+)' href='data:[^;]+;base64,([^']+)'", message)
    return {html.unescape(name): base64.b64decode(data) for name, data in links}


def test_findings_export_goes_to_the_viewers_browser_and_the_shared_one_has_no_ids(
    audit_store, monkeypatch, tmp_path
):
    """Security review finding 8: no file on the server, no child, audit or worker id in the shared export."""
    record_id = _submitted_audit(audit_store, "C1")
    work = tmp_path / "kernel-folder"
    work.mkdir()
    monkeypatch.chdir(work)  # a served kernel's working folder: nothing may be written there
    view = AuditFindingsView(audit_store, at=date(2026, 3, 31))
    assert view.working_copy_button.layout.display == "none"  # a team lead is not offered ids
    files = view.export()
    assert list(work.iterdir()) == []
    assert _downloads(view.message.value) == files
    assert sorted(files) == ["audit-findings-2026-03-31.html", "audit-findings-2026-03-31.xlsx"]
    page = files["audit-findings-2026-03-31.html"].decode()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page  # offline, like the packs
    book = openpyxl.load_workbook(BytesIO(files["audit-findings-2026-03-31.xlsx"]))
    cells = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None}
    identifying = {record_id, "C1", "W3", "Owner Person"} | set(audit_frame(audit_store)["audit_id"])
    assert not identifying & cells, identifying & cells
    assert not [word for word in identifying if re.search(rf"\b{re.escape(word)}\b", page)]
    headers = {c.value for sheet in book for c in sheet[1]}
    assert not headers & {"child_id", "audit_id", "auditor_id", "owner"}
    cases = {c.value for c in book["audits"]["A"][1:]}
    assert cases == {f"Case {n}" for n in range(1, len(view.findings.audits) + 1)}
    assert {c.value for c in book["answers"]["A"][1:]} <= cases and len(cases) >= 2
    assert view.export(identified=True) == {}  # refused to a team lead, whatever the button says


def test_the_audit_lead_may_take_the_working_copy_with_ids(audit_store, monkeypatch):
    sign_in(monkeypatch, "hopi")
    record_id = _submitted_audit(audit_store, "C1")
    view = AuditFindingsView(audit_store, at=date(2026, 3, 31))
    assert view.working_copy_button.layout.display is None
    files = view.export(identified=True)
    book = openpyxl.load_workbook(BytesIO(files["audit-findings-2026-03-31-with-ids.xlsx"]))
    assert record_id in {c.value for c in book["audits"]["A"]}
    assert "Do not share" in files["audit-findings-2026-03-31-with-ids.html"].decode()
