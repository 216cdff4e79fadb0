"""A refusal lists the first problems and counts the rest; every problem is kept."""

from workbench.core.errors import SHOWN_PROBLEMS, RefusedError


def test_a_refusal_shows_the_first_problems_and_counts_the_rest():
    error = RefusedError("extract x was refused", [f"row {n}" for n in range(1, 26)], "loaded")
    lines = str(error).splitlines()
    assert lines[0] == "extract x was refused: 25 problem(s); nothing was loaded"
    assert lines[1:SHOWN_PROBLEMS + 1] == [f"  - row {n}" for n in range(1, SHOWN_PROBLEMS + 1)]
    assert lines[-1] == "  ... and 5 more"
    assert len(error.problems) == 25


def test_a_short_refusal_has_no_more_line():
    assert str(RefusedError("audits in a.xlsx were refused", ["one"], "imported")).splitlines() == [
        "audits in a.xlsx were refused: 1 problem(s); nothing was imported",
        "  - one",
    ]
