"""The CIN census XML importer: conformance files, rejections, file notes and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.imports.cin_census import (
    CHILDREN_COLUMNS,
    FILE_NOTES,
    TABLE_COLUMNS,
    CinCensusError,
    parse_cin_census,
)
from workbench.imports.report import ParsedFile

# Other teams' files, read in place and never copied into the project (README there).
CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
CIN_DIR = CONFORMANCE / "cin_census"
# Only the tests that read those files are skipped without them: the refusal and rejection
# tests below build their own XML and must keep running everywhere.
needs_conformance = pytest.mark.skipif(
    not CIN_DIR.is_dir(),
    reason=f"CIN conformance files not found at {CIN_DIR} (../shared/conformance, outside the project)",
)

TABLES = list(TABLE_COLUMNS)


def rejected_rows(parsed: ParsedFile, table: str) -> int:
    """Distinct rows rejected in ``table``: a row with three problems has three rejections.

    A row is its XML path with positions plus its line, which stays unique even when a
    whole file is written on one line.
    """
    return len({(r.sheet, r.row) for r in parsed.rejections if r.table == table})


def assert_nothing_lost(parsed: ParsedFile) -> None:
    """Every row read is either accepted or rejected, in every table."""
    assert set(parsed.read) == set(TABLES)
    for table in TABLES:
        accepted = len(parsed.tables[table])
        assert parsed.read[table] == accepted + rejected_rows(parsed, table), table


# ------------------------------------------------------------------------------------------
# Conformance files: exact counts.
#
# How the numbers were checked, without this importer:
# - rows read: `grep -c` of each element in each file: <Child>, <CINdetails>, <Assessments>,
#   <CINPlanDates>, <Section47>, <ChildProtectionPlans>, <CPPreviewDate> (one per line in all
#   five files). fake_CIN_data.xml: 332 <Child>, 402 <CINdetails>, nothing else; the three
#   small files: 1 or 2 of each, as listed below.
# - fake_CIN_data.xml children rejected: an awk pass over the file (flag <Disability>NONE and
#   any other <Disability> per <Child>, count the <CINdetails> of flagged children) finds 3
#   children with NONE beside other codes (lines 3302, 4345, 4772) holding 4 referrals. All
#   other codes were listed with `grep -o ... | sort | uniq -c` and are in the code lists
#   (PrimaryNeedCode N0 appears 40 times: it is "Not stated" in the published schema).
# - Every date in the five files is a real ISO date (checked with date.fromisoformat).
# - Headers, read by eye: fake_CIN_data Year 2022 / ReferenceDate 2022-07-21; the 2024 and
#   2026 files Year 2023 / 2024-03-31; CIN_header_issues_100 Year 2023 / 2023-03-28; the
#   liia 2022 sample Year 2022 / 2022-03-31, the only header that is 31 March of its Year.
# - CIN_Census_2024.xml and _2026.xml: the first assessment's factors are 1C, RB, 6B; RB is
#   not a code. That assessment was rejected; since issue 14, part 4, RB is blanked (no measure
#   reads the factors), the assessment kept with factors "1C 6B", and RB reported as blanked. Both files, and CIN_header_issues_100.xml,
#   have the loose text "PersonBirthDate" after </UPNunknown> on line 23. The 2026 file adds
#   <PreProceedingsandFGDM> (line 71), which this importer does not read.

# (read, accepted, rejected rows) per table, in TABLES order:
# header, children, referrals, assessments, plans, section47, cp_plans, cp_reviews
EXPECTED_COUNTS = {
    "cin-2022_liia_sample.xml": [
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
    ],
    "fake_CIN_data.xml": [
        (1, 0, 1),
        (332, 329, 3),
        (402, 398, 4),
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, 0),
        (0, 0, 0),
    ],
    "CIN_Census_2024.xml": [
        (1, 0, 1),
        (2, 2, 0),
        (2, 2, 0),
        (2, 2, 0),  # was (2, 1, 1): the factor RB is blanked, the assessment kept
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
    ],
    "CIN_Census_2026.xml": [
        (1, 0, 1),
        (2, 2, 0),
        (2, 2, 0),
        (2, 2, 0),  # was (2, 1, 1): the factor RB is blanked, the assessment kept
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
    ],
    "CIN_header_issues_100.xml": [
        (1, 0, 1),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
        (1, 1, 0),
    ],
}

# Every rejection and note in the conformance files: (sheet, row, table, field, value).
EXPECTED_REJECTIONS = {
    "cin-2022_liia_sample.xml": [],
    "fake_CIN_data.xml": [
        ("Message/Header", 2, "cin_header", "ReferenceDate", "2022-07-21"),
        ("Message/Children/Child[153]", 3302, "cin_children", "Disability", "VIS LD NONE"),
        ("Message/Children/Child[153]/CINdetails[1]", 3317, "cin_referrals", "child_id", "RND000769651687"),
        ("Message/Children/Child[201]", 4345, "cin_children", "Disability", "VIS NONE MOB"),
        ("Message/Children/Child[201]/CINdetails[1]", 4360, "cin_referrals", "child_id", "RND000901836941"),
        ("Message/Children/Child[201]/CINdetails[2]", 4369, "cin_referrals", "child_id", "RND000901836941"),
        ("Message/Children/Child[220]", 4772, "cin_children", "Disability", "LD NONE"),
        ("Message/Children/Child[220]/CINdetails[1]", 4786, "cin_referrals", "child_id", "RND000535656254"),
    ],
    "CIN_Census_2024.xml": [
        ("Message/Header", 2, "cin_header", "ReferenceDate", "2024-03-31"),
        ("Message/Children/Child[1]/ChildIdentifiers", 23, FILE_NOTES, "(text)", "PersonBirthDate"),
    ],
    "CIN_Census_2026.xml": [
        ("Message/Header", 2, "cin_header", "ReferenceDate", "2024-03-31"),
        ("Message/Children/Child[1]/ChildIdentifiers", 23, FILE_NOTES, "(text)", "PersonBirthDate"),
        (
            "Message/Children/Child/CINdetails/PreProceedingsandFGDM",
            71,
            FILE_NOTES,
            "PreProceedingsandFGDM",
            "1 found",
        ),
    ],
    "CIN_header_issues_100.xml": [
        ("Message/Header", 2, "cin_header", "ReferenceDate", "2023-03-28"),
        ("Message/Children/Child[1]/ChildIdentifiers", 23, FILE_NOTES, "(text)", "PersonBirthDate"),
    ],
}


# Every value blanked (its row kept) in the conformance files: the factor RB, which rejected
# its assessment before issue 14, part 4.
EXPECTED_BLANKED = {
    "CIN_Census_2024.xml": [
        ("Message/Children/Child[1]/CINdetails[1]/Assessments[1]", 41, "cin_assessments", "AssessmentFactors", "RB")
    ],
    "CIN_Census_2026.xml": [
        ("Message/Children/Child[1]/CINdetails[1]/Assessments[1]", 41, "cin_assessments", "AssessmentFactors", "RB")
    ],
}


@needs_conformance
@pytest.mark.parametrize("name", sorted(EXPECTED_REJECTIONS))
def test_conformance_blanked_values(name):
    parsed = parse_cin_census(CIN_DIR / name)
    found = [(r.sheet, r.row, r.table, r.field, r.value) for r in parsed.blanked]
    assert found == EXPECTED_BLANKED.get(name, [])
    assert all(str(r).endswith("; row kept") for r in parsed.blanked)


@needs_conformance
def test_every_conformance_file_is_covered():
    # A file added to the folder must get its counts written here, not pass unnoticed.
    assert {p.name for p in CIN_DIR.iterdir()} == set(EXPECTED_COUNTS)


@needs_conformance
@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_conformance_counts(name):
    parsed = parse_cin_census(CIN_DIR / name)
    assert parsed.kind == "cin"
    found = [(parsed.read[t], len(parsed.tables[t]), rejected_rows(parsed, t)) for t in TABLES]
    assert found == EXPECTED_COUNTS[name]
    assert_nothing_lost(parsed)


@needs_conformance
@pytest.mark.parametrize("name", sorted(EXPECTED_REJECTIONS))
def test_conformance_rejections(name):
    parsed = parse_cin_census(CIN_DIR / name)
    found = [(r.sheet, r.row, r.table, r.field, r.value) for r in parsed.rejections]
    assert sorted(found) == sorted(EXPECTED_REJECTIONS[name])
    assert all(r.file == name and r.expected for r in parsed.rejections)


@needs_conformance
def test_conformance_years_come_from_the_header():
    assert parse_cin_census(CIN_DIR / "cin-2022_liia_sample.xml").year == 2022
    # The header states 2023 although the file is named 2026: the header wins, and says so.
    assert parse_cin_census(CIN_DIR / "CIN_Census_2026.xml", year=2026).year == 2023


@needs_conformance
def test_2026_file_reads_sex_and_reports_stray_text():
    parsed = parse_cin_census(CIN_DIR / "CIN_Census_2026.xml")
    children = parsed.tables["cin_children"]
    assert children["sex_element"].tolist() == ["Sex", "Sex"]
    assert children["sex_code"].tolist() == ["1", "M"]
    assert children["sex"].tolist() == ["M", "M"]
    assert parsed.children["sex"].tolist() == ["M", "M"]
    stray = [r for r in parsed.rejections if r.field == "(text)"]
    assert len(stray) == 1
    assert (stray[0].row, stray[0].value, stray[0].table) == (23, "PersonBirthDate", FILE_NOTES)
    assert "loose text" in stray[0].expected
    # The loose text rejects nothing: the child it sits in is accepted.
    assert "DfEX0000001" in children["child_id"].tolist()
    # RC9 (2023-24 onwards) and <Sex>M</Sex> are read; the empty factors list is no factors.
    second = parsed.tables["cin_referrals"].iloc[1]
    assert (second["child_id"], second["reason_for_closure"], second["referral_nfa"]) == (
        "child_fails_assessments",
        "RC9",
        "N",
    )
    # The first assessment was rejected for its factor RB; RB is now blanked and the others kept.
    assessments = parsed.tables["cin_assessments"]
    assert assessments["factors"].tolist() == ["1C 6B", ""]


@needs_conformance
def test_header_issues_file_reports_the_header_and_keeps_the_children():
    parsed = parse_cin_census(CIN_DIR / "CIN_header_issues_100.xml")
    header = [r for r in parsed.rejections if r.table == "cin_header"]
    assert len(header) == 1
    assert (header[0].sheet, header[0].row, header[0].field, header[0].value) == (
        "Message/Header",
        2,
        "ReferenceDate",
        "2023-03-28",
    )
    assert header[0].expected.startswith("2023-03-31")
    assert parsed.tables["cin_header"].empty
    assert parsed.year == 2023
    assert parsed.children.to_dict("records") == [
        {
            "child_id": "DfEX0000001",
            "birth_month": "1965-03",
            "sex": "M",
            "ethnicity": "WBRI",
            "disability": "Y",
        }
    ]
    assert len(parsed.tables["cin_cp_reviews"]) == 1


@needs_conformance
def test_liia_sample_rows_in_full():
    parsed = parse_cin_census(CIN_DIR / "cin-2022_liia_sample.xml")
    assert parsed.rejections == []
    assert parsed.tables["cin_header"].iloc[0].to_dict() == {
        "collection": "CIN",
        "year": "2022",
        "reference_date": "2022-03-31",
        "lea": "201",
        "source_level": "L",
        "software_code": "Local Authority",
        "release": "ver 3.1.21",
        "serial_no": "001",
        "date_time": "2022-05-23T11:14:05",
        "source_row": 2,
    }
    child = parsed.tables["cin_children"].iloc[0].to_dict()
    assert child == {
        "child_id": "DfEX0000001",
        "upn": "A123456789123",
        "former_upn": "X98765432123B",
        "upn_unknown": "UN3",
        "birth_month": "1966-03",
        "expected_birth_month": "1966-03",
        "sex": "M",
        "sex_code": "1",
        "sex_element": "GenderCurrent",
        "ethnicity": "WBRI",
        "disability": "Y",
        "disabilities": "HAND HEAR",
        "death_month": "1980-10",
        "source_row": 18,
    }
    referral = parsed.tables["cin_referrals"].iloc[0].to_dict()
    assert referral == {
        "child_id": "DfEX0000001",
        "referral_id": "DfEX0000001:1970-10-06",
        "referral_date": "1970-10-06",
        "referral_source": "1A",
        "primary_need": "N4",
        "closure_date": "1971-02-27",
        "reason_for_closure": "RC1",
        "date_of_initial_cpc": "1970-12-06",
        "referral_nfa": "N",
        "source_row": 36,
    }
    plan = parsed.tables["cin_cp_plans"].iloc[0].to_dict()
    assert plan["cp_plan_id"] == "DfEX0000001:1970-10-06/CPP:1970-02-17"
    assert (plan["initial_category"], plan["latest_category"], plan["number_of_previous_cpp"]) == (
        "PHY",
        "PHY",
        "10",
    )
    review = parsed.tables["cin_cp_reviews"].iloc[0].to_dict()
    assert review == {
        "child_id": "DfEX0000001",
        "referral_id": "DfEX0000001:1970-10-06",
        "cp_plan_id": "DfEX0000001:1970-10-06/CPP:1970-02-17",
        "review_date": "1971-02-15",
        "source_row": 70,
    }
    assert parsed.tables["cin_assessments"].iloc[0]["factors"] == "2A 2B"
    assert parsed.tables["cin_section47"].iloc[0]["icpc_not_required"] == "N"


@needs_conformance
def test_no_full_date_of_birth_is_kept():
    text = (CIN_DIR / "cin-2022_liia_sample.xml").read_text(encoding="utf-8")
    assert "1966-03-24" in text and "1966-03-22" in text  # birth and expected birth dates
    parsed = parse_cin_census(CIN_DIR / "cin-2022_liia_sample.xml")
    for frame in [*parsed.tables.values(), parsed.children]:
        values = frame.astype(str).to_numpy().ravel().tolist()
        assert "1966-03-24" not in values and "1966-03-22" not in values and "1980-10-08" not in values


@needs_conformance
def test_conformance_tables_are_text_with_child_id_and_source_row():
    parsed = parse_cin_census(CIN_DIR / "fake_CIN_data.xml")
    for table, columns in TABLE_COLUMNS.items():
        frame = parsed.tables[table]
        assert list(frame.columns) == [*columns, "source_row"]
        assert str(frame["source_row"].dtype) == "int64"
        assert all(str(frame[c].dtype) == "str" for c in columns)
        if table != "cin_header":
            assert "child_id" in columns
    assert list(parsed.children.columns) == list(CHILDREN_COLUMNS)
    assert set(parsed.children["sex"]) == {"M", "F", "U"}
    assert set(parsed.children["disability"]) <= {"Y", "N", ""}
    referrals = parsed.tables["cin_referrals"]
    assert referrals["referral_id"].is_unique
    assert set(referrals["child_id"]) <= set(parsed.children["child_id"])


# ------------------------------------------------------------------------------------------
# Built files: every line is known, so every row number can be checked.

HEADER = """  <Header>
    <CollectionDetails>
      <Collection>CIN</Collection>
      <Year>2024</Year>
      <ReferenceDate>2024-03-31</ReferenceDate>
    </CollectionDetails>
    <Source>
      <LEA>201</LEA>
    </Source>
  </Header>
