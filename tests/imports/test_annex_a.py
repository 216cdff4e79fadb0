"""The Annex A importer: the liia conformance workbook, and small hostile workbooks built here."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from workbench.imports.annex_a import (
    ALIASES_PATH,
    ANNEX_A_LISTS,
    CHILD_COLUMNS,
    CHILDREN_TABLE,
    WORKBOOK_TABLE,
    AnnexAError,
    annex_a_list_number,
    load_aliases,
    parse_annex_a,
)

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
SAMPLE = CONFORMANCE / "annex_a" / "Annex_A_liia_sample.xlsx"
needs_sample = pytest.mark.skipif(
    not SAMPLE.exists(), reason=f"conformance workbook not found at {SAMPLE} (../shared is not checked out)"
)

COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
LIST_1 = [*COMMON, "Date of Contact", "Contact Source"]
CONTACT = [101, "b) Female", "a) WBRI", datetime(2015, 1, 25), 6.1, datetime(2020, 9, 16), "q) 6: Police"]


def _workbook(tmp_path: Path, sheets: dict[str, list[list]], name: str = "annex.xlsx") -> Path:
    """Write a workbook with one sheet per entry: rows of cell values, row 1 first."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def _rejected_rows(parsed, table: str) -> set[int]:
    return {r.row for r in parsed.rejections if r.table == table}


def _assert_every_row_accounted(parsed) -> None:
    """Check that every list table read has read == accepted + distinct rejected rows."""
    for table, read in parsed.read.items():
        assert read == len(parsed.tables[table]) + len(_rejected_rows(parsed, table)), table
        assert not set(parsed.tables[table]["source_row"]) & _rejected_rows(parsed, table), table


def _notes(parsed) -> list:
    return [r for r in parsed.rejections if r.table == WORKBOOK_TABLE]


# --- the conformance workbook --------------------------------------------------------------

# (read, accepted, rejected rows) per list, worked out by hand from the workbook. Every row
# has a good Child Unique ID (or adopter id) and good characteristics, so every row is kept
# (issue 14, part 4). Before, four lists were lost whole, and one row of List 8, for fields no
# measure reads; those values are now blanked and reported instead (SAMPLE_BLANKED):
#   List 4: every row says "CS Assessment Updated" for "Was the child assessed as requiring
#           LA children's social care support?", which is not yes/no/unknown (was 5 rejected);
#   List 6: every row has #N/A errors under Allocated Team and Allocated Worker, and row 2 a
#           primary need outside the code list (was 5 rejected);
#   List 8: row 3 has the placement postcode "nope" (was 1 rejected);
#   Lists 10 and 11: every row holds formulas (=H2+5, =G2+13 ...), never evaluated (were 5
#           rejected each).
SAMPLE_COUNTS = {
    1: (5, 5, 0),
    2: (5, 5, 0),
    3: (6, 6, 0),
    4: (5, 5, 0),
    5: (5, 5, 0),
    6: (5, 5, 0),
    7: (7, 7, 0),
    8: (5, 5, 0),
    9: (6, 6, 0),
    10: (5, 5, 0),
    11: (5, 5, 0),
}
#: Values blanked per list: 5 + 11 + 1 + 26 + 46 = 89, each in a kept row.
SAMPLE_BLANKED = {4: 5, 6: 11, 8: 1, 10: 26, 11: 46}


@pytest.fixture(scope="module")
def sample():
    if not SAMPLE.exists():
        pytest.skip(f"conformance workbook not found at {SAMPLE} (../shared is not checked out)")
    return parse_annex_a(SAMPLE, year=2021)


@needs_sample
def test_sample_counts_per_list(sample):
    assert sample.kind == "annex-a"
    assert sample.year == 2021
    counts = {
        number: (
            sample.read[spec.table],
            len(sample.tables[spec.table]),
            len(_rejected_rows(sample, spec.table)),
        )
        for number, spec in ANNEX_A_LISTS.items()
    }
    assert counts == SAMPLE_COUNTS
    _assert_every_row_accounted(sample)


