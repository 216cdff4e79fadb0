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
    assert "sw_episodes.csv         sw_episodes     1         0         1" in result.output
    assert "25,911 rows accepted, 34 rejected from 12 file(s)." in result.output
    assert "sw_episodes.csv,,2,sw_episodes,SW_REASON,SWLAZY," in problems.read_text()


def test_check_cin_reads_every_file_and_refuses_what_is_not_cin(tmp_path):
    result = run("check", "cin", *sorted((CONFORMANCE / "cin_census").glob("*.xml")))
    assert result.exit_code == 0, result.output
    assert "760 rows accepted, 17 rejected from 5 file(s)." in result.output
    not_cin = tmp_path / "notes.xml"
    not_cin.write_text("<notes><note>hello</note></notes>")
    refused = run("check", "cin", not_cin)
    assert refused.exit_code == 1
    assert "refused, not cin files: notes.xml" in refused.output
    assert "notes.xml: value 'the root element is <notes>'" in refused.output


def test_check_annex_a_counts_every_list_and_refuses_a_non_workbook(tmp_path):
    # 21 list rows rejected (lists 4, 6, 10 and 11 wholly, one row of list 8) and one workbook note.
    result = run("check", "annex-a", CONFORMANCE / "annex_a" / "Annex_A_liia_sample.xlsx")
    assert result.exit_code == 0, result.output
    assert "38 rows accepted, 22 rejected from 1 file(s)." in result.output
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
