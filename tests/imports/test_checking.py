"""``workbench check`` on the statutory returns in ../shared/conformance (never copied here)."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli.app import main

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
pytestmark = pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="../shared/conformance is not here")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_check_ssda903_counts_and_names_the_planted_oddity(tmp_path):
    problems = tmp_path / "rejections.csv"
    result = run("check", "ssda903", *sorted((CONFORMANCE / "ssda903" / "d2i_fake").glob("*.csv")),
                 "--problems-csv", problems)
    assert result.exit_code == 0, result.output
    # Issue 14, part 4: SWLAZY, MOTHER "1.0" and the 29 REASON_PLACED_CEASED "XXX" are in fields
    # no measure reads, so they are blanked and their 31 rows kept (was 25,911 accepted, 34
    # rejected); the three oc3 rows with a bad ACCOM (measured) are still rejected.
    assert "sw_episodes.csv         sw_episodes     1         1         0" in result.output
    assert (
        "25,942 rows accepted, 3 rejected from 12 file(s); 31 value(s) blanked in rows that were kept."
        in result.output
    )
    assert "sw_episodes.csv, row 2, field 'SW_REASON': blanked: value 'SWLAZY' is not in the code list" in (
        result.output
    )
    assert "sw_episodes.csv,,2,sw_episodes,SW_REASON,SWLAZY," in problems.read_text()
    assert ",blanked\n" in problems.read_text()


def test_check_cin_reads_every_file_and_refuses_what_is_not_cin(tmp_path):
    result = run("check", "cin", *sorted((CONFORMANCE / "cin_census").glob("*.xml")))
    assert result.exit_code == 0, result.output
    # Was 760 accepted, 17 rejected: the two assessments with the factor RB are kept (RB blanked),
    # and the four file notes (loose text, an element not read) no longer count as rejected rows.
    assert "762 rows accepted, 11 rejected from 5 file(s); 2 value(s) blanked" in result.output
    not_cin = tmp_path / "notes.xml"
    not_cin.write_text("<notes><note>hello</note></notes>")
    refused = run("check", "cin", not_cin)
    assert refused.exit_code == 1
    assert "refused, not cin files: notes.xml" in refused.output
    assert "notes.xml: value 'the root element is <notes>'" in refused.output


def test_check_annex_a_counts_every_list_and_refuses_a_non_workbook(tmp_path):
    # Was 38 accepted, 22 rejected: 21 list rows (lists 4, 6, 10 and 11 wholly, one row of list 8)
    # and one workbook note. Every bad value is in a field no measure reads, so all 89 are
    # blanked and every row kept (issue 14, part 4); notes reject no row.
    result = run("check", "annex-a", CONFORMANCE / "annex_a" / "Annex_A_liia_sample.xlsx")
    assert result.exit_code == 0, result.output
    assert "59 rows accepted, 0 rejected from 1 file(s); 89 value(s) blanked" in result.output
    assert result.output.startswith("Annex_A_liia_sample.xlsx: 59 row(s) kept, 0 rejected; 89 value(s)")
    fake = tmp_path / "annex.xlsx"
    fake.write_text("Child Unique ID,Gender\n1,F\n")
    refused = run("check", "annex-a", fake)
    assert refused.exit_code == 1
    assert "refused, not annex-a files: annex.xlsx" in refused.output


def test_import_cin_stores_the_file_once_and_refuses_what_is_not_cin(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    census = CONFORMANCE / "cin_census" / "fake_CIN_data.xml"
    first = run("import", "cin", census, "--store", url)
    assert first.exit_code == 0, first.output
    assert "fake_CIN_data.xml: imported: 727 rows stored, 8 rejected, 329 children new to the store" in first.output
    again = run("import", "cin", census, "--store", url)
    assert "fake_CIN_data.xml: unchanged: imported before; nothing changed" in again.output
    not_cin = tmp_path / "notes.xml"
    not_cin.write_text("<notes/>")
    refused = run("import", "cin", not_cin, "--store", url)
    assert refused.exit_code == 1
    assert "refused, not cin files (nothing from them was stored): notes.xml" in refused.output


def test_import_annex_a_says_how_many_values_were_blanked(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    problems = tmp_path / "problems.csv"
    result = run("import", "annex-a", CONFORMANCE / "annex_a" / "Annex_A_liia_sample.xlsx", "--store", url,
                 "--problems-csv", problems)  # fmt: skip
    assert result.exit_code == 0, result.output
    # Every list row kept (59; was 38), the 89 unusable values blanked, each listed in the CSV.
    assert "Annex_A_liia_sample.xlsx: imported: 59 rows stored, 0 rejected, 89 value(s) blanked in rows kept" in (
        result.output
    )
    assert problems.read_text().count(",blanked\n") == 89


def test_one_cause_is_one_line_and_the_summary_comes_first(tmp_path):
    episodes = (CONFORMANCE / "ssda903" / "SSDA903_2020_episodes_liia_sample.csv").read_text().splitlines()
    header = episodes[0].split(",")
    rows = [line.split(",") for line in episodes[1:]]
    rows[0][header.index("RNE")] = "Q"  # measured: rejects the row
    for row in rows[1:4]:
        row[header.index("PLACE")] = "ZZ9"  # read by no measure: blanked, rows kept
    bad = tmp_path / "episodes.csv"
    bad.write_text("\n".join([episodes[0], *(",".join(row) for row in rows)]) + "\n")
    lines = run("check", "ssda903", bad).output.splitlines()
    assert lines[:4] == [
        "episodes.csv: 4 row(s) kept, 1 rejected; 3 value(s) blanked in kept rows",
        "  Fix first:",
        "    1. episodes.csv, row 2, field 'RNE': rejected: value 'Q'; expected one of the reason new episode "
        "codes: S, L, P, T, U, B",
        "    2. episodes.csv, rows 3–5 (3 rows), field 'PLACE': blanked: the value 'ZZ9' is not in the code list "
        "for PLACE (expected one of the placement type codes: A3, A4, A5, A6, H5, K1, K2, K3, P1, P2, P3, R1, "
        "R2, R3, R5, S1, T0, T1, T2, T3, T4, U1, U2, U3, U4, U5, U6, Z1); rows kept",
    ]
    assert lines[4] == "Rows per table:"  # two causes, both named above: not listed twice
