"""Print the statement reader's held-back figures in pytest's own summary, with or without ``-s``."""

from __future__ import annotations

import pytest

#: Where the held-back test leaves its report lines for the terminal summary.
REPORT_KEY = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter, config):
    """Write the held-back figures as a section of the session summary."""
    lines = config.stash.get(REPORT_KEY, [])
    if lines:
        terminalreporter.write_sep("=", "statement reader on the held-back statements")
        for line in lines:
            terminalreporter.write_line(line)
