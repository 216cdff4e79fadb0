"""The upload-and-check widget takes a Mosaic form-answer export through its mapping."""

from datetime import UTC, datetime
from pathlib import Path

from tests.fixtures.handworked import ROWS
from widgets.import_checker import ImportChecker
from workbench.shapes import write_form_answer_export


def _uploads(folder: Path) -> tuple[dict, ...]:
    return tuple(
        {"name": path.name, "type": "text/csv", "size": path.stat().st_size, "content": memoryview(path.read_bytes()),
         "last_modified": datetime(2026, 11, 25, tzinfo=UTC)}
        for path in sorted(folder.glob("*.csv"))
    )  # fmt: skip


def test_a_form_answer_export_is_checked_and_loaded_through_the_mosaic_forms_mapping(
    store, tmp_path, handworked_dir
):
    write_form_answer_export(handworked_dir, tmp_path / "export")
    checker = ImportChecker(lambda: store, work_folder=tmp_path / "work")
    choices = dict(checker.mapping.options)
    assert "mosaic-forms.yaml" in choices
    checker.mapping.value = choices["mosaic-forms.yaml"]
    checker.upload.value = _uploads(tmp_path / "export")
    assert checker.check() is True, checker.report.value
    assert checker.load() == "loaded"
    assert store.row_counts()["outcome_reviews"] == len(ROWS["outcome_reviews"])


def test_a_broken_answer_is_shown_by_its_row_in_the_export(store, tmp_path, handworked_dir):
    export = tmp_path / "export"
    write_form_answer_export(handworked_dir, export)
    answers = export / "form_answers.csv"
    answers.write_text(answers.read_text(encoding="utf-8").replace(",OUT_WHOSE_WORDS,Child", ",OUT_WHOSE_WORDS,Mum", 1),
                       encoding="utf-8")  # fmt: skip
    checker = ImportChecker(lambda: store, work_folder=tmp_path / "work")
    checker.mapping.value = dict(checker.mapping.options)["mosaic-forms.yaml"]
    checker.upload.value = _uploads(export)
    assert checker.check() is False
    problem = checker.problems.iloc[0]
    assert (problem["file"], problem["field"], problem["value"]) == (
        "form_answers.csv",
        "OUT_WHOSE_WORDS",
        "Mum",
    )
    assert checker.load() == "not checked"
