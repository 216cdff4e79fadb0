"""The audit dashboard in Voila and Chromium: fill in an audit, lose the tab, carry on, submit, find it.

Hostile evidence (a script tag and an image with an onerror handler) is typed into the form and must
show as text in the form, the findings view and the exported findings page, and never run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.fixtures.demo_store import copy_demo_store
from workbench.cli.serving import DASHBOARDS_DIR
from workbench.practice.audits.findings import build_findings, findings_html
from workbench.store.audit_frames import answer_frame, audit_frame
from workbench.store.engine import Store

from .rig import (
    SCREENSHOTS,
    VoilaServer,
    assert_no_error_output,
    external_requests,
    record_network,
    start_voila,
    wait_for_chart,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
CASE = "C000020"
#: The demo's default identity (the Head of Practice Improvement, no worker id): without an
#: identity file the dashboard records audits as the demo viewer (workbench.access).
AUDITOR = "demo-head-of-pi"
#: No deployment identity: the demo identities (data/demo-identities.yaml) decide who is looking.
DEMO = {"WORKBENCH_IDENTITY_FILE": None, "WORKBENCH_USER": None, "WORKBENCH_TRUST_PROXY_HEADER": None,
        "JUPYTERHUB_USER": None, "WORKBENCH_DEMO_USER": None}  # fmt: skip


@pytest.fixture(scope="module")
def audit_store(tmp_path_factory) -> Store:
    """A store of its own: this test writes audits, which other tests must not see."""
    # a copy of the demo extract's store, marked as the demo: viewed with the demo identities
    return copy_demo_store(tmp_path_factory.mktemp("audit-store") / "demo.sqlite", demo=True)


@pytest.fixture(scope="module")
def dashboards(tmp_path_factory, audit_store) -> Iterator[VoilaServer]:
    env = {**DEMO, "WORKBENCH_STORE": audit_store.url}
    with start_voila(DASHBOARDS_DIR, tmp_path_factory.mktemp("voila"), env=env) as server:
        yield server


def open_dashboard(page, server: VoilaServer) -> None:
    page.goto(server.notebook_url("audit.ipynb"), wait_until="commit")
    wait_for_voila_rendered(page, timeout=120_000)


def open_case(page, child_id: str) -> None:
    page.fill(".wb-audit-case input", child_id)
    page.click(".wb-audit-open")
    page.wait_for_selector(".wb-case-outcomes", timeout=60_000)


def screenshot(page, name: str) -> None:
    """Save the whole page: Voila scrolls inside its own container, so grow the viewport to fit."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.querySelector('#rendered_cells')?.scrollHeight || 900")
    page.set_viewport_size({"width": 1280, "height": min(max(900, height + 100), 6000)})
    page.screenshot(path=SCREENSHOTS / name, full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def question(qid: str) -> str:
    return f".wb-audit-q-{qid}"


def answer(page, qid: str, grade: str, evidence: str) -> None:
    page.select_option(f"{question(qid)} .wb-audit-grade select", label=grade)
    page.fill(f"{question(qid)} .wb-audit-evidence textarea", evidence)


def test_an_audit_filled_in_the_browser_survives_a_closed_tab_is_submitted_and_found(
    dashboards, audit_store, page, browser
):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_dashboard(page, dashboards)
    assert f"Auditing as {AUDITOR}" in page.inner_text(".wb-audit-user")
    open_case(page, CASE)
    questions = [f"q{n}" for n in range(1, 9)]
    for qid in questions[:4]:
        answer(page, qid, "Good", f"{qid}: {HOSTILE}")
    page.wait_for_function(
        "document.querySelector('.wb-audit-message').innerText.includes('Draft saved')", timeout=30_000
    )

    # The tab is closed; a new one opens the same case and finds everything typed so far.
    page.close()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    record_network(page.context)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_dashboard(page, dashboards)
    open_case(page, CASE)
    page.wait_for_function(
        "document.querySelector('.wb-audit-message').innerText.includes('Draft restored')", timeout=30_000
    )
    for qid in questions[:4]:
        assert page.input_value(f"{question(qid)} .wb-audit-evidence textarea") == f"{qid}: {HOSTILE}"

    # Submit with q5 to q8 unanswered: the form names them and stores nothing.
    page.click(".wb-audit-submit")
    page.wait_for_selector(".wb-audit-message .wb-audit-error")
    assert "answer q5, q6, q7, q8, overall first" in page.inner_text(".wb-audit-message")
    assert page.locator(".wb-audit-missing").count() == 4  # q5 to q8 (overall is not a question box)
    assert (audit_frame(audit_store)["source"] == "workbench").sum() == 0

    for qid in questions[4:]:
        answer(page, qid, "Requires improvement", f"{qid}: {HOSTILE}")
    page.select_option(".wb-audit-overall select", label="Good")
    screenshot(page, "audit-form-filled.png")
    page.click(".wb-audit-submit")
    page.wait_for_selector(".wb-audit-done", timeout=30_000)
    audit_id = re.search(r"Submitted audit (WA-\w+)", page.inner_text(".wb-audit-done")).group(1)

    stored = audit_frame(audit_store).set_index("audit_id").loc[audit_id]
    assert (stored["child_id"], stored["auditor_id"], stored["template_version"]) == (CASE, AUDITOR, "1")
    answers = answer_frame(audit_store).query("audit_id == @audit_id")
    assert len(answers) == 8 and (answers["evidence"] == answers["question_id"] + ": " + HOSTILE).all()

    # The findings view shows the new audit, and its evidence as text.
    page.get_by_role("tab", name="Findings").click()
    page.wait_for_function(
        "(id) => document.querySelector('.wb-findings-latest').innerText.includes(id)",
        arg=audit_id,
        timeout=60_000,
    )
    wait_for_chart(page, within=".wb-findings-chart")
    evidence_cells = page.locator(".wb-findings-evidence td", has_text="<script>alert(1)</script>")
    assert evidence_cells.count() == 8
    assert HOSTILE in evidence_cells.first.inner_text()
    assert (
        page.evaluate("document.querySelectorAll('.wb-findings-view script, .wb-findings-view img').length")
        == 0
    )
    assert page.evaluate("document.querySelectorAll('.wb-audit-form img, .wb-audit-form script').length") == 0
    screenshot(page, "audit-findings-view.png")

    assert dialogs == []
    assert_no_error_output(page)
    assert external_requests(page) == []
    page.context.close()


def test_the_exported_findings_page_shows_hostile_evidence_as_text_offline(audit_store, page):
    from datetime import date

    from workbench.practice.audits.recording import Answer, AuditRecord, submit_audit
    from workbench.practice.audits.templates import load_template

    template = load_template()
    answers = {q: Answer("inadequate", f"{q}: {HOSTILE}") for q in template.question_ids}
    submit_audit(audit_store, AuditRecord(CASE, AUDITOR, template, answers, "inadequate", date(2026, 3, 30),
                                          date(2025, 9, 30), date(2026, 3, 30)))  # fmt: skip
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_content(findings_html(build_findings(audit_store, date(2026, 3, 31))))
    assert page.locator("svg").count() == 3  # the three grade charts, inline
    text = page.inner_text("body")
    assert HOSTILE in text
    assert page.evaluate("document.querySelectorAll('script, img').length") == 0
    page.screenshot(path=SCREENSHOTS / "audit-findings-export.png", full_page=True)
    assert dialogs == []
    assert external_requests(page) == []


def test_behind_a_proxy_the_auditor_is_the_header_the_proxy_sends(audit_store, voila, browser, tmp_path):
    """Voila passes the trusted proxy header to the kernel (workbench.access); no header, no page."""
    from workbench.cli.serving import identity_environment, proxy_header_setting

    identities = tmp_path / "identities.yaml"
    identities.write_text("users:\n  farah: {role: team_lead, team_id: T16, worker_id: W0190}\n")
    env = identity_environment(
        {**DEMO, "WORKBENCH_STORE": audit_store.url, "WORKBENCH_DEMO_USER": "demo-head-of-pi"},
        trust_proxy_header="X-Workbench-User",
        identity_file=identities,
    )
    secret = tmp_path / "proxy-secret"
    secret.write_text("a-secret-only-the-proxy-knows\n")
    # The same settings `workbench serve --trust-proxy-header X-Workbench-User --trusted-proxy
    # 127.0.0.1 --proxy-secret-file ...` passes (voila_command); the browser plays the proxy.
    server = voila(DASHBOARDS_DIR, env=env, extra_args=[
        proxy_header_setting("X-Workbench-User"), "--WorkbenchKernelManager.trusted_proxies=127.0.0.1",
        f"--WorkbenchKernelManager.proxy_secret_file={secret}",
    ])  # fmt: skip
    for user in ("farah", None):
        headers = {"X-Workbench-Proxy-Secret": "a-secret-only-the-proxy-knows"}
        headers |= {"X-Workbench-User": user} if user else {}
        context = browser.new_context(viewport={"width": 1280, "height": 900}, extra_http_headers=headers)
        record_network(context)
        page = context.new_page()
        open_dashboard(page, server)
        if user:
            assert "Auditing as W0190" in page.inner_text(".wb-audit-user")  # her worker id
        else:
            # Never the demo identity once a proxy is trusted: nothing is shown.
            assert "did not send the X-Workbench-User header" in page.inner_text(".wb-refused")
            assert page.locator(".wb-audit-form, .wb-findings-view").count() == 0
        assert_no_error_output(page)
        context.close()


def test_the_demo_team_lead_sees_no_other_teams_case(audit_store, voila, page):
    """As the demo team lead (T16): cases, findings and actions of other teams are not shown or opened."""
    from datetime import date

    from workbench.access import DEMO_IDENTITIES, read_identities
    from workbench.measures.service_data import ServiceData
    from workbench.practice.audits.recording import Answer, AuditRecord, record_action, submit_audit
    from workbench.practice.audits.scoping import audit_scope
    from workbench.practice.audits.templates import load_template

    lead = read_identities(DEMO_IDENTITIES)["demo-team-lead"]
    scope = audit_scope(audit_store, lead)
    allocated = ServiceData(audit_store).allocation_at(scope.at)
    other_case = sorted(set(allocated["child_id"]) - scope.child_ids)[0]
    # Another team's audit and action, recorded in the workbench, and the team's own audits to see.
    template = load_template()
    answers = {q: Answer("good", "seen elsewhere") for q in template.question_ids}
    other = submit_audit(audit_store, AuditRecord(other_case, AUDITOR, template, answers, "good",
                                                  date(2026, 3, 30), date(2025, 9, 30), date(2026, 3, 30)))  # fmt: skip
    record_action(
        audit_store, other, other_case, "Another team's action", "W0001", date(2026, 4, 30), AUDITOR
    )
    audits = audit_frame(audit_store)
    assert (
        audits["child_id"].isin(scope.child_ids).any() and not audits["child_id"].isin(scope.child_ids).all()
    )

    server = voila(DASHBOARDS_DIR, env={**DEMO, "WORKBENCH_STORE": audit_store.url,
                                        "WORKBENCH_DEMO_USER": "demo-team-lead"})  # fmt: skip
    open_dashboard(page, server)
    assert "Auditing as W0190" in page.inner_text(".wb-audit-user")

    page.get_by_role("tab", name="Findings").click()
    wait_for_chart(page, within=".wb-findings-chart")
    shown = page.locator(".wb-findings-latest-audits tbody tr td:nth-child(3)").all_inner_texts()
    assert shown and set(shown) <= scope.child_ids

    page.get_by_role("tab", name="Actions").click()
    offered = page.locator(".wb-action-audit select option").all_inner_texts()
    cases = set(re.findall(r"case\s(C\d+)", "\n".join(offered)))
    assert cases and cases <= scope.child_ids, offered[:5]
    assert "Another team's action" not in page.inner_text(".wb-action-table")
    assert other not in page.inner_text("body") and other_case not in page.inner_text("body")
    screenshot(page, "audit-dashboard-team-lead.png")

    # Typing another team's case into the case box is refused: nothing of the case is shown.
    page.get_by_role("tab", name="Audit a case").click()
    page.fill(".wb-audit-case input", other_case)
    page.click(".wb-audit-open")
    page.wait_for_selector(".wb-audit-message .wb-audit-error", timeout=30_000)
    assert "not one your role lets you see" in page.inner_text(".wb-audit-message")
    assert page.locator(".wb-case-outcomes").count() == 0 and page.locator(".wb-audit-submit").is_disabled()
    assert_no_error_output(page)
    assert external_requests(page) == []
