"""Published supervision and appraisal packs: one self-contained, offline HTML page per worker.

A pack page has no scripts, no code and no external requests: charts are inline SVG drawn by
vl-convert from the chart functions in ``workbench.render.charts``. Every piece of text a person
wrote (outcome statements, success measures, supervision records, the narrative) is escaped.

**Audiences.**

- ``internal``, for the worker and their manager: the worker's own children by id, with their
  months of birth, and (supervision) the records already made.
- ``shared``, for example a peer learning group, applies DESIGN.md section 7 and carries
  **aggregate figures only**: no per-child listing (not even pseudonymised: a reader could
  count the listed children or prompts and recover a count shown as ``c``), and no free text
  (outcome statements, success measures, supervision records and the appraisal narrative may
  name a child, a family or a worker). Every count of 1 to 5 is shown as ``c``, with secondary
  suppression wherever a total is shown (:func:`workbench.core.disclosure.suppress_with_total`);
  charts draw only the counts as published. No child id, no other worker's name. The page
  says plainly what it leaves out and why.

**How counts are marked.** Every count on a page (of children, outcomes, prompts, meetings,
audits) is published inside an element with class ``wb-count``, after disclosure control in a
shared pack, so a check can read every count exactly. Scores, ages, dates and days are not
counts and are not so marked.

**Scope.** A worker's pack holds only the children allocated to that worker at D (the
allocation open at D; see ``workbench.practice.supervision``).
"""

from __future__ import annotations

import hashlib
import html
import math
import string
from collections.abc import Iterable, Sequence

import pandas as pd
import vl_convert

from workbench.core.codes import labels, scale_ranges
from workbench.core.dates import short_date
from workbench.core.disclosure import SUPPRESSED, PageFigures, Population, suppress_with_total
from workbench.practice import rules
from workbench.practice.case_outcomes import help_item_html
from workbench.practice.supervision import (
    PROMPT_CODES,
    WorkerCaseload,
    prompt_titles,
)
from workbench.publishing.audience import AUDIENCES, PublishError, audience_note
from workbench.publishing.page_figures import HIDDEN_FOR_OTHERS, add_table, published, published_table
from workbench.render.charts import published_counts_chart, score_outcomes, scores_frame, scores_over_time
from workbench.render.html import count, counts_table, inline_svg, marked, page, paragraphs

# ---------------------------------------------------------------------------------------------
# Page pieces.


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


def scores_chart_frame(view: WorkerCaseload, names: dict[str, str]) -> pd.DataFrame | None:
    """Return the rows the scores chart of a view draws (``scores_frame``); None if no scores."""
    scores = _scores(view, names)
    return None if scores.empty else scores_frame(scores)


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
    return inline_svg(vl_convert.vega_to_svg(compiled))


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
            f"<td>{html.escape(short_date(row.last_review_date)) or 'never'}</td>"
            "</tr>"
        )
    return "".join(rows)


