"""An extract written in the shape a case-recording system exports it: Mosaic's form answers.

Mosaic keeps desired outcomes, their reviews and the meetings where they are agreed as forms,
and its reports give one row per question answered. :func:`write_form_answer_export` turns an
extract (the demo service, whole or partial) into such an export: the tables Mosaic holds as
records of their own (children, teams, workers, involvements, ...) stay flat CSV files, and
meetings, outcomes and reviews become one long ``form_answers.csv``.

The forms, their question codes and the words the answers use are this demo authority's
Mosaic set-up, written here on purpose apart from ``data/mappings/mosaic-forms.yaml``: the
mapping has to describe this export correctly for the round trip (export, load through the
mapping, compare every headline figure) to hold, so a wrong mapping shows. Output depends on
the input files alone: the same extract always gives byte-identical files.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from workbench.core.codes import code_list
from workbench.core.model import EXTRACT_TABLES, Kind, Table, table

#: The columns of the form-answer report, as Mosaic's reporting names them.
FORM_ANSWER_COLUMNS = (
    "PERSON_ID",
    "WORKFLOW_STEP_ID",
    "FORM_ID",
    "FORM_TYPE",
    "FORM_DATE",
    "QUESTION_USER_CODE",
    "ANSWER",
)

#: The file the form answers are written to (``form_answers.csv``).
FORM_ANSWER_FILE = "form_answers"

#: The extract tables that live as forms in Mosaic, in the order their forms are written.
FORM_TABLES = ("meetings", "outcomes", "outcome_reviews")

#: Each meeting type is a form of its own in Mosaic, named as the demo authority names it.
MEETING_FORMS = {
    "fgc": "Family Group Conference",
    "family_meeting": "Family Meeting",
    "cla_review": "Looked After Child Review",
    "icpc": "Initial Child Protection Conference",
    "rcpc": "Review Child Protection Conference",
    "core_group": "Core Group Meeting",
    "cin_review": "Child in Need Review",
    "taf_review": "Team Around the Family Review",
}
OUTCOME_FORM = "Desired Outcome"
REVIEW_FORM = "Outcome Review"

#: Question codes (Mosaic's "question user codes") for each column answered on a form.
QUESTIONS = {
    "meetings": {
        "involvement_id": "MTG_INVOLVEMENT_ID",
        "child_participation": "MTG_CHILD_PARTICIPATION",
        "family_attended": "MTG_PARENT_ATTENDED",
        "wider_family_attended": "MTG_FAMILY_NETWORK_ATTENDED",
        "agencies_attended": "MTG_AGENCIES",
    },
    "outcomes": {
        "involvement_id": "OUT_INVOLVEMENT_ID",
        "statement": "OUT_STATEMENT",
        "whose_words": "OUT_WHOSE_WORDS",
        "agreed_with_family": "OUT_AGREED_WITH_FAMILY",
        "success_looks_like": "OUT_SUCCESS_LOOKS_LIKE",
        "domain": "OUT_DOMAIN",
        "scale": "OUT_SCALE",
        "baseline_score": "OUT_BASELINE_SCORE",
        "target_score": "OUT_TARGET_SCORE",
        "target_date": "OUT_TARGET_DATE",
        "status": "OUT_STATUS",
        "closed_date": "OUT_CLOSED_DATE",
        "replaced_by": "OUT_REPLACED_BY",
        "star": "OUT_STAR",
        "star_edition": "OUT_STAR_EDITION",
    },
    "outcome_reviews": {
        "outcome_id": "REV_OUTCOME_ID",
        "score": "REV_SCORE",
        "family_score": "REV_FAMILY_SCORE",
        "reviewer_role": "REV_REVIEWER_ROLE",
        "note": "REV_NOTE",
        "approved": "REV_WORKER_APPROVED",
    },
}

_YES_NO = {"Y": "Yes", "N": "No"}
#: How answers are worded on the demo authority's forms, for coded columns.
ANSWER_WORDS = {
    "whose_words": {"child": "Child", "parent": "Parent", "family": "Family", "practitioner": "Worker"},
    "scale": {"scaling_0_10": "0-10 scaling", "gas": "Goal Attainment", "outcomes_star": "Outcomes Star"},
    "status": {
        "active": "Open",
        "achieved": "Achieved",
        "partly_achieved": "Partly achieved",
        "not_achieved": "Not achieved",
        "withdrawn": "Withdrawn",
        "replaced": "Replaced",
    },
}


@cache
def _words(column: str) -> dict[str, str]:
    """Return how a coded column's values are written on the forms (codes not listed stay codes)."""
    if column in ("agreed_with_family", "family_attended", "wider_family_attended", "approved"):
        return _YES_NO
    if column == "domain":
        return {row["code"]: row["label"] for row in code_list("outcome_domains")}
    if column == "reviewer_role":
        return {row["code"]: row["label"] for row in code_list("reviewer_roles")}
    return ANSWER_WORDS.get(column, {})