"""

REFERRAL = """      <CINdetails>
        <CINreferralDate>{date}</CINreferralDate>
        <ReferralSource>{source}</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode>
        <ReferralNFA>false</ReferralNFA>
        <Assessments>
          <AssessmentActualStartDate>2023-05-02</AssessmentActualStartDate>
          <FactorsIdentifiedAtAssessment>
            <AssessmentFactors>21</AssessmentFactors>
          </FactorsIdentifiedAtAssessment>
        </Assessments>
        <ChildProtectionPlans>
          <CPPstartDate>2023-06-01</CPPstartDate>
          <InitialCategoryOfAbuse>{category}</InitialCategoryOfAbuse>
          <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP>
          <Reviews>
            <CPPreviewDate>2023-07-01</CPPreviewDate>
          </Reviews>
        </ChildProtectionPlans>
      </CINdetails>
"""


def child(
    child_id="C1",
    sex="<GenderCurrent>2</GenderCurrent>",
    ethnicity="WBRI",
    disabilities="",
    referrals=None,
):
    """One <Child>, with one good referral unless ``referrals`` says otherwise."""
    ident = f"<LAchildID>{child_id}</LAchildID>" if child_id is not None else ""
    if referrals is None:
        referrals = [referral()]
    return (
        "    <Child>\n"
        f"      <ChildIdentifiers>\n        {ident}\n        <PersonBirthDate>2015-06-30</PersonBirthDate>\n"
        f"        {sex}\n      </ChildIdentifiers>\n"
        f"      <ChildCharacteristics>\n        <Ethnicity>{ethnicity}</Ethnicity>\n{disabilities}"
        "      </ChildCharacteristics>\n" + "".join(referrals) + "    </Child>\n"
    )


def referral(date="2023-04-10", source="1A", category="EMO", previous="0"):
    return REFERRAL.format(date=date, source=source, category=category, previous=previous)


def cin_file(tmp_path, children, header=HEADER, name="cin.xml"):
    text = "<?xml version='1.0' encoding='utf-8'?>\n<Message>\n" + header
    text += "  <Children>\n" + "".join(children) + "  </Children>\n</Message>\n"
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, text


def line_of(text, needle, occurrence=1):
    """The 1-based line of the ``occurrence``-th ``needle`` in ``text``, found without the parser."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return lines[occurrence - 1]


