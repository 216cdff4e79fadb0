"""A load reads, checks and writes an extract a chunk at a time (issue 16 part 5).

Chunks of two records make every table of the hand-worked extract several chunks, so what
must hold across chunks is tested: row numbers in messages, keys repeated in another chunk,
references to a later row, and the same store whatever the chunk size.
"""

import csv
import shutil

import pytest

from workbench.core.model import EXTRACT_TABLES
from workbench.imports.extract import ExtractError
from workbench.store.engine import Store
from workbench.store.loading import load_extract

CHUNK = 2


def _rows(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


@pytest.fixture
def loaded(store, handworked_dir, tmp_path):
    load_extract(store, handworked_dir, chunk_rows=CHUNK)
    damaged = tmp_path / "damaged"
    shutil.copytree(handworked_dir, damaged)
    return store, damaged, store.row_counts()


def _refused(store, source, before) -> str:
    with pytest.raises(ExtractError) as caught:
        load_extract(store, source, chunk_rows=CHUNK)
    assert store.row_counts() == before, "a refused extract changed the store"
    return str(caught.value)


def test_a_bad_score_beyond_the_first_chunk_is_named_by_its_file_row(loaded):
    store, damaged, before = loaded
    path = damaged / "outcome_reviews.csv"
    rows = _rows(path)
    assert len(rows) - 1 > 3 * CHUNK  # the broken record lies in the fourth chunk or later
    score = rows[0].index("score")
    rows[7][score] = "eleven"  # the seventh record: spreadsheet row 8
    _write(path, rows)
    message = _refused(store, damaged, before)
    assert "outcome_reviews.csv, row 8, field 'score': value 'eleven'" in message


def test_rows_below_a_title_keep_their_numbers_in_every_chunk(loaded):
    store, damaged, before = loaded
    path = damaged / "outcome_reviews.csv"
    rows = _rows(path)
    rows[6][rows[0].index("review_date")] = "2025-02-30"  # the sixth record
    _write(path, [["Outcome reviews, exported 2026-03-31"], *rows])  # a title above the header
    message = _refused(store, damaged, before)
    assert "outcome_reviews.csv, row 8, field 'review_date': value '2025-02-30'" in message
    assert "the header is on row 2" in message


def test_a_key_repeated_in_a_later_chunk_is_named_with_every_other_problem(loaded):
    store, damaged, before = loaded
    path = damaged / "outcome_reviews.csv"
    rows = _rows(path)
    _write(path, [*rows, rows[1]])  # the first review again, as the last row
    outcomes = _rows(damaged / "outcomes.csv")
    outcomes[-1][outcomes[0].index("status")] = "mislaid"  # another problem, in another file
    _write(damaged / "outcomes.csv", outcomes)
    message = _refused(store, damaged, before)
    repeated = len(rows) + 1  # the row it was written to: header on row 1, then every record
    assert f"outcome_reviews.csv, row {repeated}, field 'review_id': value '{rows[1][0]}'" in message
    assert "appears on an earlier row" in message
    assert f"outcomes.csv, row {len(outcomes)}, field 'status': value 'mislaid'" in message


def test_a_reference_to_a_later_row_of_the_same_table_is_found_across_chunks(loaded):
    store, damaged, before = loaded
    path = damaged / "outcomes.csv"
    rows = _rows(path)
    column = rows[0].index("replaced_by")
    rows[1][column] = "O-NOWHERE"  # an outcome in the first chunk replaced by none at all
    _write(path, rows)
    message = _refused(store, damaged, before)
    assert "outcomes.csv, row 2, field 'replaced_by': value 'O-NOWHERE'" in message


@pytest.mark.parametrize("chunk", [1, CHUNK, 100_000])
def test_the_store_is_the_same_whatever_the_chunk_size(handworked_dir, tmp_path, chunk):
    whole = Store(f"sqlite:///{tmp_path / 'whole.sqlite'}")
    load_extract(whole, handworked_dir, chunk_rows=10**9)
    chunked = Store(f"sqlite:///{tmp_path / 'chunked.sqlite'}")
    result = load_extract(chunked, handworked_dir, chunk_rows=chunk)
    assert result.status == "loaded"
    assert result.rows == {name: whole.row_counts()[name] for name in result.rows}
    for spec in EXTRACT_TABLES:
        assert chunked.read_table(spec.name).equals(whole.read_table(spec.name)), spec.name
    assert chunked.latest_load()["as_at"] == whole.latest_load()["as_at"]
