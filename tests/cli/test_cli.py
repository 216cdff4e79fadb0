"""The command line, run in-process with click's runner against real stores in temporary folders."""

import json

from click.testing import CliRunner

from tests.fixtures.handworked import ROWS
from workbench.cli.app import main
from workbench.cli.serving import VOILA_SETTINGS, voila_command
from workbench.store.migrations import SCHEMA_VERSION


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_load_then_info_json_shows_every_table_and_the_version(tmp_path, handworked_dir):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    loaded = run("load", handworked_dir, "--store", url)
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded" in loaded.output
    info = json.loads(run("info", "--json", "--store", url).output)
    assert info["schema_version"] == SCHEMA_VERSION
    assert info["tables"] == {name: len(rows) for name, rows in ROWS.items()}
    assert info["last_load"]["source"] == str(handworked_dir.resolve())


def test_loading_twice_says_nothing_changed(tmp_path, handworked_dir):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    run("load", handworked_dir, "--store", url)
    again = run("load", handworked_dir, "--store", url)
    assert again.exit_code == 0
    assert "already loaded; nothing changed" in again.output


def test_a_broken_extract_fails_with_file_row_field_and_a_problems_csv(tmp_path, handworked_dir):
    reviews = handworked_dir / "outcome_reviews.csv"
    reviews.write_text(reviews.read_text().replace("R2,O1,2026-01-10", "R2,O1,10/01/2026"))
    problems = tmp_path / "problems.csv"
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = run("load", handworked_dir, "--store", url, "--problems-csv", problems)
    assert result.exit_code == 1
    assert "outcome_reviews.csv, row 3, field 'review_date': value '10/01/2026'" in result.output
    assert "nothing was loaded" in result.output
    assert "outcome_reviews.csv,3,review_date,10/01/2026" in problems.read_text()
    info = json.loads(run("info", "--json", "--store", url).output)
    assert sum(info["tables"].values()) == 0


def test_a_bad_store_url_is_a_clear_error(handworked_dir):
    result = run("load", handworked_dir, "--store", "nosuchdb://x")
    assert result.exit_code == 1
    assert "cannot use store URL 'nosuchdb://x'" in result.output


def test_serve_refuses_an_empty_store(tmp_path):
    result = run("serve", "--store", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert result.exit_code == 1
    assert "holds no outcomes" in result.output


def test_voila_command_keeps_the_security_settings():
    command = voila_command(port=9999)
    assert "--Voila.ip=127.0.0.1" in command
    kept = {arg for arg in VOILA_SETTINGS if not arg.startswith("--Voila.tornado_settings=")}
    assert kept <= set(command)
    # Served dashboards upload nothing: a small websocket limit, and the Host check on.
    (tornado,) = [arg for arg in command if arg.startswith("--Voila.tornado_settings=")]
    assert '"websocket_max_message_size": 4194304' in tornado
    assert '"allow_remote_access": False' in tornado
    assert "--show_tracebacks=False" in command
    assert not any("allow_origin" in arg for arg in command)


def test_check_validates_without_loading(handworked_dir):
    result = run("check", "extract", handworked_dir)
    assert result.exit_code == 0
    assert "is a valid extract" in result.output
    reviews = handworked_dir / "outcome_reviews.csv"
    reviews.write_text(reviews.read_text().replace("R2,O1,2026-01-10,,6", "R2,O1,2026-01-10,,sixish"))
    refused = run("check", "extract", handworked_dir)
    assert refused.exit_code == 1
    assert "outcome_reviews.csv, row 3, field 'score': value 'sixish'; expected a number" in refused.output


def test_load_with_a_mapping_and_a_bad_mapping(tmp_path, handworked_dir):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables:\n  kids: {}\n")
    result = run("load", handworked_dir, "--store", f"sqlite:///{tmp_path / 'x.sqlite'}", "--mapping", bad)
    assert result.exit_code == 1
    assert "no extract table 'kids'" in result.output
    identity = tmp_path / "identity.yaml"
    identity.write_text("tables:\n  children: {source: children}\n")
    loaded = run("load", handworked_dir, "--store", f"sqlite:///{tmp_path / 'x.sqlite'}", "--mapping", identity)
    assert loaded.exit_code == 0, loaded.output
