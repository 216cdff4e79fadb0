"""Commands count from the data's date unless asked for another."""

import json

from click.testing import CliRunner

from workbench.cli.app import main
from workbench.store.engine import Store


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_measures_default_to_the_loaded_extracts_as_at(tmp_path, handworked_dir):
    (handworked_dir / "as_at.txt").unlink()  # no own date: the day of the latest record
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    loaded = run("load", handworked_dir, "--store", url)
    assert "(latest record)" in loaded.output
    latest = Store(url).latest_record_date()
    first = json.loads(run("measures", "--json", "--store", url).stdout)
    assert {record["at"] for record in first} == {latest}

    later = run("load", handworked_dir, "--store", url, "--as-at", "2026-09-30")
    assert later.exit_code == 0, later.output
    assert "The data's date: 2026-09-30 (extract's own date)" in later.output
    info = json.loads(run("info", "--json", "--store", url).output)
    assert (info["as_at"], info["as_at_basis"]) == ("2026-09-30", "extract's own date")
    moved = json.loads(run("measures", "--json", "--store", url).stdout)
    assert {record["at"] for record in moved} == {"2026-09-30"}
    # The default is that date, no other: the same figures as asking for it.
    asked = json.loads(run("measures", "--json", "--store", url, "--at", "2026-09-30").stdout)
    assert moved == asked
    # Looking back still works, and gives that day's figures.
    back = json.loads(run("measures", "--json", "--store", url, "--at", latest).stdout)
    assert back == first


def test_an_own_date_that_is_not_a_date_refuses_the_load(tmp_path, handworked_dir):
    (handworked_dir / "as_at.txt").write_text("end of March\n")
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = run("load", handworked_dir, "--store", url)
    assert result.exit_code == 1
    assert "as_at.txt" in result.output and "nothing was loaded" in result.output
    assert Store(url).data_date() is None


def test_demo_data_writes_its_own_date_the_demos_last_day_unless_told(tmp_path):
    run("demo-data", "--size", "tiny", "--out", tmp_path / "a")
    assert (tmp_path / "a" / "as_at.txt").read_text().strip() == "2026-03-31"
    run("demo-data", "--size", "tiny", "--out", tmp_path / "b", "--as-at", "2026-04-30")
    assert (tmp_path / "b" / "as_at.txt").read_text().strip() == "2026-04-30"
