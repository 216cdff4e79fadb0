"""docs/deploy.md's systemd units and container recipe call `workbench serve` with options it has."""

import json
import re
import shlex
from pathlib import Path

import pytest

from workbench.cli.serving import serve

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def serve_invocations() -> list[list[str]]:
    """Every `workbench serve ...` command line in the unit files and the container recipe."""
    text = DEPLOY.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```(?:ini|dockerfile)\n(.*?)```", text, re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            if line.startswith("ExecStart=") and " serve " in line:
                found.append(shlex.split(line.removeprefix("ExecStart=")))
            elif line.startswith("ENTRYPOINT "):
                found.append(json.loads(line.removeprefix("ENTRYPOINT ")))
    return found


def test_the_documented_units_start_serve_with_real_options():
    invocations = serve_invocations()
    assert len(invocations) == 2, "the systemd unit and the container"
    known = {opt for param in serve.params for opt in param.opts}
    for command in invocations:
        assert command[command.index("serve") - 1].endswith("workbench")
        options = {arg for arg in command if arg.startswith("--")}
        assert options <= known, f"not options of workbench serve: {sorted(options - known)}"


@pytest.mark.parametrize("name", ["workbench.service", "workbench-refresh.service", "workbench-refresh.timer"])
def test_each_unit_file_is_written_out(name):
    assert f"# /etc/systemd/system/{name}\n" in DEPLOY.read_text(encoding="utf-8")
