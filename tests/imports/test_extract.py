import copy

import pytest

from tests.fixtures.handworked import ROWS, write_extract
from workbench.imports.extract import ExtractError, validate_extract
from workbench.store.loading import load_extract


def _broken(tmp_path, table, index, **changes):
    rows = copy.deepcopy(ROWS)
    rows[table][index].update(changes)
    return write_extract(tmp_path / "broken", rows)


def _problem_text(folder):
    with pytest.raises(ExtractError) as caught:
        validate_extract(folder)
    return caught.value, str(caught.value)


def test_valid_extract_loads_every_table(store, handworked_dir):
    result = load_extract(store, handworked_dir)
    assert result.status == "loaded"
    counts = store.row_counts()
    assert counts == {name: len(rows) for name, rows in ROWS.items()}


def test_loading_the_same_extract_twice_changes_nothing(store, handworked_dir):
    load_extract(store, handworked_dir)
    before = store.row_counts()
    again = load_extract(store, handworked_dir)
    assert again.status == "unchanged"
    assert store.row_counts() == before


def test_a_changed_extract_replaces_rather_than_duplicates(store, handworked_dir, tmp_path):
    load_extract(store, handworked_dir)
    rows = copy.deepcopy(ROWS)
    rows["outcome_reviews"] = rows["outcome_reviews"][:3]
    smaller = write_extract(tmp_path / "smaller", rows)
    assert load_extract(store, smaller).status == "loaded"
    assert store.row_counts()["outcome_reviews"] == 3
    assert store.row_counts()["outcomes"] == len(ROWS["outcomes"])


@pytest.mark.parametrize(
    ("table", "index", "changes", "expected"),
    [
        (
            "outcome_reviews",
            0,
            {"outcome_id": "O404"},
            "outcome_reviews.csv, row 2, field 'outcome_id': "
            "value 'O404'; expected an existing outcome_id from outcomes.csv",
        ),
        (
            "outcome_reviews",
            1,
            {"score": "14"},
            "outcome_reviews.csv, row 3, field 'score': value '14'; "
            "expected a number from 0 to 10 (the scaling_0_10 scale of this outcome)",
        ),
        (
            "outcome_reviews",
            7,
            {"score": "3"},
            "outcome_reviews.csv, row 9, field 'score': value '3'; "
            "expected a number from -2 to 2 (the gas scale of this outcome)",
        ),
        (
            "meetings",
            0,
            {"date": "31/02/2025"},
            "meetings.csv, row 2, field 'date': value '31/02/2025'; expected a date written YYYY-MM-DD",
        ),
        (
            "meetings",
            0,
            {"date": "2025-02-31"},
            "meetings.csv, row 2, field 'date': value '2025-02-31'; expected a date written YYYY-MM-DD",
        ),
        (
            "children",
            2,
            {"sex": "Female"},
            "children.csv, row 4, field 'sex': value 'Female'; expected one of M, F, U",
        ),
        (
            "outcomes",
            0,
            {"statement": ""},
            "outcomes.csv, row 2, field 'statement': empty value; expected a value",
        ),
        (
            "outcomes",
            1,
            {"status": "achieved"},
            "outcomes.csv, row 3, field 'closed_date': empty value; "
            "expected a closed_date, because status is 'achieved'",
        ),
        (
            "involvements",
            0,
            {"end_date": "2024-01-01"},
            "involvements.csv, row 2, field 'end_date': "
            "value '2024-01-01'; expected a date on or after start_date (2025-01-01)",
        ),
        (
            "children",
            1,
            {"child_id": "C1"},
            "children.csv, row 3, field 'child_id': value 'C1'; expected a unique key",
        ),
    ],
)
def test_a_broken_row_is_named_by_file_row_and_field(tmp_path, table, index, changes, expected):
    folder = _broken(tmp_path, table, index, **changes)
    _, text = _problem_text(folder)
    assert expected in text
    assert "nothing was loaded" in text


def test_a_refused_extract_leaves_the_store_unchanged(store, handworked_dir, tmp_path):
    load_extract(store, handworked_dir)
    before = store.read_table("outcome_reviews")
    rows = copy.deepcopy(ROWS)
    rows["outcome_reviews"].append(
        dict(rows["outcome_reviews"][0], review_id="R99", review_date="not a date")
    )
    rows["outcome_reviews"][0]["score"] = "2"
    broken = write_extract(tmp_path / "broken", rows)
    with pytest.raises(ExtractError):
        load_extract(store, broken)
    assert store.read_table("outcome_reviews").equals(before)
    assert store.latest_load()["source"] == str(handworked_dir.resolve())


def test_a_database_error_mid_load_rolls_everything_back(store, handworked_dir):
    load_extract(store, handworked_dir)
    before = store.row_counts()

    def explode(rows):
        yield from rows
        raise RuntimeError("disk full")

    from workbench.core.model import EXTRACT_TABLES
    from workbench.imports.extract import validate_extract as validate

    extract = validate(handworked_dir)
    rows = {spec.name: extract.store_rows(spec) for spec in EXTRACT_TABLES}
    rows["outcome_reviews"] = explode(rows["outcome_reviews"])
    with pytest.raises(RuntimeError, match="disk full"):
        store.replace_extract(rows, fingerprint="x", source="test")
    assert store.row_counts() == before


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    rows = copy.deepcopy(ROWS)
    rows["outcome_reviews"][0]["score"] = "11"
    rows["outcome_reviews"][1]["review_date"] = "yesterday"
    rows["meetings"][0]["family_attended"] = "yes"
    error, _ = _problem_text(write_extract(tmp_path / "many", rows))
    frame = error.to_frame()
    assert set(zip(frame["file"], frame["row"], frame["field"], strict=True)) == {
        ("outcome_reviews.csv", 2, "score"),
        ("outcome_reviews.csv", 3, "review_date"),
        ("meetings.csv", 2, "family_attended"),
    }