@needs_sample
def test_sample_rows_read_match_an_independent_count(sample):
    # Independently of the importer: open the workbook with openpyxl in normal (not read-only)
    # mode, take row 1 as the header (it is, on every sheet), and count the rows below it that
    # have at least one cell that is not None and not blank text.
    book = openpyxl.load_workbook(SAMPLE, data_only=False)
    for sheet in book.worksheets:
        number = int(sheet.title.split()[-1])
        non_empty = sum(
            1
            for row in sheet.iter_rows(min_row=2, values_only=True)
            if any(v is not None and str(v).strip() != "" for v in row)
        )
        assert sample.read[f"annex_a_list_{number}"] == non_empty, sheet.title


@needs_sample
def test_sample_keeps_every_row_and_reports_each_blanked_value(sample):
    # Issue 14, part 4: no row of the sample is lost for a field no measure reads.
    assert not [r for r in sample.rejections if r.table.startswith("annex_a_list_")]
    blanked = {n: [b for b in sample.blanked if b.table == f"annex_a_list_{n}"] for n in ANNEX_A_LISTS}
    assert {n: len(found) for n, found in blanked.items() if found} == SAMPLE_BLANKED
    for found in blanked.values():
        for value in found:
            assert value.action == "blanked"
            assert str(value).endswith("; row kept") and ": blanked: value " in str(value), str(value)
    # The blanked cell is empty in the kept row, and never holds the formula or the error.
    [assessed] = [b for b in blanked[4] if b.row == 2]
    list_4 = sample.tables["annex_a_list_4"].set_index("source_row")
    assert list_4.loc[2, "assessed_as_needing_support"] == ""
    assert "is not in the code list for " in str(assessed)
    list_10 = sample.tables["annex_a_list_10"]
    assert not list_10["placement_order_date"].str.startswith("=").any()
    assert set(list_10["placement_order_date"]) == {""}
    # Every blanked value is in the officer's CSV, marked as blanked.
    frame = sample.rejections_frame()
    assert (frame["action"] == "blanked").sum() == sum(SAMPLE_BLANKED.values())


@needs_sample
def test_sample_formula_cells_are_each_blanked(sample):
    # Count formula cells independently (openpyxl data_type "f") under the known headers. They
    # were each rejected with their row; the dates they hold are read by no measure, so each is
    # now blanked (never evaluated) and the row kept.
    book = openpyxl.load_workbook(SAMPLE, data_only=False)
    for number in (10, 11):
        sheet = book[f"List {number}"]
        formulas = sum(1 for row in sheet.iter_rows(min_row=2) for c in row if c.data_type == "f")
        blanked = [r for r in sample.blanked if r.table == f"annex_a_list_{number}"]
        assert len(blanked) == formulas == {10: 26, 11: 46}[number]
        assert all(r.value.startswith("=") and "not a formula" in r.expected for r in blanked)


@needs_sample
def test_sample_unmatched_values_are_exactly_these(sample):
    # The same values as before, now blanked in kept rows rather than rejecting them.
    not_formulas = {
        (r.sheet, r.row, r.field, r.value)
        for r in sample.blanked
        if r.table.startswith("annex_a_list_") and not r.value.startswith("=")
    }
    assessed = "Was the child assessed as requiring LA children's social care support?"
    assert not_formulas == {
        *{("List 4", row, assessed, "CS Assessment Updated") for row in range(2, 7)},
        ("List 6", 2, "Primary Need Code", "PSRMEM - Support with memory and cognition"),
        *{
            ("List 6", row, field, "#N/A")
            for row in range(2, 7)
            for field in ("Allocated Team", "Allocated Worker")
        },
        ("List 8", 3, "Placement postcode", "nope"),
    }


