"""Published supervision and appraisal packs: one self-contained, offline HTML page per worker.

A pack page has no scripts, no code and no external requests: charts are inline SVG drawn by
vl-convert from the chart functions in ``workbench.charts``. Every piece of text a person
wrote (outcome statements, success measures, supervision records, the narrative) is escaped.

**Audiences.**

- ``internal``, for the worker and their manager: the worker's own children by id, with their
  months of birth, and (supervision) the records already made.
- ``shared``, for example a peer learning group, applies DESIGN.md section 7 and carries
  **aggregate figures only**: no per-child listing (not even pseudonymised: a reader could
  count the listed children or prompts and recover a count shown as ``c``), and no free text
  (outcome statements, success measures, supervision records and the appraisal narrative may
  name a child, a family or a worker). Every count of 1 to 5 is shown as ``c``, with secondary
  suppression wherever a total is shown (:func:`workbench.disclosure.suppress_with_total`);
  charts draw only the counts as published. No child id, no other worker's name. The page
  says plainly what it leaves out and why.

**How counts are marked.** Every count on a page (of children, outcomes, prompts, meetings,
audits) is published inside an element with class ``wb-count``, after disclosure control in a
shared pack, so a check can read every count exactly. Scores, ages, dates and days are not
counts and are not so marked.

**Scope.** A worker's pack holds only the children allocated to that worker at D (the
allocation open at D; see ``workbench.supervision``).
"""

from __future__ import annotations

import hashlib
import html
import math
import multiprocessing
import shutil
import string
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import vl_convert
from tqdm import tqdm

from workbench.charts import published_counts_chart, score_outcomes, scores_frame, scores_over_time
from workbench.codes import labels, scale_ranges
from workbench.disclosure import safe_count, suppress_with_total
from workbench.store import Store
from workbench.supervision import (
    PROMPT_TITLES,
    Caseloads,
    WorkerCaseload,
    load_caseloads,
    supervision_records,
)

KINDS = ("supervision", "appraisal")
AUDIENCES = ("internal", "shared")
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


class PublishError(ValueError):
    """A pack cannot be published as asked; the message says why."""


# ---------------------------------------------------------------------------------------------
# Page pieces.


def count(value: float | int | None, audience: str) -> str:
    """Return a count marked ``wb-count``, suppressed (1 to 5 shown as ``c``) in a shared pack."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        shown = ""
    elif audience == "shared":
        shown = safe_count(value)
    else:
        shown = f"{int(value):,}"
    return f"<span class='wb-count'>{html.escape(shown)}</span>"


def _marked(shown: str) -> str:
    return f"<span class='wb-count'>{html.escape(shown)}</span>"


def counts_table(
    rows: Sequence[tuple[str, int]], audience: str, caption: str, total_label: str = "All"
) -> str:
    """Return a table of labelled counts and their total (shared packs: secondary suppression)."""
    values = [int(v) for _, v in rows]
    if audience == "shared":
        shown, total = suppress_with_total(values)
    else:
        shown, total = [f"{v:,}" for v in values], f"{sum(values):,}"
    body = "".join(
        f"<tr><th scope='row'>{html.escape(label)}</th><td>{_marked(cell)}</td></tr>"
        for (label, _), cell in zip(rows, shown, strict=True)
    )
    return (
        f"<table class='wb-counts'><caption>{html.escape(caption)}</caption><tbody>{body}"
        f"<tr class='wb-total'><th scope='row'>{html.escape(total_label)}</th><td>{_marked(total)}</td></tr>"
        "</tbody></table>"
    )


def svg(chart) -> str:
    """Return ``chart`` drawn as inline SVG (no XML declaration), with a class for tests."""
    # Not validated again here: the chart functions' specs are validated by their unit tests.
    return _inline(vl_convert.vegalite_to_svg(chart.to_dict(validate=False)))


def _inline(drawn: str) -> str:
    drawn = drawn[drawn.index("<svg") :]
    head, rest = drawn.split(">", 1)
    head = head.replace('class="marks"', 'class="marks wb-chart"') if 'class="marks"' in head else head
    return f"{head} role='img'>{rest}"


def paragraphs(text: str) -> str:
    """Return text a person wrote as escaped HTML paragraphs (blank lines split paragraphs)."""
    blocks = [b.strip() for b in str(text or "").strip().split("\n\n") if b.strip()]
    return "".join(f"<p>{html.escape(b).replace(chr(10), '<br>')}</p>" for b in blocks)


def _letters(n: int) -> str:
    """Return A, B, ..., Z, AA, AB, ... for 0, 1, 2, ..."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = string.ascii_uppercase[rest] + out
    return out


