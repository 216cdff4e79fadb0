"""The appraisal pack page: a worker's year in figures, internal or shared."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from workbench.core.codes import labels
from workbench.core.dates import short_date
from workbench.core.disclosure import SUPPRESSED, PageFigures, Population, suppress_with_total
from workbench.measures.definitions import GOOD_GRADES, GRADED_AUDIT_GRADES
from workbench.practice.appraisal import Appraisal
from workbench.publishing.audience import AUDIENCES, PublishError, audience_note
from workbench.publishing.page_figures import HIDDEN_FOR_OTHERS, add_table, published, published_table
from workbench.render.altair_import import altair as alt
from workbench.render.charts import distance_frame, distance_layers, distance_spread_chart
from workbench.render.html import count, counts_table, marked, page, paragraphs, svg

#: Where each figure's numerator and denominator are kept in the page check: measures over the
#: same population share a denominator, so the check sees "achieved" and "partly" as one.
DENOMINATORS: dict[str, str] = {
    "distance_travelled": "distance",
    "achieved": "results",
    "achieved_partly": "results",
    "participation": "coded meetings",
    "participation_family": "meetings",
}
#: How the participation measures split meetings: took part (PN1 to PN6), did not (PN7), no code.
_CODE_CLASSES = ("took part", "did not", "no code")


def appraisal_figures(appraisal: Appraisal) -> PageFigures:
    """Return every count the shared appraisal page shows, hidden where the page as a whole needs it.

    Populations, each cut as its figures count it: the children allocated; the outcomes counted
    by distance travelled, by domain (the chart); the outcomes closed with a result (achieved,
    partly, not); the meetings in the year, by type (the table) and code (the participation
    measure), and whether the family attended; the graded audits, by grade.
    """
    figures = PageFigures()
    figures.add("children", appraisal.children, Population("children"))
    rows = appraisal.figures.set_index("measure")

    domains = appraisal.distance_by_domain.dropna(subset=["value"])
    names = [str(d) for d in domains["domain"]]
    # Each outcome counted also went back, stayed the same or went up (the spread under the chart).
    distance = Population(
        "distance",
        parts=tuple(names),
        properties=("went back", "went up"),
        excludes=(("went back", "went up"),),
    )
    by_domain = list(zip(names, domains["denominator"].astype(int), strict=True))
    add_table(
        figures,
        distance,
        "distance",
        by_domain,
        "distance",
        int(rows.loc["distance_travelled", "denominator"]),
    )

    _add_spread(figures, distance, appraisal.distance_spread)

    results = Population("results", parts=("achieved", "partly_achieved", "not_achieved"))
    figures.add("results", rows.loc["achieved", "denominator"], results)
    figures.add("achieved", rows.loc["achieved", "numerator"], results, results.count_of(parts=("achieved",)))
    partly = results.count_of(parts=("partly_achieved",))
    figures.add("achieved_partly", rows.loc["achieved_partly", "numerator"], results, partly)

    types = [str(t) for t in appraisal.meetings_by_type["meeting_type"]]
    meetings = Population(
        "meetings", parts=tuple(f"{t}|{c}" for t in types for c in _CODE_CLASSES), properties=("family",)
    )
    by_type = list(zip(types, appraisal.meetings_by_type["meetings"].astype(int), strict=True))
    for t, n in by_type:
        figures.add(
            f"meetings:{t}", n, meetings, meetings.count_of(parts=tuple(f"{t}|{c}" for c in _CODE_CLASSES))
        )
    # The table's own suppression, then the denominators the measures publish.
    table, _total = suppress_with_total([n for _, n in by_type])
    for (t, _n), cell in zip(by_type, table, strict=True):
        figures.figures[f"meetings:{t}"].shown = cell != SUPPRESSED
    figures.add(
        "meetings", rows.loc["participation_family", "denominator"], meetings, shown=_total != SUPPRESSED
    )
    attended = meetings.count_of(having=("family",))
    figures.add("participation_family", rows.loc["participation_family", "numerator"], meetings, attended)
    coded = tuple(p for p in meetings.parts if not p.endswith("|no code"))
    took = tuple(p for p in meetings.parts if p.endswith("|took part"))
    figures.add(
        "coded meetings", rows.loc["participation", "denominator"], meetings, meetings.count_of(parts=coded)
    )
    figures.add(
        "participation", rows.loc["participation", "numerator"], meetings, meetings.count_of(parts=took)
    )

    graded = appraisal.audits[appraisal.audits["overall_grade"].isin(GRADED_AUDIT_GRADES)]
    grades = Population("audits", parts=GRADED_AUDIT_GRADES)
    by_grade = [(g, int((graded["overall_grade"] == g).sum())) for g in GRADED_AUDIT_GRADES]
    add_table(figures, grades, "audits", by_grade, "audits")

    if len(appraisal.quality):
        quality = appraisal.quality.set_index("measure")
        names = tuple(quality.index)
        agreed = Population("agreed", properties=names)
        figures.add("agreed", int(quality["denominator"].iloc[0]), agreed)
        for name in names:
            figures.add(
                f"quality:{name}", quality.loc[name, "numerator"], agreed, agreed.count_of(having=(name,))
            )
    figures.add("reviews", appraisal.reviews, Population("reviews"))
    figures.protect()
    return figures


def _figure_text(row: pd.Series, audience: str, figures: PageFigures | None) -> tuple[str, str]:
    """Return (the figure, what it counts) as published: a shared page shows what its check allows."""
    numerator, denominator = row["numerator"], int(row["denominator"])
    if denominator == 0:
        return "no data", f"{count(0, audience)} counted"
    if figures is None:
        return _internal_text(row)
    of = marked(published(figures, DENOMINATORS[row["measure"]]))
    if row["unit"] == "mean":
        value = f"{row['value']:+.1f}" if figures.shown(DENOMINATORS[row["measure"]]) else SUPPRESSED
        return value, f"from {of} outcomes"
    if not (figures.shown(row["measure"]) and figures.shown(DENOMINATORS[row["measure"]])):
        return SUPPRESSED, f"of {of}; suppressed, as it would reveal 1 to 5"
    return f"{row['value']:.0%}", f"{marked(f'{int(numerator):,}')} of {of}"


def _internal_text(row: pd.Series) -> tuple[str, str]:
    """Return (the figure, what it counts) for the appraisee and their manager: nothing hidden."""
    detail = f"{count(row['numerator'], 'internal')} of {count(row['denominator'], 'internal')}"
    if row["unit"] == "mean":
        return f"{row['value']:+.1f}", f"from {count(row['denominator'], 'internal')} outcomes"
    return f"{row['value']:.0%}", detail


#: Under the distance chart: what its ticks are.
CHART_NOTE = "<p class='wb-meta'>The dark tick on each bar marks the whole service.</p>"


@dataclass(frozen=True)
class AppraisalBody:
    """An appraisal's body in parts: the HTML above the distance chart, the chart's rows, the HTML below.

    ``chart`` is what the distance-by-domain chart draws (:func:`distance_chart_frame`): on a
    shared pack only the domains whose counts may be shown; empty when it draws nothing. A
    page draws the chart live between the two; a pack draws it as inline SVG there.
    """

    head: str
    chart: pd.DataFrame
    rest: str


def distance_chart_title(at) -> str:
    """Return the distance chart's title: the same for every worker (the page names the worker)."""
    return f"Distance travelled by domain at {short_date(at)}"