@needs_sample
def test_sample_headers_all_match_and_only_list_9_lacks_columns(sample):
    # "Age" (for "Age of Child (Years)"), "Gender", the stray ")" in List 8's UASC header and the
    # curly quotes round 'Missing' all match through the alias table: no header is unknown. The
    # only structural findings are four List 9 columns the sample does not have.
    notes = {(n.sheet, n.row, n.field, n.value) for n in _notes(sample)}
    assert notes == {
        ("List 9", 1, "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)", ""),
        ("List 9", 1, "Allocated Personal Advisor", ""),
        ("List 9", 1, "Latest Pathway Plan Review Date", ""),
        ("List 9", 1, "Latest Date of Contact", ""),
    }
    # List 10's rows are now kept (they were rejected for their formulas), and the sample gives
    # its five children other birth months and ethnicities (and row 4 another disability) than
    # List 9 does: 11 disagreements, each leaving that characteristic unknown, none rejecting a row.
    conflicts = [r for r in sample.rejections if r.table == CHILDREN_TABLE]
    assert {(r.sheet, r.field) for r in conflicts} == {
        ("List 10", "birth_month"), ("List 10", "ethnicity"), ("List 10", "disability")
    }
    assert len(conflicts) == 11
    assert list(sample.tables["annex_a_list_1"]["age_years"]) == ["6", "8", "11", "14", "15"]


@needs_sample
def test_sample_female_and_lettered_female_both_map_to_f(sample):
    contacts = sample.tables["annex_a_list_1"].set_index("source_row")
    book = openpyxl.load_workbook(SAMPLE, read_only=True)
    assert [c.value for c in book["List 1"][2]][1] == "Female"
    assert [c.value for c in book["List 1"][3]][1] == "b) Female"
    book.close()
    assert contacts.loc[2, "sex"] == contacts.loc[3, "sex"] == "F"
    assert list(contacts["ethnicity"]) == ["WBRI", "APKN", "NOBT", "NOBT", "WBRI"]
    assert list(contacts["contact_source"]) == ["6", "6", "1B", "6", "9"]


@needs_sample
def test_sample_tables_are_store_ready_text(sample):
    for number, spec in ANNEX_A_LISTS.items():
        frame = sample.tables[spec.table]
        assert list(frame.columns) == ["source_row", *spec.column_names]
        assert "date_of_birth" not in frame.columns
        for column in spec.column_names:
            assert all(isinstance(v, str) for v in frame[column]), (number, column)
    care = sample.tables["annex_a_list_8"].set_index("source_row")
    assert care.loc[2, "legal_status"] == "E1"
    assert care.loc[2, "placement_type"] == "U6"
    assert care.loc[2, "placement_provider"] == "PR4"
    assert care.loc[2, "looked_after_start_date"] == "2009-08-06"
    assert care.loc[4, "ethnicity"] == ""  # blank in the sample: kept blank, not guessed
    plans = sample.tables["annex_a_list_7"]
    assert set(plans["initial_abuse_category"]) == {"PHY", "EMO"}


@needs_sample
def test_sample_children_keep_only_the_birth_month(sample):
    children = sample.children
    assert list(children.columns) == CHILD_COLUMNS
    assert children["child_id"].is_unique
    assert all(re.fullmatch(r"\d{4}-\d{2}|", m) for m in children["birth_month"])
    # List 1 row 2 was born on 2015-01-25: that date appears nowhere, only its month.
    assert "2015-01-25" not in set(sample.tables["annex_a_list_1"].to_numpy().ravel())
    assert sample.tables["annex_a_list_1"].set_index("source_row").loc[2, "birth_month"] == "2015-01"
    child = children.set_index("child_id")
    assert child.loc["11973218", "birth_month"] == ""  # no date of birth in the sample
    assert child.loc["9212044"].to_dict() == {
        "birth_month": "2015-01",
        "sex": "F",
        "ethnicity": "WBRI",
        "disability": "",
    }
    assert child.loc["11641472", "disability"] == "Y"  # List 5: "a) Yes"
    assert child.loc["6890906", "sex"] == "U"  # "c) Not stated/recorded"
    # Adopters are adults: List 11's ids never become children.
    assert "7105179" not in set(children["child_id"])


