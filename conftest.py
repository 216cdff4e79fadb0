"""Test-session set-up shared by unit, notebook and browser tests.

Notebooks and dashboards read the store named by ``WORKBENCH_STORE``. Unless the caller set
one, the session builds a store from the committed demo extract under ``test-artifacts/``
(reloading is a no-op when the extract has not changed) and exports the variable, so that
every kernel nbval or Voila starts sees it.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEMO_EXTRACT = ROOT / "data" / "demo"
TEST_STORE = ROOT / "test-artifacts" / "demo-store.sqlite"


def pytest_configure(config):
    """Point every notebook and dashboard at a store holding the demo extract."""
    if os.environ.get("WORKBENCH_STORE") or not (DEMO_EXTRACT / "outcomes.csv").exists():
        return
    from workbench.measures import service_figures  # noqa: F401 - the snapshot keeps the service's figures
    from workbench.store.engine import Store
    from workbench.store.loading import load_extract
    from workbench.store.snapshot import open_snapshot

    TEST_STORE.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{TEST_STORE}"
    store = Store(url)
    load_extract(store, DEMO_EXTRACT)
    store.mark_demo()  # the demo loader's mark: `workbench serve` shows it with the demo identities
    open_snapshot(store)  # fresh before any kernel opens it (an unchanged load writes none)
    os.environ["WORKBENCH_STORE"] = url
