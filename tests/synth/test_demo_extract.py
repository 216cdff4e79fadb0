"""The committed demo extract: what the generator makes, valid, and loads with every table non-empty."""

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from workbench.cli.app import main
from workbench.core.model import EXTRACT_TABLES
from workbench.synth import generate_extract

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_committed_demo_is_exactly_what_the_generator_makes(tmp_path):
    generate_extract(tmp_path, size="demo", seed=2026, progress=False)
    stale = [spec.filename for spec in EXTRACT_TABLES
             if _digest(tmp_path / spec.filename) != _digest(DEMO / spec.filename)]
    assert stale == [], "data/demo is stale: run `make demo-data`"


def test_demo_loads_and_info_shows_every_table_non_empty(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    runner = CliRunner()
    loaded = runner.invoke(main, ["load", str(DEMO), "--store", url])
    assert loaded.exit_code == 0, loaded.output
    info = json.loads(runner.invoke(main, ["info", "--json", "--store", url]).output)
    assert set(info["tables"]) == {spec.name for spec in EXTRACT_TABLES}
    assert all(count > 0 for count in info["tables"].values()), info["tables"]
    assert 2_500 <= info["tables"]["children"] <= 3_500