def test_a_good_built_file_is_accepted_whole(tmp_path):
    path, text = cin_file(tmp_path, [child(), child("C2", sex="<Sex>U</Sex>", referrals=[])])
    parsed = parse_cin_census(path)
    assert parsed.rejections == []
    assert parsed.year == 2024
    assert [len(parsed.tables[t]) for t in TABLES] == [1, 2, 1, 1, 0, 0, 1, 1]
    assert parsed.tables["cin_children"]["source_row"].tolist() == [
        line_of(text, "<Child>", 1),
        line_of(text, "<Child>", 2),
    ]
    assert parsed.children["sex"].tolist() == ["F", "U"]
    assert parsed.tables["cin_cp_plans"].iloc[0]["number_of_previous_cpp"] == "0"
    assert_nothing_lost(parsed)


def test_a_bad_date_rejects_the_row_with_file_row_field_value_expected(tmp_path):
    path, text = cin_file(tmp_path, [child(referrals=[referral(date="2023-02-30")])], name="bad_date.xml")
    parsed = parse_cin_census(path)
    own = [r for r in parsed.rejections if r.field == "CINreferralDate"]
    assert len(own) == 1
    r = own[0]
    assert r.file == "bad_date.xml"
    assert r.sheet == "Message/Children/Child[1]/CINdetails[1]"
    assert r.row == line_of(text, "<CINdetails>")
    assert r.table == "cin_referrals"
    assert r.value == "2023-02-30"
    assert r.expected == "a date written YYYY-MM-DD (xs:date)"
    assert "row" in str(r) and "2023-02-30" in str(r)
    # The referral's assessment and plan cannot stand without it: rejected too, saying why.
    cascaded = {x.table for x in parsed.rejections if x.field in {"referral_id", "cp_plan_id"}}
    assert cascaded == {"cin_assessments", "cin_cp_plans", "cin_cp_reviews"}
    assert len(parsed.tables["cin_children"]) == 1
    assert all(len(parsed.tables[t]) == 0 for t in TABLES[2:])
    assert_nothing_lost(parsed)


