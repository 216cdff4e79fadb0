"""The synthetic generator writes statements of every kind, in proportions that vary by team."""

import pandas as pd
import pytest

from workbench.core.codes import DATA_DIR
from workbench.synth import _CLEAR_STATEMENTS, _STATEMENTS, _worded
from workbench.text.statements import analyse, analyse_statements


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    outcomes = pd.read_csv(DATA_DIR / "demo" / "outcomes.csv", dtype=str, keep_default_na=False)
    involvements = pd.read_csv(DATA_DIR / "demo" / "involvements.csv", dtype=str, keep_default_na=False)
    frame = outcomes.merge(involvements[["involvement_id", "team_id"]], on="involvement_id")
    readings = analyse_statements(frame["statement"])
    frame["process"] = readings["kind"].eq("process").to_numpy()
    frame["clear"] = (readings["kind"].eq("outcome") & readings["clarity"].eq("clear")).to_numpy()
    frame["vague"] = (readings["kind"].eq("outcome") & readings["clarity"].eq("vague")).to_numpy()
    frame["family"] = readings["voice"].eq("family").to_numpy()
    return frame


def test_the_demo_has_every_kind_in_both_voices(demo):
    for voice in (True, False):
        part = demo[demo["family"] == voice]
        assert part["clear"].any() and part["vague"].any(), voice
    assert demo.loc[~demo["family"], "process"].mean() > 0.3
    assert 0.15 < demo["process"].mean() < 0.3
    assert 0.2 < demo["clear"].mean() < 0.45


def test_proportions_vary_by_team(demo):
    by_team = demo.groupby("team_id")[["process", "clear", "family"]].mean()
    assert by_team["clear"].min() < 0.15 < 0.45 < by_team["clear"].max()
    assert by_team["process"].min() < 0.1 < 0.35 < by_team["process"].max()
    # Teams that write in the family's words also write fewer processes.
    assert by_team["family"].corr(by_team["process"]) < -0.5


def test_each_wording_reads_as_the_generator_means_it():
    for domain, by_whose in _CLEAR_STATEMENTS.items():
        for whose, texts in by_whose.items():
            for text in texts:
                reading = analyse(text)
                assert (reading.kind, reading.clarity) == ("outcome", "clear"), (domain, text)
                assert (reading.voice == "family") == (whose != "pro"), (domain, text)
    for domain, by_style in _STATEMENTS.items():
        for text in by_style["vague"]:
            assert analyse(text).clarity == "vague", (domain, text)
        for text in by_style["child"] + by_style["parent"] + by_style["family"]:
            assert analyse(text).voice == "family", (domain, text)


def test_worded_takes_one_draw_and_leans_clear_with_clarity():
    usual, clear = ("u1", "u2", "u3"), ("c1",)
    draws = [i / 1000 for i in range(1000)]
    low = sum(_worded(u, usual, clear, 0.0) == "c1" for u in draws) / 1000
    high = sum(_worded(u, usual, clear, 1.0) == "c1" for u in draws) / 1000
    assert low == pytest.approx(0.1) and high == pytest.approx(0.6)
    assert {_worded(u, usual, (), 1.0) for u in draws} == set(usual)
    assert _worded(0.999999, usual, clear, 0.5) == "u3"
