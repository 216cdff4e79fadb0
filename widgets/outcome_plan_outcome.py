"""One desired outcome on the plan page: the words as said, coaching as it is typed, scores, actions.

Large, plain, labelled inputs that a keyboard reaches in reading order; nothing here blocks:
the statement reader's flags are advice with a question to ask (``workbench.practice.plans``).
"""

from __future__ import annotations

import html
from datetime import date, datetime

import ipywidgets as W

from workbench.core.codes import labels
from workbench.core.model import ACTION_OWNERS, PLAN_DECISIONS, PlanAction, PlanOutcome
from workbench.practice.plans import coaching, new_key

#: Score choices on the 0 to 10 scale, with "not given".
SCORES = [("not given", "")] + [(str(n), str(n)) for n in range(11)]
LABEL_STYLE = {"description_width": "15rem"}
WIDE = W.Layout(width="min(60rem, 96%)")
CHOICE = W.Layout(width="min(42rem, 96%)")


def parse_day(text: str) -> str:
    """Return a date typed as 2026-01-15, 15/01/2026 or 15-01-2026 as ISO; empty when blank.

    Raises ``ValueError`` naming what was expected.
    """
    text = (text or "").strip()
    if not text:
        return ""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date: write it like 15/01/2026")


def shown_day(iso: str) -> str:
    """Return an ISO date as the page writes it (15/01/2026)."""
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