def distance_chart_frame(table: pd.DataFrame, service: pd.DataFrame) -> pd.DataFrame:
    """Return the rows the appraisal's distance chart draws: ``table`` (by domain) against ``service``."""
    return distance_frame(table, service)


def distance_chart(frame: pd.DataFrame, at) -> alt.LayerChart:
    """Return the appraisal's distance-by-domain chart from its :func:`distance_chart_frame`."""
    return distance_layers(frame, distance_chart_title(at), service=True)


def render_appraisal_body(appraisal: Appraisal, audience: str = "internal") -> str:
    """Return the appraisal pack as an HTML fragment (escaped text, inline SVG chart).

    A shared pack's counts are checked as a whole first (:func:`appraisal_figures`).
    """
    parts = appraisal_body_parts(appraisal, audience)
    chart = "" if parts.chart.empty else svg(distance_chart(parts.chart, appraisal.at)) + CHART_NOTE
    return parts.head + chart + parts.rest


def appraisal_body_parts(appraisal: Appraisal, audience: str = "internal") -> AppraisalBody:
    """Return the appraisal pack's body in its parts (:class:`AppraisalBody`), checked as a whole.

    A shared pack's counts are checked as a whole first (:func:`appraisal_figures`).
    """
    if audience not in AUDIENCES:
        raise PublishError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    figures = appraisal_figures(appraisal) if audience == "shared" else None
    name = html.escape(appraisal.worker_name)
    children = marked(published(figures, "children")) if figures else count(appraisal.children, audience)
    out = [
        f"<h1>Appraisal: {name}</h1>",
        f"<p class='wb-meta'>{html.escape(appraisal.team_name)}. "
        f"The year from {short_date(appraisal.start)} to "
        f"{short_date(appraisal.at)}. Figures are about the work {name} did: each outcome, review "
        f"and meeting counts for the worker who held the child's case on the day it happened "
        f"({children} children worked with in the year, closed cases included), with the "
        "service's headline definitions.</p>",
        audience_note(audience, "appraisal"),
    ]
    if figures and figures.hidden_for_others:
        out.append(f"<p class='wb-hidden-for-others'>{html.escape(HIDDEN_FOR_OTHERS)}</p>")
    out.append(
        "<section class='wb-figures'><h2>Did the work make a difference?</h2><table><thead><tr>"
        "<th scope='col'>Measure</th><th scope='col'>Figure</th><th scope='col'>Counted</th>"
        "</tr></thead><tbody>"
    )
    for _, row in appraisal.figures.iterrows():
        shown, detail = _figure_text(row, audience, figures)
        out.append(
            f"<tr><th scope='row'>{html.escape(row['title'])}</th>"
            f"<td class='wb-figure'>{html.escape(shown)}</td>"
            f"<td>{detail}</td></tr>"
        )
    out.append("</tbody></table>")
    reviews = marked(published(figures, "reviews")) if figures else count(appraisal.reviews, audience)
    out.append(f"<p class='wb-reviews'>Scored reviews of desired outcomes in the year: {reviews}.</p>")
    head, out = "".join(out), []
    chart = _distance_chart_rows(appraisal, figures)
    out.append(_spread_section(appraisal, figures))
    out.append("</section>")
    out.append(_quality_section(appraisal, audience, figures))
    out.append(_attention_section(appraisal, audience))
    out.append(_meetings_section(appraisal, audience, figures))
    out.append(_audits_section(appraisal, audience, figures))
    out.append(_supervision_section(appraisal, audience))
    out.append(_cases_section(appraisal, audience))
    out.append(_narrative_section(appraisal, audience))
    return AppraisalBody(head, chart, "".join(out))


