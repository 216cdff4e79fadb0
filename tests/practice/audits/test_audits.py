"""Audit templates, drafts, submission, sampling, import, findings and export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.fixtures.demo_store import copy_demo_store
from workbench.core.codes import codes
from workbench.practice.audits.casefile import CaseFile, case_file, case_file_html
from workbench.practice.audits.findings import (
    build_findings,
    evidence_themes,
    findings_html,
    question_strength,
    write_findings,
)
from workbench.practice.audits.importing import AuditImportError, import_audits, write_audit_layout
from workbench.practice.audits.recording import (
    Answer,
    AuditError,
    AuditRecord,
    complete_action,
    load_draft,
    record_action,
    save_draft,
    submission_problems,
    submit_audit,
)
from workbench.practice.audits.sampling import audit_population, create_round, draw_sample, round_cases
from workbench.practice.audits.templates import (
    DEFAULT_TEMPLATE,
    TemplateError,
    load_template,
    parse_template,
    store_template,
    stored_template,
)
from workbench.practice.case_outcomes import CaseOutcomes, with_evidence
from workbench.store.audit_frames import action_frame, answer_frame, audit_frame
from workbench.store.loading import load_extract
from workbench.store.migrations import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[3]
HOSTILE = "<script>alert(1)</script> and <img src=x onerror=alert(1)>"
AT = date(2026, 3, 31)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    return copy_demo_store(tmp_path_factory.mktemp("audits") / "demo.sqlite", demo=False)


@pytest.fixture
def handworked_store(store, handworked_dir):
    load_extract(store, handworked_dir)
    return store


def full_answers(template, grade="good", evidence="") -> dict[str, Answer]:
    return {q: Answer(grade, evidence) for q in template.question_ids}


def record(template, child="C1", auditor="W1", grade="good", evidence="", on=date(2026, 3, 1)) -> AuditRecord:
    return AuditRecord(child, auditor, template, full_answers(template, grade, evidence), grade, on,
                       date(2025, 9, 1), on)  # fmt: skip


# -- templates -------------------------------------------------------------------------------------


def test_the_default_template_covers_the_checks_with_guidance_on_the_four_point_scale():
    template = load_template()
    assert (template.template_id, template.version, template.evidence_window_months) == (
        "outcome-focused",
        "1",
        6,
    )
    themes = [q.theme for q in template.questions]
    for theme in ("Clear outcomes", "Evidence-informed help", "Consensual outcomes", "The right people",
                  "Constant outcomes", "The family's voice", "Difference made"):  # fmt: skip
        assert theme in themes
    assert all(len(q.guidance) > 80 and q.text.endswith("?") for q in template.questions)
    graded = [c for c in codes("audit_grades") if c != "not_applicable"]
    for question in template.questions:
        assert set(question.allowed_grades()) <= set(codes("audit_grades"))
        assert set(graded) <= set(question.allowed_grades())
        assert ("not_applicable" in question.allowed_grades()) == question.not_applicable_allowed
    assert any(q.not_applicable_allowed for q in template.questions)


GOOD_YAML = DEFAULT_TEMPLATE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("template_id: [unclosed", "not valid YAML at line 1"),
        ("- just a list", "expected a mapping"),
        (GOOD_YAML.replace("template_id: outcome-focused\n", ""), "missing 'template_id'"),
        (GOOD_YAML.replace('version: "1"', "version: ''"), "version must be non-empty text"),
        (
            GOOD_YAML.replace("evidence_window_months: 6", "evidence_window_months: six"),
            "evidence_window_months",
        ),
        (
            GOOD_YAML.replace("grades: [outstanding,", "grades: [excellent,"),
            "grades must be the four-point scale",
        ),
        (GOOD_YAML.replace("  - id: q2\n", "  - id: q1\n"), "id 'q1' is used twice"),
        (
            GOOD_YAML.replace("    required: true\n", "    required: maybe\n", 1),
            "required must be true or false",
        ),
        (
            GOOD_YAML.replace("    theme: Clear outcomes\n", "    theme: Clear outcomes\n    colour: red\n"),
            "unknown key(s) colour",
        ),
        (GOOD_YAML.split("questions:")[0] + "questions: []\n", "questions must be a non-empty list"),
    ],
)
def test_a_malformed_template_is_refused_naming_the_file_and_the_problem(tmp_path, text, message):
    path = tmp_path / "broken-template.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as error:
        load_template(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_a_question_without_guidance_is_refused():
    text = GOOD_YAML.replace(
        "    guidance: >-\n      Read the current plan", "    guide: >-\n      Read the current plan"
    )
    with pytest.raises(TemplateError, match=r"question 1 \(q1\): unknown key\(s\) guide"):
        parse_template(text, "mine.yaml")


def test_a_stored_version_never_changes_and_past_audits_keep_their_questions(store):
    template = load_template()
    assert store_template(store, template) is True
    assert store_template(store, template) is False
    audit_id = submit_audit(store, record(template))
    edited = parse_template(GOOD_YAML.replace("Is the work aimed at", "Is the plan aimed at"), "edited.yaml")
    with pytest.raises(TemplateError, match=r"already stored with different text; .* new version"):
        store_template(store, edited)
    renewed = parse_template(
        GOOD_YAML.replace('version: "1"', 'version: "2"').replace(
            "Is the work aimed at", "Is the plan aimed at"
        ),
        "v2.yaml",
    )
    assert store_template(store, renewed) is True
    past = audit_frame(store).set_index("audit_id").loc[audit_id]
    assert past["template_version"] == "1"
    assert (
        stored_template(store, "outcome-focused", "1").question("q1").text.startswith("Is the work aimed at")
    )
    assert (
        stored_template(store, "outcome-focused", "2").question("q1").text.startswith("Is the plan aimed at")
    )


# -- recording -------------------------------------------------------------------------------------


def test_the_store_is_at_the_current_schema_with_the_audit_tables(store):
    assert store.schema_version() == SCHEMA_VERSION
    with store.engine.connect() as conn:
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"audit_templates", "audit_rounds", "recorded_audits", "audit_moderations", "audit_actions",
            "audit_drafts"} <= tables  # fmt: skip


def test_submission_names_every_missing_required_question_and_refuses_bad_grades(store):
    template = load_template()
    answers = full_answers(template)
    del answers["q3"], answers["q7"]
    answers["q1"] = Answer("not_applicable", "")  # q1 does not allow not applicable
    answers["q2"] = Answer("not_applicable", "no intervention yet")  # q2 does
    problems = submission_problems(template, answers, "")
    assert set(problems) == {"q1", "q3", "q7", "overall"}
    assert "not allowed" in problems["q1"]
    with pytest.raises(AuditError, match="q3: required"):
        submit_audit(
            store,
            AuditRecord(
                "C1", "W1", template, answers, "", date(2026, 3, 1), date(2025, 9, 1), date(2026, 3, 1)
            ),
        )
    assert audit_frame(store).empty


def test_a_draft_is_saved_restored_and_cleared_on_submission(store):
    template = load_template()
    assert load_draft(store, "C1", "W1") is None
    save_draft(
        store, "C1", "W1", template, {"q1": Answer("good", HOSTILE)}, "", date(2025, 9, 1), date(2026, 3, 1)
    )
    save_draft(store, "C1", "W1", template, {"q1": Answer("good", HOSTILE), "q2": Answer("", "half typed")}, "good",
               date(2025, 9, 1), date(2026, 3, 1))  # fmt: skip
    draft = load_draft(store, "C1", "W1")
    assert draft.answers == {"q1": Answer("good", HOSTILE), "q2": Answer("", "half typed")}
    assert (draft.overall_grade, draft.evidence_from) == ("good", date(2025, 9, 1))
    assert load_draft(store, "C1", "W2") is None  # another auditor's draft is their own
    submit_audit(store, record(template))
    assert load_draft(store, "C1", "W1") is None


def test_recorded_audits_survive_an_extract_reload(handworked_store, handworked_dir):
    template = load_template()
    audit_id = submit_audit(handworked_store, record(template, evidence="kept"))
    record_action(
        handworked_store, audit_id, "C1", "Agree success measures", "Team lead T1", date(2026, 4, 30), "W3"
    )
    before = audit_frame(handworked_store)
    assert set(before["source"]) == {"extract", "workbench"}
    (handworked_dir / "children.csv").write_text(
        (handworked_dir / "children.csv").read_text() + "C9,2015-01,F,WBRI,N,North\n"
    )
    load_extract(handworked_store, handworked_dir)  # a changed extract: every extract table replaced
    after = audit_frame(handworked_store)
    assert audit_id in set(after["audit_id"]) and len(after) == len(before)
    assert len(action_frame(handworked_store, date(2026, 5, 1))) == 1


def test_action_status_follows_the_date(store):
    action_id = record_action(store, "WA-1", "C1", "Record the child's words", "Ann", date(2026, 4, 30), "W3")
    record_action(store, "WA-1", "C1", "Invite the wider family", "Bob", date(2026, 6, 30), "W3")
    assert action_frame(store, date(2026, 4, 1))["status"].tolist() == ["open", "open"]
    assert action_frame(store, date(2026, 5, 1))["status"].tolist() == ["overdue", "open"]
    complete_action(store, action_id, date(2026, 5, 3))
    assert action_frame(store, date(2026, 5, 10))["status"].tolist() == ["completed", "open"]
    assert action_frame(store, date(2026, 5, 2))["status"].tolist() == ["overdue", "open"]


# -- sampling --------------------------------------------------------------------------------------


def test_a_sample_is_reproducible_from_its_seed_and_differs_with_another(demo_store):
    first = draw_sample(demo_store, 30, seed=7, at=AT)
    assert first.equals(draw_sample(demo_store, 30, seed=7, at=AT))
    assert set(first["child_id"]) != set(draw_sample(demo_store, 30, seed=8, at=AT)["child_id"])
    assert first["child_id"].is_unique and len(first) == 30


def test_a_stratified_sample_gives_each_stratum_its_share(demo_store):
    population = audit_population(demo_store, AT, exclude_months=12)
    for stratum in ("team", "plan_type", "locality"):
        sample = draw_sample(demo_store, 40, seed=3, at=AT, stratify_by=stratum)
        assert len(sample) == 40
        sizes = population[stratum].fillna("(none)").value_counts()
        drawn = sample["stratum"].value_counts()
        for name, size in sizes.items():
            # Largest remainder: each stratum gets its exact share rounded down or up.
            exact = size / len(population) * 40
            assert int(exact) <= drawn.get(name, 0) <= int(exact) + 1, (stratum, name)
        assert (sample["stratum"] == sample[stratum].fillna("(none)")).all()


def test_recently_audited_cases_are_left_out(demo_store):
    audits = audit_frame(demo_store)
    recent = set(audits[audits["audit_date"] > pd.Timestamp(AT) - pd.DateOffset(months=12)]["child_id"])
    everyone = set(audit_population(demo_store, AT, exclude_months=0)["child_id"])
    assert recent & everyone  # some open cases were audited in the last year ...
    eligible = set(audit_population(demo_store, AT, exclude_months=12)["child_id"])
    assert not recent & eligible  # ... and none of them may be sampled
    assert eligible == everyone - recent


def test_a_sample_is_stored_as_a_round(demo_store):
    sample = draw_sample(demo_store, 12, seed=1, at=AT, stratify_by="locality")
    round_id = create_round(demo_store, "Q4 2025-26", sample, seed=1, at=AT, stratify_by="locality",
                            exclude_months=12, created_by="W0049")  # fmt: skip
    stored = round_cases(demo_store, round_id)
    assert sorted(stored["child_id"]) == sorted(sample["child_id"])
    with pytest.raises(AuditError, match="cannot stratify by 'postcode'"):
        draw_sample(demo_store, 5, seed=1, at=AT, stratify_by="postcode")


# -- import ----------------------------------------------------------------------------------------


def audit_rows(template, n: int = 2) -> pd.DataFrame:
    rows = []
    for i in range(n):
        row = {"child_id": f"C{i + 1}", "auditor_id": "W3", "audit_date": "2025-11-0" + str(i + 1),
               "evidence_from": "2025-05-01", "evidence_to": "2025-11-01", "overall_grade": "good",
               "template_id": "outcome-focused", "template_version": "1"}  # fmt: skip
        for q in template.question_ids:
            row[f"{q}_grade"] = "requires_improvement"
            row[f"{q}_evidence"] = f"row {i} {q} {HOSTILE}"
        rows.append(row)
    return pd.DataFrame(rows)


def test_past_audits_import_from_csv_and_the_same_file_is_refused_twice(handworked_store, tmp_path):
    template = load_template()
    path = tmp_path / "past-audits.csv"
    audit_rows(template).to_csv(path, index=False)
    result = import_audits(handworked_store, path)
    assert len(result.audit_ids) == 2
    answers = answer_frame(handworked_store)
    imported = answers[answers["audit_id"].isin(result.audit_ids)]
    assert len(imported) == 16 and imported["evidence"].str.endswith(HOSTILE).all()
    with pytest.raises(AuditImportError, match="a file not imported before"):
        import_audits(handworked_store, path)


def test_an_import_with_problems_names_each_and_stores_nothing(handworked_store, tmp_path):
    template = load_template()
    frame = audit_rows(template, 3)
    frame.loc[0, "audit_date"] = "01/11/2025"
    frame.loc[1, "child_id"] = "C404"
    frame.loc[1, "q3_grade"] = ""
    frame.loc[2, "q1_grade"] = "not_applicable"
    path = tmp_path / "past-audits.xlsx"
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="audits", index=False)
    with pytest.raises(AuditImportError) as error:
        import_audits(handworked_store, path)
    found = {(r.file, r.sheet, r.row, r.field, r.value) for r in error.value.rejections}
    assert found == {
        ("past-audits.xlsx", "audits", 2, "audit_date", "01/11/2025"),
        ("past-audits.xlsx", "audits", 3, "child_id", "C404"),
        ("past-audits.xlsx", "audits", 3, "q3_grade", ""),
        ("past-audits.xlsx", "audits", 4, "q1_grade", "not_applicable"),
    }
    expected = {r.field: r.expected for r in error.value.rejections}
    assert expected["audit_date"] == "a date written YYYY-MM-DD"
    assert "required" in expected["q3_grade"]
    assert "row 3, field 'child_id': rejected: value 'C404'; expected a child_id in the store's children" in str(
        error.value
    )
    assert (audit_frame(handworked_store)["source"] == "workbench").sum() == 0


def test_an_import_refuses_a_missing_column_and_an_unknown_one(handworked_store, tmp_path):
    frame = audit_rows(load_template(), 1).drop(columns=["overall_grade"])
    path = tmp_path / "a.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(AuditImportError, match="a column named 'overall_grade'"):
        import_audits(handworked_store, path)
    frame = audit_rows(load_template(), 1).assign(q9_grade="good")
    frame.to_csv(path, index=False)
    with pytest.raises(AuditImportError, match="field 'q9_grade'"):
        import_audits(handworked_store, path)


def test_the_layout_file_has_every_column(tmp_path):
    header = pd.read_csv(write_audit_layout(tmp_path / "layout.csv")).columns.tolist()
    assert header[:3] == ["child_id", "auditor_id", "audit_date"] and "q8_evidence" in header


# -- findings and export ---------------------------------------------------------------------------


def test_evidence_themes_count_words_and_phrases_once_per_answer():
    texts = pd.Series([
        "Outcomes lack a success measure; success measure missing",
        "No success measure recorded for the family",
        "Success measure agreed",
        None,
    ])  # fmt: skip
    themes = dict(evidence_themes(texts))
    assert themes["success measure"] == 3  # three answers, though the first says it twice
    assert themes["success"] == 3 and "the" not in themes and "family" not in themes


def test_findings_show_hostile_evidence_as_text_in_the_page_and_the_workbook(demo_store, tmp_path):
    template = load_template()
    audit_id = submit_audit(
        demo_store, record(template, child="C000020", auditor="W0057", evidence=HOSTILE, on=AT)
    )
    record_action(demo_store, audit_id, "C000020", f"Fix {HOSTILE}", "Team lead", date(2026, 4, 30), "W0057")
    findings = build_findings(demo_store, AT)
    assert audit_id in set(findings.audits["audit_id"])
    assert findings.audits.set_index("audit_id").loc[audit_id, "team"] != "(no team on the audit date)"
    page = findings_html(findings)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; and &lt;img src=x onerror=alert(1)&gt;" in page
    assert "<svg" in page and "https://" not in page.replace("http://www.w3.org", "")
    assert "C000020" not in page  # no child ids on the exported page
    html_path, xlsx_path = write_findings(findings, tmp_path / "out", identified=True)  # the working copy
    assert html_path.read_text(encoding="utf-8") == page
    book = openpyxl.load_workbook(xlsx_path)
    evidence = [
        c.value for row in book["answers"].iter_rows() for c in row if c.value and "alert" in str(c.value)
    ]
    assert HOSTILE in evidence
    assert all(c.data_type == "s" for row in book["answers"].iter_rows() for c in row if c.value == HOSTILE)
    actions = [c.value for row in book["actions"].iter_rows() for c in row]
    assert f"Fix {HOSTILE}" in actions


def test_findings_set_the_records_beside_the_grades(demo_store):
    findings = build_findings(demo_store, AT)
    table = findings.records_beside_audits
    assert set(table["measure"]) == {"clear", "consensual", "reviewed"}
    clear = table[table["measure"] == "clear"].set_index("grade")["mean_share"]
    # On the demo data, cases graded higher on q1 have more clear outcomes on record.
    assert clear["outstanding"] > clear["good"] > clear["requires_improvement"] > clear["inadequate"]
    summary = findings.records_agreement.set_index("measure")
    assert (summary["agree"] <= summary["audits"]).all() and summary["audits"].gt(100).all()
    assert findings.question_strength["share_good"].is_monotonic_decreasing
    assert set(findings.themes["kind"]) == {"strongest", "weakest"}


def test_case_file_escapes_what_people_typed(demo_store):
    real = case_file(demo_store, "C000020", date(2025, 9, 1), date(2026, 3, 1))
    assert real.found and len(real.outcomes) > 0 and len(real.view.outcomes) == len(real.outcomes)
    outcomes = pd.DataFrame([{
        "number": 1, "outcome_id": "O1", "statement": HOSTILE, "success_looks_like": HOSTILE, "domain_label": "Education",
        "agreed_date": pd.Timestamp("2026-01-01"), "agreed_with_family": True, "owner": "The child's own words",
        "baseline_score": 3.0, "latest_date": pd.Timestamp("2026-02-01"), "latest_score": 4.0,
        "latest_family_score": None, "target_score": 8.0, "target_date": pd.NaT, "status_label": "Active",
    }])  # fmt: skip
    help_rows = with_evidence(pd.DataFrame([{
        "child_id": "C1", "outcome_id": "O1", "kind": "action", "who": HOSTILE, "who_kind": "wider_family",
        "what": HOSTILE, "by": "2026-02-01", "intervention": HOSTILE, "evidence_level": "level_3",
        "start_date": pd.Timestamp("2026-01-01"), "end_date": pd.NaT,
    }]))  # fmt: skip
    hostile = CaseFile(
        "C1", True, outcomes,
        pd.DataFrame([{"review_date": "2026-02-01", "outcome_id": "O1", "score": 4.0, "family_score": None,
                       "reviewer_role": "practitioner", "note": HOSTILE}]),
        pd.DataFrame(columns=["date"]),
        CaseOutcomes("C1", date(2026, 3, 1), HOSTILE, outcomes, help_rows),
    )  # fmt: skip
    page = case_file_html(hostile, date(2025, 9, 1), date(2026, 3, 1))
    # Statement, success, the note, the worker's name, who, what, the intervention: each as text.
    assert "<script>" not in page and "<img" not in page and page.count("&lt;script&gt;") == 7
    assert "No meetings in the window." in page


def test_the_user_is_workbench_access_identity_never_a_fallback(monkeypatch, tmp_path):
    """One source of truth: current_user() is access.current_identity(), with its refusals.

    The id recorded is the identity's worker_id when it has one (as the extract's auditor_id),
    else its user name.
    """
    from workbench.practice.audits.recording import IdentityError, current_user

    identities = tmp_path / "identities.yaml"
    identities.write_text(
        "users:\n  lead: {role: team_lead, team_id: T1, worker_id: W0057}\n"
        "  hopi: {role: head_of_practice_improvement}\n",
        encoding="utf-8",
    )
    for name in ("WORKBENCH_TRUST_PROXY_HEADER", "JUPYTERHUB_USER", "WORKBENCH_USER", "WORKBENCH_DEMO_USER",
                 "WORKBENCH_IDENTITY_FILE", "WORKBENCH_USER_HEADER"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    assert current_user() == "demo-head-of-pi"  # no identity file: the demo identity
    monkeypatch.setenv("WORKBENCH_DEMO_USER", "demo-team-lead")
    assert current_user() == "W0190"  # the demo team lead's worker id
    monkeypatch.setenv("WORKBENCH_IDENTITY_FILE", str(identities))
    with pytest.raises(IdentityError, match="no trusted source names the user"):
        current_user()  # a deployment: no demo fallback
    monkeypatch.setenv("WORKBENCH_USER", " lead ")
    assert current_user() == "W0057"
    monkeypatch.setenv("WORKBENCH_USER", "W0057")
    with pytest.raises(IdentityError, match="not in the identity file"):
        current_user()  # a worker id is not a user name
    monkeypatch.setenv("WORKBENCH_USER", "lead")
    monkeypatch.setenv("WORKBENCH_USER_HEADER", "X-Forwarded-User")  # the old mechanism is gone
    monkeypatch.setenv("HTTP_X_FORWARDED_USER", "hopi")
    assert current_user() == "W0057"
    monkeypatch.setenv("WORKBENCH_TRUST_PROXY_HEADER", "X-Workbench-User")
    with pytest.raises(IdentityError, match="did not send the X-Workbench-User header"):
        current_user()  # behind a proxy, a missing header is nobody, not the deployment's user
    monkeypatch.setenv("HTTP_X_WORKBENCH_USER", "hopi")
    assert current_user() == "hopi"  # no worker id: the user name


def test_grade_chart_uses_the_colour_blind_safe_palette_and_shows_n():
    from workbench.render.charts import GRADE_COLOURS, audit_grade_chart

    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
    assert set(GRADE_COLOURS.values()) <= okabe_ito | {"#999999"}
    distribution = pd.DataFrame(
        {"team": ["North", "North", "South"], "grade": ["good", "inadequate", "good"],
         "grade_label": ["Good", "Inadequate", "Good"], "count": [3, 1, 7], "share": [0.75, 0.25, 1.0]}
    )  # fmt: skip
    spec = audit_grade_chart(distribution, "team", "Grades by team").to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert {row["group"] for row in rows} == {"North (n=4)", "South (n=7)"}
    assert spec["encoding"]["color"]["scale"]["range"] == list(GRADE_COLOURS.values())


def test_findings_on_a_store_with_no_audits(store):
    """A first extract has no audits: findings are empty tables, not a TypeError (issue 19)."""
    findings = build_findings(store)
    assert findings.audits.empty and findings.question_strength.empty
    assert list(question_strength(findings.answers).columns) == [
        "question_id",
        "theme",
        "graded",
        "good_or_better",
        "share_good",
        "mean_rank",
    ]
