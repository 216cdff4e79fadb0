"""The appraisal pack page: a worker's year in figures, internal or shared."""

from __future__ import annotations

import html

import pandas as pd

from workbench.core.codes import labels
from workbench.core.dates import short_date
from workbench.core.disclosure import SUPPRESSED, safe_count, share_is_disclosive, suppress_with_total
from workbench.measures.definitions import GOOD_GRADES, GRADED_AUDIT_GRADES
from workbench.practice.appraisal import Appraisal
from workbench.publishing.audience import AUDIENCES, PublishError, audience_note
from workbench.render.charts import distance_by_domain
from workbench.render.html import count, counts_table, page, paragraphs, svg


def _figure_text(row: pd.Series, audience: str) -> tuple[str, str]:
    """Return (the figure, what it counts) as published: shared packs suppress small counts."""
    numerator, denominator = row["numerator"], int(row["denominator"])
    if denominator == 0:
        return "no data", f"{count(0, audience)} counted"
    if row["unit"] == "mean":
        if audience == "shared" and safe_count(denominator) == SUPPRESSED:
            return SUPPRESSED, f"from {count(denominator, audience)} outcomes"
        return f"{row['value']:+.1f}", f"from {count(denominator, audience)} outcomes"
    if audience == "shared" and share_is_disclosive(numerator, denominator):
        return SUPPRESSED, f"of {count(denominator, audience)}; suppressed, as it would reveal 1 to 5"
    return f"{row['value']:.0%}", f"{count(numerator, audience)} of {count(denominator, audience)}"


def render_appraisal_body(appraisal: Appraisal, audience: str = "internal") -> str:
    """Return the appraisal pack as an HTML fragment (escaped text, inline SVG chart)."""
    if audience not in AUDIENCES:
        raise PublishError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    name = html.escape(appraisal.worker_name)
    out = [
        f"<h1>Appraisal: {name}</h1>",
        f"<p class='wb-meta'>{html.escape(appraisal.team_name)}. "
        f"The year from {short_date(appraisal.start)} to "
        f"{short_date(appraisal.at)}. Figures are about the children allocated to {name} on "
        f"{short_date(appraisal.at)} ({count(appraisal.children, audience)} children), as the service's "
        "headline measures define them.</p>",
        audience_note(audience, "appraisal"),
        "<section class='wb-figures'><h2>Did the work make a difference?</h2><table><thead><tr>"
        "<th scope='col'>Measure</th><th scope='col'>Figure</th><th scope='col'>Counted</th>"
        "</tr></thead><tbody>",
    ]
    for _, row in appraisal.figures.iterrows():
        shown, detail = _figure_text(row, audience)
        out.append(
            f"<tr><th scope='row'>{html.escape(row['title'])}</th>"
            f"<td class='wb-figure'>{html.escape(shown)}</td>"
            f"<td>{detail}</td></tr>"
        )
    out.append("</tbody></table>")
    out.append(_distance_chart(appraisal, audience))
    out.append("</section>")
    out.append(_meetings_section(appraisal, audience))
    out.append(_audits_section(appraisal, audience))
    out.append(_narrative_section(appraisal, audience))
    return "".join(out)


def _distance_chart(appraisal: Appraisal, audience: str) -> str:
    """Return the distance-travelled-by-domain chart, with disclosure control in a shared pack."""
    table = appraisal.distance_by_domain.dropna(subset=["value"])
    if audience == "shared" and not table.empty:
        # A domain over 1 to 5 outcomes is not drawn, and another is left out where the total
        # (published above) would reveal it: the chart labels each bar with its count.
        shown, total = suppress_with_total(table["denominator"].astype(int).tolist())
        keep = [cell != SUPPRESSED for cell in shown]
        table = table[keep] if total != SUPPRESSED else table.iloc[:0]
    if table.empty:
        return ""
    chart = distance_by_domain(
        table,
        f"Distance travelled by domain: {appraisal.worker_name}",
        service=appraisal.service_by_domain,
    )
    return f"{svg(chart)}<p class='wb-meta'>The dark tick on each bar marks the whole service.</p>"


def _meetings_section(appraisal: Appraisal, audience: str) -> str:
    """Return the meetings in the year, by type."""
    types = labels("meeting_types")
    meetings = appraisal.meetings_by_type
    pairs = zip(meetings["meeting_type"], meetings["meetings"], strict=True)
    rows = [(types.get(t, str(t)), int(n)) for t, n in pairs]
    return (
        "<section class='wb-participation'><h2>Children and families in their meetings</h2>"
        + counts_table(rows, audience, "Meetings in the year, by type", "All meetings")
        + "</section>"
    )


def _audits_section(appraisal: Appraisal, audience: str) -> str:
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
    """Return the appraisee's own words (internal only: free text may name a child or a family)."""
    out = ["<section class='wb-narrative-section'><h2>In the appraisee's words</h2>"]
    if audience == "shared":
        out.append("<p class='wb-meta'>Left out of a shared pack: it is in the appraisee's own words.</p>")
    elif appraisal.narrative.strip():
        out.append(f"<div class='wb-narrative'>{paragraphs(appraisal.narrative)}</div>")
    else:
        out.append(
            "<p class='wb-meta'>What difference has your work made for children and families this year? "
            "What are you proud of, and what would you do differently?</p><div class='wb-narrative'></div>"
        )
    out.append("</section>")
    return "".join(out)


def render_appraisal_page(appraisal: Appraisal, audience: str = "internal") -> str:
    """Return the appraisal pack as a complete offline page."""
    return page(
        f"Appraisal: {appraisal.worker_name}, year to {short_date(appraisal.at)}",
        render_appraisal_body(appraisal, audience),
    )
