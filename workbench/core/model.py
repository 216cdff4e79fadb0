"""The outcome extract: tables, keys, field kinds and code lists (DESIGN.md section 3).

This module is the contract. The store's schema, the extract validator, the demo generator
and ``docs/data-dictionary.md`` are all derived from :data:`EXTRACT_TABLES`, so they cannot
drift apart. Change a table here and the store needs a migration (see ``workbench.store``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a field is written in the extract and stored."""

    ID = "id"  # an identifier, kept as text
    TEXT = "text"  # free text, possibly entered by a person: always escaped on display
    DATE = "date"  # ISO date, YYYY-MM-DD
    MONTH = "month"  # year and month only, YYYY-MM (birth months: never a full date of birth)
    INT = "int"  # a whole number
    SCORE = "score"  # a number on the outcome's scale (see data/codes/scales.csv)
    YN = "yn"  # Y or N, stored as a boolean
    CODE = "code"  # one value from a code list in data/codes/


#: What the validator tells a person it expected, for each kind.
KIND_EXPECTS = {
    Kind.ID: "an identifier",
    Kind.TEXT: "text",
    Kind.DATE: "a date written YYYY-MM-DD",
    Kind.MONTH: "a month written YYYY-MM",
    Kind.INT: "a whole number",
    Kind.SCORE: "a number on the outcome's scale",
    Kind.YN: "Y or N",
    Kind.CODE: "a code from the code list",
}


@dataclass(frozen=True)
class Field:
    """One column of an extract table."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    codes: str | None = None  # the code list, for Kind.CODE
    references: str | None = None  # "table.column" for a foreign key
    #: Whether a measure reads the field (it matters for coded fields, the only ones a bad value
    #: can be blanked in). A code outside its list in a field that is neither a key, nor
    #: measured, nor required is blanked and the row kept; a test checks this against the measures.
    measured: bool = True
    #: Whether the column may be left out of a file (it then reads as empty): columns added to
    #: the extract after its first version, so that an authority's older extracts still load.
    optional_column: bool = False

    @property
    def expects(self) -> str:
        """Describe, for an error message, what a valid value looks like."""
        if self.kind is Kind.CODE:
            return f"a code from data/codes/{self.codes}.csv"
        return KIND_EXPECTS[self.kind]


@dataclass(frozen=True)
class Table:
    """One table of the extract: a CSV file ``<name>.csv`` in the extract folder."""

    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def filename(self) -> str:
        """The extract file that holds this table."""
        return f"{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        """Column names, in extract order."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        """Return the field called ``name``."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.name} has no field {name!r}")


def _f(name, kind, description, **options) -> Field:
    return Field(name, Kind(kind), description, **options)