@pytest.mark.parametrize("value", ["31/03/2023", "2023-3-31", "2023-03-31T00:00:00", "yesterday"])
def test_dates_must_be_iso(tmp_path, value):
    path, _ = cin_file(tmp_path, [child(referrals=[referral(date=value)])])
    parsed = parse_cin_census(path)
    assert [(r.field, r.value) for r in parsed.rejections if r.table == "cin_referrals"] == [
        ("CINreferralDate", value)
    ]


def test_an_unknown_code_is_blanked_with_the_list(tmp_path):
    # Neither the referral source nor the category of abuse is read by a measure: each unknown
    # code is blanked and reported with its list, and the rows kept (they were rejected before
    # issue 14, part 4).
    path, text = cin_file(tmp_path, [child(referrals=[referral(source="1Z", category="BAD")])])
    parsed = parse_cin_census(path)
    assert not [r for r in parsed.rejections if r.table in ("cin_referrals", "cin_cp_plans")]
    assert parsed.tables["cin_referrals"]["referral_source"].tolist() == [""]
    source = next(r for r in parsed.blanked if r.field == "ReferralSource")
    assert (source.table, source.row, source.value) == ("cin_referrals", line_of(text, "<CINdetails>"), "1Z")
    assert "1A" in source.expected and "10" in source.expected and "cin_census.yaml" in source.expected
    category = next(r for r in parsed.blanked if r.field == "InitialCategoryOfAbuse")
    assert (category.table, category.value) == ("cin_cp_plans", "BAD")
    assert "NEG, PHY, SAB, EMO, MUL" in category.expected
    assert_nothing_lost(parsed)


