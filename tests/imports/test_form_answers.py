"""Outcomes, reviews and meetings read from a Mosaic-shaped export of form answers.

The export is the hand-worked extract written by ``workbench.shapes`` (one row per question
answered); read back through ``data/mappings/mosaic-forms.yaml`` it must make exactly the
hand-worked store. Each broken export below is what a data officer might really send, and the
refusal must name the export's row, the question and what was expected.
"""

import csv
import re
from pathlib import Path

import pytest
import yaml

from workbench.core.model import EXTRACT_TABLES
from workbench.imports.extract import ExtractError, validate_extract
from workbench.imports.sources import ExtractMapping, MappingError
from workbench.shapes import FORM_ANSWER_COLUMNS, write_form_answer_export
from workbench.store.engine import Store
from workbench.store.loading import load_extract

MAPPING_FILE = Path(__file__).resolve().parents[2] / "data" / "mappings" / "mosaic-forms.yaml"


@pytest.fixture(scope="module")
def mapping():
    return ExtractMapping.load(MAPPING_FILE)


@pytest.fixture
def export(handworked_dir, tmp_path):
    """The hand-worked extract as a Mosaic export: flat tables and form_answers.csv."""
    write_form_answer_export(handworked_dir, tmp_path / "export")
    return tmp_path / "export"