# Tables are listed parents first: loading in this order satisfies every foreign key.
EXTRACT_TABLES: tuple[Table, ...] = (
    Table(
        "children",
        "One row per child known to the service. Pseudonymised: no names, and the month of birth only.",
        (
            _f("child_id", "id", "The child's pseudonymous identifier.", required=True),
            _f("birth_month", "month", "Month of birth (YYYY-MM).", required=True),
            _f("sex", "code", "Sex.", required=True, codes="sex"),
            _f("ethnicity", "code", "DfE ethnicity code.", required=True, codes="ethnicity"),
            _f("disability", "yn", "Whether the child has a recorded disability.", required=True),
            _f("locality", "text", "The locality the child lives in.", required=True),
        ),
        key=("child_id",),
    ),
    Table(
        "teams",
        "The teams that work with children and families.",
        (
            _f("team_id", "id", "Team identifier.", required=True),
            _f("name", "text", "Team name.", required=True),
            _f("locality", "text", "The locality the team serves.", required=True),
            _f("service", "code", "The service the team belongs to.", required=True, codes="services"),
        ),
        key=("team_id",),
    ),
    Table(
        "workers",
        "Practitioners, team leads and other staff. Names never appear in published views.",
        (
            _f("worker_id", "id", "Worker identifier.", required=True),
            _f("name", "text", "Worker's display name (for supervision views only)."),
            _f(
                "team_id",
                "id",
                "The worker's team now; the extract keeps no team history, so every allocation of "
                "the worker, past ones too, counts to this team.",
                required=True,
                references="teams.team_id",
            ),
            _f("role", "code", "The worker's role.", required=True, codes="worker_roles", measured=False),
            _f("start_date", "date", "First day in post.", required=True),
            _f("end_date", "date", "Last day in post; empty while in post."),
        ),
        key=("worker_id",),
    ),
    Table(
        "involvements",
        "A period of work with a child under one plan type. Steps up and down are new involvements.",
        (
            _f("involvement_id", "id", "Involvement identifier.", required=True),
            _f("child_id", "id", "The child.", required=True, references="children.child_id"),
            _f("plan_type", "code", "The plan the work is under.", required=True, codes="plan_types"),
            _f("start_date", "date", "Start of the involvement.", required=True),
            _f("end_date", "date", "End of the involvement; empty while open."),
            _f("end_reason", "code", "Why the involvement ended.", codes="end_reasons", measured=False),
            _f(
                "team_id",
                "id",
                "The team holding the involvement.",
                required=True,
                references="teams.team_id",
            ),
        ),
        key=("involvement_id",),
        notes=("An involvement is open at D when start_date <= D and (end_date is empty or end_date > D).",),
    ),
    Table(
        "allocations",
        "Which worker held a child's case, and when. A child's team and worker at D come from here.",
        (
            _f("child_id", "id", "The child.", required=True, references="children.child_id"),
            _f("worker_id", "id", "The allocated worker.", required=True, references="workers.worker_id"),
            _f("start_date", "date", "Start of the allocation.", required=True),
            _f("end_date", "date", "End of the allocation; empty while allocated."),
        ),
        key=("child_id", "worker_id", "start_date"),
    ),
    Table(
        "meetings",
        "Meetings where desired outcomes are agreed and reviewed.",
        (
            _f("meeting_id", "id", "Meeting identifier.", required=True),
            _f("child_id", "id", "The child.", required=True, references="children.child_id"),
            _f(
                "involvement_id",
                "id",
                "The involvement the meeting belongs to.",
                required=True,
                references="involvements.involvement_id",
            ),
            _f("meeting_type", "code", "Kind of meeting.", required=True, codes="meeting_types"),
            _f("date", "date", "Date of the meeting.", required=True),
            _f(
                "child_participation",
                "code",
                "How the child took part (PN0 to PN7).",
                codes="participation_codes",
            ),
            _f("family_attended", "yn", "Whether a parent or carer attended.", required=True),
            _f(
                "wider_family_attended",
                "yn",
                "Whether the wider family network attended.",
                required=True,
            ),
            _f(
                "agencies_attended",
                "text",
                "Agencies that attended, separated by semicolons (for example school;health).",
            ),
        ),
        key=("meeting_id",),
    ),
    Table(
        "outcomes",
        "Desired outcomes: what the child and family want life to look like, and how all will know.",
        (
            _f("outcome_id", "id", "Outcome identifier.", required=True),
            _f("child_id", "id", "The child.", required=True, references="children.child_id"),
            _f(
                "involvement_id",
                "id",
                "The involvement under which it was agreed.",
                required=True,
                references="involvements.involvement_id",
            ),
            _f(
                "agreed_meeting_id",
                "id",
                "The meeting where it was agreed, if any.",
                references="meetings.meeting_id",
            ),
            _f("agreed_date", "date", "Date the outcome was agreed.", required=True),
            _f("statement", "text", "The desired outcome, as written.", required=True),
            _f("whose_words", "code", "Whose words the statement is in.", required=True, codes="whose_words"),
            _f("agreed_with_family", "yn", "Whether the family agreed the outcome.", required=True),
            _f("success_looks_like", "text", "What success will look like; empty if not recorded."),
            _f(
                "domain",
                "code",
                "Supporting Families outcome domain.",
                required=True,
                codes="outcome_domains",
            ),
            _f("scale", "code", "The scale scores are recorded on.", required=True, codes="scales"),
            _f("baseline_score", "score", "Score when the outcome was agreed; empty if none."),
            _f("target_score", "score", "The score that would mean success."),
            _f("target_date", "date", "When the family hopes to reach the target."),
            _f("status", "code", "Final recorded status.", required=True, codes="outcome_statuses"),
            _f("closed_date", "date", "Date the outcome closed; empty while active."),
            _f(
                "replaced_by",
                "id",
                "The outcome that replaced this one, if replaced.",
                references="outcomes.outcome_id",
            ),
            _f(
                "star",
                "text",
                "For an Outcomes Star outcome, which Star it is read on (e.g. Family Star Plus); "
                "empty otherwise.",
                optional_column=True,
            ),
            _f(
                "star_edition",
                "text",
                "For an Outcomes Star outcome, the Star's edition; readings are compared within one "
                "Star and edition.",
                optional_column=True,
            ),
        ),
        key=("outcome_id",),
        notes=(
            "An outcome is active at D when agreed_date <= D and (closed_date is empty or closed_date > D).",
            "status is the final status; 'active at D' comes from the dates alone.",
        ),
    ),
    Table(
        "outcome_reviews",
        "Each time an outcome was reviewed and scored.",
        (
            _f("review_id", "id", "Review identifier.", required=True),
            _f("outcome_id", "id", "The outcome reviewed.", required=True, references="outcomes.outcome_id"),
            _f("review_date", "date", "Date of the review.", required=True),
            _f(
                "meeting_id",
                "id",
                "The meeting where it was reviewed, if any.",
                references="meetings.meeting_id",
            ),
            _f("score", "score", "Score on the outcome's scale; empty if not scored."),
            _f("family_score", "score", "The family's own score, if given."),
            _f("reviewer_role", "code", "Who reviewed it.", codes="reviewer_roles", measured=False),
            _f("note", "text", "Review note."),
            _f(
                "approved",
                "yn",
                "For an Outcomes Star reading, whether the worker approved it; distance travelled "
                "counts approved readings only.",
                optional_column=True,
            ),
        ),
        key=("review_id",),
    ),
    Table(
        "interventions",
        "Services and programmes provided to help reach desired outcomes.",
        (
            _f("intervention_id", "id", "Intervention identifier.", required=True),
            _f("child_id", "id", "The child.", required=True, references="children.child_id"),
            _f(
                "involvement_id",
                "id",
                "The involvement.",
                required=True,
                references="involvements.involvement_id",
            ),
            _f("name", "text", "Name of the intervention or programme.", required=True),
            _f(
                "evidence_level",
                "code",
                "Evidence rating the authority uses.",
                required=True,
                codes="evidence_levels",
            ),
            _f("start_date", "date", "Start date.", required=True),
            _f("end_date", "date", "End date; empty while running."),
            _f("provider", "text", "Who provides it."),
        ),
        key=("intervention_id",),
    ),
    Table(
        "intervention_outcomes",
        "Which desired outcomes each intervention is meant to help.",
        (
            _f(
                "intervention_id",
                "id",
                "The intervention.",
                required=True,
                references="interventions.intervention_id",
            ),
            _f("outcome_id", "id", "The outcome.", required=True, references="outcomes.outcome_id"),
        ),
        key=("intervention_id", "outcome_id"),
    ),
    Table(
        "supervisions",
        "Supervision sessions between a worker and their supervisor.",
        (
            _f("supervision_id", "id", "Supervision identifier.", required=True),
            _f("worker_id", "id", "The worker supervised.", required=True, references="workers.worker_id"),
            _f("supervisor_id", "id", "The supervisor.", required=True, references="workers.worker_id"),
            _f("date", "date", "Date of the supervision.", required=True),
        ),
        key=("supervision_id",),
    ),
    Table(
        "supervision_cases",
        "Children discussed in a supervision, and whether their outcomes were discussed.",
        (
            _f(
                "supervision_id",
                "id",
                "The supervision.",
                required=True,
                references="supervisions.supervision_id",
            ),
            _f("child_id", "id", "The child discussed.", required=True, references="children.child_id"),
            _f(
                "outcomes_discussed",
                "yn",
                "Whether desired outcomes were discussed.",
                required=True,
                measured=False,
            ),
        ),
        key=("supervision_id", "child_id"),
    ),
    Table(
        "audits",
        "Historic case audits from the authority's records (DESIGN.md section 6); audits recorded in the "
        "workbench are kept in tables of their own, which a new extract does not replace.",
        (
            _f("audit_id", "id", "Audit identifier.", required=True),
            _f("child_id", "id", "The case audited.", required=True, references="children.child_id"),
            _f("auditor_id", "id", "The auditor.", required=True, references="workers.worker_id"),
            _f("audit_date", "date", "Date the audit was completed.", required=True),
            _f("template_id", "id", "The audit template used.", required=True),
            _f("template_version", "text", "The template's version.", required=True),
            _f("evidence_from", "date", "Start of the evidence window.", required=True),
            _f("evidence_to", "date", "End of the evidence window.", required=True),
            _f("status", "code", "Draft, submitted or moderated.", required=True, codes="audit_statuses"),
            _f("overall_grade", "code", "The auditor's overall grade.", codes="audit_grades"),
            _f("moderator_id", "id", "Who moderated it, if moderated.", references="workers.worker_id"),
            _f("moderated_grade", "code", "The agreed overall grade after moderation.", codes="audit_grades"),
            _f("moderation_date", "date", "Date of moderation."),
        ),
        key=("audit_id",),
    ),
    Table(
        "audit_answers",
        "One graded question of an audit. The first grade is kept beside the moderated grade.",
        (
            _f("audit_id", "id", "The audit.", required=True, references="audits.audit_id"),
            _f("question_id", "id", "The template question.", required=True),
            _f("grade", "code", "The auditor's grade.", required=True, codes="audit_grades"),
            _f("evidence", "text", "The auditor's evidence."),
            _f("moderated_grade", "code", "The moderator's grade, if moderated.", codes="audit_grades"),
            _f("moderation_reason", "text", "Why the moderator agreed or changed the grade."),
        ),
        key=("audit_id", "question_id"),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in EXTRACT_TABLES}


def table(name: str) -> Table:
    """Return the extract table called ``name``."""
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"no extract table {name!r}; tables are {', '.join(TABLES_BY_NAME)}") from None


