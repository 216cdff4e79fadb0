"""Check statutory returns without loading them: one entry point for every kind.

``workbench check ssda903|cin|annex-a PATH...`` and the import notebook use this. A file that
is not of the kind at all is *refused* (a whole-file rejection); otherwise every row is
accepted or rejected with its reason, and the report says how many of each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from workbench.imports.annex_a import AnnexAError, parse_annex_a
from workbench.imports.cin_census import CinCensusError, parse_cin_census
from workbench.imports.report import ParsedFile, Rejection
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
