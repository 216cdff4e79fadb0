"""Fail closed (issue 15, finding 3): a store that is not the demo, with no identity file, is not served.

Neither by `workbench serve` nor by a kernel that runs a dashboard without it (Voila or a notebook
started by hand).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import nbformat
from nbclient import NotebookClient

from tests.browser.rig import ROOT, _free_loopback_port
from workbench.cli.serving import DASHBOARDS_DIR
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


def test_a_dashboard_run_by_hand_on_a_non_demo_store_refuses_the_demo_identities(
    handworked_dir, tmp_path, monkeypatch
):
    """The kernel fails closed too: the team lead dashboard, executed as Voila (or a notebook) runs it.

    No `workbench serve` in front: a kernel on a real authority's store with no identity file
    shows the refusal saying what to configure, never the demo Head of Practice Improvement's
    page. Then, in the same kernel, the configured way (an identity file and WORKBENCH_USER, as
    the Head of Practice Improvement's JupyterLab does it) shows the page.
    """
    url = f"sqlite:///{tmp_path / 'real.sqlite'}"
    load_extract(Store(url), handworked_dir)  # no demo mark
    (tmp_path / "ids.yaml").write_text("users:\n  hopi: {role: head_of_practice_improvement, name: Ann}\n")
    monkeypatch.setenv("WORKBENCH_STORE", url)  # the kernel inherits it
    for name in ("WORKBENCH_IDENTITY_FILE", "WORKBENCH_USER", "WORKBENCH_TRUST_PROXY_HEADER",
                 "JUPYTERHUB_USER", "WORKBENCH_DEMO_USER"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    dashboard = [c.source for c in nbformat.read(DASHBOARDS_DIR / "team-lead.ipynb", as_version=4).cells
                 if c.cell_type == "code"]  # fmt: skip
    configure = (
        "import os\n"
        f"os.environ['WORKBENCH_IDENTITY_FILE'] = {str(tmp_path / 'ids.yaml')!r}\n"
        "os.environ['WORKBENCH_USER'] = 'hopi'"
    )
    show = "print('PAGE', type(page).__name__, getattr(page, 'value', ''))"
    cells = [*dashboard, show, configure, dashboard[1], show]
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source, id=f"cell-{n}") for n, source in enumerate(cells)]
    )
    NotebookClient(notebook, timeout=180, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(DASHBOARDS_DIR)}}).execute()  # fmt: skip
    printed = [
        "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
        for cell in notebook.cells
    ]
    refused, served = printed[len(dashboard)], printed[-1]
    assert refused.startswith("PAGE HTML"), refused
    assert "You cannot see this dashboard" in refused and "not the demo" in refused
    assert "WORKBENCH_IDENTITY_FILE" in refused  # says what to configure
    assert served.startswith("PAGE TeamLeadView"), (served, [c.outputs for c in notebook.cells])
