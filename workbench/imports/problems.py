"""The problems found in an extract, and the report a data officer reads first.

One mistake can cause thousands of problems: a title row above the header leaves every worker
id "missing", and then every row that names a worker "unknown". So problems that share a file,
a field and an expectation are reported once, with a count and the first few rows; and the
report opens with a summary that can be read in ten seconds: which tables were read, which were
not, and the three things to fix first. Every problem is still kept, for the problems CSV.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workbench.imports.report import BLANKED, blanked_reason

#: The action of a finding that is neither a problem nor a blanked value: the file was read.
NOTE = "note"

#: How many rows a grouped problem names before it says "and N more".
ROWS_NAMED = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an extract, precise enough for a data officer to fix it."""

    file: str
    row: int | None  # spreadsheet row: header is 1; None for a whole-file problem
    field: str
    value: str
    expected: str
    #: ``problem`` (the extract cannot be loaded until it is fixed) or ``blanked`` (a code outside
    #: its list in a field nothing needs: the value is left empty and the row kept), or ``note``.
    action: str = "problem"

    def __str__(self) -> str:
        if self.action == BLANKED:
            shown = f"value {self.value!r}" if self.value != "" else "the empty value"
            where = f"{self.file}, row {self.row}, field '{self.field}'"
            return f"{where}: blanked: {shown} {blanked_reason(self.field, self.expected)}; row kept"
        if self.action == NOTE:
            return f"{self.file}: {self.expected}"
        if self.row is None:
            field_part = f", field '{self.field}'" if self.field else ""
            return f"{self.file}{field_part}: expected {self.expected}"
        where = f"{self.file}, row {self.row}" if self.row is not None else self.file
        field_part = f", field '{self.field}'" if self.field else ""
        value_part = f" value {self.value!r}" if self.value != "" else " empty value"
        return f"{where}{field_part}:{value_part}; expected {self.expected}"


def row_ranges(rows: list[int], named: int = ROWS_NAMED) -> str:
    """Name rows as runs ("rows 2–121, 130"), the first ``named`` runs only, then "and N more rows"."""
    runs: list[list[int]] = []
    for row in sorted(rows):
        if runs and row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    shown = [f"{a}–{b}" if b > a else f"{a}" for a, b in runs[:named]]
    rest = sum(b - a + 1 for a, b in runs[named:])
    more = f" and {rest:,} more" if rest else ""
    return f"row{'s' if len(rows) > 1 else ''} {', '.join(shown)}{more}"


@dataclass(frozen=True)
class ProblemGroup:
    """Problems with one cause: the same file, field and expectation, on one or more rows."""

    problems: tuple[Problem, ...]

    @property
    def count(self) -> int:
        """The number of problems (rows) in the group."""
        return len(self.problems)

    def __str__(self) -> str:
        first = self.problems[0]
        if self.count == 1:
            return str(first)
        rows = [p.row for p in self.problems if p.row is not None]
        values = list(dict.fromkeys(p.value for p in self.problems))
        what = "empty" if values == [""] else f"values such as {', '.join(repr(v) for v in values[:3])}"
        field_part = f"'{first.field}' is " if first.field else ""
        where = f" in {self.count:,} rows ({row_ranges(rows)})" if rows else f" {self.count:,} times"
        if first.action == BLANKED:
            reason = blanked_reason(first.field, first.expected, many=True)
            return f"{first.file}: '{first.field}' holds {what}{where}, which {reason}: blanked, rows kept"
        return f"{first.file}: {field_part}{what}{where}; expected {first.expected}"


def group_problems(problems: Iterable[Problem]) -> list[ProblemGroup]:
    """Group problems by file, field and expectation, in the order they were first found."""
    groups: dict[tuple[str, str, str, str], list[Problem]] = {}
    for problem in problems:
        groups.setdefault((problem.file, problem.field, problem.expected, problem.action), []).append(problem)
    return [ProblemGroup(tuple(members)) for members in groups.values()]


def fix_first(groups: list[ProblemGroup], top: int = 3) -> list[ProblemGroup]:
    """Return the groups to fix first: whole-file and header problems, then those with most rows.

    A file that cannot be read, or a header that is wrong, is the root of everything else in it.
    """
    return sorted(groups, key=lambda g: (g.problems[0].row not in (None, 1), -g.count))[:top]


def notice_lines(notices: list[Problem], shown: int = 20) -> list[str]:
    """Return the lines that list what was read with a note or blanked, each cause once."""
    groups = group_problems(notices)
    lines = [f"  - {group}" for group in groups[:shown]]
    if len(groups) > shown:
        lines.append(f"  ... and {len(groups) - shown:,} more groups")
    return lines


def refusal_report(
    folder: object, problems: list[Problem], tables: list[str], shown: int = 20, notices: list[Problem] = ()
) -> str:
    """Write the report of a refused extract: a ten-second summary, then each problem group.

    ``tables`` are the files the extract should hold, in order; a table with no problem is "read".
    ``notices`` (headers found below a title, values that would be blanked) follow the problems.
    """
    groups = group_problems(problems)
    troubled = list(dict.fromkeys(p.file for p in problems))
    unread = list(
        dict.fromkeys(
            p.file for p in problems if p.row in (None, 1) and not p.expected.startswith("an existing")
        )
    )
    clean = [t for t in tables if t not in troubled]
    counted = f"{len(problems):,} problem(s) in {len(groups):,} group(s)"
    lines = [
        f"extract {folder} was refused: {counted}; nothing was loaded",
        f"  Read without problems: {', '.join(clean) or 'none'}",
    ]
    if unread:
        lines.append(f"  Could not be read: {', '.join(unread)}")
    others = [t for t in troubled if t not in unread]
    if others:
        lines.append(f"  Read, with problems: {', '.join(others)}")
    lines.append("  Fix first:")
    lines += [f"    {n}. {group}" for n, group in enumerate(fix_first(groups), start=1)]
    if len(groups) > 3:
        lines.append("  Every problem, grouped:")
        lines += [f"  - {group}" for group in groups[:shown]]
        if len(groups) > shown:
            lines.append(f"  ... and {len(groups) - shown:,} more groups")
    if notices:
        lines.append("  Read with a note, or blanked (these alone would not refuse the extract):")
        lines += notice_lines(list(notices), shown)
    return "\n".join(lines)
