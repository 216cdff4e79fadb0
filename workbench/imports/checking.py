"""Check statutory returns without loading them: one entry point for every kind.

``workbench check ssda903|cin|annex-a PATH...`` and the import notebook use this. A file that
is not of the kind at all is *refused* (a whole-file rejection); otherwise every row is
accepted or rejected with its reason, and the report says how many of each. A row is rejected
only when its key or a field a measure reads cannot be used; a bad value anywhere else is
blanked and the row kept, and the report lists it as blanked.

:func:`check_report` words it for a data officer: a summary per file first (rows kept and
rejected, values blanked, the three things to fix first), then each cause once, with a count
and the first rows, rather than a line per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from workbench.imports.annex_a import AnnexAError, parse_annex_a
from workbench.imports.cin_census import CinCensusError, parse_cin_census
from workbench.imports.problems import row_ranges
from workbench.imports.report import BLANKED, FOLLOWS, NOTED, REJECTED, ParsedFile, Rejection, blanked_reason
from workbench.imports.ssda903 import parse_ssda903


def _ssda903(paths: Sequence[Path], year: int | None) -> list[ParsedFile]:

    return parse_ssda903(list(paths), year)


def _cin(paths: Sequence[Path], year: int | None) -> list[ParsedFile]:

    parsed = []
    for path in paths:
        try:
            parsed.append(parse_cin_census(path, year))
        except CinCensusError as error:
            parsed.append(_refused(path, "cin", year, str(error)))
    return parsed


def _refused(path: Path, kind: str, year: int | None, message: str) -> ParsedFile:
    """Turn a parser's refusal ("name: what was found; expected ...") into a whole-file rejection."""
    found, _, expected = message.removeprefix(f"{path.name}: ").partition("; expected ")
    refusal = ParsedFile(path, kind, year)
    value, expected = (found, expected) if expected else ("", found)
    refusal.rejections.append(Rejection(path.name, "", None, "(file)", "", value, expected))
    return refusal


def _annex_a(paths: Sequence[Path], year: int | None) -> list[ParsedFile]:

    parsed = []
    for path in paths:
        try:
            parsed.append(parse_annex_a(path, year))
        except AnnexAError as error:
            parsed.append(_refused(path, "annex-a", year, str(error)))
    return parsed


#: The statutory kinds, and how each is parsed.
PARSERS: dict[str, Callable[[Sequence[Path], int | None], list[ParsedFile]]] = {
    "ssda903": _ssda903,
    "cin": _cin,
    "annex-a": _annex_a,
}