def answers(export: Path) -> list[list[str]]:
    with (export / "form_answers.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def rewrite(export: Path, rows: list[list[str]]) -> None:
    with (export / "form_answers.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def first_row(rows: list[list[str]], question: str) -> int:
    """The spreadsheet row (header is 1) of the first answer to ``question``."""
    code = FORM_ANSWER_COLUMNS.index("QUESTION_USER_CODE")
    return next(n for n, row in enumerate(rows, start=1) if row[code] == question)


def workbook_of(export: Path):
    """The export as one workbook, a sheet per file."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for path in sorted(export.glob("*.csv")):
        sheet = book.create_sheet(path.stem)
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                sheet.append(row)
    return book


def refusal(export: Path, mapping) -> str:
    with pytest.raises(ExtractError) as caught:
        validate_extract(export, mapping=mapping)
    return str(caught.value)


def test_the_export_loads_to_the_same_store_as_the_extract(tmp_path, handworked_dir, export, mapping):
    assert not (export / "outcomes.csv").exists()
    forms = Store(f"sqlite:///{tmp_path / 'forms.sqlite'}")
    assert load_extract(forms, export, mapping=mapping).status == "loaded"
    plain = Store(f"sqlite:///{tmp_path / 'plain.sqlite'}")
    load_extract(plain, handworked_dir)
    for spec in EXTRACT_TABLES:
        assert forms.read_table(spec.name).equals(plain.read_table(spec.name)), spec.name


def test_a_record_keeps_the_export_row_its_form_starts_on(export, mapping):
    rows = answers(export)
    extract = validate_extract(export, mapping=mapping)
    outcome = next(extract.store_rows(next(s for s in EXTRACT_TABLES if s.name == "outcomes")))
    assert outcome[-3] == "form_answers.csv"
    assert outcome[-1] == first_row(rows, "OUT_INVOLVEMENT_ID")
    assert "form_answers.csv" in extract.file_hashes


def test_the_report_writes_dates_day_month_year_and_answers_in_words(export):
    rows = answers(export)
    assert rows[0] == list(FORM_ANSWER_COLUMNS)
    statuses = {row[-1] for row in rows if row[5] == "OUT_STATUS"}
    assert statuses <= {"Open", "Achieved", "Partly achieved", "Not achieved", "Withdrawn", "Replaced"}
    assert all(row[4][2] == "/" for row in rows[1:])


def test_a_missing_column_is_named_with_what_it_gives(export, mapping):
    rewrite(export, [row[:4] + row[5:] for row in answers(export)])  # no FORM_DATE
    report = refusal(export, mapping)
    assert (
        "form_answers.csv, row 1, field 'FORM_DATE': empty value; expected a column named 'FORM_DATE' in "
        "the header (the mapping reads it once per form for meetings.date, outcomes.agreed_date, "
        "outcome_reviews.review_date)"
    ) in report
    assert "Could not be read: form_answers.csv" in report
    # Rows elsewhere that name an outcome are counted, not each listed, until the export is fixed.
    assert (
        "expected an existing outcome_id from the outcomes forms in form_answers.csv, which could not be read"
        in report
    )


def test_an_unknown_question_code_is_reported_not_dropped(export, mapping):
    rows = answers(export)
    row = first_row(rows, "REV_SCORE")
    rows[row - 1][5] = "REV_SCORE_NEW"
    rewrite(export, rows)
    assert (
        f"form_answers.csv, row {row}, field 'QUESTION_USER_CODE': value 'REV_SCORE_NEW'; expected a "
        "question the mapping names for outcome_reviews forms (REV_OUTCOME_ID, REV_SCORE, REV_FAMILY_SCORE, "
        "REV_REVIEWER_ROLE, REV_NOTE, REV_WORKER_APPROVED), or one listed under its ignore_questions"
    ) in refusal(export, mapping)


def test_a_question_listed_to_ignore_is_left_out(export, tmp_path):
    rows = answers(export)
    rows[first_row(rows, "REV_SCORE") - 1][5:] = ["REV_WORKER_COMMENT", "seen at home"]
    rewrite(export, rows)
    raw = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    raw["form_answers"]["tables"]["outcome_reviews"]["ignore_questions"] = ["REV_WORKER_COMMENT"]
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    extract = validate_extract(export, mapping=ExtractMapping.load(tmp_path / "m.yaml"))
    assert extract.frames["outcome_reviews"]["score"].iloc[0] == ""


def test_an_answer_outside_the_code_list_names_the_words_the_mapping_knows(export, mapping):
    rows = answers(export)
    row = first_row(rows, "OUT_STATUS")
    rows[row - 1][6] = "Closed"
    rewrite(export, rows)
    assert (
        f"form_answers.csv, row {row}, field 'OUT_STATUS': value 'Closed'; expected one of the answers the "
        "mapping translates for outcomes.status: Open, Achieved, Partly achieved, Not achieved, Withdrawn, "
        "Replaced"
    ) in refusal(export, mapping)


def test_a_yes_no_answer_in_other_words_is_reported(export, mapping):
    rows = answers(export)
    row = first_row(rows, "MTG_PARENT_ATTENDED")
    rows[row - 1][6] = "Mother only"
    rewrite(export, rows)
    assert (
        f"form_answers.csv, row {row}, field 'MTG_PARENT_ATTENDED': value 'Mother only'; expected one of the "
        "answers the mapping translates for meetings.family_attended: Yes, No"
    ) in refusal(export, mapping)


@pytest.mark.parametrize("written", ["2025-13-40", "31/02/2026", "1st March 2026"])
def test_a_date_in_a_wrong_format_says_how_dates_are_written(export, mapping, written):
    rows = answers(export)
    row = first_row(rows, "OUT_CLOSED_DATE")
    rows[row - 1][6] = written
    rewrite(export, rows)
    assert (
        f"form_answers.csv, row {row}, field 'OUT_CLOSED_DATE': value '{written}'; expected a date written "
        "DD/MM/YYYY (for outcomes.closed_date)"
    ) in refusal(export, mapping)


def test_a_wrong_form_date_names_the_column_and_the_form_row(export, mapping):
    rows = answers(export)
    row = first_row(rows, "OUT_STATEMENT")
    form = rows[row - 1][2]
    for line in rows[1:]:
        if line[2] == form:
            line[4] = "2026-02-30"
    rewrite(export, rows)
    assert (
        "field 'FORM_DATE': value '2026-02-30'; expected a date written DD/MM/YYYY (for outcomes.agreed_date)"
        in (refusal(export, mapping))
    )


def test_two_answers_to_one_question_on_one_form_are_reported_not_dropped(export, mapping):
    rows = answers(export)
    row = first_row(rows, "REV_SCORE")
    rows.insert(row, [*rows[row - 1][:6], "9"])
    rewrite(export, rows)
    assert (
        f"form_answers.csv, row {row + 1}, field 'REV_SCORE': value '9'; expected one answer to each question "
        "on a form; this form answered it on an earlier row too"
    ) in refusal(export, mapping)


def test_an_unanswered_required_question_points_at_the_form(export, mapping):
    rows = answers(export)
    row = first_row(rows, "OUT_STATEMENT")
    form = rows[row - 1][2]
    del rows[row - 1]
    rewrite(export, rows)
    starts = next(n for n, line in enumerate(rows, start=1) if line[2] == form)
    assert (
        f"form_answers.csv, row {starts}, field 'OUT_STATEMENT': empty value; expected a value (text); this "
        "field is required (for outcomes.statement); the form has no answer to this question"
    ) in refusal(export, mapping)


def test_a_review_of_an_unknown_outcome_names_the_answer(export, mapping):
    rows = answers(export)
    row = first_row(rows, "REV_OUTCOME_ID")
    rows[row - 1][6] = "O404"
    rewrite(export, rows)
    assert (
        f"form_answers.csv, row {row}, field 'REV_OUTCOME_ID': value 'O404'; expected an existing outcome_id "
        "from the outcomes forms in form_answers.csv (for outcome_reviews.outcome_id)"
    ) in refusal(export, mapping)


def test_an_unknown_form_type_and_a_person_changing_within_a_form_are_reported(export, mapping):
    rows = answers(export)
    row = first_row(rows, "OUT_DOMAIN")
    rows[row - 1][0] = "C404"
    rows.append(["C1", "", "F1", "Chronology Entry", "01/01/2026", "CHR_TEXT", "Visit"])
    rewrite(export, rows)
    report = refusal(export, mapping)
    assert (
        f"form_answers.csv, row {row}, field 'PERSON_ID': value 'C404'; expected the same PERSON_ID on every "
        "row of a form; this form's first row has another"
    ) in report
    assert (
        f"row {len(rows)}, field 'FORM_TYPE': value 'Chronology Entry'; expected a form type the mapping names"
        in report
    )


def test_an_unlisted_export_column_is_refused_and_an_ignored_one_is_not(export, mapping, tmp_path):
    rewrite(
        export,
        [[*row, "Question text" if n == 0 else "What happened?"] for n, row in enumerate(answers(export))],
    )
    assert (
        "form_answers.csv, row 1, field 'Question text': value 'Question text'; expected only the columns "
        "FORM_ID, FORM_TYPE, QUESTION_USER_CODE, ANSWER, WORKFLOW_STEP_ID, PERSON_ID, FORM_DATE, or a column "
        "listed under form_answers: ignore in the mapping"
    ) in refusal(export, mapping)
    raw = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    raw["form_answers"]["ignore"] = ["Question text"]
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    validate_extract(export, mapping=ExtractMapping.load(tmp_path / "m.yaml"))


def test_a_refused_export_loads_nothing(export, mapping, store):
    rows = answers(export)
    rows[first_row(rows, "OUT_STATUS") - 1][6] = "Closed"
    rewrite(export, rows)
    with pytest.raises(ExtractError):
        load_extract(store, export, mapping=mapping)
    assert sum(store.row_counts().values()) == 0
    assert store.latest_load() is None


def test_the_export_loads_from_a_workbook_sheet(export, mapping, store):
    book = workbook_of(export)
    book.save(export.parent / "export.xlsx")
    assert load_extract(store, export.parent / "export.xlsx", mapping=mapping).status == "loaded"
    assert len(store.read_table("outcome_reviews")) > 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda f: f.pop("answer"),
            "name the export column that holds the answer, as text (setting 'answer:')",
        ),
        (
            lambda f: f["tables"]["outcomes"]["questions"].pop("statement"),
            "form_answers table outcomes: the required column(s) statement come from no column and no question",
        ),
        (
            lambda f: f["tables"]["outcome_reviews"]["form_types"].append("Desired Outcome"),
            "form type 'Desired Outcome' feeds both outcomes and outcome_reviews",
        ),
        (
            lambda f: f["tables"]["outcomes"]["questions"].update(mood="OUT_MOOD"),
            "form_answers table outcomes has no column 'mood'",
        ),
        (
            lambda f: f["tables"]["outcomes"]["questions"].update(success_looks_like="OUT_STATEMENT"),
            "question(s) OUT_STATEMENT feed more than one column",
        ),
    ],
)
def test_a_malformed_form_answers_section_is_refused_clearly(tmp_path, change, message):
    raw = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    change(raw["form_answers"])
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    with pytest.raises(MappingError, match=re.escape(message)):
        ExtractMapping.load(tmp_path / "m.yaml")


def test_a_table_cannot_come_from_forms_and_from_a_file(tmp_path):
    raw = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    raw["tables"] = {"outcomes": {"source": "Plan outcomes"}}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    with pytest.raises(MappingError, match="outcomes named under both tables: and form_answers:"):
        ExtractMapping.load(tmp_path / "m.yaml")


def test_a_formula_in_a_workbook_of_answers_is_refused(export, mapping):
    book = workbook_of(export)
    book["form_answers"]["G2"] = '=HYPERLINK("http://example.org")'
    book.save(export.parent / "export.xlsx")
    assert (
        "export.xlsx [form_answers], row 2, field 'ANSWER': value '=HYPERLINK(\"http://example.org\")'; "
        "expected a value, not a formula"
    ) in refusal(export.parent / "export.xlsx", mapping)