@pytest.mark.parametrize(
    ("sex", "expected"),
    [
        ("<GenderCurrent>1</GenderCurrent>", ("M", "1", "GenderCurrent")),
        ("<GenderCurrent>2</GenderCurrent>", ("F", "2", "GenderCurrent")),
        ("<GenderCurrent>0</GenderCurrent>", ("U", "0", "GenderCurrent")),
        ("<GenderCurrent>9</GenderCurrent>", ("U", "9", "GenderCurrent")),
        ("<Sex>F</Sex>", ("F", "F", "Sex")),
        ("<Sex>2</Sex>", ("F", "2", "Sex")),
        ("<Sex>M</Sex><GenderCurrent>1</GenderCurrent>", ("M", "M", "Sex")),
        ("", ("U", "", "")),
    ],
)
def test_sex_is_read_from_either_element(tmp_path, sex, expected):
    path, _ = cin_file(tmp_path, [child(sex=sex)])
    parsed = parse_cin_census(path)
    assert parsed.rejections == []
    row = parsed.tables["cin_children"].iloc[0]
    assert (row["sex"], row["sex_code"], row["sex_element"]) == expected


@pytest.mark.parametrize(
    ("sex", "field"),
    [
        ("<GenderCurrent>M</GenderCurrent>", "GenderCurrent"),  # letters only in <Sex>
        ("<Sex>Male</Sex>", "Sex"),
        ("<Sex>F</Sex><GenderCurrent>1</GenderCurrent>", "Sex"),  # they disagree
    ],
)
def test_bad_sex_rejects_the_child(tmp_path, sex, field):
    path, _ = cin_file(tmp_path, [child(sex=sex)])
    parsed = parse_cin_census(path)
    assert [(r.table, r.field) for r in parsed.rejections if r.table == "cin_children"] == [
        ("cin_children", field)
    ]
    assert parsed.children.empty
    assert_nothing_lost(parsed)


