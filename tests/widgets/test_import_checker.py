"""The data officer's upload-and-check widget, driven without a kernel."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fixtures.handworked import ROWS
from widgets.import_checker import ImportChecker
from workbench.core.model import EXTRACT_TABLES


def _uploads(folder: Path) -> tuple[dict, ...]:
    return tuple(
        {"name": path.name, "type": "text/csv", "size": path.stat().st_size, "content": memoryview(path.read_bytes()),
         "last_modified": datetime(2026, 11, 25, tzinfo=UTC)}
        for path in sorted(folder.glob("*.csv"))
    )


@pytest.fixture
def checker(store, tmp_path):
    return ImportChecker(lambda: store, work_folder=tmp_path / "work")


def test_a_clean_extract_is_checked_then_loaded(checker, handworked_dir, store):
    checker.upload.value = _uploads(handworked_dir)
    assert checker.load_button.disabled
    assert checker.check() is True
    assert not checker.load_button.disabled
    assert checker.counts.set_index("table")["rows"].to_dict() == {t.name: len(ROWS[t.name]) for t in EXTRACT_TABLES}
    assert checker.load() == "loaded"
    assert store.row_counts()["outcomes"] == len(ROWS["outcomes"])
    checker.upload.value = _uploads(handworked_dir)
    checker.check()
    assert checker.load() == "unchanged"


def test_a_broken_extract_shows_every_problem_escaped_and_cannot_be_loaded(checker, handworked_dir, store):
    teams = handworked_dir / "teams.csv"
    teams.write_text(teams.read_text().replace("North CIN", "<script>x</script>").replace(",cin\n", ",social work\n"))
    checker.upload.value = _uploads(handworked_dir)
    assert checker.check() is False
    assert checker.load_button.disabled
    assert checker.problems[["file", "row", "field", "value"]].values.tolist() == [["teams.csv", 2, "service", "social work"]]
    assert "<script>" not in checker.report.value
    assert (checker.work_folder / "problems.csv").exists()
    assert checker.load() == "not checked"
    assert store.row_counts()["teams"] == 0


def test_a_browser_supplied_path_is_not_trusted(checker, handworked_dir):
    uploads = list(_uploads(handworked_dir))
    uploads[0] = dict(uploads[0], name="../../../etc/" + uploads[0]["name"])
    checker.upload.value = tuple(uploads)
    checker.check()
    assert not (checker.work_folder.parent.parent / "etc").exists()


CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="../shared/conformance is not here")
def test_a_statutory_return_is_checked_and_its_good_rows_imported(checker, store):
    checker.kind.value = "ssda903"
    assert checker.upload.accept == ".csv,.xml" and checker.mapping.disabled
    files = [CONFORMANCE / "ssda903" / "d2i_fake" / name for name in ("episodes.csv", "sw_episodes.csv")]
    checker.upload.value = tuple(
        {"name": f.name, "type": "text/csv", "size": f.stat().st_size, "content": memoryview(f.read_bytes()),
         "last_modified": datetime(2026, 11, 25, tzinfo=UTC)}
        for f in files
    )
    checker.check()
    # SWLAZY rejected its row before issue 14, part 4; SW_REASON is read by no measure, so the
    # value is blanked and the row kept.
    assert "5,051 rows accepted, 0 rejected.</strong> 1 value(s) blanked" in checker.status.value
    assert checker.problems[["value", "action"]].values.tolist() == [["SWLAZY", "blanked"]]
    assert checker.load() == "imported,imported"
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM ssda903_episodes").scalar() == 5050
