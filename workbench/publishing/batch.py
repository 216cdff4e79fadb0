"""Publishing packs in a batch: one page per worker, in one or two processes, optionally printed to PDF."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from workbench.measures.service_data import ServiceData
from workbench.practice.appraisal import audit_frame, build_appraisal
from workbench.practice.supervision import (
    Caseloads,
    load_caseloads,
    supervision_records,
)
from workbench.publishing.appraisal_pack import render_appraisal_page
from workbench.publishing.audience import AUDIENCES, KINDS, PublishError
from workbench.publishing.supervision_pack import render_supervision_page
from workbench.store.engine import Store

CHROMIUM = Path("/usr/bin/chromium")


CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


#: The most processes publishing uses (the deployment machine has two cores).
MAX_PROCESSES = 2


def select_workers(
    caseloads: Caseloads, worker: str | None = None, team: str | None = None, everyone: bool = False
) -> list[str]:
    """Return the workers to publish for: one worker, a team's workers with a caseload at D, or all with one.

    A named worker is always published (a page with no children says so); a team or the whole
    service means the workers with at least one child allocated at D.
    """
    chosen = sum(bool(x) for x in (worker, team, everyone))
    if chosen != 1:
        raise PublishError("choose exactly one of --worker ID, --team ID or --all")
    known = set(caseloads.workers["worker_id"])
    if worker:
        if worker not in known:
            raise PublishError(f"no worker {worker!r} in the store")
        return [worker]
    with_caseload = caseloads.workers_with_caseload()
    if team:
        team_workers = caseloads.workers.loc[caseloads.workers["team_id"] == team, "worker_id"]
        if team_workers.empty:
            raise PublishError(f"no team {team!r} in the store (or it has no workers)")
        return sorted(set(team_workers) & set(with_caseload))
    return with_caseload


def default_audience(worker: str | None) -> str:
    """Return the audience when none is given: internal for one worker, shared for a team or all."""
    return "internal" if worker else "shared"


def pack_name(kind: str, worker_id: str, at: date, audience: str) -> str:
    """Return the file name of a pack page."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in worker_id)
    return f"{kind}-{safe}-{at:%Y-%m-%d}-{audience}.html"


@dataclass
class _Job:
    kind: str
    audience: str
    out: Path
    store_url: str


def _start_process(context: dict[str, object]) -> None:
    _CONTEXT.clear()
    _CONTEXT.update(context)
    job: _Job = context["job"]  # type: ignore[assignment]
    if job.kind == "appraisal":
        store = Store(job.store_url)
        _CONTEXT["service"] = ServiceData(store)
        _CONTEXT["audits"] = audit_frame(store)


def _render_one(worker_id: str) -> Path:
    job: _Job = _CONTEXT["job"]  # type: ignore[assignment]
    at: date = _CONTEXT["at"]  # type: ignore[assignment]
    if job.kind == "supervision":
        caseloads: Caseloads = _CONTEXT["caseloads"]  # type: ignore[assignment]
        view = caseloads.view(worker_id)
        records = _CONTEXT.get("records")
        mine = None
        if job.audience == "internal" and isinstance(records, pd.DataFrame):
            mine = records[records["worker_id"] == worker_id]
        text = render_supervision_page(view, job.audience, mine)
    else:
        appraisal = build_appraisal(_CONTEXT["service"], worker_id, at, _CONTEXT["audits"])  # type: ignore[arg-type]
        text = render_appraisal_page(appraisal, job.audience)
    path = job.out / pack_name(job.kind, worker_id, at, job.audience)
    path.write_text(text, encoding="utf-8")
    return path


def print_pdf(page_path: Path, chromium: Path = CHROMIUM) -> Path:
    """Print a pack page to PDF beside it with headless Chromium; return the PDF's path."""
    if not chromium.exists():
        raise PublishError(f"{chromium} not found: install Chromium (apt-get install chromium) to make PDFs")
    pdf = page_path.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="wb-chromium-") as profile:
        command = [
            str(chromium), *CHROMIUM_ARGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", page_path.resolve().as_uri(),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, timeout=120, check=False)
    if done.returncode != 0 or not pdf.exists():
        raise PublishError(
            f"Chromium could not print {page_path}: {done.stderr.decode(errors='replace')[-500:]}"
        )
    return pdf


def publish(
    store: Store,
    kind: str,
    at: date | str,
    out: Path,
    *,
    worker: str | None = None,
    team: str | None = None,
    everyone: bool = False,
    audience: str | None = None,
    pdf: bool = False,
    progress: bool = True,
    processes: int = 1,
    on_page: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write one pack page per chosen worker into ``out``; return the pages (and PDFs) written.

    ``audience`` defaults to internal for ``worker`` and shared for ``team`` and ``everyone``.
    ``processes`` (at most :data:`MAX_PROCESSES`) renders pages in parallel.
    """
    audience = _checked_audience(kind, audience, worker)
    at = pd.Timestamp(at).date()
    caseloads = load_caseloads(store, at)
    workers = select_workers(caseloads, worker, team, everyone)
    out.mkdir(parents=True, exist_ok=True)
    context: dict[str, object] = {
        "job": _Job(kind, audience, out, store.url),
        "at": at,
        "caseloads": caseloads,
    }
    if kind == "supervision" and audience == "internal":
        context["records"] = supervision_records(store)
    processes = max(1, min(int(processes), MAX_PROCESSES, len(workers) or 1))
    written = sorted(_render_all(context, workers, processes, f"{kind} packs", progress))
    if pdf:
        written += _print_pdfs(written, progress)
    for path in written:
        if on_page:
            on_page(path)
    return written


def _checked_audience(kind: str, audience: str | None, worker: str | None) -> str:
    """Return the pack's audience (its default if not given), refusing an unknown kind or audience."""
    if kind not in KINDS:
        raise PublishError(f"pack kind must be one of {', '.join(KINDS)}, not {kind!r}")
    audience = audience or default_audience(worker)
    if audience not in AUDIENCES:
        raise PublishError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    return audience


def _render_all(
    context: dict[str, object], workers: list[str], processes: int, what: str, progress: bool
) -> list[Path]:
    """Render a page per worker, here or in spawned processes, with a progress bar."""
    written: list[Path] = []
    bar = tqdm(total=len(workers), desc=what, unit="page", disable=not progress)
    try:
        if processes == 1:
            _start_process(context)
            for path in map(_render_one, workers):
                written.append(path)
                bar.update()
        else:
            spawn = multiprocessing.get_context("spawn")
            with spawn.Pool(processes, initializer=_start_process, initargs=(context,)) as pool:
                for path in pool.imap_unordered(_render_one, workers, chunksize=4):
                    written.append(path)
                    bar.update()
    finally:
        bar.close()
        _CONTEXT.clear()
    return written


def _print_pdfs(pages: list[Path], progress: bool) -> list[Path]:
    """Print each page to PDF with headless Chromium; return the PDFs."""
    if not shutil.which(str(CHROMIUM)) and not CHROMIUM.exists():
        raise PublishError(f"{CHROMIUM} not found: install Chromium to make PDFs")
    return [print_pdf(path) for path in tqdm(list(pages), desc="PDFs", unit="page", disable=not progress)]


# What each page needs, set once per process: in this process, or in each worker process by
# _start_process (spawned, not forked: vl-convert's runtime does not survive a fork).
_CONTEXT: dict[str, object] = {}
