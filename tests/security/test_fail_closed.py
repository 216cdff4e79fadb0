"""Fail closed (issue 15, finding 3): a store that is not the demo, with no identity file, is not served."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tests.browser.rig import ROOT, _free_loopback_port
from workbench.store.engine import Store
from workbench.store.loading import load_extract


def test_a_non_demo_store_with_no_identity_file_cannot_be_served(handworked_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'real.sqlite'}"
    load_extract(Store(url), handworked_dir)  # a real authority's load: no demo mark
    port = _free_loopback_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBENCH_IDENTITY", "WORKBENCH_USER"))}
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "serve", "--store", url, "--port", str(port), "--no-preheat"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=env,
    )  # fmt: skip
    assert done.returncode == 1
    assert "refusing to serve: this store is not the demo" in done.stderr
    assert "--identity-file" in done.stderr  # says what to configure
    with socket.socket() as probe:  # and nothing listens
        assert probe.connect_ex(("127.0.0.1", port)) != 0
