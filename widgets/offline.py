"""Offline charts: Altair charts drawn in Voila with Vega bundled locally, as SVG.

Altair's default renderer loads Vega from a CDN, which council networks (and this project's
CI) cannot reach. :class:`LiveChart` is Altair's ``JupyterChart`` with its own browser code
(``live_chart.js``), bundled with vega-embed by vl-convert so nothing is fetched. Setting
``.chart`` again updates the chart in place (re-displaying into an ``Output`` stalls Voila
on large outputs; DESIGN.md section 10), and when only the figures changed, as after a
filter change, the browser swaps the data into the chart already drawn rather than drawing
a new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import traitlets

from workbench.render.altair_import import altair as alt

_JS = Path(__file__).with_name("live_chart.js")
#: Altair names inline datasets by a hash of their rows, so new figures mean new names.
_DATASET_NAME = re.compile(r'"(data-[0-9a-f]{32})"')


def _bundle() -> str:
    """Return live_chart.js with vega-embed, Vega-Lite and Vega inlined (vl-convert, no network).

    Bundling takes over a second, so the bundle is kept in the user's cache folder, named by
    a hash of the script and the library versions (a changed script or upgrade rebuilds it).
    """
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    source = _JS.read_text(encoding="utf-8")
    version = vl_version_for_vl_convert()
    key = hashlib.sha256(f"{source}\n{vlc.__version__}\n{version}".encode()).hexdigest()[:16]
    cached = _cache_dir() / f"live_chart-{key}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    bundled = vlc.javascript_bundle(source, vl_version=version)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(bundled, encoding="utf-8")
        partial.replace(cached)  # atomic: another kernel never reads half a bundle
    except OSError:
        pass  # a read-only home only costs the bundling next time
    return bundled


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "outcome-workbench"


def stable_dataset_names(spec: dict) -> dict:
    """Rename a spec's inline datasets ``wb-data-0``, ``wb-data-1``… in the order they appear.

    Two drawings of the same chart over different figures then differ only in the datasets'
    rows, which lets the browser update the data of the chart it has drawn.
    """
    datasets = spec.get("datasets")
    if not datasets:
        return spec
    renamed = {old: f"wb-data-{i}" for i, old in enumerate(datasets)}
    rest = json.dumps({key: value for key, value in spec.items() if key != "datasets"})
    rest = _DATASET_NAME.sub(lambda m: json.dumps(renamed.get(m.group(1), m.group(1))), rest)
    out = json.loads(rest)
    out["datasets"] = {renamed[old]: rows for old, rows in datasets.items()}
    return out


#: Set (to anything) by ``benchmarks/bench_dashboards.py`` only: each chart sent then carries
#: where its kernel time went (:class:`ChartTiming`), read by the page's ``__wbChartTimings``.
TIMING_ENV = "WORKBENCH_CHART_TIMING"


class ChartTiming:
    """Benchmark-only probe: when the kernel last received a widget message from the browser.

    ``received`` is set by a wrapper around the kernel's ``comm_msg`` handler, installed only
    when :data:`TIMING_ENV` is set, so a chart can tell how long the figures under it took.
    """

    received: float | None = None
    _installed = False

    @classmethod
    def install(cls) -> None:
        """Wrap the kernel's handler of widget messages to note each one's arrival (idempotent)."""
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        if cls._installed or kernel is None:
            return
        handle = kernel.shell_handlers["comm_msg"]

        def noted(*args, **kwargs):
            cls.received = time.perf_counter()
            return handle(*args, **kwargs)

        kernel.shell_handlers["comm_msg"] = noted
        cls._installed = True


#: Shapes of one chart kept (each its spec without the data, a few KiB).
_DRAWINGS_KEPT = 32


def chart_rows(frame: pd.DataFrame) -> list[dict]:
    """Return a frame's rows exactly as Altair writes them into a spec's datasets."""
    return alt.utils.data.to_values(frame)["values"]


@dataclass(frozen=True)
class _Drawing:
    """A chart's spec but its data, and which frame (by position) fills each dataset."""

    skeleton: dict
    datasets: tuple[tuple[str, int], ...]


def _frames_key(frames: Sequence[pd.DataFrame]) -> tuple:
    # The columns and their types are part of a chart's shape: a frame whose columns changed
    # never reuses a drawing made with other columns.
    return tuple((tuple(map(str, f.columns)), tuple(map(str, f.dtypes))) for f in frames)


