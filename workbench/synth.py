"""A seeded generator of a realistic demo authority, written as an outcome extract.

:func:`generate_extract` writes one CSV per table of :data:`workbench.core.model.EXTRACT_TABLES`
into a folder, in the extract format that the validator and the loader accept. The same seed
and size always give byte-identical files: every date is fixed (the window always ends on
31 March 2026), nothing reads the clock, nothing iterates a set, and no float is written.

How the authority is simulated:

- **Structure.** Localities hold teams of the five services. Each team has practitioner
  "slots" filled by a chain of workers over time (turnover), one senior practitioner slot and
  one team lead in post throughout. Service leads and auditors are attached to a front-line
  team, because the model requires every worker to have one.
- **Children.** Each child is referred on a date in the window and then moves through
  involvements that step up and down between plans (early help, CIN, CP, CLA, care leaver),
  closes, and sometimes returns. Meetings of the right types, desired outcomes, reviews,
  interventions, allocations and audits are generated for each involvement.
- **Variation.** Every team has a practice-quality *profile* (see :data:`PROFILES`), with
  separate dimensions for clarity, the family's voice, constancy, reviewing, meetings,
  evidence-informed interventions, progress, supervision and turnover. Profiles are assigned
  to teams in a fixed cycle (:data:`PROFILE_CYCLE`) so the same team is good or poor for every
  seed. Localities tilt quality up or down, some profiles improve or decline over the window,
  the whole service drifts slightly upward, outcome domains progress at different rates, and
  some child characteristics carry a modest disadvantage, so that every headline measure of
  DESIGN.md section 4 has something to show in its breakdowns.

Children are generated and written in chunks (each chunk with its own seeded numpy Generator),
so the ``la-decade`` size streams to disk in bounded memory on the same code path as ``demo``.
"""

from __future__ import annotations

import csv
import math
from array import array
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate, pairwise
from pathlib import Path

import numpy as np
from tqdm import tqdm

from workbench.core.codes import codes, scale_ranges
from workbench.core.model import EXTRACT_TABLES

__all__ = [
    "DIMENSIONS",
    "PROFILES",
    "PROFILE_CYCLE",
    "REGIONS",
    "SIZES",
    "WINDOW_END",
    "LocalitySpec",
    "RegionPreset",
    "SizePreset",
    "authority_code",
    "generate_extract",
]

# ---------------------------------------------------------------------------------------------
# Fixed dates. The window always ends on the same day so that output never depends on "today".

WINDOW_END = date(2026, 3, 31)
_END = WINDOW_END.toordinal()
_OPEN = _END + 1  # stands for "still open at the end of the window"
_BASE = date(1985, 1, 1).toordinal()  # earliest day any generated date can fall on
_ISO: list[str] = [date.fromordinal(d).isoformat() for d in range(_BASE, _OPEN + 1)]
_MONTH_OF: list[int] = [
    date.fromordinal(d).year * 12 + date.fromordinal(d).month - 1 for d in range(_BASE, _OPEN + 1)
]


def _iso(day: int) -> str:
    return _ISO[day - _BASE]


def _month(day: int) -> int:
    """Return the month index (year * 12 + month - 1) of an ordinal day."""
    return _MONTH_OF[day - _BASE]


