"""`workbench statements PATH --column NAME [--json]`: one reading per row, in input order."""

import json

from click.testing import CliRunner

from workbench.cli.app import main
from workbench.text.statements import analyse


def run(*args):
    return CliRunner().invoke(main, ["statements", *[str(a) for a in args]])


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_json_gives_one_object_per_row_in_input_order(tmp_path):
    csv = write(
        tmp_path / "plans.csv",
        "id,what\n"
        "1,Mum to attend the parenting course\n"
        '2,"Jayden will get to school on time at least 9 days in 10"\n'
        "3,\n"
        '4,"I want to feel safe, and <b>happy</b>"\n'
        "5,Mum to attend the parenting course\n",
    )
    result = run(csv, "--column", "what", "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert len(records) == 5
    assert [r["kind"] for r in records] == ["process", "outcome", "outcome", "outcome", "process"]
    assert [r["clarity"] for r in records] == [None, "clear", "vague", "vague", None]
    assert records[3]["voice"] == "family"
    assert list(records[0]) == ["kind", "clarity", "voice", "jargon", "flags", "explanation"]
    assert records[0]["flags"][0]["prompt"].startswith("This describes a service.")
    assert records[2]["flags"][0]["code"] == "empty"
    assert records[1] == analyse("Jayden will get to school on time at least 9 days in 10").to_json()


def test_a_cp1252_file_is_read_with_the_projects_encoding_detection(tmp_path):
    csv = write(
        tmp_path / "win.csv",
        "statement\nZoë will say she feels safe at home at every visit – her words\n",
        "cp1252",
    )
    records = json.loads(run(csv, "--json").output)
    assert records[0]["clarity"] == "clear"
    assert "Zoë" not in json.dumps(records)  # the reading never echoes the statement back


def test_the_table_shows_each_row_with_its_file_row_number(tmp_path):
    csv = write(
        tmp_path / "plans.csv",
        "statement\nParents to engage with services\nI want my own flat by September\n",
    )
    result = run(csv)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["row", "kind", "clarity", "voice"]
    assert lines[1].split()[:4] == ["2", "process", "-", "professional"]
    assert "compliance" in lines[1] and "Parents to engage with services" in lines[1]
    assert lines[2].split()[:4] == ["3", "outcome", "clear", "family"]


def test_bad_file_and_missing_column_name_the_file_and_the_column(tmp_path):
    csv = write(tmp_path / "plans.csv", "id,text\n1,hello\n")
    result = run(csv, "--column", "statement")
    assert result.exit_code != 0
    assert f"{csv}: no column 'statement'; the columns are: id, text" in result.output
    missing = run(tmp_path / "nowhere.csv", "--column", "text")
    assert (
        missing.exit_code != 0
        and "nowhere.csv: no such file" in missing.output
        and "'text'" in missing.output
    )
    ragged = write(tmp_path / "ragged.csv", "id,statement\n1,a,b\n2,ok\n")
    result = run(ragged)
    assert result.exit_code != 0 and "ragged.csv" in result.output and "row 2" in result.output
    binary = tmp_path / "picture.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    result = run(binary)
    assert result.exit_code != 0 and "picture.csv" in result.output
    assert "Traceback" not in result.output
