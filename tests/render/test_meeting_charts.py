"""The meetings charts on the service pages: their data and the words a screen reader hears."""

import pandas as pd

from workbench.render.charts import PARTICIPATION_COLOURS, meeting_figures_chart, participation_chart


def _rows(chart) -> list[dict]:
    spec = chart.to_dict()
    return next(iter(spec["datasets"].values()))


def test_meeting_figures_are_panels_by_figure_and_skip_shares_over_nobody():
    table = pd.DataFrame(
        {"meeting": ["Family group conference", "Core group", "Family group conference"],
         "meeting_order": [0, 1, 0], "what": ["Family attended", "Family attended", "Wider family attended"],
         "what_order": [1, 1, 2], "numerator": [3, 0, 1], "denominator": [4, 0, 4],
         "value": [0.75, float("nan"), 0.25]}
    )  # fmt: skip
    chart = meeting_figures_chart(table, "Meetings")
    spec = chart.to_dict()
    rows = _rows(chart)
    assert [r["summary"] for r in rows] == [
        "Family attended, Family group conference: 75% (3 of 4)",
        "Wider family attended, Family group conference: 25% (1 of 4)",
    ]
    assert spec["facet"]["field"] == "what" and spec["title"] == "Meetings"
    bar = spec["spec"]["layer"][0]
    assert bar["encoding"]["x"]["scale"]["domain"] == [0, 1]
    assert bar["encoding"]["description"]["field"] == "summary"  # each bar's aria label


def test_participation_stacks_codes_in_order_with_took_part_in_blues_and_pn7_in_orange():
    table = pd.DataFrame(
        {"meeting": ["CLA review"] * 3, "meeting_order": [0] * 3, "code": ["PN7", "PN1", "PN0"],
         "legend": ["PN7 did not take part", "PN1 came and spoke for themselves", "PN0 under 4"],
         "code_order": [6, 0, 7], "meetings": [1, 3, 0], "share": [0.25, 0.75, 0.0]}
    )  # fmt: skip
    spec = participation_chart(table, "Participation").to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["code"] for r in rows] == ["PN7", "PN1"]  # a code with no meetings draws nothing
    colour = spec["encoding"]["color"]["scale"]
    assert colour["domain"] == ["PN1 came and spoke for themselves", "PN7 did not take part"]
    assert colour["range"] == [PARTICIPATION_COLOURS["PN1"], PARTICIPATION_COLOURS["PN7"]]
    assert spec["encoding"]["order"]["field"] == "code_order"
    assert rows[0]["summary"] == "CLA review: PN7 did not take part, 25% (1 meeting)"