class LiveChart(alt.JupyterChart):
    """An Altair chart widget that draws offline and redraws only the data when only the data changed.

    Interactive selections and parameters are not synced back to Python (no chart in the
    workbench uses them); set ``.chart`` to show a new chart, or call :meth:`show`, which skips
    Altair when the chart's shape was drawn before.
    """

    _esm = ""  # set by enable_offline_charts(), before the first chart is made
    #: Benchmark-only (:data:`TIMING_ENV`): figures_ms (message in to chart set), spec_ms, spec_bytes.
    timing = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)

    def __init__(self, *args, **kwargs) -> None:
        self._drawings: dict[Hashable, _Drawing] = {}
        self._spec_set = False  # set while show() puts a chart whose spec is already sent
        super().__init__(*args, **kwargs)

    @traitlets.observe("chart")
    def _on_change_chart(self, change: dict) -> None:
        if self._spec_set:
            return
        chart = change.new
        if chart is None:
            self.spec = None
            return
        started = time.perf_counter()
        # Check a widget's first chart against the Vega-Lite schema; redraws of it with new
        # figures skip the check (about half the cost of a filter change in Python), and the
        # chart functions are checked in the unit tests.
        first = self.spec is None
        self._send_spec(stable_dataset_names(chart.to_dict(validate=first)), started)

    def _send_spec(self, spec: dict, started: float) -> None:
        if ChartTiming._installed:
            received = ChartTiming.received
            self.timing = {
                "figures_ms": None if received is None else (started - received) * 1000,
                "spec_ms": (time.perf_counter() - started) * 1000,
                "spec_bytes": len(json.dumps(spec)),
            }
        self.spec = spec

    def show(
        self,
        shape: Hashable,
        frames: Sequence[pd.DataFrame],
        build: Callable[[], alt.TopLevelMixin],
        title: str | None = None,
    ) -> None:
        """Draw ``build()``, a chart whose data are ``frames`` and whose all else ``shape`` names.

        ``frames`` are each given to ``alt.Chart`` as they are; ``shape`` (with the frames'
        columns) stands for everything else the chart depends on (title, grouping, unit...),
        but for ``title`` when given (the chart's top-level title, which may then differ between
        drawings of one shape). The first time a shape is drawn, Altair builds the spec; after
        that the spec is the one drawn then with these frames' rows (and this title), sent
        before Altair builds the chart (about half a filter change's time in the kernel), and
        the browser swaps the rows into the chart drawn when the title is the same.
        ``.chart`` is always the chart drawn: a unit test compares the two specs.
        """
        started = time.perf_counter()
        key = (shape, _frames_key(frames), title is None)
        drawing = self._drawings.get(key)
        if drawing is None or self.spec is None:
            self.chart = build()
            self._learn(key, frames)
            return
        datasets = {name: chart_rows(frames[i]) for name, i in drawing.datasets}
        spec = {**drawing.skeleton, "datasets": datasets}
        if title is not None:
            drawn = spec.get("title")
            spec["title"] = {**drawn, "text": title} if isinstance(drawn, dict) else title
        self._send_spec(spec, started)
        self._spec_set = True
        try:
            self.chart = build()
        finally:
            self._spec_set = False

    def _learn(self, key: Hashable, frames: Sequence[pd.DataFrame]) -> None:
        """Keep the spec just drawn as the drawing of ``key`` when each dataset is exactly one frame."""
        rows = [chart_rows(frame) for frame in frames]
        datasets = []
        for name, values in (self.spec.get("datasets") or {}).items():
            found = [i for i, frame_rows in enumerate(rows) if frame_rows == values]
            if len(found) != 1:
                return  # a dataset not from the frames, or two frames alike: Altair draws it each time
            datasets.append((name, found[0]))
        if sorted(i for _, i in datasets) != list(range(len(frames))):
            return  # a frame not drawn as given
        skeleton = {name: value for name, value in self.spec.items() if name != "datasets"}
        if len(self._drawings) >= _DRAWINGS_KEPT:
            self._drawings.pop(next(iter(self._drawings)))  # the oldest: a few shapes per chart
        self._drawings[key] = _Drawing(skeleton, tuple(datasets))


_enabled = False


def enable_offline_charts() -> None:
    """Bundle the chart code with Vega for offline use (idempotent)."""
    global _enabled
    if not _enabled:
        LiveChart._esm = _bundle()
        if os.environ.get(TIMING_ENV):
            ChartTiming.install()
        _enabled = True


def offline_chart(chart: alt.TopLevelMixin, css_class: str) -> LiveChart:
    """Return a :class:`LiveChart` for ``chart``, drawn as SVG, with a stable CSS class for tests."""
    enable_offline_charts()
    widget = LiveChart(chart, embed_options={"renderer": "svg", "actions": False})
    widget.add_class(css_class)
    return widget