def _first_of_month(month_index: int) -> int:
    return date(month_index // 12, month_index % 12 + 1, 1).toordinal()


def _child_id(index: int, digits: int) -> str:
    """Return the id of the child generated in position ``index`` (from 0)."""
    return f"C{index + 1:0{max(6, digits - 1)}d}"


def _month_text(month_index: int) -> str:
    return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"


# ---------------------------------------------------------------------------------------------
# Sizes


@dataclass(frozen=True)
class LocalitySpec:
    """A locality: its name, share of children, quality tilt, diversity, and teams by service."""

    name: str
    share: float
    tilt: float  # added to team quality: negative for a locality that struggles
    diversity: float  # multiplies the weight of every ethnicity other than White British
    teams: tuple[tuple[str, int], ...]  # (service, number of teams)


@dataclass(frozen=True)
class SizePreset:
    """How big an authority to generate, over which window, and in what chunks."""

    children: int
    first_day: date
    localities: tuple[LocalitySpec, ...]
    service_leads: int
    auditors: int
    audit_rate: float  # chance that an involvement of 120 days or more is audited
    chunk_size: int
    digits: int  # width of the numeric part of child, involvement, meeting, outcome ids


_DEMO_TEAMS = (("early_help", 2), ("cin", 2), ("cp", 2), ("cla", 1), ("leaving_care", 1))
_BIG_TEAMS = (("early_help", 4), ("cin", 4), ("cp", 3), ("cla", 2), ("leaving_care", 1))
_ONE_EACH = (("early_help", 1), ("cin", 1), ("cp", 1), ("cla", 1), ("leaving_care", 1))

#: The presets: ``tiny`` for tests, ``demo`` for the committed demo, ``la-decade`` for benchmarks.
SIZES: dict[str, SizePreset] = {
    "tiny": SizePreset(
        children=150,
        first_day=date(2019, 4, 1),
        localities=(
            LocalitySpec("North", 0.5, -0.12, 0.8, _ONE_EACH),
            LocalitySpec("South", 0.5, 0.08, 1.2, _ONE_EACH),
        ),
        service_leads=2,
        auditors=2,
        audit_rate=0.08,
        chunk_size=500,
        digits=6,
    ),
    "demo": SizePreset(
        children=3000,
        first_day=date(2019, 4, 1),
        localities=(
            LocalitySpec("North", 0.30, -0.12, 0.6, _DEMO_TEAMS),
            LocalitySpec(
                "Central",
                0.40,
                0.0,
                1.7,
                (("early_help", 3), ("cin", 2), ("cp", 2), ("cla", 1), ("leaving_care", 1)),
            ),
            LocalitySpec("South", 0.30, 0.08, 0.9, _DEMO_TEAMS),
        ),
        service_leads=2,
        auditors=3,
        audit_rate=0.05,
        chunk_size=500,
        digits=6,
    ),
    "la-decade": SizePreset(
        children=100_000,
        first_day=date(2016, 4, 1),
        localities=(
            LocalitySpec("North", 0.13, -0.12, 0.6, _BIG_TEAMS),
            LocalitySpec("North East", 0.12, -0.06, 0.8, _BIG_TEAMS),
            LocalitySpec("Central", 0.16, 0.0, 1.9, _BIG_TEAMS),
            LocalitySpec("City", 0.14, -0.03, 2.2, _BIG_TEAMS),
            LocalitySpec("East", 0.11, 0.04, 0.9, _BIG_TEAMS),
            LocalitySpec("South", 0.12, 0.08, 0.9, _BIG_TEAMS),
            LocalitySpec("South West", 0.11, 0.05, 0.7, _BIG_TEAMS),
            LocalitySpec("West", 0.11, 0.0, 1.0, _BIG_TEAMS),
        ),
        service_leads=5,
        auditors=8,
        audit_rate=0.03,
        chunk_size=2000,
        digits=7,
    ),
}

# ---------------------------------------------------------------------------------------------
# Practice-quality profiles

#: The dimensions of practice quality that a team profile sets, each from 0 (poor) to 1 (good).
DIMENSIONS = (
    "clarity",  # success_looks_like, baseline and target recorded
    "voice",  # family's own words, agreed with the family, family scores, FGCs
    "constancy",  # outcomes not replaced or withdrawn soon after agreement
    "review",  # outcomes reviewed and scored regularly
    "meetings",  # family attendance, child participation, meeting cadence
    "evidence",  # interventions with a good evidence rating
    "progress",  # how far scores move towards the target
    "supervision",  # supervision cadence, outcomes discussed in supervision
    "turnover",  # 1 means a stable workforce, 0 a churning one
)


def _flat(level: float, **overrides: float) -> dict[str, tuple[float, float]]:
    profile = dict.fromkeys(DIMENSIONS, (level, level))
    profile.update({dim: (value, value) for dim, value in overrides.items()})
    return profile


def _ramp(start: float, end: float) -> dict[str, tuple[float, float]]:
    return dict.fromkeys(DIMENSIONS, (start, end))


#: Team profiles: for each dimension, the quality at the start and at the end of the window.
#: Change happens between 45% and 70% of the way through the window (a new practice model).
PROFILES: dict[str, dict[str, tuple[float, float]]] = {
    "exemplary": _flat(0.9),
    "good": _flat(0.72),
    "average": _flat(0.5),
    "improving": _ramp(0.2, 0.85),
    "declining": _ramp(0.72, 0.32),
    "weak": _flat(0.15, turnover=0.3),
    # Meetings on time and outcomes reviewed, but written by professionals and not measurable.
    "process-driven": _flat(
        0.35, review=0.85, meetings=0.7, supervision=0.8, constancy=0.6, clarity=0.1, voice=0.08
    ),
    # High staff turnover: outcomes rewritten or dropped soon after they are agreed.
    "churning": _flat(0.45, constancy=0.05, turnover=0.05, review=0.3, clarity=0.35),
}

#: Profiles are given to teams in this order (teams are numbered locality by locality).
PROFILE_CYCLE = (
    "weak", "improving", "process-driven", "average", "churning", "average", "good", "average",
    "exemplary", "good", "average", "good", "improving", "good", "declining", "average", "good",
    "good", "exemplary", "average", "good", "improving", "good", "exemplary", "weak",
)  # fmt: skip

_CHANGE_FROM, _CHANGE_TO = 0.45, 0.70  # share of the window over which a profile ramps
_SERVICE_DRIFT = 0.10  # the whole service improves a little over the window

# Distance travelled differs by domain: some things are harder to change than others.
_DOMAIN_PROGRESS = {
    "education": 0.0,
    "early_years": 0.12,
    "health": -0.04,
    "substance_use": -0.25,
    "family_relationships": 0.06,
    "safe_from_abuse": 0.05,
    "crime_prevention": -0.15,
    "domestic_abuse": -0.1,
    "housing": -0.2,
    "financial_stability": -0.05,
}

# ---------------------------------------------------------------------------------------------
# Children

_SEX = (("M", 0.515), ("F", 0.475), ("U", 0.01))
# Roughly the children known to an English authority's social care (White British the majority).
_ETHNICITY = (
    ("WBRI", 0.64), ("WIRI", 0.005), ("WIRT", 0.004), ("WOTH", 0.06), ("WROM", 0.006),
    ("MWBC", 0.025), ("MWBA", 0.01), ("MWAS", 0.012), ("MOTH", 0.025), ("AIND", 0.02),
    ("APKN", 0.035), ("ABAN", 0.012), ("AOTH", 0.012), ("BCRB", 0.012), ("BAFR", 0.035),
    ("BOTH", 0.012), ("CHNE", 0.003), ("OOTH", 0.02), ("REFU", 0.01), ("NOBT", 0.02),
)  # fmt: skip
# A modest disproportionality, so that breakdowns by child characteristics show something.
_BLACK_MIXED = {"MWBC", "MWBA", "MOTH", "BCRB", "BAFR", "BOTH"}
_TRAVELLER = {"WIRT", "WROM"}
_LESS_HEARD = _BLACK_MIXED | _TRAVELLER

# Age at first referral, in months: (share, lowest, highest).
_REFERRAL_AGE = ((0.18, 1, 11), (0.2, 12, 59), (0.27, 60, 131), (0.35, 132, 210))

# ---------------------------------------------------------------------------------------------
# Plans, durations and moves between plans

_SERVICE_OF_PLAN = {
    "early_help": "early_help",
    "cin": "cin",
    "cp": "cp",
    "cla": "cla",
    "care_leaver": "leaving_care",
}
_DURATION = {  # median days, log-normal sigma, shortest, longest
    "early_help": (240, 0.45, 45, 730),
    "cin": (300, 0.5, 40, 900),
    "cp": (290, 0.45, 60, 900),
    "cla": (700, 0.8, 30, 4000),
    "care_leaver": (1300, 0.6, 90, 2500),
}
# What happens at the end of an involvement: (end_reason, next plan or "", base weight, lever).
# lever +1 makes the move likelier when work went well, -1 likelier when it went badly.
_MOVES = {
    "early_help": (
        ("outcomes_met", "", 0.45, 1),
        ("step_up", "cin", 0.2, -1),
        ("step_up", "cp", 0.02, -1),
        ("family_declined", "", 0.12, 0),
        ("moved_away", "", 0.05, 0),
        ("other", "", 0.04, 0),
    ),
    "cin": (
        ("outcomes_met", "", 0.35, 1),
        ("step_down", "early_help", 0.25, 1),
        ("step_up", "cp", 0.14, -1),
        ("step_up", "cla", 0.03, -1),
        ("family_declined", "", 0.06, 0),
        ("moved_away", "", 0.05, 0),
        ("other", "", 0.04, 0),
    ),
    "cp": (
        ("step_down", "cin", 0.62, 1),
        ("step_down", "early_help", 0.06, 1),
        ("step_up", "cla", 0.12, -1),
        ("outcomes_met", "", 0.05, 1),
        ("moved_away", "", 0.05, 0),
        ("other", "", 0.03, 0),
    ),
    "cla": (
        ("step_down", "cin", 0.2, 1),
        ("other", "", 0.25, 0),
        ("outcomes_met", "", 0.05, 1),
        ("moved_away", "", 0.04, 0),
    ),
    "care_leaver": (
        ("moved_away", "", 0.3, 0),
        ("family_declined", "", 0.3, 0),
        ("other", "", 0.1, 0),
    ),
}
# Days between the visits at which a practitioner may score progress with the family.
_VISITS = {"early_help": 24, "cin": 21, "cp": 14, "cla": 35, "care_leaver": 56}
_FIRST_PLAN = (("early_help", 0.52), ("cin", 0.33), ("cp", 0.09), ("cla", 0.06))
# Many children who enter care in England do so as teenagers.
_FIRST_PLAN_TEEN = (("early_help", 0.45), ("cin", 0.35), ("cp", 0.07), ("cla", 0.13))
_FIRST_PLAN_INFANT = (("early_help", 0.4), ("cin", 0.35), ("cp", 0.18), ("cla", 0.07))
_RETURN_PLAN = (("early_help", 0.45), ("cin", 0.37), ("cp", 0.14), ("cla", 0.04))

# Domains by plan (weights), before age adjustments.
_PLAN_DOMAINS = {
    "early_help": {
        "education": 3, "early_years": 2, "health": 2, "family_relationships": 4,
        "financial_stability": 1.5, "housing": 1, "crime_prevention": 0.8, "domestic_abuse": 1,
        "substance_use": 0.5, "safe_from_abuse": 1,
    },
    "cin": {
        "education": 2, "early_years": 1.5, "health": 2.5, "family_relationships": 3,
        "financial_stability": 1, "housing": 1, "crime_prevention": 1, "domestic_abuse": 1.5,
        "substance_use": 1, "safe_from_abuse": 2,
    },
    "cp": {
        "safe_from_abuse": 5, "domestic_abuse": 3, "substance_use": 2, "health": 1.5,
        "family_relationships": 1.5, "early_years": 1.5, "education": 1, "housing": 0.5,
    },
    "cla": {
        "health": 3, "education": 3, "family_relationships": 3, "safe_from_abuse": 2,
        "crime_prevention": 0.8, "early_years": 1,
    },
    "care_leaver": {
        "housing": 4, "financial_stability": 3, "education": 3, "health": 2,
        "family_relationships": 1, "substance_use": 0.5,
    },
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Words. Outcome statements in the family's words, in professional words, as processes
# ("Mum to attend ...") and vague ("Children to be safe"): the clarity of wording is a finding.

_STATEMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "education": {
        "child": (
            "I want to go to school every day",
            "I want to stop getting sent out of lessons",
            "I want to get my GCSEs and go to college",
        ),
        "parent": (
            "I want to get the kids to school on time without a fight",
            "I want to feel the school listens to me",
        ),
        "family": (
            "We want mornings to be calm so everyone gets to school",
            "We want school to be somewhere the children enjoy",
        ),
        "pro": (
            "School attendance will be above 90%",
            "The child will attend school full time",
            "An EHCP assessment will be completed",
        ),
        "process": (
            "Mum to attend meetings with school",
            "Parents to work with the Education Welfare Officer",
        ),
        "vague": ("Improve school attendance", "Education needs to be met"),
    },
    "early_years": {
        "child": (),
        "parent": (
            "I want to understand what my baby needs",
            "I want to help my toddler start talking",
        ),
        "family": (
            "We want bath time and bedtime to be a happy routine",
            "We want the baby to be healthy and growing well",
        ),
        "pro": (
            "The baby will reach developmental milestones",
            "The child will take up the nursery place",
        ),
        "process": ("Mum to attend the baby group weekly", "Parents to engage with the health visitor"),
        "vague": ("Baby's needs to be met", "Development to improve"),
    },
    "health": {
        "child": (
            "I want to feel less anxious",
            "I want to sleep properly",
            "I want to stop hurting myself",
        ),
        "parent": (
            "I want to get on top of my depression so I can be there for the kids",
            "I want my son to see someone about his worries",
        ),
        "family": (
            "We want everyone to be well and to eat together",
            "We want help with our mental health without waiting months",
        ),
        "pro": (
            "The child will be seen by CAMHS",
            "Dental and health checks will be up to date",
        ),
        "process": ("Mum to attend GP appointments", "Dad to engage with mental health services"),
        "vague": ("Health needs to be met", "Improve emotional wellbeing"),
    },
    "substance_use": {
        "child": ("I want to stop smoking weed every day",),
        "parent": (
            "I want to stay off drink so I can look after my children",
            "I want to keep going to my recovery group",
        ),
        "family": ("We want a home without drink and drugs",),
        "pro": (
            "Mum will provide negative drug tests for three months",
            "Dad will reduce his alcohol use",
        ),
        "process": (
            "Dad to engage with the drug and alcohol service",
            "Mum to attend the substance misuse service",
        ),
        "vague": ("Parents to address substance misuse", "No drug use"),
    },
    "family_relationships": {
        "child": (
            "I want to stop arguing with my mum",
            "I want to see my dad at weekends",
            "I want to feel listened to at home",
        ),
        "parent": (
            "I want to talk to my daughter without shouting",
            "I want my kids to get on with each other",
        ),
        "family": (
            "We want to spend more time together as a family",
            "We want to sort out arguments without anyone getting hurt",
        ),
        "pro": ("Family relationships will improve", "Contact with father will be consistent"),
        "process": ("Mum to attend the parenting course", "Parents to complete the Triple P programme"),
        "vague": ("Better relationships", "Family to work together"),
    },
    "safe_from_abuse": {
        "child": ("I want to feel safe at home", "I want to know who to tell if something is wrong"),
        "parent": (
            "I want my children to be safe and to know who they are with",
            "I want to keep my son away from the people who exploit him",
        ),
        "family": (
            "We want a safety plan that everyone sticks to",
            "We want the children to be safe when they are out",
        ),
        "pro": (
            "The child will not go missing from home",
            "The children will be safeguarded from harm",
        ),
        "process": ("Parents to engage with services", "Mum to attend all core group meetings"),
        "vague": ("Children to be safe", "Risks to be reduced"),
    },
    "crime_prevention": {
        "child": (
            "I want to stay out of trouble with the police",
            "I want to do something I enjoy after school",
        ),
        "parent": ("I want my son home by curfew",),
        "family": ("We want to stop the police coming to our door",),
        "pro": (
            "The young person will not reoffend",
            "The young person will complete his referral order",
        ),
        "process": ("Young person to attend youth justice appointments",),
        "vague": ("Reduce offending", "Stay out of trouble"),
    },
    "domestic_abuse": {
        "child": ("I want my mum and me to be safe",),
        "parent": (
            "I want to feel safe in my own home",
            "I want to understand how the abuse affected the children",
        ),
        "family": ("We want a home without fighting and fear",),
        "pro": (
            "There will be no further incidents of domestic abuse",
            "Mum will keep to the safety plan",
        ),
        "process": ("Mum to attend the Freedom Programme", "Dad to attend a perpetrator programme"),
        "vague": ("No domestic abuse", "Safe from domestic abuse"),
    },
    "housing": {
        "child": ("I want my own bedroom", "I want a place of my own I can afford"),
        "parent": (
            "I want a home that is not damp and overcrowded",
            "I want to stop worrying about being evicted",
        ),
        "family": ("We want a settled home where we can stay",),
        "pro": ("The family will be in suitable housing", "The young person will hold a tenancy"),
        "process": ("Mum to bid on properties every week", "Parents to engage with the housing team"),
        "vague": ("Housing to improve", "Suitable accommodation"),
    },
    "financial_stability": {
        "child": ("I want to learn how to budget my money",),
        "parent": ("I want to get on top of my debts", "I want to afford the kids' school uniform"),
        "family": ("We want enough money for food every week",),
        "pro": (
            "The family will receive all the benefits they are entitled to",
            "Rent arrears will be cleared",
        ),
        "process": (
            "Mum to attend the debt advice service",
            "Parents to engage with the welfare rights team",
        ),
        "vague": ("Financial stability", "Manage money better"),
    },
}

#: Clear wordings: each says how everyone will know (how often, how many, by when, or what the
#: family will say). Teams whose practice is clearer write more of them (see :func:`_worded`).
_CLEAR_STATEMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "education": {
        "child": ("I want to be in every lesson on my timetable this half term",),
        "parent": ("I want the kids in the playground before the bell at least four days a week",),
        "family": ("We want everyone out of the door by 8:15 on school days",),
        "pro": ("The child will be in school 19 days out of 20 by the end of term",),
    },
    "early_years": {
        "child": (),
        "parent": ("I want to share a picture book with my toddler every evening",),
        "family": ("We want the baby in her own cot by 7pm every night",),
        "pro": ("The baby will be at her two-year check by her second birthday with no missed visits",),
    },
    "health": {
        "child": ("I want to rate my worries 4 or lower on my scale by the summer",),
        "parent": ("I want to get out for a walk with the kids three times a week",),
        "family": ("We want to sit down to a meal together at least five nights a week",),
        "pro": ("The young person will say at each review that she sleeps through most nights",),
    },
    "substance_use": {
        "child": ("I want to go a whole month without smoking weed",),
        "parent": ("I want to be alcohol free for 12 weeks before my daughter comes home",),
        "family": ("We want no drink in the house on any weekday",),
        "pro": ("Dad will have no alcohol on contact days, checked at every visit",),
    },
    "family_relationships": {
        "child": ("I want to spend Saturday afternoons with my dad every week",),
        "parent": ("I want to sort out one row a week with my son without shouting",),
        "family": ("We want a family film night every Friday with no phones",),
        "pro": ("The children will see their father every other weekend",),
    },
    "safe_from_abuse": {
        "child": ("I want to be home by 9pm and answer when mum rings",),
        "parent": ("I want to know where my daughter is every evening by 10pm",),
        "family": ("We want the children to tell us they feel safe at every review",),
        "pro": ("The young person will have no missing episodes in the next three months",),
    },
    "crime_prevention": {
        "child": ("I want to go to football training twice a week instead of the park",),
        "parent": ("I want my son in by 10pm every night",),
        "family": ("We want six months with no police at the door",),
        "pro": ("The young person will have no arrests in the next six months",),
    },
    "domestic_abuse": {
        "child": ("I want to tell my worker I feel safe at home at every visit",),
        "parent": ("I want a year with no police called to the house",),
        "family": ("We want every child to know the safe word by the end of this month",),
        "pro": ("Mum will rate her safety at home 8 out of 10 or more by the next review",),
    },
    "housing": {
        "child": ("I want my own flat by the time I am 19",),
        "parent": ("I want to pay the rent on time every month",),
        "family": ("We want to be out of the hostel within six months",),
        "pro": ("The family will have moved to a two-bedroom home by March",),
    },
    "financial_stability": {
        "child": ("I want to save 10 pounds a week",),
        "parent": ("I want my arrears paid off by Christmas",),
        "family": ("We want food in the cupboard at the end of every week",),
        "pro": ("The family will have no rent arrears for three months",),
    },
}