# --- the alias table -----------------------------------------------------------------------


def test_value_aliases():
    values = load_aliases().values
    for spelling in ("Female", "b) Female", "F", "  female ", "FEMALE", "Girl"):
        assert values["sex"].match(spelling) == "F", spelling
    assert values["sex"].match("a) Male") == "M"
    assert values["sex"].match("c) Not stated/recorded") == "U"
    assert values["sex"].match("Femal") is None
    assert values["ethnicity"].match("k) APKN") == "APKN"
    assert values["ethnicity"].match("Pakistani") == "APKN"
    assert values["ethnicity"].match("White and Black Caribbean") == "MWBC"
    assert values["ethnicity"].match("Martian") is None
    for spelling, code in (("a) Yes", "Y"), ("Yes", "Y"), ("Y", "Y"), ("b) No", "N"), ("c) Unknown", "U")):
        assert values["yes_no_unknown"].match(spelling) == code
    assert values["yes_no"].match("c) Unknown") is None
    assert values["source"].match("b) 1B: Individual") == "1B"
    assert values["need_code"].match("N1 - Abuse or Neglect") == "N1"
    # Only ":" or a dash may follow a leading code: "B and B" is not code B.
    assert values["accommodation_type"].match("B and B") is None
    assert values["accommodation_type"].match("Y: Other accommodation") == "Y"


def test_list_numbers_from_loose_sheet_names():
    names = {
        "List 1": 1,
        "list1": 1,
        "List_1 - Contacts": 1,
        "L1 contacts": 1,
        "LIST 03": 3,
        "Annex A List 10": 10,
        "L11": 11,
        "List 12": 12,
        "Summary": None,
        "Lookups 1": None,
        "Level 3": None,
    }
    assert {name: annex_a_list_number(name) for name in names} == names


def test_an_unquoted_yes_in_the_alias_table_is_refused(tmp_path):
    text = ALIASES_PATH.read_text(encoding="utf-8").replace('Y: ["Yes", "TRUE"]', "Y: [Yes, TRUE]", 1)
    edited = tmp_path / "aliases.yaml"
    edited.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="quoted"):
        load_aliases(edited)


@needs_sample
def test_an_authority_can_add_a_spelling(tmp_path):
    # The alias table is data: saying that "CS Assessment Updated" means Yes accepts List 4.
    text = ALIASES_PATH.read_text(encoding="utf-8")
    marker = '  yes_no_unknown:\n    codes:\n      Y: ["Yes", "TRUE"]'
    assert marker in text
    edited = tmp_path / "aliases.yaml"
    edited.write_text(text.replace(marker, marker[:-1] + ', "CS Assessment Updated"]'), encoding="utf-8")
    parsed = parse_annex_a(SAMPLE, aliases=edited)
    assert len(parsed.tables["annex_a_list_4"]) == 5
    assert set(parsed.tables["annex_a_list_4"]["assessed_as_needing_support"]) == {"Y"}


# --- hand-built hostile workbooks ------------------------------------------------------------


