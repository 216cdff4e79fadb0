"""Widgets tested without a kernel: set values, then assert on traits and data."""

from datetime import date

import pytest

from widgets import DistanceTravelledView, FilterState, LocalityFilter
from workbench.measures.service_data import ServiceData
from workbench.store.loading import load_extract


@pytest.fixture
def service(store, handworked_dir):
    load_extract(store, handworked_dir)
    return ServiceData(store)


def test_locality_filter_writes_the_shared_state(service):
    state = FilterState()
    picker = LocalityFilter(state, service.localities())
    assert [label for label, _ in picker.dropdown.options] == ["All localities", "North", "South"]
    picker.dropdown.value = "South"
    assert state.locality == "South"
    state.locality = None
    assert picker.dropdown.label == "All localities"
    picker.dropdown.label = "North"
    assert state.locality == "North"
    picker.dropdown.label = "All localities"
    assert state.locality is None


def test_distance_view_follows_the_filter(service):
    state = FilterState()
    view = DistanceTravelledView(state, service, at=date(2026, 3, 31))
    assert view.table.set_index("domain")["value"].to_dict() == {"education": 4.0, "health": -1.0}
    assert "3 desired outcomes counted" in view.caption.value
    first_chart = view.chart.chart
    state.locality = "South"
    assert view.table.empty
    assert "no outcomes" in view.caption.value
    assert view.chart.chart is not first_chart
    assert "<strong>South</strong>" in view.caption.value
    assert "The whole service: <strong>+2.3</strong>" in view.caption.value
    state.locality = "North"
    spec = view.chart.chart.to_dict()
    ticks = [layer for layer in spec["layer"] if layer["mark"]["type"] == "tick"]
    assert len(ticks) == 1
    service_ticks = [row["service_mean"] for rows in spec["datasets"].values() for row in rows]
    assert service_ticks and all(value is not None for value in service_ticks)
    state.locality = None
    assert "whole service" not in view.caption.value
    # The ticks stay (the chart keeps its shape), each at the whole service's own bar end.
    spec = view.chart.chart.to_dict()
    rows = [row for rows in spec["datasets"].values() for row in rows]
    assert rows and all(row["service_mean"] == row["mean_distance"] for row in rows)


def test_caption_escapes_text_from_the_data(service):
    state = FilterState()
    view = DistanceTravelledView(state, service, at=date(2026, 3, 31))
    state.locality = "<script>alert(1)</script>"
    assert "<script>" not in view.caption.value
    assert "&lt;script&gt;" in view.caption.value


def test_a_dashboard_built_for_a_viewer_or_refused(monkeypatch):
    """viewer_page hands the trusted viewer to the page's builder, and refuses in plain words."""
    import ipywidgets as W

    from widgets.viewer import viewer_page
    from workbench import access
    from workbench.access import AccessRefusedError

    for name in (access.DEMO_USER_ENV, access.DEPLOYMENT_USER_ENV, access.IDENTITY_FILE_ENV,
                 access.JUPYTERHUB_USER_ENV, access.TRUSTED_HEADER_ENV):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    built = viewer_page(lambda viewer: W.HTML(viewer.user))
    assert built.value == "demo-head-of-pi"

    def refuse(viewer):
        raise AccessRefusedError("no role for <b>someone</b>")

    refused = viewer_page(refuse)
    assert "wb-refused" in refused._dom_classes
    assert "no role for &lt;b&gt;someone&lt;/b&gt;" in refused.value