def _worded(u: float, usual: Sequence[str], clear: Sequence[str], clarity: float) -> str:
    """Pick a statement with one uniform draw ``u``: a clear wording more often in clearer teams.

    It takes the same single draw as ``_Draws.pick``, so every other field's draws are unchanged.
    """
    share = (0.1 + 0.5 * clarity) if clear else 0.0
    if u < share:
        return clear[min(int(u / share * len(clear)), len(clear) - 1)]
    return usual[min(int((u - share) / (1 - share) * len(usual)), len(usual) - 1)]


_SUCCESS: dict[str, tuple[str, ...]] = {
    "education": (
        "Going to school every day for a whole half term",
        "No exclusions this term and a full timetable",
        "Attendance over 95% at the end of term",
    ),
    "early_years": (
        "Baby is gaining weight and health visitor checks are on track",
        "Talking in short sentences by the two-year check",
        "Going to nursery three mornings a week",
    ),
    "health": (
        "Sleeping through most nights and feeling calmer",
        "Seen by CAMHS and using the plan we made",
        "All health and dental checks done",
    ),
    "substance_use": (
        "Three months of clear tests",
        "No drinking when the children are at home",
        "Going to the recovery group every week",
    ),
    "family_relationships": (
        "Eating together at least three times a week",
        "Arguments sorted out without anyone storming out",
        "Seeing dad every other weekend as planned",
    ),
    "safe_from_abuse": (
        "No missing episodes for three months",
        "Everyone knows the safety plan and uses it",
        "The children can say who they would tell",
    ),
    "crime_prevention": (
        "No new offences for six months",
        "Home by curfew every night",
        "Going to the boxing club twice a week",
    ),
    "domestic_abuse": (
        "No police call-outs for six months",
        "Mum says she feels safe at home",
        "Children sleeping in their own beds without fear",
    ),
    "housing": (
        "Moved into a two-bedroom home",
        "Rent paid on time for three months",
        "A signed tenancy agreement",
    ),
    "financial_stability": (
        "Debts on a payment plan we can afford",
        "Enough money for food every week",
        "Universal Credit sorted with no gaps",
    ),
}

_NOTES = {
    "up": (
        "Good progress since the last review",
        "Family say things are better",
        "Steady improvement",
        "The plan is working well",
    ),
    "flat": (
        "No change since the last review",
        "Still working on this",
        "Some progress but not consistent",
    ),
    "down": (
        "Things have been harder recently",
        "A difficult few weeks",
        "Slipped back since the last review",
    ),
    "unscored": (
        "Not scored: family not present",
        "Discussed briefly, not scored",
        "Review postponed",
    ),
}

# Interventions: (name, evidence level, provider, domains, plans, youngest and oldest age in months).
_EH, _CIN, _CP, _CLA, _CL = "early_help", "cin", "cp", "cla", "care_leaver"
_INTERVENTIONS = (
    ("Family Group Conferencing", "level_3", "Family Group Conference Service",
     ("family_relationships", "safe_from_abuse"), (_EH, _CIN, _CP, _CLA), 0, 216),
    ("Triple P", "level_3", "Parenting Team",
     ("family_relationships", "early_years", "education"), (_EH, _CIN, _CP), 0, 156),
    ("Incredible Years", "level_4", "Parenting Team",
     ("early_years", "family_relationships"), (_EH, _CIN, _CP), 12, 120),
    ("Functional Family Therapy", "level_3", "Adolescent Service",
     ("family_relationships", "crime_prevention", "substance_use"), (_EH, _CIN, _CP), 132, 216),
    ("Multisystemic Therapy", "level_3", "MST Team",
     ("crime_prevention", "family_relationships", "safe_from_abuse"), (_CIN, _CP), 132, 216),
    ("Family Nurse Partnership", "level_4", "NHS community trust",
     ("early_years", "health"), (_EH, _CIN, _CP), 0, 24),
    ("Video Interaction Guidance", "level_2", "Family Hub",
     ("early_years", "family_relationships"), (_EH, _CIN, _CP, _CLA), 0, 120),
    ("Mellow Parenting", "level_2", "Voluntary sector",
     ("early_years", "family_relationships"), (_EH, _CIN, _CP), 0, 60),
    ("Caring Dads", "level_2", "Voluntary sector",
     ("domestic_abuse", "family_relationships"), (_EH, _CIN, _CP), 0, 216),
    ("Freedom Programme", "not_rated", "Women's Aid",
     ("domestic_abuse",), (_EH, _CIN, _CP), 0, 216),
    ("Local parenting group", "not_rated", "Family Hub",
     ("family_relationships", "early_years", "education"), (_EH, _CIN, _CP), 0, 192),
    ("School attendance support", "not_rated", "Education Welfare Service",
     ("education",), (_EH, _CIN, _CP, _CLA), 48, 204),
    ("Drug and alcohol service", "not_rated", "Recovery service",
     ("substance_use",), (_EH, _CIN, _CP, _CLA, _CL), 0, 300),
    ("Housing support", "not_rated", "Housing Options",
     ("housing",), (_EH, _CIN, _CP, _CL), 0, 300),
    ("Debt and benefits advice", "not_rated", "Citizens Advice",
     ("financial_stability",), (_EH, _CIN, _CL), 0, 300),
    ("CAMHS", "not_rated", "NHS community trust",
     ("health",), (_EH, _CIN, _CP, _CLA), 48, 216),
    ("Mentoring", "not_rated", "Voluntary sector",
     ("crime_prevention", "education"), (_EH, _CIN, _CLA, _CL), 96, 300),
    ("Independent living skills course", "not_rated", "Leaving Care Service",
     ("housing", "financial_stability"), (_CLA, _CL), 180, 300),
)  # fmt: skip
_EVIDENCE_RANK = {"not_rated": 1, "level_2": 2, "level_3": 3, "level_4": 4}

_AGENCIES_YOUNG = ("health_visitor", "nursery", "gp")
_AGENCIES_SCHOOL = ("school", "school_nurse", "camhs", "gp")
_AGENCIES_OLDER = ("college", "camhs", "youth_justice", "housing")
_AGENCIES_ANY = ("police", "health", "housing", "probation", "domestic_abuse_service")

_AUDIT_QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8")
# Which quality dimension each audit question looks at (the four checks plus outcome quality).
_AUDIT_FOCUS = (
    "clarity", "evidence", "voice", "meetings", "constancy", "review", "voice", "progress",
)  # fmt: skip
_AUDIT_EVIDENCE = (
    ("Outcomes are specific and say what success will look like",
     "Most outcomes are specific; some lack a success measure",
     "Outcomes are general aims with no measure of success"),
    ("Interventions were chosen on evidence and linked to outcomes",
     "Some interventions are evidence-based; links to outcomes unclear",
     "Services were offered without evidence of fit"),
    ("The family wrote the outcomes with the worker",
     "The family agreed the outcomes but professionals wrote them",
     "No record that the family agreed the plan"),
    ("The right people were involved, including wider family",
     "Key agencies attended; the wider family were not invited",
     "Key people were missing from meetings"),
    ("Outcomes stayed the same from assessment to review",
     "Outcomes changed once with a reason recorded",
     "Outcomes changed at every meeting"),
    ("Progress is scored at every review",
     "Progress is reviewed but not always scored",
     "Outcomes were not reviewed"),
    ("The child's views are recorded in their own words",
     "The child's views are summarised by the worker",
     "The child's views are not recorded"),
    ("Clear evidence of a difference for the child",
     "Some difference for the child, not yet sustained",
     "No evidence of a difference for the child"),
)  # fmt: skip
_MODERATION_AGREE = (
    "Agreed: the evidence supports the grade",
    "Agreed after discussion with the auditor",
)
_MODERATION_DOWN = (
    "Changed: success measures were not recorded for every outcome",
    "Changed: limited evidence of the child's views",
    "Changed: the evidence describes activity rather than impact",
)
_MODERATION_UP = ("Changed: further evidence found in case notes",)
_GRADE_BY_RANK = {4: "outstanding", 3: "good", 2: "requires_improvement", 1: "inadequate"}