def child_labels(child_ids: Iterable[str], audience: str, salt: str) -> dict[str, str]:
    """Return how each child is named in a pack: the id (internal) or ``Child A``, ... (shared).

    Shared labels follow the order of a hash of ``salt`` and the id, so neither the id nor
    the order children were recorded in shows through.
    """
    ids = sorted(set(child_ids))
    if audience == "internal":
        return {cid: cid for cid in ids}
    ordered = sorted(ids, key=lambda cid: hashlib.sha256(f"{salt}|{cid}".encode()).hexdigest())
    return {cid: f"Child {_letters(i)}" for i, cid in enumerate(ordered)}


def outcome_labels(outcomes: pd.DataFrame) -> dict[str, str]:
    """Return ``Outcome 1``, ``Outcome 2``, ... for each outcome, numbered within its child by agreement."""
    ordered = outcomes.sort_values(["child_id", "agreed_date", "outcome_id"])
    number = ordered.groupby("child_id").cumcount() + 1
    return {oid: f"Outcome {n}" for oid, n in zip(ordered["outcome_id"], number, strict=True)}


#: Scales drawn in the scores chart: those on a 0 to 10 footing (Goal Attainment is listed only).
def _charted_scales() -> set[str]:
    return {code for code, (low, high) in scale_ranges().items() if low >= 0 and high <= 10}


def _scores(view: WorkerCaseload, names: dict[str, str]) -> pd.DataFrame:
    """Return the view's scores on 0-to-10 scales, children named by ``names``, outcomes numbered."""
    on_scale = set(view.outcomes.loc[view.outcomes["scale"].isin(_charted_scales()), "outcome_id"])
    scores = view.scores[view.scores["outcome_id"].isin(on_scale)].dropna(subset=["score"])
    numbers = outcome_labels(view.outcomes)
    return scores.assign(
        child_label=scores["child_id"].map(names), outcome_label=scores["outcome_id"].map(numbers)
    )


def scores_chart(view: WorkerCaseload, names: dict[str, str], title: str):
    """Return the scores-over-time chart of a view, children named by ``names``; None if no scores."""
    scores = _scores(view, names)
    return None if scores.empty else scores_over_time(scores, title)


# Compiled Vega specs of the scores chart, by (title, outcome labels): only the data differs
# from page to page, so each shape is compiled from Vega-Lite once and then drawn with new data.
_COMPILED_SCORES: dict[tuple, dict] = {}


def scores_svg(view: WorkerCaseload, names: dict[str, str], title: str) -> str | None:
    """Return the scores chart of a view as inline SVG (None if no scores), compiling each shape once.

    Draws exactly what ``svg(scores_chart(...))`` draws (a unit test compares them).
    """
    scores = _scores(view, names)
    if scores.empty:
        return None
    frame = scores_frame(scores)
    key = (title, tuple(score_outcomes(frame)))
    if key not in _COMPILED_SCORES:
        spec = scores_over_time(scores, title).to_dict(validate=False)
        _COMPILED_SCORES[key] = vl_convert.vegalite_to_vega(spec)
    compiled = dict(_COMPILED_SCORES[key])
    values = frame.assign(date=frame["date"].dt.strftime("%Y-%m-%dT%H:%M:%S")).to_dict("records")
    compiled["data"] = [
        {**source, "values": values} if "values" in source else source for source in compiled["data"]
    ]
    return _inline(vl_convert.vega_to_svg(compiled))


_STYLE = """
body { font-family: system-ui, sans-serif; color: #1a1a1a; max-width: 1000px; margin: 1.5rem auto;
       padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { border-bottom: 3px solid #0072B2; padding-bottom: .2rem; }
h3 { margin: 1.2rem 0 .3rem; }
.wb-meta { color: #444; }
.wb-audience { display: inline-block; padding: .1rem .5rem; border: 2px solid #0072B2; border-radius: 3px;
               font-weight: 600; }
table { border-collapse: collapse; margin: .4rem 0 .8rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
table.wb-outcomes { width: 100%; } caption { text-align: left; font-weight: 600; padding: .2rem 0; }
.wb-prompt { background: #fff4e0; border-left: 4px solid #E69F00; padding: .3rem .6rem; margin: .3rem 0; }
.wb-prompt strong { display: block; }
.wb-child { border-top: 1px solid #bbb; margin-top: 1rem; page-break-inside: avoid; }
.wb-record { border: 1px solid #ccc; padding: .4rem .7rem; margin: .5rem 0; }
.wb-narrative { border: 1px dashed #777; min-height: 8rem; padding: .5rem; }
svg.wb-chart { max-width: 100%; height: auto; }
@media print { body { margin: 0; } }
"""


