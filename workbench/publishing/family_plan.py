"""The family's one-page plan: what we want, how we will know, who does what by when, in plain English.

Made with the one page maker (:func:`workbench.render.html.page`): offline, no scripts. Every
word the family or a practitioner typed is escaped and kept exactly as said. Printed to PDF
with the headless Chromium the packs use (:func:`workbench.publishing.batch.print_pdf`).
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

from workbench.core.codes import labels
from workbench.core.dates import short_date
from workbench.core.model import PlanOutcome, PlanVersion
from workbench.publishing.batch import print_pdf
from workbench.render.html import page

#: Whose words, as the family's page says it.
WHOSE = {
    "child": "In the child's own words",
    "parent": "In a parent's own words",
    "family": "In the family's own words",
    "practitioner": "In the worker's words",
}

#: What a later meeting decided, as the family's page says it.
DECIDED = {
    "carried_on": "We are carrying on with this.",
    "achieved": "Done: we did it.",
    "changed": "We changed this.",
    "withdrawn": "We stopped this.",
}

FAMILY_STYLE = """
body { font-family: system-ui, sans-serif; color: #111; max-width: 46rem; margin: 1rem auto; padding: 0 1rem;
       font-size: 1.1rem; line-height: 1.5; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.3rem; margin: 1.2rem 0 .3rem; border-bottom: 3px solid #0072B2; }
.wb-said { font-size: 1.2rem; font-weight: 600; margin: .2rem 0; }
.wb-whose { color: #333; font-size: .95rem; margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0; }
th, td { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid #bbb; vertical-align: top; }
caption { text-align: left; font-weight: 600; }
.wb-actions th:last-child, .wb-actions td:last-child { white-space: nowrap; }  /* "15 Dec 2025" on one line */
.wb-outcome { page-break-inside: avoid; }
@page { size: A4; margin: 10mm 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; line-height: 1.3; }
  h1 { font-size: 15pt; } h2 { font-size: 11.5pt; margin: .35rem 0 .1rem; border-bottom-width: 2px; }
  p { margin: .15rem 0; } .wb-said { font-size: 11pt; margin: .1rem 0; } .wb-whose { font-size: 8.5pt; }
  table { margin: .1rem 0; } th, td { padding: .08rem .3rem; } caption { font-size: 9.5pt; }
}
"""


def _score(value: float | None) -> str:
    return "not given" if value is None else f"{value:g} out of 10"


def _day(iso: str) -> str:
    return short_date(iso) if iso else "no date yet"


_ACTIONS_HEAD = (
    "<table class='wb-actions'><caption>Who will do what</caption><thead><tr>"
    "<th scope='col'>Who</th><th scope='col'>What</th><th scope='col'>By when</th></tr></thead>"
)


def _facts(outcome: PlanOutcome, baseline: tuple[float | None, float | None]) -> str:
    """Return the rows under an outcome: how we will know, the scores, what we are aiming for."""
    rows = [
        ("How we will know", html.escape(outcome.success_looks_like) or "not written yet"),
        ("Where things are", f"your score {_score(baseline[0])}; the worker's score {_score(baseline[1])}"),
    ]
    if outcome.decision != "new":
        worker = _score(outcome.practitioner_score)
        now = f"your score {_score(outcome.family_score)}; the worker's score {worker}."
        rows.append(("Now", f"{now} {html.escape(DECIDED.get(outcome.decision, ''))}"))
        if outcome.change_reason:
            rows.append(("Why", html.escape(outcome.change_reason)))
    aim = f"{_score(outcome.target_score)} by {html.escape(_day(outcome.target_date))}"
    rows.append(("Aiming for", aim))
    return "".join(f"<tr><th scope='row'>{name}</th><td>{value}</td></tr>" for name, value in rows)


def _action_rows(outcome: PlanOutcome) -> str:
    owners = labels("action_owners")
    rows = []
    for action in outcome.actions:
        kind = html.escape(owners.get(action.owner_kind, ""))
        who = f"{html.escape(action.owner_name)}<br><small>{kind}</small>"
        named = html.escape(action.intervention)
        help_given = f"<br><small>Help: {named}</small>" if named else ""
        rows.append(
            f"<tr><td>{who}</td><td>{html.escape(action.action)}{help_given}</td>"
            f"<td>{html.escape(_day(action.by_date))}</td></tr>"
        )
    return "".join(rows)


def family_page_html(plan: PlanVersion, earlier: list[PlanVersion] | None = None) -> str:
    """Return the family's page for an agreed plan version, as one offline HTML page.

    ``earlier`` are the plan's earlier agreed versions: the page then shows the first scores
    beside today's.
    """
    meeting = labels("meeting_types").get(plan.meeting_type, plan.meeting_type or "meeting")
    first: dict[str, tuple[float | None, float | None]] = {}
    for version in earlier or []:
        for outcome in version.outcomes:
            if outcome.decision == "new":
                first.setdefault(outcome.key, (outcome.family_baseline, outcome.practitioner_baseline))
    parts = [
        "<main>",
        "<h1>Our plan</h1>",
        f"<p>Agreed at the {html.escape(meeting.lower())} on {html.escape(_day(plan.meeting_date))}. "
        "These are the things you told us you want to be different, and who will do what to help.</p>",
    ]
    for number, outcome in enumerate(plan.outcomes, start=1):
        baseline = first.get(outcome.key, (outcome.family_baseline, outcome.practitioner_baseline))
        parts.append(
            "<section class='wb-outcome'>"
            f"<h2>{number}. What we want</h2>"
            f"<p class='wb-said'>“{html.escape(outcome.statement)}”</p>"
            f"<p class='wb-whose'>{html.escape(WHOSE.get(outcome.whose_words, ''))}</p>"
            f"<table class='wb-facts'><tbody>{_facts(outcome, baseline)}</tbody></table>"
            f"{_ACTIONS_HEAD}<tbody>{_action_rows(outcome)}</tbody></table>"
            "</section>"
        )
    parts.append("<p>If something here is not right, tell your worker. It is your plan.</p></main>")
    return page("Our plan", "".join(parts), style=FAMILY_STYLE, body_class="wb-family-plan")


def family_page_files(plan: PlanVersion, earlier: list[PlanVersion] | None = None) -> tuple[str, bytes]:
    """Return the family's page as HTML text and as PDF bytes (printed by headless Chromium)."""
    text = family_page_html(plan, earlier)
    with tempfile.TemporaryDirectory(prefix="wb-family-plan-") as folder:
        path = Path(folder) / "our-plan.html"
        path.write_text(text, encoding="utf-8")
        return text, print_pdf(path).read_bytes()
