"""Outcome Workbench core: the model, the store, imports, measures, practice tools, pages and the CLI.

The packages are layers, and imports point down them only (``docs/architecture.md``):
``core`` -> ``imports``, ``text``, ``render``, ``synth`` -> ``store`` -> ``measures`` ->
``access`` -> ``practice`` -> ``pages``, ``publishing`` -> ``cli``. Nothing here imports a UI
package (ipywidgets, voila): notebooks and dashboards depend on ``widgets``, which depends on
this package, never the other way.
"""

__version__ = "0.1.0"
