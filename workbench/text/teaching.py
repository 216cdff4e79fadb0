"""Teaching material for writing desired outcomes: examples by domain, and feedback on a rewrite.

``data/statements/teaching.yaml`` holds, for each outcome domain, statements as case records
often have them (a process or a vague outcome) and a rewrite as a clear outcome in the family's
own words. :func:`rewrite_feedback` says how a trainee's rewrite reads, using the statement reader
(:mod:`workbench.text.statements`), and what to ask next.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from workbench.core.codes import DATA_DIR, codes
from workbench.text.statements import StatementReading, analyse, learned_words

#: The teaching examples an authority may edit.
TEACHING_PATH = DATA_DIR / "statements" / "teaching.yaml"


class TeachingError(ValueError):
    """The teaching file is malformed: the message names the file and the place in it."""


@cache
def teaching_examples(path: Path = TEACHING_PATH) -> pd.DataFrame:
    """Return the examples as rows of domain, before and after, in the file's order.

    Raises :class:`TeachingError` naming the file and the place when a domain is not an outcome
    domain code or an example lacks its ``before`` or ``after``.
    """
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("examples"), dict):
        raise TeachingError(f"{path}: expected a mapping 'examples:' of domains")
    known = set(codes("outcome_domains"))
    rows = []
    for domain, items in raw["examples"].items():
        if domain not in known:
            raise TeachingError(
                f"{path}: examples.{domain}: not an outcome domain ({', '.join(sorted(known))})"
            )
        for i, item in enumerate(items or []):
            if not isinstance(item, dict) or not all(
                isinstance(item.get(k), str) for k in ("before", "after")
            ):
                raise TeachingError(f"{path}: examples.{domain}[{i}]: expected text 'before' and 'after'")
            rows.append((domain, item["before"].strip(), item["after"].strip()))
    return pd.DataFrame(rows, columns=["domain", "before", "after"])


@dataclass(frozen=True)
class RewriteFeedback:
    """How a rewrite reads: whether it is done, a verdict in plain words, and what to ask next."""

    done: bool  # a clear outcome in the family's own words
    verdict: str
    questions: tuple[str, ...]
    reading: StatementReading


def rewrite_feedback(text: str) -> RewriteFeedback:
    """Say how a rewritten statement reads, and the coaching questions its flags raise.

    It is *done* when the reader finds a clear outcome in the family's own words (first person).
    The questions come from the reading's flags, most pressing first.
    """
    reading = analyse(text)
    questions = tuple(dict.fromkeys(f.prompt for f in reading.flags))
    if not text or not text.strip():
        verdict = "Write the outcome the child or family wants, in their words."
    elif reading.kind == "process":
        verdict = "Still a process: it says what someone will do, not what will be different for the child."
        if words := learned_words(reading):
            verdict += f" It is worded like the tasks and services the reader learned from: {words}."
    elif reading.clarity == "vague":
        verdict = "An outcome, but vague: nothing says how everyone will know it has happened."
    elif reading.voice != "family":
        verdict = "A clear outcome, in professional words: can it be said the way the family says it?"
    else:
        verdict = "A clear outcome in the family's own words."
    done = reading.kind == "outcome" and reading.clarity == "clear" and reading.voice == "family"
    return RewriteFeedback(done, verdict, questions, reading)
