"""Appraisal: one worker over the year to D, looking for evidence that their work made a difference.

Figures come from ``workbench.measures`` with the worker filter, so they share the headline
definitions (DESIGN.md section 4). A child counts for the worker when the child's allocation
open at D is to that worker; "the year" is the year to D, (D-365, D]:

- distance travelled (mean change from baseline) overall and by domain, against the whole service;
- outcomes achieved (and partly achieved) among those closed in the year;
- participation: of meetings in the year, the share the child took part in, and the share
  the family attended, with meetings by type;
- audit grades of the worker's cases: audits completed in the year of children allocated to the
  worker on the audit date, read through :func:`audit_frame` (the one place audits are read);
- a narrative section the appraisee writes (escaped wherever shown; never in a shared pack).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from workbench.audits import audit_frame as all_audits
from workbench.charts import distance_by_domain
from workbench.codes import labels
from workbench.disclosure import SUPPRESSED, safe_count, share_is_disclosive, suppress_with_total
from workbench.measures import (
    GOOD_GRADES,
    GRADED_AUDIT_GRADES,
    MEASURES,
    Filters,
    ServiceData,
    distance_travelled,
    participation_family,
)
from workbench.store import Store

#: The headline figures an appraisal shows, in order.
APPRAISAL_MEASURES: tuple[str, ...] = (
    "distance_travelled",
    "achieved",
    "achieved_partly",
    "participation",
    "participation_family",
)


def audit_frame(store: Store) -> pd.DataFrame:
    """Return every completed audit: audit_id, child_id, audit_date, status, overall_grade, moderated_grade.

    The one place appraisal reads audits: :func:`workbench.audits.audit_frame`, so historic
    audits (the extract) and audits recorded in the workbench, with their latest moderated
    grade, both count.
    """
    return all_audits(store)[
        ["audit_id", "child_id", "audit_date", "status", "overall_grade", "moderated_grade"]
    ]


@dataclass
class Appraisal:
    """One worker's year to D, ready to read or publish."""

    worker_id: str
    worker_name: str
    team_name: str
    at: date
    children: int  # allocated to the worker at D
    figures: pd.DataFrame  # measure, title, unit, numerator, denominator, value
    distance_by_domain: pd.DataFrame
    service_by_domain: pd.DataFrame
    meetings_by_type: pd.DataFrame  # meeting_type, meetings, family_attended
    audits: pd.DataFrame  # audit_id, child_id, audit_date, status, overall_grade, moderated_grade
    narrative: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def start(self) -> date:
        """Return the first day of the year to D."""
        return self.at - timedelta(days=364)


def worker_audits(audits: pd.DataFrame, allocations: pd.DataFrame, worker_id: str, at: date) -> pd.DataFrame:
    """Return audits completed in the year to ``at`` of children allocated to ``worker_id`` on the audit date.

    ``allocations`` is the extract's allocations table (child_id, worker_id, start_date, end_date).
    Drafts are not completed audits and are left out.
    """
    when = pd.Timestamp(at)
    year = audits[
        (audits["audit_date"] > when - pd.Timedelta(days=365))
        & (audits["audit_date"] <= when)
        & audits["status"].ne("draft").fillna(True)
    ]
    mine = allocations[allocations["worker_id"] == worker_id]
    joined = year.merge(mine[["child_id", "start_date", "end_date"]], on="child_id", how="inner")
    held = (joined["start_date"] <= joined["audit_date"]) & (
        joined["end_date"].isna() | (joined["end_date"] > joined["audit_date"])
    )
    columns = ["audit_id", "child_id", "audit_date", "status", "overall_grade", "moderated_grade"]
    return (
        joined.loc[held, columns].drop_duplicates("audit_id").sort_values("audit_date").reset_index(drop=True)
    )


