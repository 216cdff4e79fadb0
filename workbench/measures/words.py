"""Each headline measure in plain words, for the people who read dashboards rather than definitions.

``Measure.definition`` is exact and written for analysts ("outcomes active at D", field names).
A team lead reads the same measure with the date filled in and the terms of practice instead of
the data model's; :func:`plain_definition` gives that text. The counting is the same: these
sentences describe :mod:`workbench.measures`, they do not redefine it.
"""

from __future__ import annotations

from datetime import date, timedelta

#: Placeholders: {at} is the date shown, {at_90} 90 days before it, {at_365} a year before it.
PLAIN: dict[str, str] = {
    "coverage": "Of the pieces of work with children open on {at}, the share with at least one desired "
    "outcome in place.",
    "clear": "Of the desired outcomes in place on {at}, the share that say what success will look like "
    "and have a starting score.",
    "clear_statements": "Of the desired outcomes in place on {at}, the share whose wording reads as a clear "
    "outcome: a change for the child or family that someone could see, not a service, a task or "
    "compliance.",
    "consensual": "Of the desired outcomes in place on {at}, the share agreed with the family.",
    "consensual_own_words": "Of the desired outcomes in place on {at}, the share written in the child's, "
    "a parent's or the family's own words.",
    "constant": "Of the desired outcomes agreed in the year to {at_90} (90 days before {at}), the share "
    "that were not replaced or withdrawn within 90 days of being agreed.",
    "reviewed": "Of the desired outcomes in place on {at} that were agreed at least 91 days before, the "
    "share scored at a review in the 91 days to {at}.",
    "within_target": "Of the desired outcomes in place on {at} that have a target date, the share whose "
    "target date has not yet passed. The rest were hoped to be reached by now and are still open.",
    "distance_travelled": "For desired outcomes scored from 0 to 10 that have a starting score and a later "
    "score, in place on {at} or closed in the year to it: the average rise from the starting score to the "
    "latest score, in points.",
    "achieved": "Of the desired outcomes closed in the year to {at} with a result (achieved, partly "
    "achieved or not achieved), the share achieved.",
    "achieved_partly": "Of the desired outcomes closed in the year to {at} with a result (achieved, partly "
    "achieved or not achieved), the share partly achieved.",
    "sustained": "Of the cases closed in the year to {at_365} with every desired outcome achieved, the "
    "share where the child did not need new work with us within a year of closing.",
    "participation": "Of the meetings in the year to {at} where the child's part was recorded (children "
    "aged 4 and over), the share where the child took part in some way: there in person, or their "
    "views passed on.",
    "participation_family": "Of all the meetings in the year to {at}, the share the family attended.",
    "evidence_informed": "Of the interventions started in the year to {at}, the share with good evidence "
    "that they work (at or above the evidence level the authority has chosen).",
    "audit_grade": "Of the case audits completed in the year to {at}, the share the auditor graded good "
    "or outstanding.",
    "audit_grade_moderated": "Of the case audits completed in the year to {at}, the share graded good or "
    "outstanding once moderated.",
}


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def plain_definition(measure: str, at: date) -> str:
    """Return ``measure`` in plain words with the dates filled in (``KeyError`` for an unknown measure)."""
    return PLAIN[measure].format(
        at=_day(at), at_90=_day(at - timedelta(days=90)), at_365=_day(at - timedelta(days=365))
    )