def test_loosely_named_sheets_are_found_by_number(tmp_path):
    path = _workbook(
        tmp_path,
        {
            "list1": [LIST_1, CONTACT],
            "List_3 - Referrals": [[*COMMON, "Date of Referral"], [7, "Male", "WBRI", None, 4, "16/09/2020"]],
            "L8 children in care": [[*COMMON], [8, "F", "CHNE", None, 12]],
            "Summary": [["Totals", 3]],
            "List 12": [LIST_1],
        },
    )
    parsed = parse_annex_a(path)
    assert sorted(parsed.tables) == ["annex_a_list_1", "annex_a_list_3", "annex_a_list_8"]
    assert parsed.tables["annex_a_list_3"]["referral_date"].tolist() == ["2020-09-16"]
    assert parsed.tables["annex_a_list_8"]["ethnicity"].tolist() == ["CHNE"]
    notes = _notes(parsed)
    # A sheet that is not a list is reported by name, never guessed at.
    not_lists = {n.sheet: n.expected for n in notes if n.row is None and n.sheet}
    assert set(not_lists) == {"Summary", "List 12"}
    assert "not named as a list" in not_lists["Summary"]
    assert "List 12 is not an Annex A list" in not_lists["List 12"]
    # The eight lists with no sheet are named in one note (they were eight lines, issue 19).
    (missing,) = [n.expected for n in notes if n.sheet == ""]
    assert missing.startswith("sheets for List 2 (early help), List 4 (assessments), ")
    assert missing.count("List ") == 8 and "List 3 " not in missing
    _assert_every_row_accounted(parsed)


def test_2026_sex_header_and_older_gender_header_are_both_read(tmp_path):
    sex_header = [
        "Child Unique ID",
        "Sex",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Date of Contact",
    ]
    path = _workbook(
        tmp_path,
        {
            "List 1": [
                sex_header,
                [1, "Female", "WBRI", None, 3, None],
                [2, "a) Male", "WBRI", None, 3, None],
            ],
            "List 2": [COMMON, [3, "F", "WBRI", None, 3]],
        },
    )
    parsed = parse_annex_a(path, year=2026)
    assert parsed.tables["annex_a_list_1"]["sex"].tolist() == ["F", "M"]
    assert parsed.tables["annex_a_list_2"]["sex"].tolist() == ["F"]
    assert not [n for n in _notes(parsed) if n.field in {"Sex", "Gender"}]


def test_unknown_header_and_unknown_value_are_reported(tmp_path):
    row = [*CONTACT, "blue"]
    row[1] = "Martian"
    path = _workbook(tmp_path, {"List 1": [[*LIST_1, "Favourite Colour"], row, CONTACT]})
    parsed = parse_annex_a(path)
    unknown = [n for n in _notes(parsed) if n.field == "Favourite Colour"]
    assert len(unknown) == 1
    assert unknown[0].row == 1 and "column H was not read" in unknown[0].expected
    assert "favourite_colour" not in parsed.tables["annex_a_list_1"].columns
    [bad] = [r for r in parsed.rejections if r.table == "annex_a_list_1"]
    assert (bad.sheet, bad.row, bad.field, bad.value) == ("List 1", 2, "Gender", "Martian")
    assert "sex value" in bad.expected and "annex_a_aliases.yaml" in bad.expected
    assert parsed.tables["annex_a_list_1"]["source_row"].tolist() == [3]
    _assert_every_row_accounted(parsed)


def test_misspelt_header_is_reported_with_the_closest_known_header(tmp_path):
    path = _workbook(tmp_path, {"List 1": [[*COMMON, "Date of Contactt", "Contact Source"], CONTACT]})
    parsed = parse_annex_a(path)
    [unknown] = [n for n in _notes(parsed) if n.field == "Date of Contactt"]
    assert "closest known: 'Date of Contact'" in unknown.expected
    [missing] = [n for n in _notes(parsed) if n.field == "Date of Contact"]
    assert "missing" in missing.expected


def test_a_formula_cell_is_blanked_in_an_unmeasured_field_and_rejects_in_a_measured_one(tmp_path):
    # The date of contact is read by no measure: its formula is blanked (never evaluated) and the
    # row kept. Sex is measured (every breakdown reads it): a formula there rejects the row.
    row = list(CONTACT)
    row[5] = "=TODAY()"
    measured = list(CONTACT)
    measured[1] = '=IF(1,"F","M")'
    path = _workbook(tmp_path, {"List 1": [LIST_1, row, CONTACT, measured]})
    parsed = parse_annex_a(path)
    [blanked] = parsed.blanked
    assert (blanked.row, blanked.field, blanked.value) == (2, "Date of Contact", "=TODAY()")
    assert "a value, not a formula" in blanked.expected
    [bad] = [r for r in parsed.rejections if r.table == "annex_a_list_1"]
    assert (bad.row, bad.field, bad.action) == (4, "Gender", "rejected")
    contacts = parsed.tables["annex_a_list_1"]
    assert contacts["source_row"].tolist() == [2, 3]
    assert contacts["contact_date"].tolist() == ["", "2020-09-16"]
    _assert_every_row_accounted(parsed)