def form_date(iso: str) -> str:
    """Return an ISO date written as Mosaic's reports write it: day/month/year."""
    if not iso:
        return ""
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _rows(folder: Path, spec: Table) -> Iterator[dict[str, str]]:
    with (folder / spec.filename).open(newline="", encoding="utf-8-sig") as handle:
        yield from csv.DictReader(handle)


def form_rows(row: dict[str, str], name: str, person: str, step: str, form_type: str,
               date: str) -> Iterator[tuple[str, ...]]:  # fmt: skip
    """Yield the export rows of one form: one per question answered (an empty answer is no row).

    ``row`` holds the table's columns as extract text (codes, Y/N, ISO dates); answers are
    written in the forms' own words. Outcome plans made in the workbench are exported with it too.
    """
    spec = table(name)
    for column, code in QUESTIONS[name].items():
        # An optional column the row does not carry (a plan has no Star) is a question left blank.
        value = row.get(column, "")
        if value == "":
            continue  # Mosaic's reports list the questions answered, not the ones left blank
        if spec.field(column).kind is Kind.DATE:
            value = form_date(value)
        value = _words(column).get(value, value)
        yield (person, step, row[spec.key[0]], form_type, form_date(date), code, value)


def _all_form_rows(extract: Path) -> Iterator[tuple[str, ...]]:
    """Yield every export row: meeting forms, then outcome forms, then review forms, in extract order."""
    for row in _rows(extract, table("meetings")):
        meeting = row["meeting_id"]
        yield from form_rows(row, "meetings", row["child_id"], meeting, MEETING_FORMS[row["meeting_type"]],
                              row["date"])  # fmt: skip
    child_of_outcome = {}
    for row in _rows(extract, table("outcomes")):
        child_of_outcome[row["outcome_id"]] = row["child_id"]
        yield from form_rows(row, "outcomes", row["child_id"], row["agreed_meeting_id"], OUTCOME_FORM,
                              row["agreed_date"])  # fmt: skip
    for row in _rows(extract, table("outcome_reviews")):
        yield from form_rows(row, "outcome_reviews", child_of_outcome.get(row["outcome_id"], ""),
                              row["meeting_id"], REVIEW_FORM, row["review_date"])  # fmt: skip


def write_form_answer_export(extract: Path, out: Path) -> dict[str, int]:
    """Write the extract in ``extract`` as a Mosaic-shaped export in ``out``; return rows per file.

    The tables that are not forms are copied as they are; meetings, outcomes and outcome
    reviews become ``form_answers.csv`` (columns :data:`FORM_ANSWER_COLUMNS`, dates written
    day/month/year). ``out`` may be ``extract`` itself: the three tables' files are then
    replaced by the export. Rows are counted per table copied, and for ``form_answers``.
    """
    extract, out = Path(extract), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    export = out / f"{FORM_ANSWER_FILE}.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FORM_ANSWER_COLUMNS)
        written = 0
        for row in _all_form_rows(extract):
            writer.writerow(row)
            written += 1
    for spec in EXTRACT_TABLES:
        if spec.name in FORM_TABLES:
            if extract.resolve() == out.resolve():
                (out / spec.filename).unlink()
            continue
        if extract.resolve() != out.resolve():
            shutil.copyfile(extract / spec.filename, out / spec.filename)
        counts[spec.name] = sum(1 for _ in _rows(out, spec))
    counts[FORM_ANSWER_FILE] = written
    return counts
