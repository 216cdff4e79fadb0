"""Stores in every partial state (``workbench.states``), built once per session from the demo extract."""

from __future__ import annotations

import pytest

from workbench.cli.serving import PROJECT_DIR
from workbench.states import STATES, write_partial_extract
from workbench.store.engine import Store
from workbench.store.loading import load_extract

DEMO_EXTRACT = PROJECT_DIR / "data" / "demo"


@pytest.fixture(scope="session")
def state_stores(tmp_path_factory) -> dict[str, str]:
    """The URL of a store per state: ``empty`` (nothing loaded) and every state in ``STATES``."""
    root = tmp_path_factory.mktemp("states")
    urls = {"empty": f"sqlite:///{root / 'empty.sqlite'}"}
    Store(urls["empty"])
    for name, state in STATES.items():
        write_partial_extract(DEMO_EXTRACT, root / name, state)
        urls[name] = f"sqlite:///{root / f'{name}.sqlite'}"
        load_extract(Store(urls[name]), root / name)
    return urls
