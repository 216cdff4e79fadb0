"""Hostile input: every case ends in a clear message naming the file, and the store unchanged.

Each test loads the hand-worked extract first, then tries to load a damaged copy.
"""

import shutil

import pytest

from tests.fixtures.handworked import workbook_extract
from workbench.imports.extract import ExtractError
from workbench.imports.extract_stream import BLOCK_BYTES, CHUNK_ROWS
from workbench.store.loading import load_extract


@pytest.fixture
def loaded(store, handworked_dir, tmp_path):
    load_extract(store, handworked_dir)
    damaged = tmp_path / "damaged"
    shutil.copytree(handworked_dir, damaged)
    return store, damaged, store.row_counts()


def _refused(store, source, before) -> str:
    with pytest.raises(ExtractError) as caught:
        load_extract(store, source)
    assert store.row_counts() == before, "a refused extract changed the store"
    return str(caught.value)


def test_a_truncated_file_names_its_broken_last_row(loaded):
    store, damaged, before = loaded
    reviews = damaged / "outcome_reviews.csv"
    reviews.write_bytes(reviews.read_bytes()[:-40])
    message = _refused(store, damaged, before)
    # The cut removed the last row and the end of row 9 (review R8): that row is named, whole.
    assert "outcome_reviews.csv, row 9: value 'R8,O7,2025-06-01,,1,,practitioner,'" in message
    assert "expected 9 fields, like the header (found 8)" in message


def test_a_utf16_file_is_refused_rather_than_misread(loaded):
    store, damaged, before = loaded
    teams = damaged / "teams.csv"
    teams.write_bytes(teams.read_text().encode("utf-16"))
    message = _refused(store, damaged, before)
    assert "teams.csv" in message


def test_a_title_row_above_the_header_is_skipped_with_a_note(loaded):
    store, damaged, _ = loaded
    children = damaged / "children.csv"
    children.write_text("Children extract March 2026,,,,,\n" + children.read_text())
    # Issue 19: the header on row 2 is found and used, and the load says so (it was refused).
    result = load_extract(store, damaged)
    assert result.status == "loaded"
    assert [str(n) for n in result.notices] == [
        "children.csv: the header is on row 2; row 1 ('Children extract March 2026') was skipped"
    ]
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT MIN(source_row) FROM children WHERE origin = 'extract'").scalar()
    assert rows == 3  # the first child is on row 3 of the file, under the title and the header


def test_duplicate_ids_are_refused(loaded):
    store, damaged, before = loaded
    outcomes = damaged / "outcomes.csv"
    lines = outcomes.read_text().splitlines()
    outcomes.write_text("\n".join([*lines, lines[1]]) + "\n")
    message = _refused(store, damaged, before)
    assert "outcomes.csv, row 10, field 'outcome_id': value 'O1'; expected a unique key" in message


def test_a_non_data_file_renamed_csv_is_refused(loaded):
    store, damaged, before = loaded
    (damaged / "interventions.csv").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 64)
    message = _refused(store, damaged, before)
    assert "interventions.csv" in message


def test_an_empty_sheet_and_a_formula_in_a_workbook(loaded, tmp_path):
    store, _, before = loaded
    book = workbook_extract(empty=("supervisions",))
    book["teams"]["B2"] = "=1+1"
    path = tmp_path / "extract.xlsx"
    book.save(path)
    message = _refused(store, path, before)
    assert "extract.xlsx [supervisions]: expected a header row; the sheet is empty" in message
    assert (
        "extract.xlsx [teams], row 2, field 'name': value '=1+1'; expected a value, not a formula" in message
    )


def test_a_40_mb_file_with_one_bad_row_at_the_end(loaded):
    """Big input is read a chunk at a time and the one bad row, in the last chunk, is still named exactly.

    40 MB is several of the reader's blocks and chunks (``BLOCK_BYTES``, ``CHUNK_ROWS``): the
    streaming path a 200 MB file takes, at a fifth of the suite's time. Memory at size is the
    load benchmark's to measure.
    """
    store, damaged, before = loaded
    reviews = damaged / "outcome_reviews.csv"
    header, *body = reviews.read_text().splitlines()
    good = "\n".join(line for line in body if line.split(",")[1] == "O1") + "\n"
    repeats = 40 * 2**20 // len(good) + 1
    with reviews.open("w") as handle:
        handle.write(header + "\n")
        for i in range(repeats):
            handle.write(good.replace("R", f"R{i}x"))
        handle.write("RLAST,O1,2026-13-01,,5,,practitioner,,\n")
    assert reviews.stat().st_size > 4 * BLOCK_BYTES
    rows = 1 + repeats * good.count("\n") + 1
    assert rows > 3 * CHUNK_ROWS, "the bad row should sit several chunks in"
    message = _refused(store, damaged, before)
    assert f"outcome_reviews.csv, row {rows}, field 'review_date': value '2026-13-01'" in message