# ---------------------------------------------------------------------------------------------
# Outcome plans made in the workbench (issue 17; schema version 13)
#
# A plan belongs to a child's involvement and is agreed at a meeting. Each save is a new
# version, so what was agreed at an earlier meeting is kept when a later meeting changes it.
# The plan is written in the workbench, not imported, so it is not an extract table: the store
# keeps it in tables of its own (``workbench.store.plan_tables``) and projects each agreed
# version into the extract's outcomes, reviews and interventions, which the measures read.

#: Who can own an action on a plan (``data/codes/action_owners.csv``).
ACTION_OWNERS = ("family_member", "wider_family", "practitioner", "agency")

#: What a later meeting decides about an outcome (``data/codes/plan_decisions.csv``). ``new`` is
#: an outcome agreed at this meeting; the others are decisions on one agreed before.
PLAN_DECISIONS = ("new", "carried_on", "achieved", "changed", "withdrawn")

#: The scale plan outcomes are scored on: solution-focused 0 to 10 scaling (DESIGN.md section 3).
PLAN_SCALE = "scaling_0_10"


@dataclass
class PlanAction:
    """Who does what, by when, for one outcome; with the intervention chosen and its evidence level."""

    key: str  # stable across versions and editors (see ``workbench.practice.plans.new_key``)
    owner_kind: str = ""  # one of ACTION_OWNERS
    owner_name: str = ""  # the person or named agency, in the family's words
    action: str = ""
    by_date: str = ""  # ISO date
    intervention: str = ""  # the programme or service, if one was chosen
    evidence_level: str = ""  # data/codes/evidence_levels.csv, when an intervention is named