@pytest.mark.parametrize(
    ("disabilities", "disability", "codes"),
    [
        ("", "", ""),
        (
            "        <Disabilities>\n          <Disability>NONE</Disability>\n        </Disabilities>\n",
            "N",
            "NONE",
        ),
        (
            "        <Disabilities><Disability>AUT</Disability><Disability>LD</Disability></Disabilities>\n",
            "Y",
            "AUT LD",
        ),
    ],
)
def test_disability(tmp_path, disabilities, disability, codes):
    path, _ = cin_file(tmp_path, [child(disabilities=disabilities)])
    parsed = parse_cin_census(path)
    assert parsed.rejections == []
    row = parsed.tables["cin_children"].iloc[0]
    assert (row["disability"], row["disabilities"]) == (disability, codes)


def test_unknown_ethnicity_and_disability_are_rejected(tmp_path):
    dis = "        <Disabilities><Disability>WHEEL</Disability></Disabilities>\n"
    path, _ = cin_file(tmp_path, [child(ethnicity="wbri", disabilities=dis)])
    parsed = parse_cin_census(path)
    found = {(r.field, r.value) for r in parsed.rejections if r.table == "cin_children"}
    assert found == {("Ethnicity", "wbri"), ("Disability", "WHEEL")}
    assert any("ethnicity.csv" in r.expected for r in parsed.rejections)
    assert_nothing_lost(parsed)