def test_empty_sheets_are_reported_not_fatal(tmp_path):
    path = _workbook(tmp_path, {"List 1": [LIST_1, CONTACT], "List 2": [], "List 4": [[*COMMON]]})
    parsed = parse_annex_a(path)
    assert parsed.read["annex_a_list_2"] == 0 and parsed.read["annex_a_list_4"] == 0
    assert parsed.tables["annex_a_list_2"].empty and parsed.tables["annex_a_list_4"].empty
    empty = {n.sheet: n.expected for n in _notes(parsed) if "0 rows read" in n.expected}
    assert set(empty) == {"List 2", "List 4"}
    assert "the sheet is empty" in empty["List 2"]
    assert len(parsed.tables["annex_a_list_1"]) == 1


def test_title_rows_above_the_header_are_skipped_and_reported(tmp_path):
    path = _workbook(tmp_path, {"List 1": [["Annex A List 1: Contacts"], [], LIST_1, CONTACT]})
    book = openpyxl.load_workbook(path)
    book["List 1"].merge_cells("A1:G1")
    book.save(path)
    parsed = parse_annex_a(path)
    assert parsed.tables["annex_a_list_1"]["source_row"].tolist() == [4]
    [skipped] = [n for n in _notes(parsed) if n.row == 1]
    assert skipped.value == "Annex A List 1: Contacts"
    assert "header row (row 3)" in skipped.expected
    _assert_every_row_accounted(parsed)


def test_two_row_header_with_a_merged_group_heading(tmp_path):
    # Row 1: the common columns (merged down over row 2) and a "Contact" heading merged across
    # F:G; row 2: "Date" and "Source" under it. Data starts on row 3.
    path = _workbook(
        tmp_path,
        {"List 1": [[*COMMON, "Contact", None], [None] * 5 + ["Date", "Source"], CONTACT]},
    )
    book = openpyxl.load_workbook(path)
    sheet = book["List 1"]
    sheet.merge_cells("F1:G1")
    for letter in "ABCDE":
        sheet.merge_cells(f"{letter}1:{letter}2")
    book.save(path)
    parsed = parse_annex_a(path)
    contacts = parsed.tables["annex_a_list_1"]
    assert contacts["source_row"].tolist() == [3]
    assert contacts[["contact_date", "contact_source"]].iloc[0].tolist() == ["2020-09-16", "6"]
    assert not [n for n in _notes(parsed) if n.sheet == "List 1"]  # every header matched
    _assert_every_row_accounted(parsed)


def test_a_sheet_without_a_header_in_the_first_ten_rows_rejects_every_row(tmp_path):
    path = _workbook(tmp_path, {"List 1": [["x"]] * 11 + [LIST_1, CONTACT]})
    parsed = parse_annex_a(path)
    assert parsed.read["annex_a_list_1"] == 13
    assert _rejected_rows(parsed, "annex_a_list_1") == set(range(1, 14))
    _assert_every_row_accounted(parsed)