@dataclass
class PlanOutcome:
    """One desired outcome on a plan, in the words of whoever owns it, with its scores and actions."""

    key: str
    statement: str = ""
    whose_words: str = ""  # data/codes/whose_words.csv
    success_looks_like: str = ""
    domain: str = ""  # data/codes/outcome_domains.csv
    family_baseline: float | None = None  # the child's or family's score when agreed
    practitioner_baseline: float | None = None
    target_score: float | None = None
    target_date: str = ""  # ISO date
    decision: str = "new"  # one of PLAN_DECISIONS, at this version's meeting
    family_score: float | None = None  # scores given at a later meeting (with decision != new)
    practitioner_score: float | None = None
    change_reason: str = ""  # why it changed or was withdrawn
    actions: list[PlanAction] = field(default_factory=list)


@dataclass
class PlanVersion:
    """One saved version of a plan: the meeting it belongs to, its outcomes, who saved it."""

    plan_id: str
    child_id: str
    involvement_id: str
    version: int = 0  # 0 before the first save
    meeting_id: str = ""  # the extract's meeting, when the meeting is already recorded there
    meeting_type: str = ""  # data/codes/meeting_types.csv
    meeting_date: str = ""  # ISO date
    status: str = "draft"  # draft or agreed
    family_agreed: bool = False  # the family agreed these outcomes
    family_network_agreed: bool = False  # the family agreed their wider network is involved
    saved_by: str = ""
    saved_at: str = ""
    outcomes: list[PlanOutcome] = field(default_factory=list)