def test_a_child_without_lachildid_is_rejected_with_everything_under_it(tmp_path):
    path, text = cin_file(tmp_path, [child(child_id=None), child("C2")])
    parsed = parse_cin_census(path)
    first = [r for r in parsed.rejections if r.table == "cin_children"]
    assert [(r.field, r.value, r.row) for r in first] == [("LAchildID", "", line_of(text, "<Child>"))]
    assert parsed.children["child_id"].tolist() == ["C2"]
    # The built referral has an assessment and a CP plan with one review, no CIN plan or s47.
    for table in ("cin_referrals", "cin_assessments", "cin_cp_plans", "cin_cp_reviews"):
        assert parsed.tables[table]["child_id"].tolist() == ["C2"]
        assert rejected_rows(parsed, table) == 1
    assert_nothing_lost(parsed)


def test_a_second_child_with_the_same_id_is_rejected(tmp_path):
    path, text = cin_file(tmp_path, [child("C1"), child("C1")])
    parsed = parse_cin_census(path)
    dup = [r for r in parsed.rejections if r.table == "cin_children"]
    assert [(r.row, r.value) for r in dup] == [(line_of(text, "<Child>", 2), "C1")]
    assert str(line_of(text, "<Child>", 1)) in dup[0].expected
    assert len(parsed.tables["cin_referrals"]) == 1
    assert_nothing_lost(parsed)


def test_referral_ids_are_stable_and_unique(tmp_path):
    path, _ = cin_file(tmp_path, [child(referrals=[referral(), referral(), referral(date="2022-01-05")])])
    parsed = parse_cin_census(path)
    assert parsed.tables["cin_referrals"]["referral_id"].tolist() == [
        "C1:2023-04-10",
        "C1:2023-04-10:2",
        "C1:2022-01-05",
    ]


def test_number_of_previous_plans_must_be_a_whole_number(tmp_path):
    path, _ = cin_file(tmp_path, [child(referrals=[referral(previous="two")])])
    parsed = parse_cin_census(path)
    plan = [r for r in parsed.rejections if r.table == "cin_cp_plans"]
    assert [(r.field, r.value) for r in plan] == [("NumberOfPreviousCPP", "two")]


def test_year_argument_versus_header(tmp_path):
    path, _ = cin_file(tmp_path, [child()])
    parsed = parse_cin_census(path, year=2025)
    assert parsed.year == 2024
    assert [(r.table, r.field, r.value) for r in parsed.rejections] == [("cin_header", "Year", "2024")]
    assert "2025" in parsed.rejections[0].expected
    assert len(parsed.children) == 1


def test_a_missing_header_is_reported_and_the_children_kept(tmp_path):
    path, _ = cin_file(tmp_path, [child()], header="")
    parsed = parse_cin_census(path, year=2024)
    assert parsed.year == 2024  # nothing in the file says otherwise
    assert [(r.table, r.field, r.row) for r in parsed.rejections] == [("cin_header", "Header", 2)]
    assert len(parsed.children) == 1
    assert_nothing_lost(parsed)