def build_appraisal(
    data: ServiceData, worker_id: str, at: date | str, audits: pd.DataFrame, narrative: str = ""
) -> Appraisal:
    """Compute one worker's appraisal at ``at`` from the measures (worker filter) and ``audits``."""
    at = pd.Timestamp(at).date()
    found = data.workers[data.workers["worker_id"] == worker_id]
    if found.empty:
        raise KeyError(f"no worker {worker_id!r} in the store")
    worker = found.iloc[0]
    team = data.teams.loc[data.teams["team_id"] == worker["team_id"], "name"]
    mine = Filters(worker_id=worker_id)
    rows = []
    for name in APPRAISAL_MEASURES:
        measure = MEASURES[name]
        figure = measure(data, at, mine).iloc[0]
        rows.append(
            {
                "measure": name,
                "title": measure.title,
                "unit": measure.unit,
                "numerator": float(figure["numerator"]),
                "denominator": int(figure["denominator"]),
                "value": figure["value"],
            }
        )
    allocated = data.allocation_at(at)
    by_type = participation_family(data, at, mine, by="meeting_type").rename(
        columns={"denominator": "meetings", "numerator": "family_attended"}
    )[["meeting_type", "meetings", "family_attended"]]
    return Appraisal(
        worker_id=worker_id,
        worker_name=str(worker["name"]) if pd.notna(worker["name"]) else worker_id,
        team_name=str(team.iloc[0]) if len(team) else "",
        at=at,
        children=int((allocated["worker_id"] == worker_id).sum()),
        figures=pd.DataFrame(rows),
        distance_by_domain=distance_travelled(data, at, mine, by="domain"),
        service_by_domain=distance_travelled(data, at, Filters(), by="domain"),
        meetings_by_type=by_type,
        audits=worker_audits(audits, data.allocations, worker_id, at),
        narrative=narrative,
    )


# ---------------------------------------------------------------------------------------------
# The page.


def _figure_text(row: pd.Series, audience: str) -> tuple[str, str]:
    """Return (the figure, what it counts) as published: shared packs suppress small counts."""
    from workbench.publishing import count

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
    from workbench.publishing import AUDIENCES, PublishError, _audience_note, _date, count, counts_table, svg

    if audience not in AUDIENCES:
        raise PublishError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    name = html.escape(appraisal.worker_name)
    out = [
        f"<h1>Appraisal: {name}</h1>",
        f"<p class='wb-meta'>{html.escape(appraisal.team_name)}. The year from {_date(appraisal.start)} to "
        f"{_date(appraisal.at)}. Figures are about the children allocated to {name} on "
        f"{_date(appraisal.at)} ({count(appraisal.children, audience)} children), as the service's "
        "headline measures define them.</p>",
        _audience_note(audience, "appraisal"),
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
    table = appraisal.distance_by_domain.dropna(subset=["value"])
    if audience == "shared" and not table.empty:
        # A domain over 1 to 5 outcomes is not drawn, and another is left out where the total
        # (published above) would reveal it: the chart labels each bar with its count.
        shown, total = suppress_with_total(table["denominator"].astype(int).tolist())
        keep = [cell != SUPPRESSED for cell in shown]
        table = table[keep] if total != SUPPRESSED else table.iloc[:0]
    if not table.empty:
        chart = distance_by_domain(
            table,
            f"Distance travelled by domain: {appraisal.worker_name}",
            service=appraisal.service_by_domain,
        )
        out.append(f"{svg(chart)}<p class='wb-meta'>The dark tick on each bar marks the whole service.</p>")
    out.append("</section>")

    types = labels("meeting_types")
    meetings = appraisal.meetings_by_type
    out.append("<section class='wb-participation'><h2>Children and families in their meetings</h2>")
    out.append(
        counts_table(
            [
                (types.get(t, str(t)), int(n))
                for t, n in zip(meetings["meeting_type"], meetings["meetings"], strict=True)
            ],
            audience,
            "Meetings in the year, by type",
            "All meetings",
        )
    )
    out.append("</section>")

    grades = labels("audit_grades")
    audits = appraisal.audits
    out.append("<section class='wb-audits'><h2>Audit grades of their cases</h2>")
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
                f"<tr><td>{_date(audit.audit_date)}</td><td>{html.escape(str(audit.child_id))}</td>"
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

    out.append("<section class='wb-narrative-section'><h2>In the appraisee's words</h2>")
    if audience == "shared":
        # Free text may name a child, a family or a colleague: a shared pack carries none.
        out.append("<p class='wb-meta'>Left out of a shared pack: it is in the appraisee's own words.</p>")
    elif appraisal.narrative.strip():
        out.append(f"<div class='wb-narrative'>{_paragraphs(appraisal.narrative)}</div>")
    else:
        out.append(
            "<p class='wb-meta'>What difference has your work made for children and families this year? "
            "What are you proud of, and what would you do differently?</p><div class='wb-narrative'></div>"
        )
    out.append("</section>")
    return "".join(out)


def _paragraphs(text: str) -> str:
    from workbench.publishing import paragraphs

    return paragraphs(text)


def render_appraisal_page(appraisal: Appraisal, audience: str = "internal") -> str:
    """Return the appraisal pack as a complete offline page."""
    from workbench.publishing import _date, page

    return page(
        f"Appraisal: {appraisal.worker_name}, year to {_date(appraisal.at)}",
        render_appraisal_body(appraisal, audience),
    )
