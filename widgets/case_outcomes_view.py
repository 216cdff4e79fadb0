"""One case's desired outcomes with what is being done for each, as a widget.

Shown on the team lead's page (the chosen child), in supervision and on the outcome plan page;
the table itself is :func:`workbench.practice.case_outcomes.case_outcomes_html`, which the audit
case file and the supervision pack draw too.
"""

from __future__ import annotations

import ipywidgets as W

from workbench.practice.case_outcomes import CaseOutcomes, case_outcomes_html


class CaseOutcomesView(W.HTML):
    """The table of one case's outcomes and help; :meth:`show` puts a case in it (``case`` holds it)."""

    def __init__(self, case: CaseOutcomes | None = None, empty: str = "No child chosen.") -> None:
        self.case = case
        self.empty = empty
        super().__init__(case_outcomes_html(case, empty))
        self.add_class("wb-case-help")

    def show(self, case: CaseOutcomes | None) -> None:
        """Show ``case`` (None: the empty words)."""
        self.case = case
        self.value = case_outcomes_html(case, self.empty)
