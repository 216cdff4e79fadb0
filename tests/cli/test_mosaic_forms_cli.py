"""``workbench demo-data --shape mosaic-forms``, then ``check extract`` and ``load`` through the mapping."""

from pathlib import Path

from click.testing import CliRunner

from workbench.cli.app import main

MAPPING_FILE = Path(__file__).resolve().parents[2] / "data" / "mappings" / "mosaic-forms.yaml"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_demo_data_writes_a_form_answer_export_the_same_way_every_time(tmp_path):
    first = run("demo-data", "--size", "tiny", "--shape", "mosaic-forms", "--out", tmp_path / "a")
    assert first.exit_code == 0, first.output
    assert "form_answers" in first.output and "as Mosaic form answers" in first.output
    run("demo-data", "--size", "tiny", "--shape", "mosaic-forms", "--out", tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "form_answers.csv" in names and "outcomes.csv" not in names and "children.csv" in names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    other = run(
        "demo-data", "--size", "tiny", "--seed", "7", "--shape", "mosaic-forms", "--out", tmp_path / "c"
    )
    assert other.exit_code == 0
    assert (tmp_path / "c" / "form_answers.csv").read_bytes() != (
        tmp_path / "a" / "form_answers.csv"
    ).read_bytes()


def test_check_and_load_take_the_export_through_the_mapping(tmp_path):
    run(
        "demo-data",
        "--size",
        "tiny",
        "--shape",
        "mosaic-forms",
        "--state",
        "no-audits",
        "--out",
        tmp_path / "x",
    )
    checked = run("check", "extract", tmp_path / "x", "--mapping", MAPPING_FILE)
    assert checked.exit_code == 0, checked.output
    assert "is a valid extract" in checked.output
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    loaded = run("load", tmp_path / "x", "--mapping", MAPPING_FILE, "--store", url)
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded" in loaded.output


def test_a_broken_export_is_refused_with_a_problems_csv(tmp_path):
    run("demo-data", "--size", "tiny", "--shape", "mosaic-forms", "--out", tmp_path / "x")
    answers = tmp_path / "x" / "form_answers.csv"
    answers.write_text(answers.read_text(encoding="utf-8").replace(",OUT_STATUS,Open", ",OUT_STATUS,Ongoing", 1),
                       encoding="utf-8")  # fmt: skip
    problems = tmp_path / "problems.csv"
    result = run("load", tmp_path / "x", "--mapping", MAPPING_FILE, "--store",
                 f"sqlite:///{tmp_path / 'store.sqlite'}", "--problems-csv", problems)  # fmt: skip
    assert result.exit_code == 1
    assert (
        "field 'OUT_STATUS': value 'Ongoing'; expected one of the answers the mapping translates"
        in result.output
    )
    assert "form_answers.csv" in problems.read_text(encoding="utf-8")