_FIRST_NAMES = (
    "Aisha", "Alan", "Amy", "Andrew", "Anna", "Ben", "Carol", "Chloe", "Chris", "Claire",
    "Daniel", "David", "Debbie", "Emma", "Farah", "Gary", "Grace", "Hannah", "Helen", "Imran",
    "Jack", "James", "Jane", "Jason", "Jo", "Karen", "Kate", "Kevin", "Laura", "Lee",
    "Lisa", "Liam", "Lucy", "Mark", "Mary", "Michelle", "Mo", "Naomi", "Nadia", "Neil",
    "Nicola", "Olu", "Paul", "Priya", "Rachel", "Rebecca", "Richard", "Rob", "Ruth", "Sam",
    "Sarah", "Sean", "Simon", "Sophie", "Steve", "Tom", "Tracy", "Vicky", "Yasmin", "Zoe",
)  # fmt: skip
_SURNAMES = (
    "Adams", "Ahmed", "Ali", "Bailey", "Baker", "Bell", "Brown", "Clarke", "Cooper", "Davies",
    "Edwards", "Evans", "Fisher", "Foster", "Green", "Hall", "Harris", "Hill", "Hughes", "Hussain",
    "Jackson", "James", "Johnson", "Jones", "Khan", "King", "Lee", "Lewis", "Martin", "Mason",
    "Mills", "Moore", "Morgan", "Morris", "Murphy", "Nelson", "Owen", "Parker", "Patel", "Phillips",
    "Price", "Reid", "Roberts", "Robinson", "Scott", "Shaw", "Singh", "Smith", "Taylor", "Thomas",
    "Turner", "Walker", "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young",
)  # fmt: skip

_SERVICE_NAMES = {
    "early_help": "Early Help",
    "cin": "Child in Need",
    "cp": "Child Protection",
    "cla": "Children in Care",
    "leaving_care": "Leaving Care",
}
# Practitioner posts per 1,000 children referred a year, shared between the teams of the
# service in a locality: calibrated on the simulated open caseload so that, once the caseload
# has built up, practitioners hold about 15 children (12 in child protection).
_SLOTS_PER_1000_A_YEAR = {
    "early_help": 34.0,
    "cin": 40.0,
    "cp": 15.0,
    "cla": 20.0,
    "leaving_care": 5.0,
}

# ---------------------------------------------------------------------------------------------
# Seeded draws


class _Draws:
    """Uniform and normal draws from a seeded numpy Generator, buffered for per-row use.

    Per-row logic in Python calls for single numbers; asking numpy for one number at a time is
    slow, so numbers are drawn in blocks and handed out one by one. The sequence depends only
    on the Generator's seed and the order of calls, so output stays reproducible.
    """

    __slots__ = ("_normals", "_rng", "_uniforms")

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._uniforms = iter(())
        self._normals = iter(())

    def random(self) -> float:
        """Return a uniform number in [0, 1)."""
        try:
            return next(self._uniforms)
        except StopIteration:
            self._uniforms = iter(self._rng.random(8192).tolist())
            return next(self._uniforms)

    def normal(self) -> float:
        """Return a standard normal number."""
        try:
            return next(self._normals)
        except StopIteration:
            self._normals = iter(self._rng.standard_normal(4096).tolist())
            return next(self._normals)

    def chance(self, p: float) -> bool:
        """Return True with probability p."""
        return self.random() < p

    def below(self, n: int) -> int:
        """Return a whole number from 0 to n - 1."""
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """Return a whole number from low to high inclusive."""
        return low + int(self.random() * (high - low + 1))

    def pick(self, items: Sequence):
        """Return one item, uniformly."""
        return items[int(self.random() * len(items))]

    def weighted(self, items: Sequence, cumulative: Sequence[float]):
        """Return one item, with cumulative weights from :func:`itertools.accumulate`."""
        return items[bisect_right(cumulative, self.random() * cumulative[-1])]

    def choose(self, pairs: Sequence[tuple]):
        """Return the first element of one (value, weight, ...) pair, by weight."""
        total = sum(p[1] for p in pairs)
        target = self.random() * total
        for pair in pairs:
            target -= pair[1]
            if target < 0:
                return pair[0]
        return pairs[-1][0]

    def lognormal(self, median: float, sigma: float) -> float:
        """Return a log-normal number with the given median."""
        return median * math.exp(sigma * self.normal())

    def sample(self, items: Sequence, k: int) -> list:
        """Return k distinct items (fewer if there are fewer), in their original order."""
        n = len(items)
        if k >= n:
            return list(items)
        chosen = list(range(n))
        for i in range(k):
            j = i + int(self.random() * (n - i))
            chosen[i], chosen[j] = chosen[j], chosen[i]
        return [items[i] for i in sorted(chosen[:k])]


