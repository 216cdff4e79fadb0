"""Errors every importer shares: a file refused whole, with every problem listed."""

from __future__ import annotations

from collections.abc import Sequence

#: How many problems a refusal's message lists before "... and N more".
SHOWN_PROBLEMS = 20


class RefusedError(ValueError):
    """Input refused whole (all or nothing): the message says what, how many problems, and the first few.

    ``problems`` keeps every one, for a report or a CSV.
    """

    def __init__(self, what: str, problems: Sequence[object], nothing_was: str) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:SHOWN_PROBLEMS])
        extra = len(self.problems) - SHOWN_PROBLEMS
        more = f"\n  ... and {extra} more" if extra > 0 else ""
        super().__init__(
            f"{what}: {len(self.problems)} problem(s); nothing was {nothing_was}\n{shown}{more}"
        )