def test_missing_file_and_unexpected_column_are_refused(handworked_dir):
    (handworked_dir / "supervisions.csv").unlink()
    teams = handworked_dir / "teams.csv"
    teams.write_text(teams.read_text().replace("service", "service,colour", 1))
    error, message = _problem_text(handworked_dir)
    assert "supervisions.csv: expected the file" in message
    assert "teams.csv, row 1, field 'colour'" in message
    # The rows still have four fields: each is reported, not padded; one cause, one line.
    assert (
        "teams.csv: values such as 'T1,North CIN,North,cin', 'T2,South CP,South,cp' in 2 rows (rows 2–3); "
        "expected 5 fields, like the header (found 4)" in message
    )
    frame = error.to_frame()  # every row is still listed for the problems CSV
    assert frame[frame["expected"].str.contains("5 fields")]["row"].tolist() == [2, 3]
    # supervision_cases names supervisions, which was not read: counted, not listed row by row
    assert (
        "supervision_cases.csv, field 'supervision_id': expected an existing supervision_id from " in message
    )


def test_windows_1252_from_excel_is_detected_and_read(store, handworked_dir):
    teams = handworked_dir / "teams.csv"
    teams.write_bytes(teams.read_bytes().replace(b"North CIN", "Nörth CIN – Bexley’s".encode("cp1252")))
    extract = validate_extract(handworked_dir)
    assert extract.encodings["teams.csv"] == "cp1252"
    assert extract.encodings["children.csv"] == "utf-8-sig"
    assert "Nörth CIN – Bexley’s" in extract.frames["teams"]["name"].tolist()


def test_a_binary_file_renamed_csv_is_refused(handworked_dir):
    (handworked_dir / "meetings.csv").write_bytes(bytes(range(256)) * 8)
    _, message = _problem_text(handworked_dir)
    assert "meetings.csv" in message
    assert "nothing was loaded" in message


def test_an_empty_file_is_refused_with_its_missing_columns(handworked_dir):
    (handworked_dir / "workers.csv").write_text("")
    _, message = _problem_text(handworked_dir)
    assert "workers.csv: expected a header row; the file is empty (header: worker_id,name," in message


def test_a_utf8_bom_from_excel_is_accepted(store, handworked_dir):
    children = handworked_dir / "children.csv"
    children.write_bytes(b"\xef\xbb\xbf" + children.read_bytes())
    assert load_extract(store, handworked_dir).status == "loaded"
    assert store.row_counts()["children"] == len(ROWS["children"])


def test_an_extract_with_no_outcomes_or_reviews_loads(store, tmp_path):
    rows = copy.deepcopy(ROWS)
    rows["outcomes"], rows["outcome_reviews"], rows["intervention_outcomes"] = [], [], []
    assert load_extract(store, write_extract(tmp_path / "empty", rows)).status == "loaded"
    assert store.row_counts()["outcomes"] == 0


def test_every_stored_row_keeps_its_file_sha256_and_row(store, handworked_dir):
    from workbench.core.provenance import sha256_file

    load_extract(store, handworked_dir)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT review_id, source_file, source_sha256, source_row FROM outcome_reviews ORDER BY source_row"
        ).all()
    digest = sha256_file(handworked_dir / "outcome_reviews.csv")
    assert rows[0] == ("R1", "outcome_reviews.csv", digest, 2)
    assert rows[-1] == ("R9", "outcome_reviews.csv", digest, 10)


def test_a_code_outside_its_list_in_an_unmeasured_field_is_blanked_and_the_row_kept(store, tmp_path):
    # Issue 14, part 4: end_reason is read by no measure, not a key and not required, so a code
    # outside its list no longer refuses the extract: the value is blanked and reported.
    folder = _broken(tmp_path, "involvements", 0, end_reason="gone_abroad")
    result = load_extract(store, folder)
    assert result.status == "loaded"
    (blanked,) = result.notices
    assert (blanked.file, blanked.row, blanked.field, blanked.value, blanked.action) == (
        "involvements.csv", 2, "end_reason", "gone_abroad", "blanked"
    )
    assert str(blanked).startswith(
        "involvements.csv, row 2, field 'end_reason': blanked: value 'gone_abroad' is not in the code list "
        "for end_reason (expected one of "
    )
    assert str(blanked).endswith("; row kept")
    involvement = ROWS["involvements"][0]["involvement_id"]
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT end_reason FROM involvements WHERE involvement_id = ?", (involvement,)
        ).scalar()
    assert stored is None
    assert store.row_counts()["involvements"] == len(ROWS["involvements"])


def test_a_code_outside_its_list_in_a_measured_or_required_field_still_refuses(tmp_path):
    # plan_type is measured; role is read by no measure but required (the store holds it NOT
    # NULL), so a blank would not load: both still refuse, with the usual message.
    error, text = _problem_text(_broken(tmp_path, "involvements", 0, plan_type="unknown_plan"))
    assert [p.field for p in error.problems] == ["plan_type"]
    error, text = _problem_text(_broken(tmp_path / "role", "workers", 0, role="boss"))
    assert [p.field for p in error.problems] == ["role"]
    assert "workers.csv, row 2, field 'role': value 'boss'; expected one of" in text
