"""The family's page and the plan's other outputs with hostile text in every field a person types.

The text must come out as text, exactly as said: escaped in HTML, as glyphs in the PDF, as the
same cell in the export (read back through the Mosaic mapping for the form answers).
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import re
import zlib
from datetime import date
from pathlib import Path

from workbench.core.model import PlanAction, PlanOutcome, PlanVersion
from workbench.imports.form_answers import read_form_answers
from workbench.imports.sources import ExtractMapping
from workbench.practice.case_outcomes import case_outcomes, case_outcomes_html
from workbench.practice.plans import plan_export, save_plan
from workbench.publishing.family_plan import family_page_files, family_page_html
from workbench.store.loading import load_extract

MOSAIC_FORMS = Path(__file__).resolve().parents[2] / "data" / "mappings" / "mosaic-forms.yaml"
HOSTILE = "<script>alert(\"x\")</script> & <img src=x onerror=alert(1)> 'quoted'"


def _hostile_plan() -> list[PlanVersion]:
    def text(field: str) -> str:
        return f"{field}: {HOSTILE}"

    action = PlanAction(
        key="A1",
        owner_kind="wider_family",
        owner_name=text("owner"),
        action=text("action"),
        by_date="2026-01-10",
        intervention=text("intervention"),
        evidence_level="level_3",
    )
    outcome = PlanOutcome(
        key="O1",
        statement=text("statement"),
        whose_words="child",
        success_looks_like=text("success"),
        domain="education",
        family_baseline=2.0,
        practitioner_baseline=3.0,
        target_score=8.0,
        target_date="2026-06-30",
        actions=[action],
    )
    first = PlanVersion(
        "WBP-1",
        "C1",
        "I1",
        version=1,
        meeting_type="fgc",
        meeting_date="2025-12-01",
        status="agreed",
        family_agreed=True,
        outcomes=[outcome],
    )
    review = PlanVersion(
        "WBP-1",
        "C1",
        "I1",
        version=2,
        meeting_type="cin_review",
        meeting_date="2026-03-01",
        status="agreed",
        family_agreed=True,
        outcomes=[
            PlanOutcome(
                **{
                    **outcome.__dict__,
                    "decision": "carried_on",
                    "family_score": 5.0,
                    "practitioner_score": 4.0,
                    "change_reason": text("why"),
                }
            )
        ],
    )
    return [first, review]


FIELDS = ("statement", "success", "owner", "action", "intervention", "why")


def pdf_text_runs(pdf: bytes) -> list[str]:
    """Return the PDF's text decoded with each of its ToUnicode maps (one string per font's map).

    Chromium writes text as glyph ids; each font's map turns them back into characters, so a
    phrase set in one font reads whole in that font's string. Enough to find words in a PDF
    without a PDF library.
    """
    streams = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(raw))
        except zlib.error:
            continue
    maps = []
    for data in streams:
        if b"begincmap" not in data:
            continue
        glyphs: dict[int, str] = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
            for source, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                glyphs[int(source, 16)] = bytes.fromhex(target.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
            for low, high, target in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
            ):
                for offset, glyph in enumerate(range(int(low, 16), int(high, 16) + 1)):
                    glyphs[glyph] = chr(int(target, 16) + offset)
        maps.append(glyphs)
    runs = [h for data in streams if b"BT" in data for h in re.findall(rb"<([0-9A-Fa-f]+)>", data)]
    return [
        "".join(glyphs.get(int(run[i : i + 4], 16), "\ufffd") for run in runs for i in range(0, len(run), 4))
        for glyphs in maps
    ]


def test_hostile_text_is_text_on_the_family_page_and_its_pdf():
    history = _hostile_plan()
    text, pdf = family_page_files(history[-1], history[:1])
    for field in FIELDS:
        assert html.escape(f"{field}: {HOSTILE}") in text, field
    assert "<script>" not in text and "<img" not in text
    assert pdf.startswith(b"%PDF") and b"/StructTreeRoot" in pdf  # tagged: readable by a screen reader
    runs = pdf_text_runs(pdf)

    # The statement is set in its own (bold) font: it reads whole, every character as typed
    # (spaces aside: a line that wraps at a space loses it).
    def squeezed(words: str) -> str:
        return re.sub(r"\s", "", words)

    assert any(squeezed(f"statement: {HOSTILE}") in squeezed(run) for run in runs), runs
    assert b"/JavaScript" not in pdf and b"/URI" not in pdf


def test_hostile_text_is_text_in_the_case_table_and_the_export(store, handworked_dir, tmp_path):
    load_extract(store, handworked_dir)
    history = _hostile_plan()
    for version in history:  # saved as the page saves them, each from the one before
        save_plan(store, dataclasses.replace(version, version=version.version - 1), "chair")
    # The case-level table every page shows: each typed field as text, nothing made of it.
    table = case_outcomes_html(case_outcomes(store, "C1", date(2026, 3, 31)))
    assert "<script>" not in table and "<img" not in table
    for typed in ("statement", "success", "owner", "action", "intervention"):
        assert html.escape(f"{typed}: {HOSTILE}") in table, typed
    files = plan_export(history).files
    outcomes = list(csv.DictReader(io.StringIO(files["plan_outcomes.csv"])))
    assert [row["statement"] for row in outcomes] == [f"statement: {HOSTILE}"] * 2
    assert outcomes[1]["change_reason"] == f"why: {HOSTILE}"
    actions = list(csv.DictReader(io.StringIO(files["plan_actions.csv"])))
    assert {row["owner_name"] for row in actions} == {f"owner: {HOSTILE}"}
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    problems: list = []
    records = read_form_answers(tmp_path, ExtractMapping.load(MOSAIC_FORMS).forms, problems)
    assert problems == []
    back = records.frames["outcomes"]
    assert list(back["statement"]) == [f"statement: {HOSTILE}"]
    assert list(back["success_looks_like"]) == [f"success: {HOSTILE}"]
    assert list(records.frames["outcome_reviews"]["note"]) == [f"why: {HOSTILE}"]


def test_the_family_page_says_the_scores_so_far_in_plain_words():
    history = _hostile_plan()
    text = family_page_html(history[-1], history[:1])
    assert "your score 2 out of 10; the worker's score 3 out of 10" in text
    assert "your score 5 out of 10; the worker's score 4 out of 10. We are carrying on with this." in text
    assert html.escape("In the child's own words") in text and "1 Mar 2026" in text


def test_a_plan_of_three_outcomes_prints_on_one_page():
    action = PlanAction(
        key="A",
        owner_kind="wider_family",
        owner_name="Gran",
        action="Walk to school on Mondays",
        by_date="2025-12-15",
        intervention="Family Nurse Partnership",
        evidence_level="level_4",
    )
    outcomes = [
        PlanOutcome(
            key=f"O{n}",
            statement="I want to be in school every day and get to lessons on time",
            whose_words="child",
            success_looks_like="In school every day for four weeks",
            family_baseline=3.0,
            practitioner_baseline=2.0,
            target_score=8.0,
            target_date="2026-06-30",
            actions=[
                action,
                PlanAction(
                    key="B",
                    owner_kind="practitioner",
                    owner_name="Sam",
                    action="Talk to the school",
                    by_date="2025-12-15",
                ),
            ],
        )
        for n in range(3)
    ]
    plan = PlanVersion(
        "P",
        "C",
        "I",
        version=1,
        meeting_type="fgc",
        meeting_date="2025-12-01",
        status="agreed",
        outcomes=outcomes,
    )
    _, pdf = family_page_files(plan)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
