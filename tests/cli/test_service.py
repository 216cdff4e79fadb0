"""The pieces `workbench serve` adds inside Voila: log lines, page names, viewers and culling settings."""

import socket

import click
import pytest
from click.testing import CliRunner

from workbench.cli.app import main
from workbench.cli.service import log_line, page_of, page_view_line, store_health, viewer_of
from workbench.cli.serving import culling_settings, refuse_a_taken_port
from workbench.store.engine import Store
from workbench.store.loading import load_extract


def test_a_log_line_has_a_fixed_prefix_and_quotes_values_that_would_split_it():
    line = log_line("page_refused", {"page": "team-lead.ipynb", "viewer": None, "reason": 'no "X" header'})
    prefix, stamp, fields = line.split(" ", 2)
    assert prefix == "workbench-serve"
    assert stamp.endswith("Z")
    assert fields == 'event=page_refused page=team-lead.ipynb viewer=- reason="no \\"X\\" header"'
    assert "\n" not in log_line("x", {"reason": "two\nlines"})


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/voila/render/team-lead.ipynb", "team-lead.ipynb"),
        ("/voila/render/sub%20dir/a.ipynb", "sub dir/a.ipynb"),
        ("/voila/static/main.js", None),
        ("/api/kernels/abc/channels", None),
        ("/workbench/health", None),
    ],
)
def test_only_a_page_request_is_a_page_view(path, page):
    assert page_of(path) == page


def test_a_single_served_notebook_is_its_root():
    assert page_of("/", "team-lead.ipynb") == "team-lead.ipynb"
    assert page_of("/") is None


def test_the_viewer_is_decided_as_the_page_decides(tmp_path):
    identities = tmp_path / "ids.yaml"
    identities.write_text("users:\n  ann: {role: team_lead, team_id: T16}\n")
    served = {"WORKBENCH_TRUST_PROXY_HEADER": "X-Workbench-User", "WORKBENCH_IDENTITY_FILE": str(identities)}
    assert viewer_of({"X-Workbench-User": "ann"}, served) == ("ann", None)
    user, refusal = viewer_of({"X-Workbench-User": "bob"}, served)
    assert user == "bob" and "bob" in refusal
    assert viewer_of({}, served)[1].startswith("the authenticating proxy did not send")
    assert viewer_of({}, {"WORKBENCH_DEMO_USER": "demo-team-lead"}) == ("demo-team-lead", None)


def test_a_page_view_line_says_shown_refused_or_failed():
    shown = page_view_line(page="p.ipynb", user="ann", refusal=None, status=200, seconds=2.345, first_output=1.2)
    assert shown == (
        "page_view",
        {"page": "p.ipynb", "viewer": "ann", "outcome": "shown", "status": 200, "first_output_s": "1.20",
         "render_s": "2.35"},
    )  # fmt: skip
    refused = page_view_line(page="p.ipynb", user="bob", refusal="not in the file", status=200, seconds=1)
    assert refused[0] == "page_refused"
    assert refused[1]["outcome"] == "refused"
    assert page_view_line(page="p", user="a", refusal=None, status=500, seconds=1)[1]["outcome"] == "failed"


def test_culling_is_checked_often_enough_for_its_limit():
    assert culling_settings(1800) == (
        "--MappingKernelManager.cull_idle_timeout=1800",
        "--MappingKernelManager.cull_interval=180",
    )
    assert culling_settings(2)[1] == "--MappingKernelManager.cull_interval=1"
    with pytest.raises(ValueError, match="at least 1 second"):
        culling_settings(0)


def test_a_taken_port_is_refused_with_a_clear_message():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(click.ClickException, match=f"port {port} on 127.0.0.1 is in use"):
            refuse_a_taken_port("127.0.0.1", port)
    refuse_a_taken_port("127.0.0.1", port)  # free again once its holder closed


def test_a_made_up_header_cannot_forge_a_log_line():
    line = log_line("page_refused", {"viewer": "x\r\nworkbench-serve fake event=page_view"})
    assert "\r" not in line and "\n" not in line
    assert line.count("event=") == 2  # the forged one is inside a quoted value
    assert line.endswith('viewer="x\\r\\nworkbench-serve fake event=page_view"')


def test_status_says_when_no_server_answers():
    with socket.socket() as holder:  # a port with nothing listening
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    result = CliRunner().invoke(main, ["status", "--port", str(port)])
    assert result.exit_code == 1
    assert f"no workbench serve answers at http://127.0.0.1:{port}/workbench/health" in result.output


def test_the_health_check_reads_a_store_and_never_creates_one(tmp_path, handworked_dir):
    missing = tmp_path / "gone.sqlite"
    assert store_health(f"sqlite:///{missing}") == {"opens": False, "latest_date_in_data": None}
    assert not missing.exists()
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, handworked_dir)
    assert store_health(store.url) == {"opens": True, "latest_date_in_data": store.latest_record_date()}


def test_every_dashboard_has_one_cell_that_waits_for_its_viewer_and_only_it_has_no_timeout():
    """A pooled kernel waits in that cell for hours; the other cells keep the executor's timeout."""
    import json

    from workbench.cli.service import CellTimeout
    from workbench.cli.serving import DASHBOARDS_DIR

    timeout = CellTimeout(300)
    for notebook in sorted(DASHBOARDS_DIR.glob("*.ipynb")):
        cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
        timeouts = [timeout({"source": "".join(c["source"])}) for c in cells]
        assert timeouts.count(None) == 1, notebook.name
        assert set(timeouts) == {None, 300}, notebook.name
    assert timeout("page = viewer_page(lambda viewer: View(viewer))") is None  # nbclient's documented form
    assert timeout("store = open_store()  # the page's viewer_pages") == 300
    assert CellTimeout(None)("x = 1") is None