def test_dates_in_every_form_become_iso_and_bad_dates_are_blanked(tmp_path):
    good = ["16/09/2020", "2020-09-16", 44090, datetime(2020, 9, 16), "2020-09-16 00:00:00", "16.09.2020"]
    bad = ["31/02/2020", "16/09/20", "next week", "09/16/2020"]
    rows = [[n, "F", "WBRI", "03/04/2015", 5, value, "Police"] for n, value in enumerate(good + bad, start=1)]
    path = _workbook(tmp_path, {"List 1": [LIST_1, *rows]})
    parsed = parse_annex_a(path)
    contacts = parsed.tables["annex_a_list_1"]
    # The date of contact is read by no measure: a bad one is blanked and its row kept (these
    # rows were rejected before issue 14, part 4).
    assert contacts["contact_date"].tolist() == ["2020-09-16"] * len(good) + [""] * len(bad)
    assert set(contacts["birth_month"]) == {"2015-04"}  # dd/mm: 3 April, never 4 March
    assert not [r for r in parsed.rejections if r.table == "annex_a_list_1"]
    assert [(r.row, r.field, r.value) for r in parsed.blanked] == [
        (row, "Date of Contact", value) for row, value in enumerate(bad, start=2 + len(good))
    ]
    assert all("dd/mm/yyyy or yyyy-mm-dd" in r.expected for r in parsed.blanked)
    _assert_every_row_accounted(parsed)


def test_a_bad_date_of_birth_still_rejects_the_row(tmp_path):
    # The date of birth is measured (the child's age band): a row without a usable one is rejected.
    row = list(CONTACT)
    row[3] = "next week"
    path = _workbook(tmp_path, {"List 1": [LIST_1, row, CONTACT]})
    parsed = parse_annex_a(path)
    [bad] = [r for r in parsed.rejections if r.table == "annex_a_list_1"]
    assert (bad.row, bad.field, bad.value) == (2, "Date of Birth", "next week")
    assert ": rejected: value 'next week'" in str(bad)
    assert not parsed.blanked
    _assert_every_row_accounted(parsed)


def test_a_missing_child_id_rejects_the_row(tmp_path):
    row = list(CONTACT)
    row[0] = "  "
    path = _workbook(tmp_path, {"List 1": [LIST_1, row, CONTACT]})
    parsed = parse_annex_a(path)
    [bad] = [r for r in parsed.rejections if r.table == "annex_a_list_1"]
    assert (bad.row, bad.field) == (2, "Child Unique ID")
    assert "an id" in bad.expected
    _assert_every_row_accounted(parsed)


def test_repeated_ids_are_wrong_in_list_8_but_right_in_list_1(tmp_path):
    # List 1 has a row per contact: a child contacted twice is two rows. List 8 has one row per
    # child in care (its columns summarise the child's care), so a repeat is two competing
    # descriptions of one child: both rows are rejected, since picking one would be a guess.
    care = [*COMMON, "Date Started to be Looked After"]
    path = _workbook(
        tmp_path,
        {
            "List 1": [LIST_1, CONTACT, CONTACT],
            "List 8": [
                care,
                [5, "F", "WBRI", None, 9, "01/01/2020"],
                [6, "M", "WBRI", None, 9, "01/01/2020"],
                [5, "F", "WBRI", None, 9, "02/02/2020"],
            ],
        },
    )
    parsed = parse_annex_a(path)
    assert len(parsed.tables["annex_a_list_1"]) == 2
    assert parsed.tables["annex_a_list_8"]["child_id"].tolist() == ["6"]
    repeats = [r for r in parsed.rejections if r.table == "annex_a_list_8"]
    assert {(r.row, r.value) for r in repeats} == {(2, "5"), (4, "5")}
    assert "also on row(s) 4" in repeats[0].expected
    _assert_every_row_accounted(parsed)


def test_children_described_differently_by_two_lists_are_reported(tmp_path):
    path = _workbook(
        tmp_path,
        {
            "List 1": [LIST_1, CONTACT],
            "List 2": [COMMON, [101, "a) Male", "WBRI", "25/01/2015", 6]],
        },
    )
    parsed = parse_annex_a(path)
    [conflict] = [r for r in parsed.rejections if r.table == CHILDREN_TABLE]
    assert (conflict.sheet, conflict.row, conflict.field, conflict.value) == ("List 2", 2, "sex", "M")
    assert "[List 1] row 2 ('F')" in conflict.expected
    child = parsed.children.set_index("child_id").loc["101"]
    assert child["sex"] == "U" and child["birth_month"] == "2015-01"
    # Both list rows are still accepted: the disagreement is about the child, not either row.
    assert parsed.read == {"annex_a_list_1": 1, "annex_a_list_2": 1}
    _assert_every_row_accounted(parsed)


