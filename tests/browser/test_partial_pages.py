"""Pages on partial data in Chromium: an empty store and a store with no audits (issue 19).

One Voila server per state walks the audit page and the service overview. Each must render
with no error cell and no traceback, and say in words what is missing. Every dashboard on
every state is run by ``tests/states/test_pages_on_partial_states.py``, without a browser.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench.cli.serving import DASHBOARDS_DIR

from .rig import (
    SCREENSHOTS,
    VoilaServer,
    assert_no_error_output,
    screenshot_whole,
    start_voila,
    wait_for_voila_rendered,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

#: No deployment identity: the demo identities decide who is looking (the Head of Practice Improvement).
DEMO = {"WORKBENCH_IDENTITY_FILE": None, "WORKBENCH_USER": None, "WORKBENCH_TRUST_PROXY_HEADER": None,
        "JUPYTERHUB_USER": None, "WORKBENCH_DEMO_USER": None}  # fmt: skip

#: For each state, what the audit page and the service overview must say.
SAYS = {
    "empty": {
        "audit.ipynb": "Nothing has been loaded yet",
        "service-overview.ipynb": "Nothing has been loaded yet",
    },
    "no-audits": {"audit.ipynb": "No audits yet: audit a case on the first tab"},
}


@pytest.fixture(scope="module", params=list(SAYS))
def served_state(request, tmp_path_factory, state_stores) -> Iterator[tuple[str, VoilaServer]]:
    """The dashboards served on one partial state's store."""
    env = {**DEMO, "WORKBENCH_STORE": state_stores[request.param]}
    with start_voila(DASHBOARDS_DIR, tmp_path_factory.mktemp(f"voila-{request.param}"), env=env) as server:
        yield request.param, server


def test_pages_on_partial_data_render_and_say_what_is_missing(served_state, page):
    state, server = served_state
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in ("audit.ipynb", "service-overview.ipynb"):
        page.goto(server.notebook_url(name), wait_until="commit")
        wait_for_voila_rendered(page, timeout=120_000)
        assert_no_error_output(page)
        if name == "audit.ipynb":
            page.get_by_role("tab", name="Findings").click()
        note = page.locator(".wb-missing").filter(has_text=SAYS[state].get(name, "")).first
        if name in SAYS[state]:
            note.wait_for(state="visible", timeout=30_000)
            assert SAYS[state][name] in note.inner_text()
        elif name == "service-overview.ipynb":
            page.locator(".wb-service-dashboard").wait_for(state="visible", timeout=60_000)
        screenshot_whole(page, SCREENSHOTS / f"partial-{state}-{name.removesuffix('.ipynb')}.png")
