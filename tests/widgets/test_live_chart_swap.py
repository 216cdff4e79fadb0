"""A chart redrawn by :meth:`widgets.offline.LiveChart.show` sends exactly the spec Altair builds.

The swap path skips Altair once a chart's shape was drawn: these tests change filters on the
real views over the demo store and check, after every change, that the spec sent to the browser
is the one Altair builds from the chart the widget holds (so no figure is ever stale or wrong),
and that the swap path was taken.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from widgets.offline import LiveChart, offline_chart, stable_dataset_names


def _built(widget: LiveChart) -> dict:
    return stable_dataset_names(widget.chart.to_dict(validate=False))


def _bars(frame: pd.DataFrame, title: str) -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(x="value:Q", y="group:N").properties(title=title)


def test_a_shape_drawn_before_gets_the_new_rows_without_altair():
    first = pd.DataFrame({"group": ["North", "South"], "value": [1.0, 2.0]})
    widget = offline_chart(_bars(first, "t"), "wb-test-chart")
    widget.show("bars", [first], lambda: _bars(first, "t"))
    built = []
    second = pd.DataFrame({"group": ["North"], "value": [5.0]})

    def build():
        built.append(1)
        return _bars(second, "t")

    widget.show("bars", [second], build)
    assert widget.spec == _built(widget)
    assert widget.spec["datasets"]["wb-data-0"] == [{"group": "North", "value": 5.0}]
    assert widget.chart.to_dict()["title"] == "t"
    assert built == [1]  # the chart is still built, after its spec was sent


def test_a_new_shape_is_built_by_altair():
    first = pd.DataFrame({"group": ["North"], "value": [1.0]})
    widget = offline_chart(_bars(first, "one"), "wb-test-chart")
    widget.show("one", [first], lambda: _bars(first, "one"))
    widget.show("two", [first], lambda: _bars(first, "two"))
    assert widget.spec["title"] == "two"
    assert widget.spec == _built(widget)


def test_two_frames_alike_are_never_swapped_by_guess():
    empty = pd.DataFrame({"group": pd.Series([], dtype=str), "value": pd.Series([], dtype=float)})

    def layered(a, b):
        return alt.layer(_bars(a, "t"), alt.Chart(b).mark_tick().encode(x="value:Q", y="group:N"))

    widget = offline_chart(layered(empty, empty), "wb-test-chart")
    widget.show("layered", [empty, empty], lambda: layered(empty, empty))
    assert not widget._drawings  # the datasets cannot be told apart: Altair builds each time
    later = pd.DataFrame({"group": ["North"], "value": [3.0]})
    widget.show("layered", [later, empty], lambda: layered(later, empty))
    assert widget.spec == _built(widget)


@pytest.mark.parametrize("page", ["cla", "overview"])
def test_service_page_charts_after_each_filter_change_are_what_altair_builds(demo_store_url, page):
    from widgets.service_dashboard import ServiceDashboard
    from workbench.measures.service_data import ServiceData
    from workbench.pages.service import dashboard_view
    from workbench.store.engine import Store

    data = ServiceData(Store(demo_store_url))
    dashboard = ServiceDashboard(dashboard_view(page, data=data))
    charts = [view.chart for view in dashboard.views if isinstance(getattr(view, "chart", None), LiveChart)]
    seen = set()
    for locality in [*dashboard.view.localities, None, dashboard.view.localities[0], None]:
        dashboard.state.locality = locality
        for chart in charts:
            assert chart.spec == _built(chart), type(chart).__name__
        seen.add(str(charts[0].spec["datasets"]))
    assert len(seen) > 1  # the figures did change
    assert charts[0]._drawings  # and the first chart took the swap path


def _each_worker_swaps_in_own_rows(view, workers: list[str], at_least: int) -> None:
    """Choose each worker (then the first again): the chart is what Altair builds, with their own rows."""
    seen = set()
    for worker in [*workers, workers[0]]:
        view.worker_choice.value = worker
        assert view.chart.spec == _built(view.chart), worker
        seen.add(str(view.chart.spec.get("datasets")))
    assert len(seen) > at_least  # each worker's own figures
    assert view.chart._drawings  # drawn from the kept spec with the worker's rows


def test_supervision_scores_chart_for_each_worker_is_what_altair_builds(demo_store_url):
    from widgets import SupervisionView
    from workbench.access import Identity
    from workbench.store.engine import Store

    view = SupervisionView(Store(demo_store_url), identity=Identity(user="hopi", role="head_of_practice_improvement"))
    _each_worker_swaps_in_own_rows(view, [worker for _, worker in view.worker_choice.options][:6], 2)


def test_supervision_scores_chart_is_one_view_with_a_row_per_child_of_the_caseload(demo_store_url):
    from widgets import SupervisionView
    from workbench.access import Identity
    from workbench.store.engine import Store

    view = SupervisionView(Store(demo_store_url), identity=Identity(user="hopi", role="head_of_practice_improvement"))
    checked = 0
    for worker in [worker for _, worker in view.worker_choice.options][:8]:
        view.worker_choice.value = worker
        spec = view.chart.spec
        if "layer" not in spec:  # no scores: the chart says so
            continue
        assert "facet" not in spec and "layer" in spec  # one view, however many children
        (rows,) = spec["datasets"].values()
        charted = {row["child_label"] for row in rows}
        assert charted <= set(view.caseload.children["child_id"])  # a row per child with scores
        assert all(layer["encoding"]["y"]["field"] == "child_label" for layer in spec["layer"])
        checked += 1
    assert checked > 3


def test_appraisal_chart_for_each_worker_is_what_altair_builds_and_is_swapped(demo_store_url):
    from widgets.appraisal_view import AppraisalView
    from workbench.access import Identity
    from workbench.store.engine import Store

    view = AppraisalView(Store(demo_store_url), Identity("hope.pi", "head_of_practice_improvement", name="Hope"))
    _each_worker_swaps_in_own_rows(view, view.worker_choice_values()[::12], 5)