def test_two_columns_for_one_field_must_agree(tmp_path):
    header = [*COMMON, "Sex"]
    path = _workbook(
        tmp_path,
        {"List 2": [header, [1, "Female", "WBRI", None, 4, "F"], [2, "Female", "WBRI", None, 4, "Male"]]},
    )
    parsed = parse_annex_a(path)
    assert parsed.tables["annex_a_list_2"]["sex"].tolist() == ["F"]
    [bad] = [r for r in parsed.rejections if r.table == "annex_a_list_2"]
    assert (bad.row, bad.field, bad.value) == (3, "Gender / Sex", "Female | Male")
    assert any(n.field == "Sex" and n.value == "B, F" for n in _notes(parsed))


def test_values_under_a_column_with_no_header_are_reported(tmp_path):
    path = _workbook(tmp_path, {"List 1": [LIST_1, [*CONTACT, None, "stray note"]]})
    parsed = parse_annex_a(path)
    [stray] = [n for n in _notes(parsed) if n.field == "column I"]
    assert "1 row(s) hold values there" in stray.expected
    assert len(parsed.tables["annex_a_list_1"]) == 1


def test_no_list_sheet_or_two_sheets_for_one_list_refuse_the_workbook(tmp_path):
    with pytest.raises(AnnexAError, match=r"none\.xlsx: no sheet is named as an Annex A list.*'Sheet'"):
        parse_annex_a(_workbook(tmp_path, {"Sheet": [LIST_1]}, name="none.xlsx"))
    with pytest.raises(AnnexAError, match=r"List 1: 'List 1', 'L1 contacts'"):
        parse_annex_a(_workbook(tmp_path, {"List 1": [LIST_1], "L1 contacts": [LIST_1]}, name="two.xlsx"))


def test_files_that_are_not_xlsx_are_refused(tmp_path):
    csv_renamed = tmp_path / "annex_csv.xlsx"
    csv_renamed.write_text("Child Unique ID,Gender\n1,F\n", encoding="utf-8")
    with pytest.raises(AnnexAError, match=r"annex_csv\.xlsx is not an XLSX workbook"):
        parse_annex_a(csv_renamed)
    noise = tmp_path / "noise.xlsx"
    noise.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(AnnexAError, match=r"noise\.xlsx is not an XLSX workbook"):
        parse_annex_a(noise)
    not_a_workbook = tmp_path / "zipped.xlsx"
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(AnnexAError, match=r"zipped\.xlsx is not a valid XLSX workbook"):
        parse_annex_a(not_a_workbook)
    old_xls = tmp_path / "old.xlsx"
    old_xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(AnnexAError, match=r"old\.xlsx is an old-style \.xls workbook"):
        parse_annex_a(old_xls)
    csv_file = tmp_path / "annex.csv"
    csv_file.write_text("Child Unique ID\n1\n", encoding="utf-8")
    with pytest.raises(AnnexAError, match=r"annex\.csv: an Annex A workbook must be an \.xlsx file"):
        parse_annex_a(csv_file)


def test_a_stale_dimension_record_does_not_hide_rows(tmp_path):
    # A workbook records its used range ("dimension"); tools that write it badly under-state it.
    # Read-only openpyxl stops at the recorded range unless told otherwise: rows must not vanish.
    path = _workbook(tmp_path, {"List 1": [LIST_1, CONTACT, CONTACT, CONTACT]})
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(stale, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:G2"', data)
            target.writestr(item, data)
    parsed = parse_annex_a(stale)
    assert parsed.read["annex_a_list_1"] == 3
    assert parsed.tables["annex_a_list_1"]["source_row"].tolist() == [2, 3, 4]
