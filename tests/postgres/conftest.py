"""A throwaway PostgreSQL server for the store tests, started from Debian's binaries.

The store must work on PostgreSQL (the supported server for a team deployment), so these
tests run against a real one: a new cluster in a temporary folder, on a free loopback port,
stopped at the end. ``make test`` installs the server package when it is missing and sets
``WORKBENCH_REQUIRE_POSTGRES=1`` so a missing server fails CI instead of skipping quietly.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from workbench.store.engine import Store


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """Start a PostgreSQL cluster for the session; yield a SQLAlchemy URL to an empty database."""
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("WORKBENCH_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL server binaries not found; install Debian's postgresql package")
        pytest.skip("PostgreSQL server binaries not found (install Debian's postgresql package)")
    as_root = os.geteuid() == 0
    # PostgreSQL refuses to run as root: run it as the postgres user, in a folder it owns.
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    home = Path(tempfile.mkdtemp(prefix="workbench-pg-"))
    if as_root:
        shutil.chown(home, user="postgres")
    data, port = home / "data", _free_port()
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "workbench",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(home / "log"),
            "-w",
            "start",
            "-o",
            f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off",
        ],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "workbench",
                "workbench_test",
            ],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://workbench@127.0.0.1:{port}/workbench_test"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        time.sleep(0.1)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def pg_store(postgres_url):
    """A store on the session's PostgreSQL database, emptied again after the test."""
    store = Store(postgres_url)
    yield store
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    store.engine.dispose()
