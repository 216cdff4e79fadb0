"""Test-session set-up shared by unit, notebook and browser tests.

Notebooks and dashboards read the store named by ``WORKBENCH_STORE``. Unless the caller set
one, the session copies the committed demo extract, loaded once (``tests/fixtures/demo_store.py``:
reloading is a no-op when the extract has not changed), to ``test-artifacts/`` and exports the
variable, so that every kernel nbval or Voila starts sees it. ``tests/site`` goes first on
``PYTHONPATH`` for the same processes (a test-only stand-in that saves each a second or two).

``make test`` runs the suite in two pytest-xdist workers (``-n 2 --dist loadfile``: a file's
tests, a notebook's cells among them, stay in one worker). Each worker has its own copy of the
store, ``demo-store-gw0.sqlite`` and so on; the controller process makes none.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEMO_EXTRACT = ROOT / "data" / "demo"
TEST_STORE = ROOT / "test-artifacts" / "demo-store.sqlite"
#: Test-only stand-ins put first on the path of every process the tests start (kernels, Voila
#: servers, CLI subprocesses): see ``tests/site/rfc3987_syntax`` for why (1 to 2 s per process).
TEST_SITE = ROOT / "tests" / "site"


def pytest_configure(config):
    """Point every notebook and dashboard at a store holding the demo extract."""
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if str(TEST_SITE) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TEST_SITE), *paths]))
    if os.environ.get("WORKBENCH_STORE") or not (DEMO_EXTRACT / "outcomes.csv").exists():
        return
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return  # the xdist controller runs no test; its workers spawn with its environment
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    from tests.fixtures.demo_store import copy_demo_store
    from workbench.measures import service_figures  # noqa: F401 - the snapshot keeps the service's figures
    from workbench.store.snapshot import open_snapshot

    # A fresh copy of the demo extract loaded once (tests.fixtures.demo_store), marked as the demo
    # loader marks it: `workbench serve` shows it with the demo identities.
    test_store = TEST_STORE.with_name(f"demo-store-{worker}.sqlite") if worker else TEST_STORE
    store = copy_demo_store(test_store, demo=True)
    open_snapshot(store)  # fresh before any kernel opens it
    os.environ["WORKBENCH_STORE"] = store.url
