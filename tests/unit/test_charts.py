"""Charts are tested on their spec and data (DESIGN.md section 9), never on pixels."""

import pandas as pd

from workbench.charts import distance_by_domain

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
