"""Progress within a file: checked a step at a time, then stored a chunk of rows at a time."""

import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner

import workbench.store.engine as store_module
import workbench.store.loading as statutory_store
from workbench.cli.app import main
from workbench.core.model import EXTRACT_TABLES
from workbench.core.progress import CHECKING, STORING
from workbench.store.loading import import_statutory, load_extract

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
EPISODES = CONFORMANCE / "ssda903" / "d2i_fake" / "episodes.csv"
needs_conformance = pytest.mark.skipif(not EPISODES.is_file(), reason="../shared/conformance is not here")


def _stage(events, stage):
    return [(e.done, e.total, e.unit) for e in events if e.stage == stage]


def _counts_up(pairs):
    done = [d for d, _, _ in pairs]
    assert done == sorted(done) and done[0] == 0
    assert len({t for _, t, _ in pairs}) == 1  # one total throughout
    return done


@needs_conformance
def test_a_large_statutory_file_reports_columns_checked_then_rows_stored(store, monkeypatch):
    monkeypatch.setattr(statutory_store, "INSERT_CHUNK", 1000)
    events = []
    [outcome] = import_statutory(store, "ssda903", [EPISODES], on_progress=events.append)
    assert {e.path for e in events} == {EPISODES}
    stages = [e.stage for e in events]
    assert stages == sorted(stages, key=[CHECKING, STORING].index)  # checked first, then stored
    checking = _stage(events, CHECKING)
    assert checking[-1][0] == checking[-1][1] == 14  # 13 episode columns, then the table built
    storing = _stage(events, STORING)
    done = _counts_up(storing)
    assert done == [0, 1000, 2000, 3000, 4000, 5000, 5050]
    assert storing[-1][1] == sum(outcome.rows.values()) == 5050
    assert {unit for _, _, unit in storing} == {"row"}


def test_an_extract_load_reports_each_table_checked_then_rows_written(store, handworked_dir, monkeypatch):
    monkeypatch.setattr(store_module, "WRITE_CHUNK", 3)
    events = []
    result = load_extract(store, handworked_dir, on_progress=events.append)
    checking = _stage(events, CHECKING)
    assert _counts_up(checking)[-1] == len(EXTRACT_TABLES)
    storing = _stage(events, STORING)
    done = _counts_up(storing)
    total = sum(result.rows.values())
    assert done[-1] == storing[-1][1] == total
    steps = [b - a for a, b in itertools.pairwise(done)]
    assert max(steps) <= 3 and len(steps) >= total // 3  # a chunk at a time, not a table at a time
    # Loading the same extract again writes nothing, so reports no rows.
    again = []
    load_extract(store, handworked_dir, on_progress=again.append)
    assert _stage(again, STORING) == []


@needs_conformance
def test_the_command_line_bars_stay_quiet_off_a_terminal(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    result = CliRunner().invoke(
        main, ["import", "ssda903", str(EPISODES), "--store", url], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "episodes.csv: imported: 5,050 rows stored" in result.output
    assert "%|" not in result.output and "row/s" not in result.output
