"""Charts are tested on their spec and data (DESIGN.md section 9), never on pixels."""

import pandas as pd

from workbench.render.charts import distance_by_domain

TABLE = pd.DataFrame(
    {"domain": ["education", "health", "housing"], "numerator": [8.0, -1.0, 0.0],
     "denominator": [2, 1, 0], "value": [4.0, -1.0, None]}
)
SERVICE = pd.DataFrame({"domain": ["education", "health"], "numerator": [30.0, 5.0],
                        "denominator": [10, 5], "value": [3.0, 1.0]})


def _data(chart):
    spec = chart.to_dict()
    return spec, next(iter(spec["datasets"].values()))


def test_bars_carry_the_figures_and_skip_empty_groups():
    spec, rows = _data(distance_by_domain(TABLE, "Title"))
    assert [(r["domain"], r["mean_distance"], r["outcomes"]) for r in rows] == [
        ("education", 4.0, 2), ("health", -1.0, 1)
    ]
    assert rows[0]["summary"] == "Domain: Getting a good education; Mean distance: 4.00; Outcomes counted: 2"
    assert [r["direction"] for r in rows] == ["improved", "worsened"]
    assert spec["title"] == "Title"
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "text"]


def test_bars_are_ordered_best_first():
    table = TABLE.assign(value=[1.0, 3.0, 2.0], denominator=[1, 1, 1])
    _, rows = _data(distance_by_domain(table, "Title"))
    assert [r["domain"] for r in rows] == ["health", "housing", "education"]


def test_service_ticks_are_added_when_a_service_table_is_given():
    spec, rows = _data(distance_by_domain(TABLE, "Title", service=SERVICE))
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "text", "tick"]
    assert [r["service_mean"] for r in rows] == [3.0, 1.0]
    assert [r["label_at"] for r in rows] == [4.0, 1.0]


def test_text_from_the_data_travels_as_data_not_as_an_expression():
    hostile = TABLE.assign(domain=["<img src=x onerror=alert(1)>", "health", "housing"])
    spec, rows = _data(distance_by_domain(hostile, "Title"))
    assert rows[0]["domain_label"] == "<img src=x onerror=alert(1)>"
    assert "onerror" not in str(spec.get("transform", "")) + str(spec["layer"])


def _series_frame():
    ends = pd.date_range("2024-06-30", periods=6, freq="3ME")
    values = [0.4, 0.45, 0.5, 0.48, 0.55, 0.6]
    return pd.DataFrame({"period": [f"Q{i}" for i in range(6)], "period_end": ends,
                         "numerator": [v * 100 for v in values], "denominator": [100] * 6, "value": values})


def test_turn_the_curve_chart_draws_history_forecast_target_and_limits():
    from workbench.measures.trends import control_limits, turn_the_curve
    from workbench.render.charts import turn_the_curve_chart

    frame = _series_frame()
    chart = turn_the_curve_chart(turn_the_curve(frame, target=0.7), "Clear outcomes", limits=control_limits(frame))
    spec = chart.to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks[:3] == ["line", "line", "line"] and "point" in marks
    lines = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert {row["line"] for row in lines} == {"What happened", "If nothing changes", "Target"}
    tooltips = [t["title"] for t in spec["layer"][-1]["encoding"]["tooltip"]]
    assert "Numerator" in tooltips and "Denominator" in tooltips


def test_breakdown_chart_marks_small_groups_and_the_service_line():
    from workbench.measures.breakdowns import compare_to_service
    from workbench.render.charts import breakdown_chart

    groups = pd.DataFrame({"sex": ["F", "M", "U"], "numerator": [30, 80, 2], "denominator": [100, 100, 4],
                           "value": [0.3, 0.8, 0.5]})
    service = pd.DataFrame({"numerator": [112], "denominator": [204], "value": [112 / 204]})
    spec = breakdown_chart(compare_to_service(groups, service, "sex"), "sex", "By sex").to_dict()
    rows = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert [(r["group"], r["size"]) for r in rows] == [
        ("F", "group"), ("U", "small group: read with care"), ("M", "group")
    ]
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "rule", "rule"]


def test_every_chart_colour_comes_from_one_colour_blind_safe_palette():
    from workbench.render import charts

    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
    greys = {"#999999", "#222222", "#333333"}
    used = {charts.IMPROVED, charts.WORSENED, charts.SERVICE_MARK, *charts.PALETTE.values(),
            *charts.EVIDENCE_COLOURS.values(), *charts.OUTCOME_COLOURS}
    assert used <= okabe_ito | greys


def _scores(children: list[str]) -> pd.DataFrame:
    rows = []
    for c, child in enumerate(children):
        for outcome in ("Outcome 1", "Outcome 10", "Outcome 2"):
            for i, day in enumerate(pd.date_range("2025-01-01", periods=3, freq="90D")):
                rows.append({"child_label": child, "outcome_label": outcome, "date": day, "score": (c + i) % 11})
    return pd.DataFrame(rows)


def test_the_scores_chart_is_one_view_with_a_row_per_child():
    import vl_convert

    from workbench.render.charts import scores_over_time

    children = ["Child B", "Child AA", "Child A", "Child C"]
    spec = scores_over_time(_scores(children), "Scores").to_dict()
    assert "facet" not in spec and "layer" in spec  # one panel, not one per child
    encodings = [layer["encoding"] for layer in spec["layer"]]
    assert all(e["y"]["field"] == "child_label" and e["y"]["type"] == "nominal" for e in encodings)
    assert all(e["y"]["sort"] == {"field": "child_order", "op": "min"} for e in encodings)
    drawn = [e for e in encodings if "yOffset" in e]  # the lines and the latest dots
    assert len(drawn) == 2
    assert all(e["yOffset"]["field"] == "score" and e["yOffset"]["scale"]["domain"] == [0, 10] for e in drawn)
    rows = spec["datasets"][spec["data"]["name"]]
    order = {r["child_label"]: r["child_order"] for r in rows}
    assert sorted(order, key=order.get) == ["Child A", "Child B", "Child C", "Child AA"]  # natural order
    assert sum(r["latest"] for r in rows) == len(children) * 3  # a dot per outcome
    # Compiled, it is one view: a group per layer's marks, no facet's cell groups per child.
    vega = vl_convert.vegalite_to_vega(spec)
    assert not any(mark.get("from", {}).get("facet", {}).get("groupby") == ["child_label"]
                   for mark in vega["marks"])  # fmt: skip
    assert {s["name"] for s in vega["scales"]} >= {"y", "yOffset", "x", "color"}
    y = next(s for s in vega["scales"] if s["name"] == "y")
    assert y["type"] == "band"
