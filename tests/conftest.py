"""Fixtures for every test folder: a hand-worked extract and empty stores in temporary folders.

The folders under ``tests/`` mirror ``workbench/`` (and ``widgets/``); ``tests/browser`` drives
real Voila servers, and ``tests/postgres`` runs the store on a throwaway PostgreSQL cluster.
"""

from __future__ import annotations

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
def state_stores(tmp_path_factory) -> dict[str, str]:
    """A store per partial state (``workbench.states``) and ``empty``, built once: name -> URL."""
    return build_state_stores(tmp_path_factory.mktemp("states"))