def test_stray_text_and_unknown_elements_are_notes_that_reject_nothing(tmp_path):
    header = HEADER.replace("<Source>", "<Source>junk").replace("</Header>", "<Extra>1</Extra></Header>")
    path, text = cin_file(tmp_path, [child(), child("C2")], header=header)
    parsed = parse_cin_census(path)
    assert sorted((r.table, r.field, r.value, r.row) for r in parsed.rejections) == [
        (FILE_NOTES, "(text)", "junk", line_of(text, "junk")),
        (FILE_NOTES, "Extra", "1 found", line_of(text, "<Extra>")),
    ]
    assert len(parsed.tables["cin_header"]) == 1
    assert len(parsed.children) == 2


def test_a_second_children_element_is_read_and_noted(tmp_path):
    path, text = cin_file(tmp_path, [child("C1"), "  </Children>\n  stray\n  <Children>\n", child("C2")])
    parsed = parse_cin_census(path)
    assert parsed.children["child_id"].tolist() == ["C1", "C2"]
    assert sorted((r.table, r.field, r.row) for r in parsed.rejections) == [
        (FILE_NOTES, "(text)", line_of(text, "stray")),
        (FILE_NOTES, "Children", line_of(text, "<Children>", 2)),
    ]


def test_a_file_on_one_line_keeps_rows_apart(tmp_path):
    path, text = cin_file(tmp_path, [child("C1", ethnicity="XX"), child("C2", ethnicity="YY")])
    path.write_text("".join(line.strip() for line in text.splitlines()), encoding="utf-8")
    parsed = parse_cin_census(path)
    assert {r.row for r in parsed.rejections} == {1}
    assert rejected_rows(parsed, "cin_children") == 2
    assert rejected_rows(parsed, "cin_cp_reviews") == 2
    assert_nothing_lost(parsed)


def test_utf16_with_a_byte_order_mark_is_xml_not_binary(tmp_path):
    path, text = cin_file(tmp_path, [child()])
    path.write_bytes(text.replace("utf-8", "utf-16").encode("utf-16"))
    assert len(parse_cin_census(path).children) == 1


# ------------------------------------------------------------------------------------------
# Files that are not CIN census XML at all are refused, naming the file and what was expected.

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Message [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Message><Children><Child><ChildIdentifiers><LAchildID>&lol3;</LAchildID></ChildIdentifiers></Child></Children></Message>
"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b"LAchildID,UPN\nC1,A123\n", "not well-formed XML"),
        (b"\x00\x01\x02\x03binary", "binary"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "ZIP or Excel"),
        (b"<EXPSSDA903><CHILD/></EXPSSDA903>", "root element is <EXPSSDA903>"),
        (b"<Message><Header/></Message>", "no <Children>"),
        (
            b"<Message><Header><CollectionDetails><Collection>School Census</Collection>"
            b"</CollectionDetails></Header><Children/></Message>",
            "another return",
        ),
        (b"<Message><Children></Message>", "not well-formed XML"),
        (BILLION_LAUGHS.encode(), "DOCTYPE"),
        (b'<!DOCTYPE Message SYSTEM "file:///etc/passwd"><Message><Children/></Message>', "DOCTYPE"),
    ],
)
def test_not_cin_is_refused(tmp_path, content, message):
    path = tmp_path / "upload.xml"
    path.write_bytes(content)
    with pytest.raises(CinCensusError, match=r"upload\.xml") as refused:
        parse_cin_census(path)
    assert message in str(refused.value)
    assert isinstance(refused.value, ValueError)


def test_entity_declarations_are_refused_with_a_clear_reason(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    with pytest.raises(CinCensusError) as refused:
        parse_cin_census(path)
    text = str(refused.value)
    assert "bomb.xml" in text and "refused" in text and "entity" in text.lower()
    assert "expected a CIN census XML file" in text


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CinCensusError, match=r"absent\.xml: cannot be read"):
        parse_cin_census(tmp_path / "absent.xml")
