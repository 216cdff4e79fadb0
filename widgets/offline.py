"""Offline charts: Altair's JupyterChart with Vega bundled locally, drawn as SVG.

Altair's default renderer loads Vega from a CDN, which council networks (and this project's
CI) cannot reach. ``JupyterChart.enable_offline()`` inlines the Vega bundle from
vl-convert, and updating ``.chart`` in place avoids re-displaying into an ``Output``
(which stalls Voila on large outputs; DESIGN.md section 10).
"""

from __future__ import annotations

import altair as alt

_enabled = False


def enable_offline_charts() -> None:
    """Make every JupyterChart load Vega from the local bundle (idempotent)."""
    global _enabled
    if not _enabled:
        alt.JupyterChart.enable_offline()
        _enabled = True


def offline_chart(chart: alt.TopLevelMixin, css_class: str) -> alt.JupyterChart:
    """Return a JupyterChart for ``chart``, drawn as SVG, with a stable CSS class for tests."""
    enable_offline_charts()
    widget = alt.JupyterChart(chart, embed_options={"renderer": "svg", "actions": False})
    widget.add_class(css_class)
    return widget