def _score_value(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _score_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _text(description: str, value: str, css: str, *, area: bool = False, placeholder: str = "") -> W.Widget:
    make = W.Textarea if area else W.Text
    box = make(
        value=value,
        description=description,
        placeholder=placeholder,
        style=LABEL_STYLE,
        layout=WIDE,
        continuous_update=area,
    )
    box.add_class(css)
    return box


def _choice(description: str, options, value, css: str) -> W.Dropdown:
    box = W.Dropdown(options=options, value=value, description=description, style=LABEL_STYLE, layout=CHOICE)
    box.add_class(css)
    return box


class ActionEditor(W.VBox):
    """Who does what by when, for one outcome, with the intervention chosen and its evidence level."""

    def __init__(self, action: PlanAction) -> None:
        self.key = action.key
        owners = labels("action_owners")
        self.owner_kind = _choice(
            "Who (kind)",
            [("choose", "")] + [(owners[c], c) for c in ACTION_OWNERS],
            action.owner_kind,
            "wb-plan-owner-kind",
        )
        self.owner_name = _text("Who (name)", action.owner_name, "wb-plan-owner-name")
        self.action = _text("Will do what", action.action, "wb-plan-action")
        self.by_date = _text(
            "By when", shown_day(action.by_date), "wb-plan-by-date", placeholder="15/01/2026"
        )
        self.intervention = _text("Help or programme", action.intervention, "wb-plan-intervention")
        levels = labels("evidence_levels")
        self.evidence_level = _choice(
            "Its evidence level",
            [("none named", "")] + [(v, k) for k, v in levels.items()],
            action.evidence_level,
            "wb-plan-evidence",
        )
        super().__init__(
            [
                self.owner_kind,
                self.owner_name,
                self.action,
                self.by_date,
                self.intervention,
                self.evidence_level,
            ]
        )
        self.add_class("wb-plan-action-row")

    def value(self, problems: list[str], where: str) -> PlanAction:
        """Return the action as typed; a date that cannot be read is named in ``problems``."""
        try:
            by_date = parse_day(self.by_date.value)
        except ValueError as error:
            problems.append(f"{where}, by when: {error}")
            by_date = ""
        return PlanAction(
            key=self.key,
            owner_kind=self.owner_kind.value or "",
            owner_name=self.owner_name.value,
            action=self.action.value,
            by_date=by_date,
            intervention=self.intervention.value,
            evidence_level=self.evidence_level.value or "",
        )


def coaching_html(statement: str) -> str:
    """Return the statement reader's advice on an outcome as typed (escaped; advice, never a block)."""
    flags = coaching(statement)
    if not statement.strip():
        return "<p class='wb-plan-coach-empty'>Write it as the family says it: what will be different?</p>"
    if not flags:
        return "<p class='wb-plan-coach-ok'>Reads as a clear outcome.</p>"
    items = "".join(
        f"<li><strong>{html.escape(f.title)}</strong>: {html.escape(f.explanation)}"
        f"<br><span class='wb-plan-ask'>Ask: {html.escape(f.prompt)}</span></li>"
        for f in flags
    )
    lead = "<p>Something to talk through (you can still save):</p>"
    return f"<div class='wb-plan-coach-flags'>{lead}<ul>{items}</ul></div>"


class OutcomeEditor(W.VBox):
    """One desired outcome: statement with coaching, whose words, success, scores, target and actions.

    ``reviewing`` shows the review of an outcome agreed at an earlier meeting: the earlier
    scores (``earlier``, words) beside today's, and the decision (carried on, achieved, changed).
    """

    def __init__(
        self, outcome: PlanOutcome, number: int, *, reviewing: bool = False, earlier: str = ""
    ) -> None:
        self.key = outcome.key
        self.number = number
        self.first_statement = outcome.statement
        heading = W.HTML(f"<h3>Outcome {number}</h3>")
        self.statement = _text(
            "What we want",
            outcome.statement,
            "wb-plan-statement",
            area=True,
            placeholder="In their words, for example: I want to get to school on time every day",
        )
        self.coach = W.HTML(coaching_html(outcome.statement))
        self.coach.add_class("wb-plan-coaching")
        self.statement.observe(
            lambda change: setattr(self.coach, "value", coaching_html(change["new"])), "value"
        )
        whose = labels("whose_words")
        self.whose_words = _choice(
            "Whose words",
            [("choose", "")] + [(v, k) for k, v in whose.items()],
            outcome.whose_words,
            "wb-plan-whose",
        )
        self.success = _text("How we will know", outcome.success_looks_like, "wb-plan-success", area=True)
        domains = labels("outcome_domains")
        self.domain = _choice(
            "Part of life",
            [("choose", "")] + [(v, k) for k, v in domains.items()],
            outcome.domain,
            "wb-plan-domain",
        )
        self.family_baseline = _choice(
            "Family's score now (0-10)",
            SCORES,
            _score_text(outcome.family_baseline),
            "wb-plan-family-baseline",
        )
        self.practitioner_baseline = _choice(
            "Worker's score now (0-10)",
            SCORES,
            _score_text(outcome.practitioner_baseline),
            "wb-plan-practitioner-baseline",
        )
        self.target_score = _choice(
            "Aiming for score", SCORES, _score_text(outcome.target_score), "wb-plan-target"
        )
        self.target_date = _text(
            "Aiming for by", shown_day(outcome.target_date), "wb-plan-target-date", placeholder="30/06/2026"
        )
        decisions = labels("plan_decisions")
        options = (
            [(decisions[c], c) for c in PLAN_DECISIONS if c != "new"]
            if reviewing
            else [(decisions["new"], "new")]
        )
        chosen = outcome.decision if outcome.decision in {code for _, code in options} else options[0][1]
        self.decision = _choice("Decision today", options, chosen, "wb-plan-decision")
        self.family_score = _choice(
            "Family's score today", SCORES, _score_text(outcome.family_score), "wb-plan-family-score"
        )
        self.practitioner_score = _choice(
            "Worker's score today",
            SCORES,
            _score_text(outcome.practitioner_score),
            "wb-plan-practitioner-score",
        )
        self.change_reason = _text("Why it changed", outcome.change_reason, "wb-plan-why", area=True)
        self.actions_box = W.VBox([ActionEditor(a) for a in outcome.actions])
        self.add_action = W.Button(description="Add an action", tooltip="Add who will do what by when")
        self.add_action.add_class("wb-plan-add-action")
        self.add_action.on_click(lambda _: self.append_action())
        review: list[W.Widget] = []
        if reviewing:
            scores = W.HTML(f"<p class='wb-plan-earlier'>Scores so far: {html.escape(earlier)}</p>")
            review = [scores, self.decision, self.family_score, self.practitioner_score, self.change_reason]
        super().__init__(
            [
                heading,
                self.statement,
                self.coach,
                self.whose_words,
                self.success,
                self.domain,
                self.family_baseline,
                self.practitioner_baseline,
                self.target_score,
                self.target_date,
                *review,
                W.HTML("<h4>Who will do what</h4>"),
                self.actions_box,
                self.add_action,
            ]
        )
        self.add_class("wb-plan-outcome")

    def append_action(self) -> ActionEditor:
        """Add an empty action row and return it."""
        row = ActionEditor(PlanAction(key=new_key("A")))
        self.actions_box.children = [*self.actions_box.children, row]
        return row

    def value(self, problems: list[str]) -> PlanOutcome:
        """Return the outcome as typed; dates that cannot be read are named in ``problems``."""
        where = f"Outcome {self.number}"
        try:
            target_date = parse_day(self.target_date.value)
        except ValueError as error:
            problems.append(f"{where}, aiming for by: {error}")
            target_date = ""
        actions = [
            row.value(problems, f"{where}, action {n}") for n, row in enumerate(self.actions_box.children, 1)
        ]
        actions = [
            a
            for a in actions
            if any((a.owner_kind, a.owner_name.strip(), a.action.strip(), a.by_date, a.intervention.strip()))
        ]
        return PlanOutcome(
            key=self.key,
            statement=self.statement.value,
            whose_words=self.whose_words.value or "",
            success_looks_like=self.success.value,
            domain=self.domain.value or "",
            family_baseline=_score_value(self.family_baseline.value),
            practitioner_baseline=_score_value(self.practitioner_baseline.value),
            target_score=_score_value(self.target_score.value),
            target_date=target_date,
            decision=self.decision.value,
            family_score=_score_value(self.family_score.value),
            practitioner_score=_score_value(self.practitioner_score.value),
            change_reason=self.change_reason.value,
            actions=actions,
        )
