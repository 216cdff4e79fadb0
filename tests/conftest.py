"""Fixtures for every test folder: a hand-worked extract and empty stores in temporary folders.

The folders under ``tests/`` mirror ``workbench/`` (and ``widgets/``); ``tests/browser`` drives
real Voila servers, and ``tests/postgres`` runs the store on a throwaway PostgreSQL cluster.
"""

from __future__ import annotations

import fcntl
import json

import pytest

from tests.fixtures.demo_store import copy_demo_store
from tests.fixtures.handworked import write_extract
from tests.fixtures.states import build_state_stores
from workbench.measures import service_figures  # noqa: F401 - loads write the service's figures
from workbench.store.engine import Store


@pytest.fixture
def handworked_dir(tmp_path):
    """The hand-worked extract, written as CSV files."""
    return write_extract(tmp_path / "extract")


@pytest.fixture
def store(tmp_path):
    """A new, empty SQLite store at the current schema version."""
    return Store(f"sqlite:///{tmp_path / 'store.sqlite'}")


@pytest.fixture(scope="session")
def demo_store_url(tmp_path_factory) -> str:
    """A copy of the committed demo extract's store, for the session (read it, do not write)."""
    return copy_demo_store(tmp_path_factory.mktemp("demo") / "demo.sqlite", demo=True).url


@pytest.fixture(scope="session")
def state_stores(tmp_path_factory, worker_id) -> dict[str, str]:
    """A store per partial state (``workbench.states``) and ``empty``, built once: name -> URL.

    Under pytest-xdist the workers share one set (about a minute of two cores to build): the
    first to ask builds it in the run's common temporary folder, the other waits and reads it.
    """
    if worker_id == "master":
        return build_state_stores(tmp_path_factory.mktemp("states"))
    root = tmp_path_factory.getbasetemp().parent / "states"
    root.mkdir(exist_ok=True)
    built = root / "stores.json"
    with open(root / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            built.write_text(json.dumps(build_state_stores(root)))
    return json.loads(built.read_text())
