"""Outcome Workbench core: model, store, extract loading, demo data, measures and charts.

Nothing here imports a UI package (ipywidgets, voila): notebooks and dashboards depend on
``widgets``, which depends on this package, never the other way.
"""

__version__ = "0.1.0"
