"""A learned second opinion on outcome vs process: logistic regression over the words of a statement.

The rules in ``data/statements/lexicon.yaml`` read most tasks, but each new way of writing a task
("I'll go to the baby massage class", "Do a genogram with Nan") needs a new pattern. This model
has read every *tune* statement in ``data/statements/labelled/`` (never a held-back one) and gives
the chance that a statement is a process (a service, a task, support or compliance) from its words
and pairs of words. The statement reader uses it in one direction only: a statement the rules read
as an outcome becomes a process when the model is at least :data:`THRESHOLD` sure. It never turns a
process into an outcome and never makes anything clear.

The weights are a committed data file, ``data/statements/learned_kind.json``, written by
``workbench train-statement-kind`` from the tune files: training is deterministic (Newton's method
on an L2-penalised log-likelihood, from zeros), so the command reproduces the committed file.
Pure numpy: no learning library is needed to train or to read.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from workbench.core.codes import DATA_DIR

#: The committed weights, written by ``workbench train-statement-kind``.
LEARNED_KIND_PATH = DATA_DIR / "statements" / "learned_kind.json"

#: How sure the model must be that a statement is a process before it overrules the rules' "outcome".
THRESHOLD = 0.80

#: Training settings (kept in the weights file too, so the file says how it was made).
L2 = 1.0  # the penalty on the squared weights: larger keeps weights small and the model modest
MIN_COUNT = 2  # a word or pair must be in at least this many tune statements to get a weight
_ITERATIONS = 100
_TOLERANCE = 1e-10
_DECIMALS = 6  # weights are stored rounded, so the file is the same on any machine

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+")
_START = "<start>"
_NUMBER = "<number>"


def tokens(said: str) -> list[str]:
    """Return the words of a statement the reader has lower-cased and spelt out; any number is one token."""
    return [_NUMBER if t[0].isdigit() else t for t in _TOKEN.findall(said)]


def features(said: str) -> set[str]:
    """Return the words, and pairs of neighbouring words (the first paired with the start), of a statement."""
    words = tokens(said)
    pairs = [f"{a} {b}" for a, b in zip([_START, *words], words, strict=False)]
    return set(words) | set(pairs)


@dataclass(frozen=True)
class LearnedKind:
    """The trained model: a bias and a weight per word or pair (positive leans to process)."""

    bias: float
    weights: dict[str, float]
    about: dict

    def probability(self, said: str) -> float:
        """Return the model's chance that the statement is a process (0.0 for one with no words to read)."""
        if not self.has_words(said):
            return 0.0
        score = self.bias + sum(self.weights.get(f, 0.0) for f in features(said))
        return 1.0 / (1.0 + math.exp(-score))

    def top_words(self, said: str, n: int = 3) -> list[str]:
        """Return the words or pairs that most pushed the statement towards a process, strongest first.

        Words that carry no meaning on their own ("the", "to", "a") count in the model but are not
        quoted unless nothing else pushed: the feedback names words a reader can change.
        """
        found = [(w, f) for f in features(said) if (w := self.weights.get(f, 0.0)) > 0]
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        meaningful = [(w, f) for w, f in found if not _only_small_words(f)]
        return [plain(f) for _, f in (meaningful or found)[:n]]

    @staticmethod
    def has_words(said: str) -> bool:
        """Say whether the statement has a word of letters: numbers alone ("42", "3.5") are not judged."""
        return any(t[0].isalpha() for t in tokens(said))

    def to_json(self) -> dict:
        """Return the model as the weights file holds it: its settings, the bias and the weights."""
        return {**self.about, "bias": self.bias, "weights": dict(sorted(self.weights.items()))}


#: Words that carry no meaning on their own, never quoted alone as a reason (see ``top_words``).
SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "at",
        "in",
        "on",
        "for",
        "with",
        "and",
        "or",
        "by",
        "from",
        "is",
        "be",
        "are",
        "will",
        "i",
        "i'll",
        "i'm",
        "we",
        "we'll",
        "my",
        "our",
        "me",
        "he",
        "she",
        "his",
        "her",
        "him",
        "they",
        "their",
        "them",
        "it",
        "its",
        "as",
        "so",
        "that",
        "this",
    ]
)


def _only_small_words(feature: str) -> bool:
    words = feature.removeprefix(_START + " ").split()
    return all(w in SMALL_WORDS or w == _NUMBER for w in words)


def plain(feature: str) -> str:
    """Return a feature in plain words: 'starting with "refer"', '"(a number)"', or the words quoted."""
    words = feature.removeprefix(_START + " ").replace(_NUMBER, "(a number)")
    return f'starting with "{words}"' if feature.startswith(_START) else f'"{words}"'


def train(said: Sequence[str], is_process: Sequence[bool], about: dict | None = None) -> LearnedKind:
    """Fit the model on prepared statements and their labels (deterministic: same data, same weights)."""
    documents = [features(s) for s in said]
    counts: dict[str, int] = {}
    for document in documents:
        for f in document:
            counts[f] = counts.get(f, 0) + 1
    vocabulary = sorted(f for f, c in counts.items() if c >= MIN_COUNT)
    column = {f: i for i, f in enumerate(vocabulary)}
    x = np.zeros((len(documents), len(vocabulary) + 1))
    x[:, -1] = 1.0  # the bias, not penalised
    for row, document in enumerate(documents):
        for f in document:
            if f in column:
                x[row, column[f]] = 1.0
    y = np.asarray(is_process, dtype=float)
    penalty = np.full(x.shape[1], L2)
    penalty[-1] = 0.0
    beta = np.zeros(x.shape[1])
    for _ in range(_ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (p - y) + penalty * beta
        hessian = (x.T * (p * (1 - p))) @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.max(np.abs(step))) < _TOLERANCE:
            break
    rounded = np.round(beta, _DECIMALS)
    weights = {f: float(w) for f, w in zip(vocabulary, rounded[:-1], strict=True) if w != 0.0}
    settings = {
        "about": "Logistic regression over words and pairs of words: the chance a statement is a process.",
        "trained_on": "the tune files of data/statements/labelled (split == tune), never the held-back ones",
        "statements": len(documents),
        "processes": int(y.sum()),
        "l2": L2,
        "min_count": MIN_COUNT,
        "threshold": THRESHOLD,
    }
    return LearnedKind(bias=float(rounded[-1]), weights=weights, about={**settings, **(about or {})})


def same_weights(one: LearnedKind, other: LearnedKind, tolerance: float = 1e-5) -> bool:
    """Whether two models have the same words and settings, and weights equal to ``tolerance``.

    The tolerance allows for the last stored decimal differing between machines' arithmetic.
    """
    if one.about != other.about or set(one.weights) != set(other.weights):
        return False
    return abs(one.bias - other.bias) <= tolerance and all(
        abs(w - other.weights[f]) <= tolerance for f, w in one.weights.items()
    )


def write(model: LearnedKind, path: Path = LEARNED_KIND_PATH) -> Path:
    """Write the model as JSON (sorted keys, one weight a line), the committed form."""
    path.write_text(json.dumps(model.to_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


@cache
def load(path: Path = LEARNED_KIND_PATH) -> LearnedKind | None:
    """Read the weights file (cached); None when there is none, and the rules read alone."""
    path = Path(path)
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    weights = {str(k): float(v) for k, v in raw.pop("weights").items()}
    bias = float(raw.pop("bias"))
    return LearnedKind(bias=bias, weights=weights, about=raw)
