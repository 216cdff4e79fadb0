"""The rig helpers the dashboards benchmark leans on: preheated pages that wait for a request, redraws.

``wait_for_preheated_page`` must return once a preheated dashboard has read its store and waits
in ``viewer_identity()`` for the viewer (its last cells cannot run before a request), and
``wait_for_chart_to_change`` must see a new chart whose title changed even when its marks did not.
"""

from __future__ import annotations

import json
import re

import pytest

from workbench.cli.serving import DASHBOARDS_DIR

from .rig import (
    FIXTURES,
    chart_drawing,
    kernel_waits_for_request,
    kernels_waiting_for_request,
    mark_labels,
    wait_for_chart,
    wait_for_chart_to_change,
    wait_for_marks_to_change,
    wait_for_preheated_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SUPERVISION = DASHBOARDS_DIR / "supervision.ipynb"
NOTEBOOK = FIXTURES / "offline_chart.ipynb"
CHART = ".wb-fixture-chart"


def code_cells(notebook) -> int:
    cells = json.loads(notebook.read_text())["cells"]
    return sum(1 for cell in cells if cell["cell_type"] == "code" and "".join(cell["source"]))


def test_a_preheated_dashboard_is_ready_when_its_kernel_waits_for_the_viewer(voila, page):
    server = voila(SUPERVISION, preheat=True, ready_timeout=120)
    wait_for_preheated_page(server, timeout=180)

    waiting = set(kernels_waiting_for_request(server))
    assert waiting
    # Its last cell has not run: the kernel is held in viewer_identity() until a page is asked for.
    assert len(re.findall(r"Executing cell:", server.log_text())) < code_cells(SUPERVISION)
    page.goto(server.url, wait_until="commit")
    wait_for_chart(page, within=".wb-supervision-chart", timeout=120_000)
    assert "Using pre-heated kernel" in server.log_text()
    # The request reached that kernel, and it went on. (The pool's replacement kernel may be
    # waiting by now, on a busy machine: it is another process.)
    assert not waiting & set(kernels_waiting_for_request(server))


def test_a_notebook_that_never_waits_is_ready_when_every_cell_ran(voila):
    server = voila(NOTEBOOK, preheat=True)
    wait_for_preheated_page(server, timeout=120)

    assert not kernel_waits_for_request(server)
    assert len(re.findall(r"Executing cell:", server.log_text())) == code_cells(NOTEBOOK)


def test_a_chart_is_drawn_anew_when_its_title_or_its_marks_change(voila, page):
    server = voila(NOTEBOOK)
    page.goto(server.url)
    wait_for_chart(page, within=CHART)
    before = chart_drawing(page, within=CHART)
    assert before == ["Reviews by domain: All teams", *mark_labels(page, within=CHART)]

    page.select_option(".wb-fixture-filter select", label="North")
    after = wait_for_chart_to_change(page, before, within=CHART)
    assert after[0] == "Reviews by domain: North" and after[1:] == mark_labels(page, within=CHART)

    # The same marks under a new title: a new chart here, none to mark_labels alone.
    page.evaluate(f"document.querySelector('{CHART} svg.marks .role-title-text text').textContent = 'Other'")
    assert wait_for_chart_to_change(page, after, within=CHART)[0] == "Other"
    with pytest.raises(Exception, match="Timeout"):
        wait_for_marks_to_change(page, after[1:], timeout=1_000, within=CHART)