def check_files(
    kind: str,
    paths: Sequence[Path],
    year: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> list[ParsedFile]:
    """Parse ``paths`` as statutory files of ``kind``; never raises for bad data.

    ``on_step(done, total)`` hears how far checking has gone: a column at a time for SSDA903
    CSV tables, otherwise once a file is read.
    """
    if kind not in PARSERS:
        raise ValueError(f"no statutory kind {kind!r}; kinds are {', '.join(PARSERS)}")
    heard: list[tuple[int, int]] = []

    def step(done: int, total: int) -> None:
        heard.append((done, total))
        on_step(done, total)

    if kind == "ssda903" and on_step is not None:
        parsed = parse_ssda903(list(paths), year, on_progress=step)
    else:
        parsed = PARSERS[kind](paths, year)
    if on_step is not None and (not heard or heard[-1][0] < heard[-1][1]):
        on_step(1, 1)  # XML, a workbook, or a refused file: read whole, at once
    return parsed


def is_refused(parsed: ParsedFile) -> bool:
    """Return whether a whole file was refused (nothing in it could be read as this kind)."""
    return not any(len(frame) for frame in parsed.tables.values()) and any(
        r.row is None for r in parsed.rejections
    )


def counts_frame(parsed: Sequence[ParsedFile]) -> pd.DataFrame:
    """Return rows read, accepted and rejected per file and table."""
    frames = [p.counts().assign(file=p.path.name) for p in parsed]
    if not frames:
        return pd.DataFrame(columns=["file", "table", "read", "accepted", "rejected"])
    return pd.concat(frames, ignore_index=True)[["file", "table", "read", "accepted", "rejected"]]


def rejections_frame(parsed: Sequence[ParsedFile]) -> pd.DataFrame:
    """Return every rejection of every file, for the officer's CSV."""
    return pd.concat([p.rejections_frame() for p in parsed], ignore_index=True) if parsed else pd.DataFrame()


#: How a group of findings is headed in the report, in the order the groups are shown.
_SECTIONS = {
    REJECTED: "Rows rejected (nothing of them was kept):",
    BLANKED: "Values blanked (the field is left empty; the row was kept):",
    NOTED: "Notes (nothing rejected because of them):",
}


def _group(found: Sequence[Rejection]) -> list[list[Rejection]]:
    """Group findings with one cause: the same file, table, field, expectation and action."""
    groups: dict[tuple[str, str, str, str, str], list[Rejection]] = {}
    for item in found:
        groups.setdefault((item.file, item.table, item.field, item.expected, item.action), []).append(item)
    return list(groups.values())


def describe_group(group: Sequence[Rejection]) -> str:
    """Word one group of findings: once, with how many rows and the first of them."""
    first = group[0]
    if len(group) == 1:
        return str(first)
    rows = [item.row for item in group if item.row is not None]
    sheets = list(dict.fromkeys(item.sheet for item in group if item.sheet))
    where = first.file + (f" [{sheets[0]}]" if len(sheets) == 1 else "")
    where += f", {row_ranges(rows)} ({len(group):,} rows)" if rows else f" ({len(group):,} times)"
    where += f", field '{first.field}'" if first.field else ""
    values = list(dict.fromkeys(item.value for item in group))
    if values == [""]:
        what = "empty values"
    elif len(values) == 1:
        what = f"the value {values[0]!r}"
    else:
        what = f"values such as {', '.join(repr(v) for v in values[:3])}"
    if first.action == BLANKED:
        reason = blanked_reason(first.field, first.expected, many=len(values) > 1)
        return f"{where}: blanked: {what} {reason}; rows kept"
    verdict = " rejected:" if first.action == REJECTED else ""
    return f"{where}:{verdict} {what}; expected {first.expected}"


def _fix_first(parsed: ParsedFile, top: int = 3) -> list[list[Rejection]]:
    """Return the groups to fix first: refusals, rejected rows (most first), then blanked values."""
    order = {REJECTED: 0, BLANKED: 1, NOTED: 2}
    # Rows rejected only because another row was are fixed with it: never ask for them first.
    groups = [g for g in _group([*parsed.rejections, *parsed.blanked]) if not g[0].expected.endswith(FOLLOWS)]
    return sorted(groups, key=lambda g: (order.get(g[0].action, 0), g[0].row is not None, -len(g)))[:top]


def _summary(parsed: ParsedFile) -> str:
    counts = parsed.counts()
    tables = counts[counts["read"] > 0]
    kept, rejected = int(tables["accepted"].sum()), int(tables["rejected"].sum())
    blanked = f"; {len(parsed.blanked):,} value(s) blanked in kept rows" if parsed.blanked else ""
    whole = ", ".join(f"{t} ({r:,})" for t, r in zip(tables["table"], tables["rejected"], strict=True)
                      if r and r == int(tables.loc[tables["table"] == t, "read"].iloc[0]))  # fmt: skip
    lost = f"; every row rejected in {whole}" if whole else ""
    return f"{parsed.path.name}: {kept:,} row(s) kept, {rejected:,} rejected{blanked}{lost}"


def check_report(parsed: Sequence[ParsedFile], shown: int = 20) -> list[str]:
    """Return the lines of the check report: a summary per file, then each cause once.

    When the things to fix first are all there is, they are not listed a second time.
    """
    lines = []
    listed = 0
    for one in parsed:
        if is_refused(one):
            lines.append(f"{one.path.name}: refused, nothing read: {one.rejections[0]}")
            continue
        lines.append(_summary(one))
        fix = _fix_first(one)
        listed += len(fix)
        if fix:
            lines.append("  Fix first:")
            lines += [f"    {n}. {describe_group(group)}" for n, group in enumerate(fix, start=1)]
    read = [one for one in parsed if not is_refused(one)]
    found = [item for one in read for item in [*one.rejections, *one.blanked]]
    sections = {action: _group([item for item in found if item.action == action]) for action in _SECTIONS}
    if sum(len(groups) for groups in sections.values()) <= listed:
        return lines
    for action, groups in sections.items():
        if not groups:
            continue
        lines.append(_SECTIONS[action])
        lines += [f"  - {describe_group(group)}" for group in groups[:shown]]
        if len(groups) > shown:
            lines.append(f"  ... and {len(groups) - shown:,} more (every one is in the problems CSV)")
    return lines
