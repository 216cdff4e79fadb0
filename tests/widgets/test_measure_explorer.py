"""The measure explorer, driven without a kernel: set values, assert on traits and data."""

import pandas as pd
import pytest

from widgets.measure_explorer import MeasureExplorer, parse_target
from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.headline import MEASURES
from workbench.measures.service_data import ServiceData
from workbench.store.loading import load_extract


@pytest.fixture
def service(store, handworked_dir):
    load_extract(store, handworked_dir)
    return ServiceData(store)


@pytest.fixture
def explorer(service, tmp_path):
    return MeasureExplorer(service, export_folder=tmp_path / "exports")


def test_figures_match_the_measure_and_follow_the_filters(explorer, service):
    explorer.measure = "distance_travelled"
    last = explorer.trend.iloc[-1]
    expected = MEASURES["distance_travelled"](service, DEMO_AT, Filters(), None)
    assert (last["numerator"], last["denominator"]) == (expected["numerator"].item(), expected["denominator"].item())
    assert last["period"] == "2025-26 Q4"
    explorer.locality.dropdown.value = "South"
    assert explorer.trend.iloc[-1]["denominator"] == 0
    assert "South" in explorer.trend_chart.chart.to_dict()["title"]


def test_breakdown_sets_groups_beside_the_service(explorer):
    explorer.measure = "distance_travelled"
    explorer.by_picker.value = "domain"
    table = explorer.breakdown.set_index("domain")
    assert table.loc["education", "value"] == 4.0
    assert table.loc["education", "service_value"] == pytest.approx(7 / 3)
    assert table["small"].all()  # three outcomes: every group is too small to over-read


def test_distance_travelled_shows_how_many_went_which_way_beside_every_mean(explorer):
    directions = ["went back", "stayed the same", "went up"]
    explorer.measure = "distance_travelled"
    explorer.by_picker.value = "domain"
    # Education: O1 +3, O3 +5; health: O2 -1 (tests/fixtures/handworked.py).
    table = explorer.breakdown.set_index("domain")
    assert table.loc["education", directions].tolist() == [0, 0, 2]
    assert table.loc["health", directions].tolist() == [1, 0, 0]
    last = explorer.trend.iloc[-1]
    assert last[directions].tolist() == [1, 0, 2]
    assert (explorer.trend[directions].sum(axis=1) == explorer.trend["denominator"]).all()
    assert "Behind the mean in 2025-26 Q4: 2 went up, 0 stayed the same, 1 went back" in explorer.message.value
    assert "went back" in explorer.table.value
    explorer.measure = "clear"
    assert "went back" not in explorer.breakdown.columns and "went back" not in explorer.table.value


def test_breakdowns_offered_follow_the_measure(explorer):
    explorer.measure = "participation"
    offered = [value for _, value in explorer.by_picker.options]
    assert "domain" not in offered and "locality" in offered
    explorer.measure = "clear"
    assert "domain" in [value for _, value in explorer.by_picker.options]


def test_a_filter_that_does_not_apply_is_named_not_silently_used(explorer):
    explorer.domain.value = "education"
    explorer.measure = "participation"
    assert explorer.ignored == ["domain"]
    assert "domain filter does not apply" in explorer.message.value


def test_target_text_draws_a_target_line(explorer):
    explorer.target_box.value = "70%"
    assert explorer.target == pytest.approx(0.7)
    spec = explorer.trend_chart.chart.to_dict()
    lines = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert {row["value"] for row in lines if row["line"] == "Target"} == {0.7}
    explorer.target_box.value = "lots"
    assert "is not a number" in explorer.message.value


@pytest.mark.parametrize(("text", "unit", "value"), [("", "share", None), ("70%", "share", 0.7),
                                                     ("70", "share", 0.7), ("0.7", "share", 0.7),
                                                     ("2.5", "mean", 2.5)])
def test_parse_target(text, unit, value):
    assert parse_target(text, unit) == (pytest.approx(value) if value is not None else None)


def test_export_writes_what_is_shown(explorer):
    explorer.measure = "distance_travelled"
    csv_path, xlsx_path = explorer.export()
    written = pd.read_csv(csv_path)
    assert written["denominator"].tolist() == explorer.trend["denominator"].tolist()
    assert xlsx_path.exists()
    assert "Exported to" in explorer.message.value


def test_every_filter_narrows_the_figures(explorer, service):
    explorer.measure = "distance_travelled"
    explorer.sex.value = "M"  # C2 is the only boy; his outcome O3 travelled +5
    last = explorer.trend.iloc[-1]
    assert (last["numerator"], last["denominator"]) == (5.0, 1)
    assert "Male" in explorer.trend_chart.chart.to_dict()["title"]
    explorer.sex.value = ""
    explorer.disability.value = "N"  # C1 and C3: O1 +3 and O2 -1
    assert explorer.trend.iloc[-1]["denominator"] == 2
    explorer.disability.value = ""
    explorer.team.value = "T2"  # C3 only: nothing counted
    assert explorer.trend.iloc[-1]["denominator"] == 0