def page(title: str, body: str) -> str:
    """Return a complete, self-contained HTML page: no scripts, no external requests."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _audience_note(audience: str, kind: str = "supervision") -> str:
    if audience == "internal":
        return (
            "<p class='wb-meta'><span class='wb-audience'>Internal</span> For the worker and their "
            "manager only: children are shown by their case id.</p>"
        )
    left_out = (
        "the list of children, their outcomes and each child's prompts, the outcome statements and "
        "success measures, and the supervision records"
        if kind == "supervision"
        else "the list of audited cases and the appraisee's own words"
    )
    return (
        "<div class='wb-meta wb-shared-note'><p><span class='wb-audience'>Shared</span> For a wider group. "
        "This pack shows <strong>figures only</strong>.</p>"
        f"<p><strong>Left out:</strong> {left_out}. A list of children, even under made-up names, lets "
        "a reader count them and work out a number this pack hides; and words people wrote can name a "
        "child, a family or a worker. The internal pack, for the worker and their manager, has the "
        "detail.</p>"
        "<p>Counts of 1 to 5 are shown as <abbr title='suppressed to protect children'>c</abbr>, and "
        "another count is hidden where a total would reveal them. No other worker is named.</p></div>"
    )


# ---------------------------------------------------------------------------------------------
# The supervision page.


def _outcome_rows(outcomes: pd.DataFrame, numbers: dict[str, str]) -> str:
    domains, words = labels("outcome_domains"), labels("whose_words")
    rows = []
    for row in outcomes.itertuples(index=False):
        success = row.success_looks_like if pd.notna(row.success_looks_like) else ""
        latest = "" if pd.isna(row.latest_score) else f"{row.latest_score:g}"
        baseline = "" if pd.isna(row.baseline_score) else f"{row.baseline_score:g}"
        target = "" if pd.isna(row.target_score) else f"{row.target_score:g}"
        agreed_yes = pd.notna(row.agreed_with_family) and bool(row.agreed_with_family)
        agreed = "agreed with the family" if agreed_yes else "not agreed with the family"
        rows.append(
            "<tr>"
            f"<th scope='row'>{html.escape(numbers[row.outcome_id])}</th>"
            f"<td>{html.escape(str(row.statement))}<br>"
            f"<small>{html.escape(domains.get(row.domain, row.domain))}; "
            f"{html.escape(_lower_first(words.get(row.whose_words, str(row.whose_words))))}; "
            f"{agreed}</small></td>"
            f"<td>{html.escape(str(success)) or '<em>not recorded</em>'}</td>"
            f"<td>{baseline}</td><td>{latest}</td><td>{target}</td>"
            f"<td>{html.escape(_date(row.last_review_date)) or 'never'}</td>"
            "</tr>"
        )
    return "".join(rows)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _date(value) -> str:
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%b %Y}"


def render_supervision_body(
    view: WorkerCaseload, audience: str = "internal", records: pd.DataFrame | None = None, chart: bool = True
) -> str:
    """Return the supervision pack for ``view`` as an HTML fragment (see the module for audiences)."""
    if audience not in AUDIENCES:
        raise PublishError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    if audience == "shared":
        return _shared_supervision_body(view)
    names = child_labels(view.children["child_id"], audience, f"supervision|{view.worker_id}|{view.at}")
    numbers = outcome_labels(view.outcomes)
    out = [
        f"<h1>Supervision: {html.escape(view.worker_name)}</h1>",
        f"<p class='wb-meta'>{html.escape(view.team_name)}. The children allocated to "
        f"{html.escape(view.worker_name)} on {_date(view.at)}, with their desired outcomes active on that "
        "date and what the records show.</p>",
        _audience_note(audience),
        "<section class='wb-summary'><h2>At a glance</h2>",
        f"<p>Children: {count(len(view.children), audience)}. Desired outcomes active: "
        f"{count(len(view.outcomes), audience)}.</p>",
    ]
    counts = view.prompt_counts()
    out.append(
        counts_table(
            [(PROMPT_TITLES[code], int(n)) for code, n in counts.items()],
            audience,
            "Prompts for supervision, by kind",
            "All prompts",
        )
    )
    out.append("</section>")
    if chart:
        drawn = scores_svg(view, names, "Scores over time (0 to 10 scales; the dot is the latest score)")
        if drawn is not None:
            out.append(f"<section class='wb-scores'><h2>Scores over time</h2>{drawn}</section>")
    out.append("<section class='wb-children'><h2>Children</h2>")
    if view.children.empty:
        out.append("<p>No child is allocated to this worker on this date.</p>")
    meeting_types = labels("meeting_types")
    # Plain Python objects: reading Arrow-backed columns a row at a time is slow on big caseloads.
    outcomes_of = dict(tuple(view.outcomes.astype(object).groupby("child_id", sort=False)))
    prompts_of = dict(tuple(view.prompts.astype(object).groupby("child_id", sort=False)))
    children = view.children.astype(object).sort_values("child_id", key=lambda s: s.map(names))
    for child in children.itertuples(index=False):
        label = names[child.child_id]
        born = f", born {child.birth_month}" if audience == "internal" else ""
        out.append(
            f"<section class='wb-child'><h3>{html.escape(label)} <small>(age {child.age}{born})</small></h3>"
        )
        if pd.notna(child.last_meeting_date):
            kind = meeting_types.get(child.last_meeting_type, str(child.last_meeting_type))
            out.append(
                f"<p><strong>Last meeting</strong>: {html.escape(kind)}, {_date(child.last_meeting_date)}. "
                f"Who was there: {html.escape(child.who_was_there)}.</p>"
            )
        else:
            out.append("<p><strong>Last meeting</strong>: none recorded on or before this date.</p>")
        mine = outcomes_of.get(child.child_id)
        if mine is None or mine.empty:
            out.append(
                "<p><em>No desired outcome is active for this child.</em> Is the work aimed at one?</p>"
            )
        else:
            out.append(
                "<table class='wb-outcomes'><thead><tr><th scope='col'></th>"
                "<th scope='col'>Desired outcome</th>"
                "<th scope='col'>What success looks like</th><th scope='col'>Baseline</th>"
                "<th scope='col'>Latest</th><th scope='col'>Target</th><th scope='col'>Last review</th>"
                f"</tr></thead><tbody>{_outcome_rows(mine, numbers)}</tbody></table>"
            )
        prompts = prompts_of.get(child.child_id, view.prompts.iloc[:0])
        for prompt in prompts.itertuples(index=False):
            out.append(
                f"<div class='wb-prompt'><strong>{html.escape(numbers.get(prompt.outcome_id, ''))}: "
                f"{html.escape(prompt.title)}</strong>{html.escape(prompt.explanation)}</div>"
            )
        out.append("</section>")
    out.append("</section>")
    if audience == "internal" and records is not None:
        out.append("<section class='wb-records'><h2>Supervision records</h2>")
        if records.empty:
            out.append("<p>No supervision has been recorded for this worker in the workbench yet.</p>")
        for record in records.itertuples(index=False):
            out.append(render_record(record))
        out.append("</section>")
    return "".join(out)


#: How an outcome's latest score at D stands against its baseline, in the order a shared pack lists them.
PROGRESS_LABELS = (
    "Higher than at the start",
    "The same as at the start",
    "Lower than at the start",
    "No score to compare yet",
)


PROGRESS_CAPTION = "Desired outcomes by latest score against the start"


def progress_counts(outcomes: pd.DataFrame) -> list[tuple[str, int]]:
    """Return how many outcomes score higher, the same, lower than their baseline, or cannot yet tell."""
    latest, baseline = outcomes["latest_score"], outcomes["baseline_score"]
    scored = latest.notna() & baseline.notna()
    return list(
        zip(
            PROGRESS_LABELS,
            [
                int((scored & (latest > baseline)).sum()),
                int((scored & (latest == baseline)).sum()),
                int((scored & (latest < baseline)).sum()),
                int((~scored).sum()),
            ],
            strict=True,
        )
    )


# Compiled Vega of the published-counts charts, by (title, labels): as for the scores chart,
# only the counts differ from page to page, so each shape is compiled once.
_COMPILED_COUNTS: dict[tuple, dict] = {}


def _published_chart(rows: Sequence[tuple[str, int]], title: str) -> str:
    """Return a bar chart of ``rows`` as published: suppressed exactly as :func:`counts_table` shows them.

    Draws exactly what ``svg(published_counts_chart(...))`` draws (a unit test compares them).
    """
    shown, _total = suppress_with_total([v for _, v in rows])
    table = pd.DataFrame({"label": [label for label, _ in rows], "shown": shown})
    chart = published_counts_chart(table, title)
    key = (title, tuple(table["label"]))
    if key not in _COMPILED_COUNTS:
        _COMPILED_COUNTS[key] = vl_convert.vegalite_to_vega(chart.to_dict(validate=False))
    values = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in chart.data.to_dict("records")
    ]
    compiled = dict(_COMPILED_COUNTS[key])
    compiled["data"] = [
        {**source, "values": values} if "values" in source else source for source in compiled["data"]
    ]
    return _inline(vl_convert.vega_to_svg(compiled))


def _shared_supervision_body(view: WorkerCaseload) -> str:
    """Return the shared supervision pack: aggregate figures and charts only (see the module)."""
    progress = progress_counts(view.outcomes)
    counts = view.prompt_counts()
    prompts = [(PROMPT_TITLES[code], int(n)) for code, n in counts.items()]
    # The outcomes' total is the progress table's, as published there (hidden with it if need be).
    _shown, outcomes_total = suppress_with_total([n for _, n in progress])
    return "".join(
        [
            f"<h1>Supervision: {html.escape(view.worker_name)}</h1>",
            f"<p class='wb-meta'>{html.escape(view.team_name)}. Figures about the children allocated to "
            f"{html.escape(view.worker_name)} on {_date(view.at)}, and their desired outcomes active on "
            "that date.</p>",
            _audience_note("shared", "supervision"),
            "<section class='wb-summary'><h2>At a glance</h2>",
            f"<p>Children: {count(len(view.children), 'shared')}. Desired outcomes active: "
            f"{_marked(outcomes_total)}.</p></section>",
            "<section class='wb-progress'><h2>Are things changing?</h2>",
            counts_table(
                progress, "shared", "Desired outcomes by latest score against the start", "All outcomes"
            ),
            _published_chart(progress, "Desired outcomes by latest score against the start"),
            "</section>",
            "<section class='wb-prompt-counts'><h2>What to talk through</h2>",
            "<p>Prompts are questions for supervision drawn from the records, such as an outcome not "
            "reviewed for 120 days or one that reads as a service rather than a change for the child.</p>",
            counts_table(prompts, "shared", "Prompts for supervision, by kind", "All prompts"),
            _published_chart(prompts, "Prompts for supervision, by kind"),
            "</section>",
        ]
    )


def render_record(record) -> str:
    """Return one supervision record as escaped HTML."""
    parts = [
        f"<div class='wb-record'><p><strong>{_date(record.supervision_date)}</strong>, with "
        f"{html.escape(str(record.supervisor))} (caseload as at {_date(record.view_at)})</p>"
    ]
    for field in ("discussed", "challenged", "confirmed"):
        text = getattr(record, field)
        if isinstance(text, str) and text.strip():
            parts.append(f"<h4>{field.capitalize()}</h4>{paragraphs(text)}")
    parts.append("</div>")
    return "".join(parts)


def render_supervision_page(view: WorkerCaseload, audience: str = "internal", records=None) -> str:
    """Return the supervision pack of ``view`` as a complete offline page."""
    return page(
        f"Supervision: {view.worker_name}, {_date(view.at)}", render_supervision_body(view, audience, records)
    )


# ---------------------------------------------------------------------------------------------
# Choosing workers and publishing.


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


# What each page needs, set once per process: in this process, or in each worker process by
# _start_process (spawned, not forked: vl-convert's runtime does not survive a fork).
_CONTEXT: dict[str, object] = {}


def _start_process(context: dict[str, object]) -> None:
    _CONTEXT.clear()
    _CONTEXT.update(context)
    job: _Job = context["job"]  # type: ignore[assignment]
    if job.kind == "appraisal":
        from workbench.appraisal import audit_frame
        from workbench.measures import ServiceData

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
        from workbench.appraisal import build_appraisal, render_appraisal_page

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
    if kind not in KINDS:
        raise PublishError(f"pack kind must be one of {', '.join(KINDS)}, not {kind!r}")
    audience = audience or default_audience(worker)
    if audience not in AUDIENCES:
        raise PublishError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
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
    written: list[Path] = []
    bar = tqdm(total=len(workers), desc=f"{kind} packs", unit="page", disable=not progress)
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
    written.sort()
    if pdf:
        if not shutil.which(str(CHROMIUM)) and not CHROMIUM.exists():
            raise PublishError(f"{CHROMIUM} not found: install Chromium to make PDFs")
        for path in tqdm(list(written), desc="PDFs", unit="page", disable=not progress):
            written.append(print_pdf(path))
    for path in written:
        if on_page:
            on_page(path)
    return written
