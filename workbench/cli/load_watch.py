"""Serving pages follow a refresh: a new load recycles Voila's preheated kernels.

:func:`watch_loads` runs inside the Voila server that `workbench serve` starts (the
``WorkbenchKernelManager`` calls it). Every :data:`POLL_S` seconds it reads the store's latest
load id (``MAX(load_id)`` of ``extract_loads``, in a worker thread); when it changes, every
preheated kernel, which ran its page on the old data, is shut down and the pool is filled
again, so the next viewer gets the new figures without a restart. Pages already open keep
their kernel; their ``NewFiguresNotice`` widget (widgets/new_figures.py) tells the viewer to
reload. This module imports no UI package.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

import sqlalchemy as sa
from tornado.ioloop import PeriodicCallback

from workbench.store.changes import latest_load_id
from workbench.store.engine import ENV_VAR

#: Seconds between two looks at the store's latest load.
POLL_S = float(os.environ.get("WORKBENCH_LOAD_POLL_S", "5"))

watch_log = logging.getLogger("workbench.serve")


class LoadWatch:
    """Poll the store's latest load id; on a new load, recycle the manager's preheated kernels."""

    def __init__(self, manager: object, url: str, write_log) -> None:
        self.manager = manager
        self.engine = sa.create_engine(url) if url else None
        self.write_log = write_log
        self.seen: int | None = self.read()
        self.busy = False

    def read(self) -> int | None:
        """Return the latest load id, or None when the store cannot be read just now."""
        if self.engine is None:
            return None
        try:
            return latest_load_id(self.engine)
        except Exception as error:  # a store being written or briefly away: try again next time
            watch_log.debug("latest load id not read: %s", type(error).__name__)
            return None

    async def check(self) -> None:
        """Look at the latest load id once; recycle the preheated kernels when it moved on."""
        if self.busy:
            return
        self.busy = True
        try:
            found = await asyncio.get_running_loop().run_in_executor(None, self.read)
            if found is None or found == self.seen:
                return
            previous, self.seen = self.seen, found
            recycled = await recycle_preheated_kernels(self.manager)
            fields = {"load_id": found, "previous_load_id": previous, "kernels_recycled": recycled}
            self.write_log("new_load", fields)
        finally:
            self.busy = False


async def recycle_preheated_kernels(manager: object) -> int:
    """Shut down every kernel waiting in Voila's preheat pools and fill the pools again.

    The pools are swapped first (no await in between), so a viewer arriving meanwhile gets a
    new kernel, never one that ran on the old data. Returns how many kernels were shut down.
    """
    pools = getattr(manager, "_pools", {})  # Voila keeps its pools here (voila_kernel_manager.py)
    old_tasks = []
    for notebook, pool in list(pools.items()):
        old_tasks += pool[:]
        pool.clear()
        manager.fill_if_needed(delay=0, notebook_name=notebook)
    recycled = 0
    for task in old_tasks:
        try:
            kernel_id = (await task)["kernel_id"]
        except Exception:  # noqa: S112 - a kernel that never started needs no stopping
            continue
        with contextlib.suppress(Exception):
            await manager.shutdown_kernel(kernel_id)
            recycled += 1
    return recycled


def watch_loads(manager: object, write_log) -> LoadWatch | None:
    """Start polling the store of ``$WORKBENCH_STORE`` for new loads; return the watch."""
    url = os.environ.get(ENV_VAR, "")
    if not url:
        return None
    watch = LoadWatch(manager, url, write_log)
    PeriodicCallback(watch.check, POLL_S * 1000).start()
    return watch