def _quality_section(appraisal: Appraisal, audience: str, figures: PageFigures | None) -> str:
    """Return the quality of the outcomes the worker agreed in the year: clear, consensual, own words."""
    quality = appraisal.quality
    if quality.empty:
        return ""
    total = int(quality["denominator"].iloc[0])
    of = marked(published(figures, "agreed")) if figures else count(total, audience)
    out = [
        "<section class='wb-quality'><h2>Their outcomes: clear, consensual, in the family's words</h2>",
        f"<p class='wb-meta'>Of the {of} desired outcomes agreed in the year while "
        f"{html.escape(appraisal.worker_name)} "
        'held the case. "Reads as a clear outcome" is the statement reader\'s view of the words.</p>',
    ]
    if total == 0:
        out.append("<p>No desired outcome was agreed in the year.</p></section>")
        return "".join(out)
    out.append(
        "<table><thead><tr><th scope='col'>Outcome quality</th><th scope='col'>Share</th>"
        "<th scope='col'>Counted</th></tr></thead><tbody>"
    )
    for row in quality.itertuples(index=False):
        if figures is not None and not (figures.shown(f"quality:{row.measure}") and figures.shown("agreed")):
            shown, detail = SUPPRESSED, f"of {of}; suppressed, as it would reveal 1 to 5"
        else:
            shown = f"{row.value:.0%}"
            detail = (
                f"{marked(f'{int(row.numerator):,}') if figures else count(row.numerator, audience)} of {of}"
            )
        out.append(
            f"<tr><th scope='row'>{html.escape(row.title)}</th>"
            f"<td class='wb-figure'>{html.escape(shown)}</td>"
            f"<td>{detail}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _attention_section(appraisal: Appraisal, audience: str) -> str:
    """Return the rule book's rules on the caseload at D (internal only: counts of a few children)."""
    table = appraisal.attention
    if audience != "internal" or table.empty:
        return ""
    rows = "".join(
        f"<tr><th scope='row'>{html.escape(row.heading)}</th><td>{row.outcomes:,}</td></tr>"
        for row in table.itertuples(index=False)
    )
    return (
        "<section class='wb-appraisal-attention'><h2>What to talk through: the caseload at "
        f"{appraisal.at:%d %B %Y}</h2><p class='wb-meta'>Desired outcomes of the children allocated at "
        "that date that the practice rule book says need attention (the same rules as supervision and "
        "the team lead's page).</p><table><thead><tr><th scope='col'>Rule</th><th scope='col'>Outcomes"
        f"</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _supervision_section(appraisal: Appraisal, audience: str) -> str:
    """Return the worker's supervisions in the year: each one (internal), or how many (shared)."""
    history = appraisal.supervisions
    out = ["<section class='wb-supervision-history'><h2>Supervision in the year</h2>"]
    if history.empty:
        out.append("<p>No supervision in the year is recorded.</p></section>")
        return "".join(out)
    out.append(f"<p>{len(history)} supervision(s) in the year.</p>")
    if audience == "internal":
        out.append(
            "<table><thead><tr><th scope='col'>Date</th><th scope='col'>Supervisor</th>"
            "<th scope='col'>Children discussed</th><th scope='col'>Outcomes discussed for</th>"
            "<th scope='col'>Recorded in</th></tr></thead><tbody>"
        )
        for row in history.itertuples(index=False):
            children = "" if pd.isna(row.children) else str(int(row.children))
            discussed = "" if pd.isna(row.outcomes_discussed) else f"{int(row.outcomes_discussed)} children"
            source = "the extract" if row.source == "extract" else "the workbench"
            out.append(
                f"<tr><td>{short_date(row.date)}</td><td>{html.escape(str(row.supervisor))}</td>"
                f"<td>{children}</td><td>{discussed}</td><td>{source}</td></tr>"
            )
        out.append("</tbody></table>")
    out.append("</section>")
    return "".join(out)


def _cases_section(appraisal: Appraisal, audience: str) -> str:
    """Return the cases chosen to talk about (internal only: child ids never leave the service)."""
    if audience != "internal":
        return ""
    out = ["<section class='wb-chosen-cases'><h2>Cases to talk about</h2>"]
    if not appraisal.chosen_cases:
        out.append("<p class='wb-meta'>None chosen yet.</p></section>")
        return "".join(out)
    cases = appraisal.cases.set_index("child_id") if len(appraisal.cases) else pd.DataFrame()
    out.append(
        "<table><thead><tr><th scope='col'>Child</th><th scope='col'>Held from</th><th scope='col'>To</th>"
        "<th scope='col'>Outcomes closed</th><th scope='col'>Achieved</th></tr></thead><tbody>"
    )
    for child in dict.fromkeys(appraisal.chosen_cases):
        row = cases.loc[child] if child in cases.index else None
        held_to = "" if row is None or pd.isna(row["to"]) else short_date(row["to"])
        out.append(
            f"<tr><td>{html.escape(child)}</td>"
            f"<td>{'' if row is None else short_date(row['from'])}</td><td>{held_to or 'still held'}</td>"
            f"<td>{'' if row is None else int(row['closed'])}</td>"
            f"<td>{'' if row is None else int(row['achieved'])}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)


def _distance_chart_rows(appraisal: Appraisal, figures: PageFigures | None) -> pd.DataFrame:
    """Return the distance-by-domain chart's rows; a shared pack draws only the domains it may show."""
    table = appraisal.distance_by_domain.dropna(subset=["value"])
    if figures is not None and not table.empty:
        # The chart labels each bar with its count, so a bar is drawn only where its count may be shown.
        keep = [figures.shown(f"distance:{d}") for d in table["domain"].astype(str)]
        table = table[keep] if figures.shown("distance") else table.iloc[:0]
    return distance_chart_frame(table, appraisal.service_by_domain)


def _add_spread(figures: PageFigures, distance: Population, spread: pd.DataFrame) -> None:
    """Add the counts that went back, stayed the same and went up, as cells of the distance population."""
    if spread.empty:
        return
    back, up = distance.count_of(having=("went back",)), distance.count_of(having=("went up",))
    weights = {"went back": back, "went up": up, "stayed the same": distance.everyone() - back - up}
    for direction, outcomes in zip(spread["direction"], spread["outcomes"].astype(int), strict=True):
        figures.add(f"spread:{direction}", outcomes, distance, weights[direction])


def _spread_section(appraisal: Appraisal, figures: PageFigures | None) -> str:
    """Return how many outcomes went back, stayed the same and went up (as published on a shared pack)."""
    spread = appraisal.distance_spread
    if spread.empty or int(spread["outcomes"].sum()) == 0:
        return ""
    shown = [
        published(figures, f"spread:{d}") if figures is not None else f"{int(n):,}"
        for d, n in zip(spread["direction"], spread["outcomes"], strict=True)
    ]
    table = pd.DataFrame({"direction": spread["direction"], "shown": shown})
    words = ", ".join(
        f"{html.escape(s)} {html.escape(d)}" for d, s in zip(table["direction"], shown, strict=True)
    )
    chart = svg(distance_spread_chart(table, "How many went which way"))
    return f"<div class='wb-distance-spread'><p>Of the outcomes counted: {words}.</p>{chart}</div>"


def _meetings_section(appraisal: Appraisal, audience: str, figures: PageFigures | None) -> str:
    """Return the meetings in the year, by type."""
    types = labels("meeting_types")
    meetings = appraisal.meetings_by_type
    codes = [str(t) for t in meetings["meeting_type"]]
    rows = [(types.get(t, t), int(n)) for t, n in zip(codes, meetings["meetings"], strict=True)]
    shown = published_table(figures, "meetings", codes, "meetings") if figures else None
    return (
        "<section class='wb-participation'><h2>Children and families in their meetings</h2>"
        + counts_table(rows, audience, "Meetings in the year, by type", "All meetings", shown)
        + "</section>"
    )


def _audits_section(appraisal: Appraisal, audience: str, figures: PageFigures | None) -> str:
    """Return the audit grades of the worker's cases: each audit (internal), then counts by grade."""
    grades = labels("audit_grades")
    audits = appraisal.audits
    out = ["<section class='wb-audits'><h2>Audit grades of their cases</h2>"]
    if audits.empty:
        out.append("<p>No audit of their cases was completed in the year.</p>")
    elif audience == "internal":
        out.append(
            "<table><thead><tr><th scope='col'>Date</th><th scope='col'>Child</th>"
            "<th scope='col'>First grade</th>"
            "<th scope='col'>After moderation</th></tr></thead><tbody>"
        )
        for audit in audits.itertuples(index=False):
            moderated = (
                grades.get(audit.moderated_grade, "") if pd.notna(audit.moderated_grade) else "not moderated"
            )
            first = grades.get(audit.overall_grade, "") if pd.notna(audit.overall_grade) else "not graded"
            out.append(
                f"<tr><td>{short_date(audit.audit_date)}</td><td>{html.escape(str(audit.child_id))}</td>"
                f"<td>{html.escape(first)}</td><td>{html.escape(moderated)}</td></tr>"
            )
        out.append("</tbody></table>")
    if not audits.empty:
        graded = audits[audits["overall_grade"].isin(GRADED_AUDIT_GRADES)]
        out.append(
            counts_table(
                [(grades.get(g, g), int((graded["overall_grade"] == g).sum())) for g in GRADED_AUDIT_GRADES],
                audience,
                "Audits by first grade",
                "All graded audits",
                published_table(figures, "audits", GRADED_AUDIT_GRADES, "audits") if figures else None,
            )
        )
        if audience == "internal":
            good = int(graded["overall_grade"].isin(GOOD_GRADES).sum())
            out.append(
                f"<p>Good or outstanding at first grading: {count(good, audience)} of "
                f"{count(len(graded), audience)}.</p>"
            )
    out.append("</section>")
    return "".join(out)


def _narrative_section(appraisal: Appraisal, audience: str) -> str:
    """Return the appraisee's and their manager's words (internal only: free text may name a child)."""
    out = ["<section class='wb-narrative-section'><h2>In the appraisee's words</h2>"]
    if audience == "shared":
        out.append(
            "<p class='wb-meta'>Left out of a shared pack: it is in the appraisee's own words, "
            "as are their manager's words and the cases they chose.</p></section>"
        )
        return "".join(out)
    if appraisal.narrative.strip():
        out.append(f"<div class='wb-narrative'>{paragraphs(appraisal.narrative)}</div>")
    else:
        out.append(
            "<p class='wb-meta'>What difference has your work made for children and families this year? "
            "What are you proud of, and what would you do differently?</p><div class='wb-narrative'></div>"
        )
    out.append("</section><section class='wb-manager-section'><h2>In their manager's words</h2>")
    if appraisal.manager_words.strip():
        out.append(f"<div class='wb-manager-words'>{paragraphs(appraisal.manager_words)}</div>")
    else:
        out.append("<p class='wb-meta'>Nothing written yet.</p>")
    out.append(_written_by(appraisal))
    out.append("</section>")
    return "".join(out)


def _written_by(appraisal: Appraisal) -> str:
    """Return who wrote the saved words, and when (internal only)."""
    entries = appraisal.entries
    if entries is None or entries.empty:
        return ""
    lines = [
        f"{'The appraisee' if row.voice == 'appraisee' else 'The manager'}: saved by "
        f"{html.escape(str(row.written_by))} on "
        f"{html.escape(pd.Timestamp(row.written_at).strftime('%d %B %Y at %H:%M UTC'))}"
        for row in entries.itertuples(index=False)
    ]
    return f"<p class='wb-meta wb-written-by'>{'; '.join(lines)}.</p>"


def render_appraisal_page(appraisal: Appraisal, audience: str = "internal") -> str:
    """Return the appraisal pack as a complete offline page."""
    return page(
        f"Appraisal: {appraisal.worker_name}, year to {short_date(appraisal.at)}",
        render_appraisal_body(appraisal, audience),
    )