def _clip(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return low if value < low else high if value > high else value


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


#: The Star an Outcomes Star outcome is read on (by the child's age), and when the second edition
#: came in: outcomes agreed before it are on the first. Names only; the Stars' texts are licensed.
_STARS = (("Family Star Plus", 0), ("Youth Star", 11 * 12))
_STAR_SECOND_EDITION = date(2025, 1, 1).toordinal()


def _settled(key: str, salt: int) -> int:
    """Return a number in 0..999 fixed by ``key`` alone, for fields added after the generator's draws.

    Drawing them from the generator's stream would shift every later draw and so change every
    demo table; this keeps the rest of the demo extract byte-identical.
    """
    value = salt
    for char in key:
        value = (value * 131 + ord(char)) % 1_000_003
    return value % 1000


def _star_of(outcome_id: str, scale: str, age_months: int, agreed: int) -> tuple[str, str]:
    """Which Star and edition an outcome is read on (empty unless it is on the Outcomes Star)."""
    if scale != "outcomes_star":
        return "", ""
    star = next(name for name, youngest in reversed(_STARS) if age_months >= youngest)
    second = agreed >= _STAR_SECOND_EDITION or _settled(outcome_id, 7) < 150
    return star, "2nd edition" if second else "1st edition"


def _approved(review_id: str, scale: str, score: object) -> str:
    """Whether the worker approved a Star reading: most are, some are left as drafts."""
    if scale != "outcomes_star" or score == "":
        return ""
    return _yn(_settled(review_id, 13) >= 120)


# ---------------------------------------------------------------------------------------------
# The authority: localities, teams and workers


@dataclass
class _Worker:
    team: int
    role: str
    start: int
    end: int  # _OPEN while in post at the end of the window
    name: str
    index: int = -1
    worker_id: str = ""


@dataclass
class _Team:
    index: int
    team_id: str
    name: str
    locality: int
    service: str
    profile: str
    tilt: float
    scales: tuple[tuple[str, float], ...]
    lead: _Worker | None = None
    slots: list[tuple[list[_Worker], float]] = field(default_factory=list)  # chain, weight
    slot_weights: list[float] = field(default_factory=list)  # cumulative, for drawing a slot

    def quality(self, day: int, first_day: int) -> dict[str, float]:
        """Return the team's quality on each dimension on ``day`` (0 to 1)."""
        span = _END - first_day
        share = (day - first_day) / span
        ramp = _clip((share - _CHANGE_FROM) / (_CHANGE_TO - _CHANGE_FROM))
        drift = _SERVICE_DRIFT * (share - 0.5)
        profile = PROFILES[self.profile]
        return {
            dim: _clip(start + (end - start) * ramp + drift + self.tilt * _TILT_WEIGHT[dim])
            for dim, (start, end) in profile.items()
        }

    def worker_at(self, day: int, draws: _Draws) -> _Worker:
        """Return a worker of the team in post on ``day``, usually a practitioner."""
        if len(self.slot_weights) != len(self.slots):
            self.slot_weights = list(accumulate(weight for _, weight in self.slots))
        # Draw posts at random until one is filled, so a vacancy's cases spread over the team.
        for _ in range(2 * len(self.slots)):
            chain = self.slots[draws.weighted(range(len(self.slots)), self.slot_weights)][0]
            for worker in chain:
                if worker.start <= day < worker.end:
                    return worker
        return self.lead  # (almost) every post is vacant: the team lead holds the case


# How much a locality's tilt moves each dimension: localities differ most in outcomes achieved
# and in how families take part, least in supervision.
_TILT_WEIGHT = {
    "clarity": 0.5,
    "voice": 0.6,
    "constancy": 0.3,
    "review": 0.4,
    "meetings": 0.9,
    "evidence": 0.4,
    "progress": 1.2,
    "supervision": 0.2,
    "turnover": 0.5,
}


@dataclass
class _Authority:
    preset: SizePreset
    first_day: int
    teams: list[_Team]
    workers: list[_Worker]
    team_for: dict[tuple[int, str], list[_Team]]  # (locality, service) -> teams
    auditors: list[_Worker]
    service_leads: list[_Worker]
    locality_cum: list[float]
    ethnicity_cum: list[list[float]]  # per locality


def _team_scales(service: str, number: int, locality: int) -> tuple[tuple[str, float], ...]:
    """Which scales a team uses: mostly 0 to 10 scaling, a few teams Outcomes Star or GAS."""
    if service == "early_help" and number == 1:
        return (("scaling_0_10", 0.6), ("outcomes_star", 0.35), ("gas", 0.05))
    if service in ("cin", "cp") and locality % 2 == 1 and number == 0:
        return (("scaling_0_10", 0.55), ("gas", 0.45))
    return (("scaling_0_10", 0.94), ("gas", 0.05), ("outcomes_star", 0.01))


def _worker_chain(draws: _Draws, team: int, role: str, first_day: int, tenure_years: float) -> list[_Worker]:
    """Fill one post over time: a chain of workers with gaps between them (turnover)."""
    chain: list[_Worker] = []
    start = first_day - draws.between(30, 8 * 365)
    while start <= _END:
        tenure = max(120, int(365 * tenure_years * -math.log(1.0 - draws.random())))
        end = start + tenure
        name = f"{draws.pick(_FIRST_NAMES)} {draws.pick(_SURNAMES)}"
        if end > first_day:
            chain.append(_Worker(team, role, start, end if end <= _END else _OPEN, name))
        start = end + draws.between(0, 75)
    return chain


def _build_authority(preset: SizePreset, seed: int) -> _Authority:
    """Create localities, teams and workers (the same for a given seed and size)."""
    draws = _Draws(np.random.default_rng([seed, 0]))
    first_day = preset.first_day.toordinal()
    years = (_END - first_day) / 365.25
    children_a_year = preset.children / years
    teams: list[_Team] = []
    team_for: dict[tuple[int, str], list[_Team]] = {}
    total_teams = sum(n for loc in preset.localities for _, n in loc.teams)
    team_digits = max(2, len(str(total_teams)))
    for loc_index, loc in enumerate(preset.localities):
        for service, count in loc.teams:
            for number in range(count):
                index = len(teams)
                suffix = f" {chr(ord('A') + number)}" if count > 1 else ""
                team = _Team(
                    index=index,
                    team_id=f"T{index + 1:0{team_digits}d}",
                    name=f"{loc.name} {_SERVICE_NAMES[service]}{suffix}",
                    locality=loc_index,
                    service=service,
                    profile=PROFILE_CYCLE[index % len(PROFILE_CYCLE)],
                    tilt=loc.tilt,
                    scales=_team_scales(service, number, loc_index),
                )
                teams.append(team)
                team_for.setdefault((loc_index, service), []).append(team)

    workers: list[_Worker] = []
    for team in teams:
        loc = preset.localities[team.locality]
        same_service = len(team_for[(team.locality, team.service)])
        load = children_a_year / 1000 * loc.share * _SLOTS_PER_1000_A_YEAR[team.service]
        slots = max(2, round(load / same_service))
        quality = team.quality(first_day, first_day)
        tenure = 1.2 + 3.8 * quality["turnover"]
        lead = _Worker(
            team.index,
            "team_lead",
            first_day - draws.between(200, 9 * 365),
            _OPEN,
            f"{draws.pick(_FIRST_NAMES)} {draws.pick(_SURNAMES)}",
        )
        team.lead = lead
        workers.append(lead)
        senior = _worker_chain(draws, team.index, "senior_practitioner", first_day, tenure + 1.5)
        team.slots.append((senior, 0.5))
        workers.extend(senior)
        for _ in range(slots):
            chain = _worker_chain(draws, team.index, "practitioner", first_day, tenure)
            team.slots.append((chain, 1.0))
            workers.extend(chain)

    # Service leads and auditors hold no cases; the model still needs a team for each, so they
    # sit in the first team of their service (auditors with the first child in need team).
    by_service = {}
    for team in teams:
        by_service.setdefault(team.service, team)
    lead_services = ("early_help", "cin", "cp", "cla", "leaving_care")
    service_leads = []
    for i in range(preset.service_leads):
        home = by_service[lead_services[i % len(lead_services)]]
        name = f"{draws.pick(_FIRST_NAMES)} {draws.pick(_SURNAMES)}"
        service_leads.append(
            _Worker(home.index, "service_lead", first_day - draws.between(365, 3000), _OPEN, name)
        )
    auditors = []
    for _ in range(preset.auditors):
        auditors.extend(_worker_chain(draws, by_service["cin"].index, "auditor", first_day, 4.0))
    workers.extend(service_leads)
    workers.extend(auditors)

    role_order = {r: i for i, r in enumerate(codes("worker_roles"))}
    workers.sort(key=lambda w: (w.team, role_order[w.role], w.start))
    worker_digits = max(4, len(str(len(workers))))
    for i, worker in enumerate(workers):
        worker.index = i
        worker.worker_id = f"W{i + 1:0{worker_digits}d}"

    locality_cum = list(accumulate(loc.share for loc in preset.localities))
    ethnicity_cum = [
        list(accumulate(w if code == "WBRI" else w * loc.diversity for code, w in _ETHNICITY))
        for loc in preset.localities
    ]
    return _Authority(
        preset, first_day, teams, workers, team_for, auditors, service_leads, locality_cum,
        ethnicity_cum,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# One chunk of children


@dataclass
class _Counters:
    """Running id numbers, shared by all chunks so that ids are unique across the extract."""

    child: int = 0
    involvement: int = 0
    meeting: int = 0
    outcome: int = 0
    review: int = 0
    intervention: int = 0
    audit: int = 0
    supervision: int = 0


class _Outcome:
    """A desired outcome while it is being simulated."""

    __slots__ = (
        "agreed", "agreed_with_family", "baseline", "closed", "domain", "early_churn", "final",
        "high", "latent_base", "low", "meeting_id", "outcome_id", "replaced_by", "reviews",
        "scale", "sim_target", "statement", "status", "success", "target", "target_date", "tau",
        "whose",
    )  # fmt: skip

    def __init__(self) -> None:
        self.outcome_id = ""
        self.replaced_by: _Outcome | None = None
        self.reviews: list[tuple] = []
        self.closed = _OPEN
        self.status = "active"
        self.early_churn = False


@dataclass
class _Child:
    index: int
    child_id: str
    birth_month: int
    sex: str
    ethnicity: str
    disabled: bool
    locality: int
    progress_shift: float
    voice_shift: float
    silence: float  # multiplies the weight of non-participation codes
    family_absence: float  # added to the chance a parent misses a meeting
    team_choice: dict[str, int] = field(default_factory=dict)


class _ChunkBuilder:
    """Simulate a chunk of children and collect their rows, table by table."""

    def __init__(
        self,
        authority: _Authority,
        draws: _Draws,
        counters: _Counters,
        allocation_log: dict[int, array],
    ) -> None:
        self.authority = authority
        self.draws = draws
        self.counters = counters
        self.allocation_log = allocation_log
        self.rows: dict[str, list[tuple]] = {t.name: [] for t in EXTRACT_TABLES}
        self.digits = authority.preset.digits
        self.ranges = scale_ranges()
        self.team: _Team = authority.teams[0]  # the team of the involvement being simulated

    # -- ids ----------------------------------------------------------------------------------

    def _next(self, name: str, prefix: str, digits: int) -> str:
        value = getattr(self.counters, name) + 1
        setattr(self.counters, name, value)
        return f"{prefix}{value:0{digits}d}"

    # -- a child ------------------------------------------------------------------------------

    def child(self) -> None:
        """Simulate one child's whole journey through the service."""
        d = self.draws
        authority = self.authority
        locality = bisect_right(authority.locality_cum, d.random() * authority.locality_cum[-1])
        locality = min(locality, len(authority.preset.localities) - 1)
        ethnicity = d.weighted([c for c, _ in _ETHNICITY], authority.ethnicity_cum[locality])
        sex = d.choose(_SEX)
        disabled = d.chance(0.15 if sex == "M" else 0.09)
        referral = d.between(authority.first_day, _END - 20)
        band = d.choose([(b, b[0]) for b in _REFERRAL_AGE])
        age_months = d.between(band[1], band[2])
        self.counters.child += 1
        child = _Child(
            index=self.counters.child - 1,
            child_id=_child_id(self.counters.child - 1, self.digits),
            birth_month=_month(referral) - age_months,
            sex=sex,
            ethnicity=ethnicity,
            disabled=disabled,
            locality=locality,
            progress_shift=(-0.15 if disabled else 0.0)
            + (-0.08 if ethnicity in _TRAVELLER else -0.04 if ethnicity in _BLACK_MIXED else 0.0),
            voice_shift=-0.07 if ethnicity in _LESS_HEARD else 0.0,
            silence=(1.6 if disabled else 1.0) * (1.25 if ethnicity in _BLACK_MIXED else 1.0),
            family_absence=0.08 if ethnicity in _TRAVELLER else 0.0,
        )
        self.rows["children"].append(
            (
                child.child_id,
                _month_text(child.birth_month),
                sex,
                ethnicity,
                _yn(disabled),
                authority.preset.localities[locality].name,
            )
        )
        first_plans = (
            _FIRST_PLAN_INFANT if age_months < 12 else _FIRST_PLAN_TEEN if age_months >= 156 else _FIRST_PLAN
        )
        plan = d.choose(first_plans)
        self._episode(child, plan, referral)

    def _episode(self, child: _Child, plan: str, start: int) -> None:
        """Run one episode: involvements from referral to closure, then perhaps a return."""
        d = self.draws
        while True:
            end, next_plan, all_achieved, team_quality = self._involvement(child, plan, start)
            if end >= _OPEN:
                return
            if next_plan:
                plan, start = next_plan, end
                continue
            # A closure. Families whose outcomes were all achieved come back less often.
            q = team_quality["progress"]
            p_return = (0.24 - 0.1 * q) if all_achieved else (0.58 - 0.16 * q)
            if plan == "care_leaver" or not d.chance(p_return):
                return
            start = end + max(30, int(d.lognormal(260, 0.8)))
            if start > _END - 20 or start >= _first_of_month(child.birth_month + 210):
                return
            plan = d.choose(_RETURN_PLAN)

    # -- an involvement -----------------------------------------------------------------------

    def _involvement(self, child: _Child, plan: str, start: int):
        """Write one involvement and everything under it; decide how it ends."""
        d = self.draws
        authority = self.authority
        service = _SERVICE_OF_PLAN[plan]
        candidates = authority.team_for[(child.locality, service)]
        if service not in child.team_choice:
            child.team_choice[service] = d.below(len(candidates))
        team = candidates[child.team_choice[service]]
        self.team = team
        q = team.quality(start, authority.first_day)

        median, sigma, low, high = _DURATION[plan]
        end = start + int(_clip(d.lognormal(median, sigma), low, high))
        if plan == "cla" and _month(start) - child.birth_month >= 156 and d.chance(0.7):
            end = start + 4000  # most teenagers who come into care stay until they are 18
        progress = _clip(0.35 + 0.7 * q["progress"] + child.progress_shift + 0.2 * d.normal())

        reason, next_plan = self._move(plan, progress)
        adult = _first_of_month(child.birth_month + 217)  # on or after the 18th birthday
        leaves_care = _first_of_month(child.birth_month + 253)  # after the 21st birthday
        if plan == "care_leaver":
            if end >= leaves_care:
                end, reason, next_plan = leaves_care, "turned_18", ""
        elif end >= adult:
            end, reason = adult, "turned_18"
            next_plan = "care_leaver" if plan == "cla" and d.chance(0.92) else ""
        if end > _END:
            end, reason, next_plan = _OPEN, "", ""

        involvement_id = self._next("involvement", "I", self.digits)
        self.rows["involvements"].append(
            (
                involvement_id,
                child.child_id,
                plan,
                _iso(start),
                "" if end == _OPEN else _iso(end),
                reason,
                team.team_id,
            )
        )
        self._allocate(child, team, start, end, q)
        meetings = self._meetings(child, involvement_id, plan, start, end, q)
        outcomes = self._outcomes(child, involvement_id, plan, start, end, reason, q, progress,
                                  meetings)  # fmt: skip
        self._interventions(child, involvement_id, plan, start, end, q, outcomes)
        if end - start >= 120 and d.chance(authority.preset.audit_rate):
            self._audit(child, team, start, end, outcomes)
        all_achieved = bool(outcomes) and all(o.status == "achieved" for o in outcomes)
        return end, next_plan, all_achieved, q

    def _move(self, plan: str, progress: float) -> tuple[str, str]:
        moves = _MOVES[plan]
        weights = [
            base * ((0.4 + progress) if lever > 0 else (1.4 - progress) if lever < 0 else 1.0)
            for _, _, base, lever in moves
        ]
        reason, next_plan, _, _ = self.draws.weighted(moves, list(accumulate(weights)))
        return reason, next_plan

    # -- allocations --------------------------------------------------------------------------

    def _allocate(self, child: _Child, team: _Team, start: int, end: int, q: dict) -> None:
        """Allocate workers from the team; re-allocate when a worker leaves or now and then."""
        d = self.draws
        day = start
        yearly_moves = 0.15 + 0.5 * (1 - q["turnover"])
        while day < end:
            worker = team.worker_at(day, d)
            until = min(end, worker.end)
            moved = day + max(30, int(365 * -math.log(1.0 - d.random()) / yearly_moves))
            until = min(until, moved)
            if until <= day:  # cannot happen with the rules above; guards an endless loop
                until = end
            self.rows["allocations"].append(
                (child.child_id, worker.worker_id, _iso(day), "" if until >= _OPEN else _iso(until))
            )
            log = self.allocation_log.setdefault(worker.index, array("i"))
            log.extend((day, min(until, _OPEN), child.index))
            day = until

    # -- meetings -----------------------------------------------------------------------------

    def _schedule(self, plan: str, start: int, end: int, q: dict) -> list[tuple[int, str]]:  # noqa: C901
        """Return (day, meeting type) for the involvement's meetings, in date order."""
        d = self.draws
        slack = 1.25 - 0.35 * q["meetings"]  # weaker teams meet less often
        stop = min(end, _OPEN)
        found: list[tuple[int, str]] = []
        if plan == "early_help":
            day = start + d.between(10, 40)
            fgc = 0.12 + 0.3 * q["voice"]
            first = "fgc" if d.chance(fgc) else "family_meeting" if d.chance(0.3) else "taf_review"
            found.append((day, first))
            while True:
                day += int(d.between(56, 100) * slack)
                if day >= stop:
                    break
                found.append((day, "family_meeting" if d.chance(0.1) else "taf_review"))
        elif plan == "cin":
            day = start + d.between(14, 35)
            found.append((day, "cin_review"))
            while True:
                day += int(d.between(70, 110) * slack)
                if day >= stop:
                    break
                found.append((day, "fgc" if d.chance(0.03) else "cin_review"))
        elif plan == "cp":
            found.append((start, "icpc"))
            day = start + d.between(7, 12)
            while day < stop:
                found.append((day, "core_group"))
                day += int(d.between(28, 45) * slack)
            day = start + d.between(85, 95)
            while day < stop:
                found.append((day, "rcpc"))
                day += d.between(170, 190)
            found.sort()
        elif plan == "cla":
            day = start + d.between(18, 28)
            step = 90
            while day < stop:
                found.append((day, "cla_review"))
                day += d.between(step - 10, step + 10)
                step = 182
        # Care leavers have pathway plan reviews, which the meeting types do not cover.
        return [(day, kind) for day, kind in found if day < stop and day <= _END]

    def _meetings(self, child, involvement_id, plan, start, end, q) -> list[tuple[int, str, str]]:
        """Write the involvement's meetings; return (day, meeting_id, type)."""
        d = self.draws
        result = []
        quiet = (1.8 - 1.4 * q["meetings"]) * child.silence
        family_p = 0.6 + 0.35 * q["meetings"] - child.family_absence
        for day, kind in self._schedule(plan, start, end, q):
            meeting_id = self._next("meeting", "M", self.digits)
            age = _month(day) - child.birth_month
            participation = self._participation(age, kind, quiet, q)
            attend = family_p * (0.8 if kind == "cla_review" else 1.0) * (0.85 if age >= 192 else 1)
            wider = {"fgc": 0.85, "family_meeting": 0.45}.get(kind, 0.05 + 0.15 * q["voice"])
            self.rows["meetings"].append(
                (
                    meeting_id,
                    child.child_id,
                    involvement_id,
                    kind,
                    _iso(day),
                    participation,
                    _yn(d.chance(attend)),
                    _yn(d.chance(wider)),
                    self._agencies(age, kind),
                )
            )
            result.append((day, meeting_id, kind))
        return result

    def _participation(self, age: int, kind: str, quiet: float, q: dict) -> str:
        d = self.draws
        if age < 48:  # certainly under 4, whatever the day of birth
            return "PN0" if d.chance(0.9) else ""
        if d.chance(0.03 + 0.12 * (1 - q["meetings"])):
            return ""
        if age < 96:
            weights = [0.15, 0.05, 0.2, 0.1, 0.05, 0.3, 0.15]
        elif age < 156:
            weights = [0.35, 0.08, 0.04, 0.06, 0.1, 0.22, 0.15]
        else:
            weights = [0.4, 0.1, 0.02, 0.05, 0.1, 0.13, 0.2]
        if kind == "core_group":  # children rarely attend core groups in person
            weights = [w * f for w, f in zip(weights, (0.3, 0.3, 0.3, 0.5, 1.5, 1.5, 1.2),
                                             strict=True)]  # fmt: skip
        weights[3] *= quiet
        weights[6] *= quiet
        return d.weighted(_PN_CODES, list(accumulate(weights)))

    def _agencies(self, age: int, kind: str) -> str:
        d = self.draws
        if kind in ("fgc", "family_meeting") and d.chance(0.5):
            return ""  # family-led meetings often have no professionals but the coordinator
        pool = _AGENCIES_YOUNG if age < 60 else _AGENCIES_SCHOOL if age < 192 else _AGENCIES_OLDER
        chosen = [a for a in pool if d.chance(0.45)]
        conference = kind in ("icpc", "rcpc")
        chosen += [
            a for a, p in zip(_AGENCIES_ANY, (0.75 if conference else 0.15, 0.5, 0.1, 0.05, 0.08),
                              strict=True)
            if d.chance(p)
        ]  # fmt: skip
        return ";".join(chosen)

    # -- outcomes and reviews -----------------------------------------------------------------

    def _outcomes(self, child, involvement_id, plan, start, end, reason, q, progress, meetings):  # noqa: C901
        """Write the involvement's desired outcomes and their reviews; return the outcomes."""
        d = self.draws
        if d.chance(0.02 + 0.15 * (1 - q["clarity"])):
            return []  # no outcomes recorded at all: what Coverage finds
        if meetings:
            agreed, meeting_id = meetings[0][0], meetings[0][1]
        else:
            agreed, meeting_id = start + d.between(7, 40), ""
        if agreed >= min(end, _OPEN) or agreed > _END:
            return []
        age = _month(agreed) - child.birth_month
        weights = dict(_PLAN_DOMAINS[plan])
        if age >= 60:
            weights.pop("early_years", None)
        if age < 132:
            weights.pop("crime_prevention", None)
        if age < 48:
            weights.pop("education", None)
        domains = list(weights)
        cumulative = list(accumulate(weights.values()))
        count = d.choose(((2, 0.25), (3, 0.45), (4, 0.3)))
        chosen: list[str] = []
        while len(chosen) < min(count, len(domains)):
            domain = d.weighted(domains, cumulative)
            if domain not in chosen:
                chosen.append(domain)
        outcomes = [
            self._new_outcome(child, q, progress, domain, agreed, meeting_id, age) for domain in chosen
        ]
        # Plans are revised at later meetings: now and then a new outcome is agreed.
        added = 0
        for day, later_meeting, _ in meetings:
            if day >= agreed + 60 and added < 4 and d.chance(0.4):
                added += 1
                outcomes.append(
                    self._new_outcome(child, q, progress, d.weighted(domains, cumulative), day,
                                      later_meeting, _month(day) - child.birth_month)
                )  # fmt: skip

        done: list[_Outcome] = []
        queue = list(outcomes)
        while queue:
            outcome = queue.pop(0)
            replacement = self._live(child, plan, outcome, end, reason, q, meetings)
            done.append(outcome)
            if replacement is not None:
                queue.append(replacement)
        done.sort(key=lambda o: o.agreed)  # stable: keeps creation order within a day
        for outcome in done:
            outcome.outcome_id = self._next("outcome", "O", self.digits)
        self._write_outcomes(child, involvement_id, done)
        return done

    def _new_outcome(self, child, q, progress, domain, agreed, meeting_id, age) -> _Outcome:
        d = self.draws
        o = _Outcome()
        o.domain = domain
        o.agreed = agreed
        o.meeting_id = meeting_id
        voice = _clip(q["voice"] + child.voice_shift)
        texts = _STATEMENTS[domain]
        if d.chance(0.1 + 0.75 * voice):
            # Care leavers speak for themselves; younger children's outcomes are often the parents'.
            own = 0.9 if age >= 216 else 0.4 if age >= 96 else 0.0
            family = "family" if d.chance(0.35) else "parent"
            whose = "child" if texts["child"] and d.chance(own) else family
            o.statement = _worded(d.random(), texts[whose], _CLEAR_STATEMENTS[domain][whose], q["clarity"])
            o.agreed_with_family = d.chance(0.97)
        else:
            whose = "practitioner"
            style = d.choose((("process", 0.45 - 0.25 * q["clarity"]),
                              ("vague", 0.3 - 0.2 * q["clarity"]), ("pro", 0.4)))  # fmt: skip
            clear = _CLEAR_STATEMENTS[domain]["pro"] if style == "pro" else ()
            o.statement = _worded(d.random(), texts[style], clear, q["clarity"])
            o.agreed_with_family = d.chance(0.45 + 0.45 * voice)
        o.whose = whose
        clarity = q["clarity"]
        o.success = d.pick(_SUCCESS[domain]) if d.chance(0.3 + 0.67 * clarity) else ""
        o.scale = d.choose(self.team.scales)
        o.low, o.high = self.ranges[o.scale]
        if o.scale == "gas":
            base = -1 if d.chance(0.7) else -2
            target = 0 if d.chance(0.85) else 1
        elif o.scale == "outcomes_star":
            base = d.pick((2, 3, 3, 4, 4, 5))
            target = d.pick((7, 8, 8, 9))
        else:
            base = d.pick((1, 2, 2, 3, 3, 3, 4, 4, 5, 6))
            target = max(base + 2, d.pick((7, 7, 8, 8, 8, 9, 10)))
        o.latent_base = base
        o.baseline = base if d.chance(0.5 + 0.48 * clarity) else ""
        o.target = target if d.chance(0.7 + 0.3 * clarity) else ""
        o.target_date = (
            _iso(min(_END, agreed + d.between(90, 365))) if d.chance(0.55 + 0.43 * clarity) else ""
        )
        # How far this outcome will travel towards its target: team, domain, child, chance.
        stalled = d.chance(0.3 - 0.25 * q["progress"])
        mean = 0.02 if stalled else progress + _DOMAIN_PROGRESS[domain]
        o.final = _clip(mean + (0.12 if stalled else 0.25) * d.normal(), -0.3, 1.25)
        o.tau = 1.0 + 3.0 * d.random()  # months to get most of the way there
        o.sim_target = target  # the simulation aims at it even when it was not recorded
        return o

    def _score(self, o: _Outcome, day: int) -> int:
        months = (day - o.agreed) / 30.4
        target = o.sim_target
        level = o.latent_base + (target - o.latent_base) * o.final * (1 - math.exp(-months / o.tau))
        level += 0.07 * (o.high - o.low) * self.draws.normal()
        return int(_clip(round(level), o.low, o.high))

    def _live(self, child, plan, o: _Outcome, end, reason, q, meetings) -> _Outcome | None:  # noqa: C901
        """Simulate an outcome from agreement to closure: reviews, churn, final status."""
        d = self.draws
        stop = min(end, _OPEN)
        # Replaced or withdrawn soon after agreement: what Constant finds.
        churn_day, churn_meeting, churn_kind = None, "", ""
        if not o.early_churn and d.chance(0.3 - 0.28 * q["constancy"]):
            soon = [m for m in meetings if o.agreed < m[0] <= o.agreed + 90 and m[0] < stop]
            if soon:
                churn_day, churn_meeting, _ = d.pick(soon)
            elif o.agreed + 21 < stop:
                churn_day = min(stop - 1, o.agreed + d.between(21, 89))
        elif d.chance(0.04 + 0.05 * (1 - q["constancy"])):
            later = [m for m in meetings if m[0] > o.agreed + 90 and m[0] < stop]
            if later:
                churn_day, churn_meeting, _ = d.pick(later)
        if churn_day is not None and churn_day <= _END:
            churn_kind = "replaced" if d.chance(0.6) else "withdrawn"
        else:
            churn_day = None
        last = churn_day if churn_day is not None else min(stop, _END)

        # Review dates: at the involvement's meetings, and between them in teams that review well.
        reviews: list[tuple[int, str, str]] = []
        if not d.chance(0.3 - 0.28 * q["review"]):  # some outcomes are never reviewed
            at_meeting = 0.55 + 0.43 * q["review"]
            for day, meeting_id, kind in meetings:
                if o.agreed < day <= last and d.chance(at_meeting):
                    reviews.append((day, meeting_id, kind))
            # Between meetings, practitioners score progress with the family on visits.
            between = 0.5 + 0.48 * q["review"]
            every = int(_VISITS[plan] * (1.0 + 0.6 * (1 - q["review"])))
            marks = [o.agreed] + [r[0] for r in reviews] + [last]
            for a, b in pairwise(marks):
                for step in range(1, (b - a) // every + 1):
                    day = a + step * (b - a) // ((b - a) // every + 1)
                    if d.chance(between):
                        reviews.append((day, "", ""))
            reviews.sort()

        rows = []
        latest = None
        closed_early = False
        for day, meeting_id, kind in reviews:
            scored = not d.chance(0.3 - 0.27 * q["review"])
            score = self._score(o, day) if scored else None
            rows.append((day, meeting_id, kind, score))
            if score is not None:
                latest = score
                if churn_day is None and score >= o.sim_target and day < last and d.chance(0.3):
                    o.status, o.closed, closed_early = "achieved", day, True
                    break
        if not closed_early:
            if churn_day is not None:
                o.status, o.closed = churn_kind, churn_day
            elif end >= _OPEN:
                o.status, o.closed = "active", _OPEN
            else:
                o.closed = end
                o.status = self._final_status(o, latest, reason)
                if d.chance(0.15 + 0.4 * q["review"]) and (not rows or rows[-1][0] < end):
                    rows.append((end, "", "", self._score(o, end)))
        if len(rows) > 10:  # at most ten reviews: keep the first and the last
            rows = [rows[0], *d.sample(rows[1:-1], 8), rows[-1]]
        self._review_rows(o, rows, q)

        if churn_kind == "replaced":
            replacement = self._new_outcome(
                child, q, (o.final + 0.2) / 1.2, o.domain, churn_day, churn_meeting,
                _month(churn_day) - child.birth_month,
            )  # fmt: skip
            replacement.early_churn = True  # a rewritten outcome is not rewritten again at once
            o.replaced_by = replacement
            return replacement
        return None

    def _final_status(self, o: _Outcome, latest: int | None, reason: str) -> str:
        d = self.draws
        if reason in ("moved_away", "family_declined") and d.chance(0.5):
            return "withdrawn"
        target = o.sim_target
        # Judge by the latest score when there is one, else by how far the family really got.
        share = o.final if latest is None else (latest - o.latent_base) / max(1, target - o.latent_base)
        # When the work closes because the family got there, good-enough counts as achieved.
        achieved = 0.4 if reason == "outcomes_met" else 0.85
        if share >= achieved:
            return "achieved"
        if share >= 0.35:
            return "partly_achieved"
        return "not_achieved"

    def _review_rows(self, o: _Outcome, rows, q) -> None:
        d = self.draws
        family_p = 0.05 + 0.45 * q["voice"]
        blank_role = 0.02 + 0.06 * (1 - q["review"])
        previous = o.latent_base
        for day, meeting_id, kind, score in rows:
            family_score = ""
            if score is not None and d.chance(family_p):
                family_score = int(_clip(round(score + 0.5 + 0.1 * (o.high - o.low) * d.normal()),
                                         o.low, o.high))  # fmt: skip
            if d.chance(blank_role):
                role = ""
            elif kind == "cla_review":
                role = "iro" if d.chance(0.85) else "practitioner"
            elif kind in ("icpc", "rcpc"):
                role = "cp_chair" if d.chance(0.9) else "practitioner"
            elif not meeting_id and family_score != "" and d.chance(0.2):
                role = "family"
            else:
                role = "team_lead" if d.chance(0.08) else "practitioner"
            if score is None:
                note = d.pick(_NOTES["unscored"])
            elif d.chance(0.15):
                note = ""
            else:
                move = "up" if score > previous else "down" if score < previous else "flat"
                note = d.pick(_NOTES[move])
                previous = score
            o.reviews.append((day, meeting_id, "" if score is None else score, family_score, role, note))

    def _write_outcomes(self, child: _Child, involvement_id: str, outcomes: list[_Outcome]):
        out = self.rows["outcomes"]
        reviews = self.rows["outcome_reviews"]
        for o in outcomes:
            star, edition = _star_of(o.outcome_id, o.scale, _month(o.agreed) - child.birth_month, o.agreed)
            out.append(
                (
                    o.outcome_id,
                    child.child_id,
                    involvement_id,
                    o.meeting_id,
                    _iso(o.agreed),
                    o.statement,
                    o.whose,
                    _yn(o.agreed_with_family),
                    o.success,
                    o.domain,
                    o.scale,
                    o.baseline,
                    o.target,
                    o.target_date,
                    o.status,
                    "" if o.closed >= _OPEN else _iso(o.closed),
                    o.replaced_by.outcome_id if o.replaced_by is not None else "",
                    star,
                    edition,
                )
            )
            for day, meeting_id, score, family_score, role, note in o.reviews:
                review_id = self._next("review", "R", self.digits + 1)
                reviews.append(
                    (
                        review_id,
                        o.outcome_id,
                        _iso(day),
                        meeting_id,
                        score,
                        family_score,
                        role,
                        note,
                        _approved(review_id, o.scale, score),
                    )
                )

    # -- interventions ------------------------------------------------------------------------

    def _interventions(self, child, involvement_id, plan, start, end, q, outcomes) -> None:
        d = self.draws
        mean = {"early_help": 1.3, "cin": 1.0, "cp": 1.4, "cla": 0.7, "care_leaver": 0.5}[plan]
        count = min(3, int(-math.log(1.0 - d.random()) * mean + 0.35))
        stop = min(end, _OPEN)
        for _ in range(count):
            begin = start + d.between(14, 120)
            if begin >= stop or begin > _END:
                continue
            age = _month(begin) - child.birth_month
            active = [o for o in outcomes if o.agreed <= begin < o.closed]
            wanted = {o.domain for o in active}
            options, weights = [], []
            for item in _INTERVENTIONS:
                name, level, _, domains, plans, youngest, oldest = item
                if plan not in plans or not youngest <= age <= oldest:
                    continue
                weight = 3.0 if wanted.intersection(domains) else 0.6
                weight *= (0.3 + 2.5 * q["evidence"]) if _EVIDENCE_RANK[level] >= 3 else (1.6 - q["evidence"])
                options.append(item)
                weights.append(weight)
            if not options:
                continue
            name, level, provider, domains, _, _, _ = d.weighted(options, list(accumulate(weights)))
            finish = begin + 7 * d.between(8, 30)
            intervention_id = self._next("intervention", "X", self.digits)
            self.rows["interventions"].append(
                (
                    intervention_id,
                    child.child_id,
                    involvement_id,
                    name,
                    level,
                    _iso(begin),
                    _iso(finish) if finish <= _END else "",
                    provider if d.chance(0.9) else "",
                )
            )
            matching = [o for o in active if o.domain in domains] or active
            for o in d.sample(matching, 1 if d.chance(0.6) else 2):
                self.rows["intervention_outcomes"].append((intervention_id, o.outcome_id))

    # -- audits -------------------------------------------------------------------------------

    def _audit(self, child, team: _Team, start: int, end: int, outcomes) -> None:
        d = self.draws
        authority = self.authority
        day = d.between(start + 90, min(end, _OPEN) - 1)
        day = min(day, _END)
        auditors = [w for w in authority.auditors if w.start <= day < w.end]
        if not auditors:
            return
        auditor = d.pick(auditors)
        q = team.quality(day, authority.first_day)
        leniency = 0.08 * d.normal()
        ranks = []
        for dim in _AUDIT_FOCUS:
            level = q[dim] + leniency + 0.15 * d.normal()
            ranks.append(4 if level >= 0.97 else 3 if level >= 0.5 else 2 if level >= 0.15 else 1)
        if not any(o for o in outcomes) and d.chance(0.5):
            ranks[0] = 1
        overall = int(_clip(round(sum(ranks) / len(ranks) + 0.3 * d.normal()), 1, 4))
        draft = day > _END - 21 and d.chance(0.5)
        moderators = [w for w in authority.service_leads + auditors if w is not auditor]
        moderation_day = day + d.between(5, 45)
        moderated = not draft and bool(moderators) and moderation_day <= _END and d.chance(0.3)
        audit_id = self._next("audit", "A", 5)
        answers = self.rows["audit_answers"]
        moderator_id = moderated_grade = moderation_date = ""
        status = "draft" if draft else "submitted"
        if moderated:
            status = "moderated"
            moderator_id = d.pick(moderators).worker_id
            moderation_date = _iso(moderation_day)
            moderated_grade = _GRADE_BY_RANK[self._moderate(overall)]
        self.rows["audits"].append(
            (
                audit_id,
                child.child_id,
                auditor.worker_id,
                _iso(day),
                "outcome-focused",
                "1",
                _iso(max(start, day - 182)),
                _iso(day),
                status,
                "" if draft else _GRADE_BY_RANK[overall],
                moderator_id,
                moderated_grade,
                moderation_date,
            )
        )
        for question, rank, texts in zip(_AUDIT_QUESTIONS, ranks, _AUDIT_EVIDENCE, strict=True):
            grade = _GRADE_BY_RANK[rank]
            if question == "q2" and d.chance(0.08):
                grade = "not_applicable"
            evidence = texts[0 if rank >= 4 else 1 if rank == 3 else 2] if d.chance(0.9) else ""
            answer_moderated = reason = ""
            if moderated and grade != "not_applicable":
                new_rank = self._moderate(rank)
                answer_moderated = _GRADE_BY_RANK[new_rank]
                reason = d.pick(
                    _MODERATION_AGREE if new_rank == rank
                    else _MODERATION_DOWN if new_rank < rank else _MODERATION_UP
                )  # fmt: skip
            elif moderated:
                answer_moderated, reason = "not_applicable", _MODERATION_AGREE[0]
            answers.append((audit_id, question, grade, evidence, answer_moderated, reason))

    def _moderate(self, rank: int) -> int:
        """Moderators mostly agree, and are a little stricter than auditors when they do not."""
        u = self.draws.random()
        if u < 0.2 and rank > 1:
            return rank - 1
        if u > 0.95 and rank < 4:
            return rank + 1
        return rank


_PN_CODES = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7")


# ---------------------------------------------------------------------------------------------
# Supervisions (after every child, because they need each worker's caseload over time)


def _supervisions(authority: _Authority, seed: int, allocation_log: dict[int, array], counters,
                  rows: dict[str, list]) -> None:  # fmt: skip
    draws = _Draws(np.random.default_rng([seed, 2]))
    for worker in authority.workers:
        if worker.role not in ("practitioner", "senior_practitioner"):
            continue
        team = authority.teams[worker.team]
        log = allocation_log.get(worker.index)
        if log is not None:
            table = np.frombuffer(log, dtype=np.int32).reshape(-1, 3)
            starts, ends, children = table[:, 0], table[:, 1], table[:, 2]
        day = max(worker.start, authority.first_day) + draws.between(5, 30)
        stop = min(worker.end, _END + 1)
        while day < stop:
            q = team.quality(day, authority.first_day)
            quality = q["supervision"]
            if not draws.chance(0.05 + 0.25 * (1 - quality)):  # a missed month
                supervision_id = f"S{counters.supervision + 1:0{authority.preset.digits}d}"
                counters.supervision += 1
                rows["supervisions"].append(
                    (supervision_id, worker.worker_id, team.lead.worker_id, _iso(day))
                )
                if log is not None:
                    open_now = np.flatnonzero((starts <= day) & (ends > day))
                    caseload = sorted(set(children[open_now].tolist()))
                    discussed = draws.sample(caseload, draws.between(1, 2 + int(4 * quality)))
                    for child_index in discussed:
                        rows["supervision_cases"].append(
                            (
                                supervision_id,
                                _child_id(child_index, authority.preset.digits),
                                _yn(draws.chance(0.3 + 0.65 * quality)),
                            )
                        )
            day += max(14, int(draws.between(24, 36) + (1 - quality) * 20))


# ---------------------------------------------------------------------------------------------
# Writing


_ROW_ORDER = {t.name: t.columns for t in EXTRACT_TABLES}


def _check_contract() -> None:
    """Fail loudly if the model or a code list no longer has what this generator writes."""
    expected = {
        "children": 6, "teams": 4, "workers": 6, "involvements": 7, "allocations": 4,
        "meetings": 9, "outcomes": 19, "outcome_reviews": 9, "interventions": 8,
        "intervention_outcomes": 2, "supervisions": 4, "supervision_cases": 3, "audits": 13,
        "audit_answers": 6,
    }  # fmt: skip
    actual = {name: len(columns) for name, columns in _ROW_ORDER.items()}
    if actual != expected:
        raise RuntimeError(f"the extract model changed; update workbench/synth.py: {actual}")
    used = {
        "sex": [c for c, _ in _SEX],
        "ethnicity": [c for c, _ in _ETHNICITY],
        "plan_types": list(_SERVICE_OF_PLAN),
        "services": list(_SERVICE_NAMES),
        "end_reasons": sorted({m[0] for moves in _MOVES.values() for m in moves} | {"turned_18"}),
        "outcome_domains": list(_DOMAIN_PROGRESS),
        "evidence_levels": list(_EVIDENCE_RANK),
        "participation_codes": ["PN0", *_PN_CODES],
        "audit_grades": [*_GRADE_BY_RANK.values(), "not_applicable"],
        "scales": ["scaling_0_10", "gas", "outcomes_star"],
    }
    for name, values in used.items():
        missing = sorted(set(values) - set(codes(name)))
        if missing:
            raise RuntimeError(f"code list {name} lacks {missing}; update workbench/synth.py")


def _team_rows(authority: _Authority) -> list[tuple]:
    return [
        (t.team_id, t.name, authority.preset.localities[t.locality].name, t.service) for t in authority.teams
    ]


def _worker_rows(authority: _Authority) -> list[tuple]:
    return [
        (
            w.worker_id,
            w.name,
            authority.teams[w.team].team_id,
            w.role,
            _iso(w.start),
            "" if w.end >= _OPEN else _iso(w.end),
        )
        for w in authority.workers
    ]


@dataclass(frozen=True)
class RegionPreset:
    """A regional pool: ``authorities`` authorities of one size, pooled as a regional return is."""

    authorities: int
    size: str  # a key of SIZES: every authority is simulated at that size, with its own seed


#: The pooled presets: ``region`` for the scale-out case (DESIGN.md section 8), ``tiny-region``
#: for tests. Every id is suffixed with its authority (``C0000001-A01``) and every locality
#: (and team name) prefixed with it (``A01 North``), as pooled returns are.
REGIONS: dict[str, RegionPreset] = {
    "region": RegionPreset(authorities=15, size="la-decade"),
    "tiny-region": RegionPreset(authorities=3, size="tiny"),
}


def authority_code(number: int) -> str:
    """Return the code of a pooled region's ``number``-th authority (from 1): ``A01``, ``A02``..."""
    return f"A{number:02d}"


def _pooled_columns() -> dict[str, list[int]]:
    """Return, per table, the positions of the columns holding an authority's own ids.

    Those are the single-column keys and every reference; a template's question id (part of
    the audit answers' key) is the same in every authority, so stays as it is.
    """
    found = {}
    for spec in EXTRACT_TABLES:
        names = {f.name for f in spec.fields if f.references}
        if len(spec.key) == 1:
            names.add(spec.key[0])
        found[spec.name] = [spec.columns.index(name) for name in spec.columns if name in names]
    return found


def _pooled(code: str) -> Callable[[str, list[tuple]], list[tuple]]:
    """Return a row rewriter that suffixes ids with ``-<code>`` and prefixes localities and teams."""
    positions = _pooled_columns()
    suffix = f"-{code}"
    # Every locality (a child's, a team's) and every team's name, prefixed.
    prefixed = {name: [i for i, column in enumerate(columns) if column == "locality"]
                for name, columns in _ROW_ORDER.items()}  # fmt: skip
    prefixed["teams"].append(_ROW_ORDER["teams"].index("name"))

    def rewrite(name: str, rows: list[tuple]) -> list[tuple]:
        at = positions[name]
        named = prefixed[name]
        out = []
        for row in rows:
            values = list(row)
            for i in at:
                if values[i]:
                    values[i] = f"{values[i]}{suffix}"
            for i in named:
                if values[i]:
                    values[i] = f"{code} {values[i]}"
            out.append(tuple(values))
        return out

    return rewrite


def generate_extract(
    out_dir: Path, size: str = "demo", seed: int = 2026, progress: bool = True
) -> dict[str, int]:
    """Write a synthetic authority (or a regional pool) as an outcome extract; return rows per table.

    One CSV per table of :data:`workbench.core.model.EXTRACT_TABLES` is written to ``out_dir``
    (created if missing), named ``<table>.csv`` with the table's columns as the header. The
    same ``seed`` and ``size`` give byte-identical files; a different seed gives different
    data. ``size`` is a key of :data:`SIZES` or of :data:`REGIONS` (a pool of authorities, the
    n-th simulated with ``seed + n - 1``, written one after another into the same files).
    Children are simulated and written in chunks, so memory stays bounded at every size.
    ``progress`` shows a tqdm bar.
    """
    if size not in SIZES and size not in REGIONS:
        raise ValueError(f"unknown size {size!r}; sizes are {', '.join([*SIZES, *REGIONS])}")
    _check_contract()
    region = REGIONS.get(size)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {t.name: 0 for t in EXTRACT_TABLES}
    handles = {t.name: (out_dir / t.filename).open("w", newline="", encoding="utf-8") for t in EXTRACT_TABLES}
    try:
        writers = {name: csv.writer(handle, lineterminator="\n") for name, handle in handles.items()}
        for name, writer in writers.items():
            writer.writerow(_ROW_ORDER[name])
        if region is None:
            _write_authority(SIZES[size], size, seed, writers, counts, progress)
        else:
            for number in range(1, region.authorities + 1):
                code = authority_code(number)
                _write_authority(SIZES[region.size], f"{size} {code}", seed + number - 1, writers, counts,
                                 progress, _pooled(code))  # fmt: skip
    finally:
        for handle in handles.values():
            handle.close()
    return counts


def _write_authority(
    preset: SizePreset, label: str, seed: int, writers: dict, counts: dict[str, int], progress: bool,
    rewrite: Callable[[str, list[tuple]], list[tuple]] | None = None,
) -> None:  # fmt: skip
    """Simulate one authority and write its rows (rewritten by ``rewrite``, for a pool), a chunk at a time."""
    authority = _build_authority(preset, seed)

    def flush(rows: dict[str, list]) -> None:
        for name, table_rows in rows.items():
            if table_rows:
                writers[name].writerows(rewrite(name, table_rows) if rewrite else table_rows)
                counts[name] += len(table_rows)
                table_rows.clear()

    flush({"teams": _team_rows(authority), "workers": _worker_rows(authority)})
    counters = _Counters()
    allocation_log: dict[int, array] = {}
    chunks = math.ceil(preset.children / preset.chunk_size)
    with tqdm(total=preset.children, unit="child", desc=f"Generating {label}",
              disable=not progress) as bar:  # fmt: skip
        for chunk in range(chunks):
            draws = _Draws(np.random.default_rng([seed, 1, chunk]))
            builder = _ChunkBuilder(authority, draws, counters, allocation_log)
            in_chunk = min(preset.chunk_size, preset.children - chunk * preset.chunk_size)
            for _ in range(in_chunk):
                builder.child()
            flush(builder.rows)
            bar.update(in_chunk)
        bar.set_postfix_str("supervisions")
        rows: dict[str, list] = {"supervisions": [], "supervision_cases": []}
        _supervisions(authority, seed, allocation_log, counters, rows)
        flush(rows)