def plan_actions_list(actions: pd.DataFrame, numbers: dict[str, str]) -> str:
    """Return a child's agreed plan actions: for each outcome, who does what by when, and the help.

    ``numbers`` names the outcomes as the page does (an outcome not shown keeps its plain words).
    Each action is drawn as every case-level page draws it (:func:`help_item_html`).
    """
    items = []
    for outcome, mine in actions.groupby("outcome_id", sort=False):
        listed = "".join(help_item_html(row) for row in mine.to_dict("records"))
        items.append(f"<li>{html.escape(numbers.get(outcome, 'Outcome'))}<ul>{listed}</ul></li>")
    heading = "<h4>Who does what (the agreed plan)</h4>"
    return f"<div class='wb-plan-actions'>{heading}<ul>{''.join(items)}</ul></div>"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


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
        f"{html.escape(view.worker_name)} on {short_date(view.at)}, "
        "with their desired outcomes active on that "
        "date and what the records show.</p>",
        audience_note(audience),
        "<section class='wb-summary'><h2>At a glance</h2>",
        f"<p>Children: {count(len(view.children), audience)}. Desired outcomes active: "
        f"{count(len(view.outcomes), audience)}.</p>",
    ]
    counts = view.prompt_counts()
    out.append(
        counts_table(
            [(prompt_titles()[code], int(n)) for code, n in counts.items()],
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
    meeting_types = labels("meeting_types")  # once per page, not once per child
    # Plain Python objects: reading Arrow-backed columns a row at a time is slow on big caseloads.
    outcomes_of = dict(tuple(view.outcomes.astype(object).groupby("child_id", sort=False)))
    prompts_of = dict(tuple(view.prompts.astype(object).groupby("child_id", sort=False)))
    actions_of = dict(tuple(view.plan_actions.astype(object).groupby("child_id", sort=False)))
    children = view.children.astype(object).sort_values("child_id", key=lambda s: s.map(names))
    for child in children.itertuples(index=False):
        mine = outcomes_of.get(child.child_id)
        prompts = prompts_of.get(child.child_id, view.prompts.iloc[:0])
        label = names[child.child_id]
        out.append(_child_section(child, label, audience, mine, prompts, numbers, meeting_types))
        # An outcome plan agreed in the workbench: who does what (names: the internal page only).
        if audience == "internal" and child.child_id in actions_of:
            out.append(plan_actions_list(actions_of[child.child_id], numbers))
    out.append("</section>")
    if audience == "internal" and records is not None:
        out.append(_records_section(records))
    return "".join(out)


def _last_meeting(child, meeting_types: dict[str, str]) -> str:
    """Return a child's last meeting on or before D, in words (or that none is recorded)."""
    if pd.isna(child.last_meeting_date):
        return "<p><strong>Last meeting</strong>: none recorded on or before this date.</p>"
    kind = meeting_types.get(child.last_meeting_type, str(child.last_meeting_type))
    return (
        f"<p><strong>Last meeting</strong>: {html.escape(kind)}, "
        f"{short_date(child.last_meeting_date)}. "
        f"Who was there: {html.escape(child.who_was_there)}.</p>"
    )


def _child_section(
    child,
    label: str,
    audience: str,
    outcomes: pd.DataFrame | None,
    prompts: pd.DataFrame,
    numbers: dict,
    meeting_types: dict[str, str],
) -> str:
    """Return one child's part of an internal pack: last meeting, desired outcomes and prompts."""
    born = f", born {child.birth_month}" if audience == "internal" else ""
    out = [
        f"<section class='wb-child'><h3>{html.escape(label)} <small>(age {child.age}{born})</small></h3>",
        _last_meeting(child, meeting_types),
    ]
    if outcomes is None or outcomes.empty:
        out.append("<p><em>No desired outcome is active for this child.</em> Is the work aimed at one?</p>")
    else:
        out.append(
            "<table class='wb-outcomes'><thead><tr><th scope='col'></th>"
            "<th scope='col'>Desired outcome</th>"
            "<th scope='col'>What success looks like</th><th scope='col'>Baseline</th>"
            "<th scope='col'>Latest</th><th scope='col'>Target</th><th scope='col'>Last review</th>"
            f"</tr></thead><tbody>{_outcome_rows(outcomes, numbers)}</tbody></table>"
        )
    out += [
        f"<div class='wb-prompt'><strong>{html.escape(numbers.get(prompt.outcome_id, ''))}: "
        f"{html.escape(prompt.title)}</strong>{html.escape(prompt.explanation)}</div>"
        for prompt in prompts.itertuples(index=False)
    ]
    out.append("</section>")
    return "".join(out)


def _records_section(records: pd.DataFrame) -> str:
    """Return the supervision records made in the workbench, newest as stored, or that there are none."""
    out = ["<section class='wb-records'><h2>Supervision records</h2>"]
    if records.empty:
        out.append("<p>No supervision has been recorded for this worker in the workbench yet.</p>")
    out += [render_record(record) for record in records.itertuples(index=False)]
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


def _published_chart(rows: Sequence[tuple[str, int]], title: str, shown: Sequence[str] | None = None) -> str:
    """Return a bar chart of ``rows`` as published: suppressed exactly as :func:`counts_table` shows them.

    ``shown`` gives the cells as the page check published them (by default the table's own
    suppression). Draws exactly what ``svg(published_counts_chart(...))`` draws (a unit test
    compares them).
    """
    if shown is None:
        shown, _total = suppress_with_total([v for _, v in rows])
    table = pd.DataFrame({"label": [label for label, _ in rows], "shown": list(shown)})
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
    return inline_svg(vl_convert.vega_to_svg(compiled))


#: What the outcomes' cells are cut by: the progress table's parts, and each prompt as a property.
_PROGRESS_PARTS = ("higher", "same", "lower", "no score")
#: What a reader knows from the rules: these prompts need a scored review; one statement prompt each.
_PROMPT_NEEDS = {"no_progress": ("higher", "same", "lower"), "score_gap": ("higher", "same", "lower")}
_ONE_STATEMENT_PROMPT = (("statement_process", "statement_unclear"),)


def supervision_figures(view: WorkerCaseload) -> PageFigures:
    """Return every count the shared supervision page shows, hidden where the page as a whole needs it.

    Two populations: the children allocated, and their active outcomes, cut by the progress
    table's parts and by which prompts each outcome has (the prompts table counts outcomes with
    each prompt, and its total counts an outcome once for every prompt it has).
    """
    figures = PageFigures()
    figures.add("children", len(view.children), Population("children"))
    codes = PROMPT_CODES
    outcomes = Population(
        "outcomes",
        parts=_PROGRESS_PARTS,
        properties=codes,
        implies=_PROMPT_NEEDS,
        excludes=_ONE_STATEMENT_PROMPT,
    )
    progress = progress_counts(view.outcomes)
    rows = [(part, n) for part, (_label, n) in zip(_PROGRESS_PARTS, progress, strict=True)]
    add_table(figures, outcomes, "progress", rows, "outcomes")
    counts = view.prompt_counts()
    shown, total = suppress_with_total([int(counts[code]) for code in codes])
    for code, cell in zip(codes, shown, strict=True):
        figures.add(
            f"prompts:{code}", counts[code], outcomes, outcomes.count_of(having=(code,)), cell != SUPPRESSED
        )
    every_prompt = sum(outcomes.count_of(having=(code,)) for code in codes)
    figures.add("prompts", int(counts.sum()), outcomes, every_prompt, total != SUPPRESSED)
    figures.protect()
    return figures


def _shared_supervision_body(view: WorkerCaseload) -> str:
    """Return the shared supervision pack: aggregate figures and charts only (see the module)."""
    figures = supervision_figures(view)
    progress = progress_counts(view.outcomes)
    titles = prompt_titles()
    prompts = [(titles[code], int(n)) for code, n in view.prompt_counts().items()]
    progress_shown = published_table(figures, "progress", _PROGRESS_PARTS, "outcomes")
    prompts_shown = published_table(figures, "prompts", PROMPT_CODES, "prompts")
    note = (
        f"<p class='wb-hidden-for-others'>{html.escape(HIDDEN_FOR_OTHERS)}</p>"
        if figures.hidden_for_others
        else ""
    )
    return "".join(
        [
            f"<h1>Supervision: {html.escape(view.worker_name)}</h1>",
            f"<p class='wb-meta'>{html.escape(view.team_name)}. Figures about the children allocated to "
            f"{html.escape(view.worker_name)} on {short_date(view.at)}, and their desired outcomes active on "
            "that date.</p>",
            audience_note("shared", "supervision"),
            note,
            "<section class='wb-summary'><h2>At a glance</h2>",
            f"<p>Children: {marked(published(figures, 'children'))}. Desired outcomes active: "
            f"{marked(progress_shown[1])}.</p></section>",
            "<section class='wb-progress'><h2>Are things changing?</h2>",
            counts_table(progress, "shared", PROGRESS_CAPTION, "All outcomes", progress_shown),
            _published_chart(progress, PROGRESS_CAPTION, progress_shown[0]),
            "</section>",
            "<section class='wb-prompt-counts'><h2>What to talk through</h2>",
            "<p>Prompts are questions for supervision drawn from the records, such as an outcome not "
            f"reviewed in {rules.rule_book().not_reviewed_days} days or one that reads as a service "
            "rather than a change for the child.</p>",
            counts_table(prompts, "shared", "Prompts for supervision, by kind", "All prompts", prompts_shown),
            _published_chart(prompts, "Prompts for supervision, by kind", prompts_shown[0]),
            "</section>",
        ]
    )


def render_record(record) -> str:
    """Return one supervision record as escaped HTML: its notes, the outcomes talked through, its actions."""
    parts = [
        f"<div class='wb-record'><p><strong>{short_date(record.supervision_date)}</strong>, with "
        f"{html.escape(str(record.supervisor))} (caseload as at {short_date(record.view_at)})</p>"
    ]
    for field in ("discussed", "challenged", "confirmed"):
        text = getattr(record, field)
        if isinstance(text, str) and text.strip():
            parts.append(f"<h4>{field.capitalize()}</h4>{paragraphs(text)}")
    talked = getattr(record, "outcomes", None) or []
    if talked:
        parts.append("<h4>Desired outcomes talked through</h4><ul class='wb-record-outcomes'>")
        parts += [
            f"<li><strong>{html.escape(str(item['stance']).capitalize())}</strong>: "
            f"{html.escape(str(item['child_id']))}, outcome {html.escape(str(item['outcome_id']))}"
            + (f". {html.escape(item['note'])}" if item.get("note") else "")
            + "</li>"
            for item in talked
        ]
        parts.append("</ul>")
    actions = getattr(record, "actions", None) or []
    if actions:
        parts.append("<h4>Actions</h4><ul class='wb-record-actions'>")
        parts += [f"<li>{action_words(action)}</li>" for action in actions]
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def action_words(action) -> str:
    """Return a supervision action in escaped words: what, about whom, who, when due, whether done."""
    about = ""
    if action.get("outcome_id"):
        about = f" ({html.escape(str(action['child_id']))}, outcome {html.escape(str(action['outcome_id']))})"
    elif action.get("child_id"):
        about = f" ({html.escape(str(action['child_id']))})"
    status = action.get("status")
    done = f"; done {short_date(action['done_date'])}" if status == "done" and action.get("done_date") else ""
    done = "; open" if status == "open" else done
    return (
        f"{html.escape(str(action['description']))}{about}: {html.escape(str(action['owner']))}, "
        f"due {short_date(action['due_date'])}{done}"
    )


def render_supervision_page(view: WorkerCaseload, audience: str = "internal", records=None) -> str:
    """Return the supervision pack of ``view`` as a complete offline page."""
    return page(
        f"Supervision: {view.worker_name}, {short_date(view.at)}",
        render_supervision_body(view, audience, records),
    )


# ---------------------------------------------------------------------------------------------
# Choosing workers and publishing.
