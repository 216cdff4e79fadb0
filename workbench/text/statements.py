"""Read desired-outcome statements: outcome or process, clear or vague, whose voice, what jargon.

The guide asks that desired outcomes be *clear* and that practice move from compliance with
processes to impact on children. Many "outcomes" in real plans are services ("Mum to attend
the parenting course"), compliance ("Parents to engage with services") or too vague to know
when they are met ("Children to be safe"). :func:`analyse` reads one statement and says:

- **kind**: ``outcome`` (a change in the life of the child or family) or ``process`` (a
  service, a professional task, support offered, or compliance), any process cue vetoing an
  outcome; a task is read by its structure (an instruction verb first, a professional acting,
  the family telling a professional, a service before its purpose, a meeting, service or worker
  named with nobody whose life is to change) as well as by its words;
- **clarity**, for outcomes: ``clear`` only on positive evidence: an observable sign of success
  (a frequency, a count or threshold, a time frame, or a report the family will make), not
  vetoed by a general word or a state nobody can observe; partial evidence reads ``vague`` and
  the explanation says what is missing; ``None`` for a process;
- **voice**: ``family`` (first person, as the child or parent would say it) or ``professional``;
- **jargon** found, and **flags**, each with a plain explanation and a coaching prompt.

The method is transparent on purpose: the lexicons and patterns in
``data/statements/lexicon.yaml``, which an authority can read and edit, decide; one learned second
opinion follows them (:mod:`workbench.text.learned_kind`, a word model trained on the tune
statements only) and may turn their "outcome" into a process when it is at least 80% sure, never
the reverse and never "clear", quoting the words that weighed most. Every reading carries
the rules and words that triggered it (:attr:`StatementReading.triggers`) and says so in
plain English (:attr:`StatementReading.explanation`). The labelled statements that the rules
are measured on are in ``data/statements/labelled/``.

Speed: :func:`analyse_statements` reads each distinct text once (a service's outcomes repeat
a limited set of wordings), and the patterns are compiled once per lexicon file.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from workbench.core.codes import DATA_DIR
from workbench.text import learned_kind
from workbench.text.learned_kind import LearnedKind

#: The lexicon an authority edits: patterns for kind, clarity, voice, jargon, and the flags.
LEXICON_PATH = DATA_DIR / "statements" / "lexicon.yaml"

#: Which columns :func:`analyse_statements` returns, in order.
READING_COLUMNS: tuple[str, ...] = ("kind", "clarity", "voice", "jargon", "flag_codes", "explanation")

#: The flags that make a statement a process (the ``flag`` of each rule under ``process:``).
_REQUIRED_FLAGS = (
    "empty",
    "describes_service",
    "compliance",
    "professional_task",
    "support_offered",
    "no_sign_of_success",
    "vague",
    "jargon",
    "professional_voice",
    "long",
)


class LexiconError(ValueError):
    """The lexicon file is malformed: the message names the file and the place in it."""


@dataclass(frozen=True)
class Flag:
    """Something about a statement worth talking through, with a question to coach it."""

    code: str
    title: str
    explanation: str
    prompt: str
    rank: int = 9  # what most needs work comes first (1 is first)

    def to_json(self) -> dict[str, str]:
        """Return the flag as a plain dict (code, title, explanation, prompt)."""
        return {
            "code": self.code,
            "title": self.title,
            "explanation": self.explanation,
            "prompt": self.prompt,
        }


@dataclass(frozen=True)
class Trigger:
    """One rule that matched: what part of the reading it decided, what it means, the words matched."""

    decides: str  # "kind", "clarity", "vague", "voice" or "jargon"
    rule: str  # the flag, sign or term it belongs to
    means: str
    matched: str


@dataclass(frozen=True)
class StatementReading:
    """What :func:`analyse` found in one statement, and what triggered each decision."""

    text: str
    kind: str  # "outcome" or "process"
    clarity: str | None  # "clear" or "vague" for an outcome; None for a process
    voice: str  # "family" or "professional"
    jargon: tuple[str, ...]
    flags: tuple[Flag, ...]
    explanation: str
    triggers: tuple[Trigger, ...] = field(default=())

    @property
    def flag_codes(self) -> tuple[str, ...]:
        """The codes of the flags, in order of what most needs work."""
        return tuple(f.code for f in self.flags)

    def to_json(self) -> dict:
        """Return kind, clarity, voice, jargon, flags (list of dicts) and explanation as plain JSON."""
        return {
            "kind": self.kind,
            "clarity": self.clarity,
            "voice": self.voice,
            "jargon": list(self.jargon),
            "flags": [f.to_json() for f in self.flags],
            "explanation": self.explanation,
        }


# ---------------------------------------------------------------------------------------------
# The lexicon: loaded, checked and compiled once per file.


@dataclass(frozen=True)
class _Rule:
    name: str  # a flag code (process), a sign (clarity) or a term (jargon)
    means: str
    patterns: tuple[re.Pattern, ...]


@dataclass(frozen=True)
class Lexicon:
    """The compiled lexicon: rules for kind, clarity, vague words, voice and jargon, and the flags."""

    path: Path
    read_up_to: int
    long_after: int
    process: tuple[_Rule, ...]
    clarity: tuple[_Rule, ...]
    vague_words: _Rule
    # A date or a frequency on a state nobody can observe is no sign of success ("Things will be
    # better at home by Christmas"): these rules, and the kinds of sign they outweigh.
    unobservable: _Rule | None
    outweighs: frozenset[str]
    first_person: tuple[re.Pattern, ...]
    not_family: tuple[re.Pattern, ...]
    jargon: tuple[_Rule, ...]
    flags: Mapping[str, Flag]
    # One alternation per group of rules: a single scan says whether any rule of the group can
    # match, so most statements skip the rule-by-rule search (decisions are the same).
    any_process: re.Pattern
    any_clarity: re.Pattern
    any_jargon: re.Pattern
    # Clear only on positive evidence: whose life a date or a frequency is about (the bearer), the
    # signs that are evidence on their own, shorthand spelt out before any rule reads a statement,
    # and the capitalised words that are not names (days, months).
    bearer: _Rule | None = None
    bearer_asked: tuple[re.Pattern, ...] = ()
    stands_alone: frozenset[str] = frozenset()
    shorthand: tuple[tuple[re.Pattern, str], ...] = ()
    not_names: frozenset[str] = frozenset()


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _fail(path: Path, where: str, problem: str) -> LexiconError:
    return LexiconError(f"{path}: {where}: {problem}")


def _need(mapping: object, key: str, kind: type | tuple[type, ...], path: Path, where: str):
    if not isinstance(mapping, dict):
        raise _fail(path, where, f"expected a mapping with {key!r}, found {type(mapping).__name__}")
    if key not in mapping:
        raise _fail(path, where, f"missing {key!r}")
    value = mapping[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise _fail(path, f"{where}.{key}", f"expected {names}, found {type(value).__name__}")
    return value


def _expand(pattern: str, words: Mapping[str, str], path: Path, where: str) -> str:
    """Replace each {name} in ``pattern`` by the word list of that name."""

    def expand(match: re.Match) -> str:
        name = match.group(1)
        if name not in words:
            raise _fail(
                path, where, f"{{{name}}} is not a word list under 'words:' (known: {', '.join(words)})"
            )
        return words[name]

    return _PLACEHOLDER.sub(expand, pattern)


def _compile(pattern: object, words: Mapping[str, str], path: Path, where: str) -> re.Pattern:
    if not isinstance(pattern, str) or not pattern.strip():
        raise _fail(path, where, f"a pattern must be non-empty text, found {pattern!r}")
    try:
        return re.compile(_expand(pattern, words, path, where))
    except re.error as error:
        raise _fail(path, where, f"not a valid regular expression ({error}): {pattern}") from None


def _patterns(raw: object, words: Mapping[str, str], path: Path, where: str) -> tuple[re.Pattern, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(path, where, "expected a non-empty list of patterns")
    return tuple(_compile(p, words, path, f"{where}[{i}]") for i, p in enumerate(raw))


@cache
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:  # noqa: C901
    """Load, check and compile the lexicon at ``path`` (cached per file).

    Raises :class:`LexiconError` naming the file and the key when the file is malformed.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LexiconError(f"{path}: no such lexicon file") from None
    except yaml.YAMLError as error:
        raise LexiconError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise _fail(path, "top level", "expected a mapping of sections (version, words, process, ...)")
    version = _need(raw, "version", int, path, "top level")
    if version != 1:
        raise _fail(path, "version", f"this workbench reads version 1, found {version}")
    words: dict[str, str] = {}
    for name, items in (_need(raw, "words", dict, path, "top level")).items():
        if not isinstance(items, list) or not all(isinstance(w, str | int) for w in items) or not items:
            raise _fail(path, f"words.{name}", "expected a non-empty list of words")
        # A list may use the lists above it ({task_object} inside task_verb).
        joined = "(?:" + "|".join(str(w) for w in items) + ")"
        words[name] = _expand(joined, words, path, f"words.{name}")

    flags: dict[str, Flag] = {}
    for code, spec in _need(raw, "flags", dict, path, "top level").items():
        where = f"flags.{code}"
        flags[code] = Flag(
            code=code,
            title=_need(spec, "title", str, path, where),
            explanation=_need(spec, "explanation", str, path, where),
            prompt=_need(spec, "prompt", str, path, where),
            rank=_need(spec, "rank", int, path, where),
        )
    missing = [code for code in _REQUIRED_FLAGS if code not in flags]
    if missing:
        raise _fail(path, "flags", f"missing the flags {', '.join(missing)}")

    process = []
    for i, spec in enumerate(_need(raw, "process", list, path, "top level")):
        where = f"process[{i}]"
        code = _need(spec, "flag", str, path, where)
        if code not in flags:
            raise _fail(path, f"{where}.flag", f"{code!r} is not a flag under 'flags:'")
        means = _need(spec, "means", str, path, where)
        process.append(_Rule(code, means, _patterns(spec.get("patterns"), words, path, f"{where}.patterns")))
    clarity = []
    for i, spec in enumerate(_need(raw, "clarity", list, path, "top level")):
        where = f"clarity[{i}]"
        sign = _need(spec, "sign", str, path, where)
        means = _need(spec, "means", str, path, where)
        clarity.append(_Rule(sign, means, _patterns(spec.get("patterns"), words, path, f"{where}.patterns")))
    vague_spec = _need(raw, "vague_words", dict, path, "top level")
    vague = _Rule(
        "vague",
        _need(vague_spec, "means", str, path, "vague_words"),
        _patterns(vague_spec.get("patterns"), words, path, "vague_words.patterns"),
    )
    unobservable, outweighs = None, frozenset()
    if "unobservable" in raw:  # optional: an older lexicon without it reads as before
        unobservable, spec = _optional_rule(raw, "unobservable", words, path)
        outweighs = _signs(spec, "outweighs", {rule.name for rule in clarity}, path, "unobservable")
    bearer, bearer_asked, stands_alone, shorthand = _evidence(
        raw, words, path, {rule.name for rule in clarity}
    )
    voice = _need(raw, "voice", dict, path, "top level")
    jargon = []
    for i, spec in enumerate(_need(raw, "jargon", list, path, "top level")):
        where = f"jargon[{i}]"
        term = _need(spec, "term", str, path, where)
        jargon.append(
            _Rule(term, "jargon", (_compile(_need(spec, "pattern", str, path, where), words, path, where),))
        )

    def any_of(rules: Iterable[_Rule]) -> re.Pattern:
        return re.compile("|".join(f"(?:{p.pattern})" for rule in rules for p in rule.patterns))

    return Lexicon(
        path=path,
        read_up_to=_need(raw, "read_up_to", int, path, "top level"),
        long_after=_need(raw, "long_after", int, path, "top level"),
        process=tuple(process),
        clarity=tuple(clarity),
        vague_words=vague,
        unobservable=unobservable,
        outweighs=outweighs,
        first_person=_patterns(voice.get("first_person"), words, path, "voice.first_person"),
        not_family=_patterns(voice.get("not_family", []) or [r"(?!x)x"], words, path, "voice.not_family"),
        jargon=tuple(jargon),
        flags=flags,
        any_process=any_of(process),
        any_clarity=any_of(clarity),
        any_jargon=any_of(jargon),
        bearer=bearer,
        bearer_asked=bearer_asked,
        stands_alone=stands_alone,
        shorthand=shorthand,
        not_names=frozenset(
            word
            for name in ("weekday", "month_name")
            for word in raw["words"].get(name, ())
            if isinstance(word, str)
        ),
    )


def _optional_rule(raw: dict, name: str, words: Mapping[str, str], path: Path) -> tuple[_Rule, dict]:
    """Read the section ``name:`` (its meaning and patterns) as a rule; return it and the section."""
    spec = _need(raw, name, dict, path, "top level")
    rule = _Rule(
        name,
        _need(spec, "means", str, path, name),
        _patterns(spec.get("patterns"), words, path, f"{name}.patterns"),
    )
    return rule, spec


def _signs(spec: dict, key: str, signs: set[str], path: Path, section: str) -> frozenset[str]:
    """Read the list ``key`` of a section: names of signs under ``clarity:``, each checked."""
    named = frozenset(_need(spec, key, list, path, section))
    unknown = named - signs
    if unknown:
        raise _fail(path, f"{section}.{key}", f"{', '.join(sorted(unknown))} is not a sign under 'clarity:'")
    return named


def _evidence(
    raw: dict, words: Mapping[str, str], path: Path, signs: set[str]
) -> tuple[_Rule | None, tuple[re.Pattern, ...], frozenset[str], tuple[tuple[re.Pattern, str], ...]]:
    """Read the optional sections ``bearer:`` and ``shorthand:`` (an older lexicon has neither)."""
    bearer, asked, stands_alone = None, (), frozenset()
    if "bearer" in raw:
        bearer, spec = _optional_rule(raw, "bearer", words, path)
        stands_alone = _signs(spec, "stands_alone", signs, path, "bearer")
        asked = _patterns(spec.get("applies_when"), words, path, "bearer.applies_when")
    shorthand = []
    for short, spelt in (raw.get("shorthand") or {}).items():
        if not isinstance(short, str) or not isinstance(spelt, str):
            raise _fail(path, f"shorthand.{short}", "expected text: the shorthand and what it stands for")
        shorthand.append((re.compile(rf"(?<![\w/]){re.escape(short)}(?![\w/])"), spelt))
    return bearer, asked, stands_alone, tuple(shorthand)


#: Every flag, by code, from the lexicon's ``flags:`` section.
FLAGS: Mapping[str, Flag] = load_lexicon().flags


# ---------------------------------------------------------------------------------------------
# Reading one statement.

_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)
_SPACES = re.compile(r"\s+")


def as_text(value: object) -> str:
    """Return a statement as text: None, NaN and pandas' NA read as the empty statement."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value if isinstance(value, str) else str(value)


def _normalise(text: str, limit: int) -> str:
    text = unicodedata.normalize("NFKC", text[: limit * 2])[:limit]
    return _SPACES.sub(" ", text.translate(_QUOTES)).strip().lower()


def _first(rule: _Rule, text: str) -> str | None:
    for pattern in rule.patterns:
        found = pattern.search(text)
        if found:
            return found.group(0).strip()
    return None


def _quoted(triggers: Iterable[Trigger]) -> str:
    return "; ".join(f'{t.means} ("{t.matched}")' for t in triggers)


_WORD = re.compile(r"[^\W\d_][\w'-]*")
# After a name at the start of a statement comes its verb or its state: "Kacey home by 10pm",
# "Riley - home", "Jay back in mainstream school", "Ellie-May gaining weight".
_NAME_FIRST = re.compile(
    r"^[^\W\d_][^\W\d_'-]*(?:-[^\W\d_]+)?(?:'s)?\s+(?:-|(?:to|will|is|has|and|back|home|in|off|not|no|on|at|\w+ing)\b)"
)


def _named(original: str, not_names: frozenset[str]) -> str | None:
    """Return a name the statement speaks of (a capitalised word, not an acronym, a day or a month)."""
    text = unicodedata.normalize("NFKC", original).translate(_QUOTES)
    for sentence in re.split(r"[.;!?]\s+", text):
        words = list(_WORD.finditer(sentence))
        for position, found in enumerate(words):
            word = found.group(0)
            if not (word[0].isupper() and not word.isupper() and word.lower() not in not_names):
                continue
            if position > 0 or _NAME_FIRST.match(sentence.strip()):
                return word
    return None


def _bearerless_task(lex: Lexicon, said: str, original: str, signs: list[Trigger]) -> Trigger | None:
    """Return a process trigger when a meeting, service, task or worker is named and no one's life is."""
    if lex.bearer is None or any(t.rule in lex.stands_alone for t in signs):
        return None
    named = next((m.group(0) for p in lex.bearer_asked if (m := p.search(said))), None)
    if named is None or _first(lex.bearer, said) or _named(original, lex.not_names):
        return None
    return Trigger("kind", "professional_task", lex.bearer.means, named)


def _spelt_out(said: str, shorthand: tuple[tuple[re.Pattern, str], ...]) -> str:
    for pattern, spelt in shorthand:
        said = pattern.sub(spelt, said)
    return said


def prepared(text: object, lexicon: Lexicon | None = None) -> str:
    """Return a statement as the rules and the learned kind read it: lower case, shorthand spelt out."""
    lex = lexicon or load_lexicon()
    return _spelt_out(_normalise(as_text(text), lex.read_up_to), lex.shorthand)


#: What a process found by the learned kind means, in the reading's triggers.
LEARNED_MEANS = (
    "worded like the tasks, services and compliance in the labelled statements the reader learned from"
)


def _learned_task(model: LearnedKind | None, said: str) -> Trigger | None:
    """Return a process trigger when the learned kind is at least its threshold sure of a process."""
    if model is None:
        return None
    chance = model.probability(said)
    if chance < learned_kind.THRESHOLD:
        return None
    words = ", ".join(model.top_words(said)) or "its words as a whole"
    return Trigger("kind", "professional_task", f"{LEARNED_MEANS} (a word model is {chance:.0%} sure)", words)


def learned_words(reading: StatementReading) -> str | None:
    """Return the words that made the learned kind call a statement a process, or None if it did not."""
    found = [t for t in reading.triggers if t.decides == "kind" and t.means.startswith(LEARNED_MEANS)]
    return found[0].matched if found else None


def _learned_explanation(trigger: Trigger) -> str:
    return (
        f"Process: no rule found a task, but it is {trigger.means}; the words that weighed most:"
        f" {trigger.matched}."
    )


def analyse(  # noqa: C901
    text: str, lexicon: Lexicon | None = None, learned: LearnedKind | bool = True
) -> StatementReading:
    """Read one desired-outcome statement: kind, clarity, voice, jargon, flags and why.

    ``text`` may be anything: None or NaN read as an empty statement, and only the first
    ``read_up_to`` characters (1,000 by default) are read. Never raises on odd input.
    ``learned``: the learned kind that may turn the rules' "outcome" into a process when it is at
    least :data:`workbench.text.learned_kind.THRESHOLD` sure (True: the committed one; False: none).
    """
    lex = lexicon or load_lexicon()
    original = as_text(text)
    said = prepared(original, lex)
    flags = lex.flags
    if not re.search(r"\w", said):
        return StatementReading(
            text=original,
            kind="outcome",
            clarity="vague",
            voice="professional",
            jargon=(),
            flags=(flags["empty"], flags["no_sign_of_success"]),
            explanation="There is no statement to read, so it cannot say what success looks like.",
            triggers=(),
        )

    triggers: list[Trigger] = []
    process = []
    for rule in lex.process if lex.any_process.search(said) else ():
        matched = _first(rule, said)
        if matched is not None:
            process.append(Trigger("kind", rule.name, rule.means, matched))
    triggers += process

    signs = []
    vague_hit = None
    outweighed: list[Trigger] = []
    unseen: Trigger | None = None
    if not process:
        for rule in lex.clarity if lex.any_clarity.search(said) else ():
            matched = _first(rule, said)
            if matched is not None:
                signs.append(Trigger("clarity", rule.name, rule.means, matched))
        if signs and lex.unobservable and all(t.rule in lex.outweighs for t in signs):
            # Clear only on positive evidence: a date or a frequency is a sign of success only for
            # something a review could see, so a state nobody can observe, or a general word
            # ("better", "reduced", "stable"), vetoes it.
            matched = _first(lex.unobservable, said) or _first(lex.vague_words, said)
            if matched is not None:
                # The date or frequency says when, not what a review would see: no sign of success.
                outweighed, signs = signs, []
                unseen = Trigger("vague", "unobservable", lex.unobservable.means, matched)
                triggers.append(unseen)
        bearerless = _bearerless_task(lex, said, original, signs)
        if bearerless is not None:
            # An outcome on positive evidence too: a line that names a meeting, a service, a task
            # or a worker and nobody whose life is to change is the work, and its date is the
            # task's ("Respite one weekend a month"); a count or a family report stands alone.
            process, signs = [bearerless], []
            triggers.append(bearerless)
        triggers += signs
        matched = _first(lex.vague_words, said)
        if matched is not None:
            vague_hit = Trigger("vague", "vague", lex.vague_words.means, matched)
            triggers.append(vague_hit)
    model = (learned_kind.load() if learned is True else learned) or None
    learned_hit = None if process else _learned_task(model, said)
    if learned_hit is not None:
        # Only ever outcome -> process: what the rules read as clear or vague no longer counts.
        process, signs, vague_hit = [learned_hit], [], None
        triggers = [t for t in triggers if t.decides not in ("clarity", "vague")] + [learned_hit]

    first_person = next((m.group(0) for p in lex.first_person if (m := p.search(said))), None)
    professional_we = next((m.group(0) for p in lex.not_family if (m := p.search(said))), None)
    voice = "family" if first_person and not professional_we else "professional"
    if first_person:
        triggers.append(Trigger("voice", "first_person", "it speaks in the first person", first_person))

    jargon = []
    for rule in lex.jargon if lex.any_jargon.search(said) else ():
        matched = _first(rule, said)
        if matched is not None and rule.name not in jargon:
            jargon.append(rule.name)
            triggers.append(Trigger("jargon", rule.name, "jargon", matched))

    kind = "process" if process else "outcome"
    clarity = None if process else ("clear" if signs else "vague")

    raised: list[Flag] = [flags[t.rule] for t in process]
    if kind == "outcome" and clarity == "vague":
        raised.append(flags["no_sign_of_success"])
        if vague_hit:
            raised.append(flags["vague"])
    if jargon:
        raised.append(flags["jargon"])
    if voice == "professional":
        raised.append(flags["professional_voice"])
    if len(original.strip()) > lex.long_after:
        raised.append(flags["long"])
    unique = {f.code: f for f in raised}
    ordered = tuple(sorted(unique.values(), key=lambda f: f.rank))

    parts = []
    if learned_hit is not None:
        parts.append(_learned_explanation(learned_hit))
    elif process:
        parts.append(f"Process: {_quoted(process)}.")
    else:
        parts.append("Outcome: no service, task, support or compliance wording was found.")
        if signs:
            parts.append(f"Clear: {_quoted(signs)}.")
        else:
            vague_text = f"; {_quoted([vague_hit])}" if vague_hit else ""
            if outweighed and unseen:
                when = ", ".join(f'"{t.matched}"' for t in outweighed)
                parts.append(
                    f'Vague: {when} says when, but it is {unseen.means} ("{unseen.matched}"){vague_text}.'
                )
            else:
                missing = "no frequency, count, time frame or family report was found"
                parts.append(f"Vague: {missing}{vague_text}.")
    if voice == "family":
        parts.append(f'Family voice: it speaks in the first person ("{first_person}").')
    elif first_person:
        parts.append(f'Professional voice: "{professional_we}" is professionals speaking.')
    else:
        parts.append("Professional voice: it does not speak in the first person.")
    if jargon:
        parts.append(f"Jargon: {', '.join(jargon)}.")
    if len(original) > lex.read_up_to:
        parts.append(f"Only the first {lex.read_up_to:,} characters were read.")
    return StatementReading(
        text=original,
        kind=kind,
        clarity=clarity,
        voice=voice,
        jargon=tuple(jargon),
        flags=ordered,
        explanation=" ".join(parts),
        triggers=tuple(triggers),
    )


# ---------------------------------------------------------------------------------------------
# Many statements at once.


def _distinct(texts: Iterable | pd.Series) -> tuple[np.ndarray, list[str]]:
    """Return each text's position among the distinct texts, and those texts (missing reads as "")."""
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype="object")
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    distinct = [as_text(u) for u in uniques]
    if (codes < 0).any():
        distinct.append("")
        codes = np.where(codes < 0, len(distinct) - 1, codes)
    return codes, distinct


def analyse_statements(texts: Iterable | pd.Series, lexicon: Lexicon | None = None) -> pd.DataFrame:
    """Read many statements; each distinct text is read once.

    Returns one row per statement, with the input's index when ``texts`` is a Series, and the
    columns :data:`READING_COLUMNS`: kind, clarity (None for a process), voice, jargon (a tuple),
    flag_codes (a tuple, what most needs work first) and explanation.
    """
    codes, distinct = _distinct(texts)
    readings = [analyse(t, lexicon) for t in distinct]
    index = texts.index if isinstance(texts, pd.Series) else pd.RangeIndex(len(codes))

    def column(values: list, dtype: str | None = None) -> pd.Series:
        held = np.empty(len(values), dtype=object)
        held[:] = values
        taken = held.take(codes) if len(codes) else held[:0]
        return pd.Series(taken, index=index, dtype=dtype or "object")

    return pd.DataFrame(
        {
            "kind": column([r.kind for r in readings], "string"),
            "clarity": column([r.clarity for r in readings], "string"),
            "voice": column([r.voice for r in readings], "string"),
            "jargon": column([r.jargon for r in readings]),
            "flag_codes": column([r.flag_codes for r in readings]),
            "explanation": column([r.explanation for r in readings], "string"),
        },
        index=index,
    )


def clear_outcome_mask(texts: Iterable | pd.Series) -> np.ndarray:
    """Return, for each statement, whether it reads as a clear outcome (fast: distinct texts once)."""
    codes, distinct = _distinct(texts)
    clear = np.array(
        [(r := analyse(t)).kind == "outcome" and r.clarity == "clear" for t in distinct], dtype=bool
    )
    return clear.take(codes) if len(codes) else np.zeros(0, dtype=bool)


#: Columns of :func:`statement_flags_for_outcomes`.
FLAG_COLUMNS: tuple[str, ...] = ("outcome_id", "flag", "title", "explanation", "prompt", "rank")


_SENTENCE = re.compile(r"[^.?!]+[.?!]*")


def flag_advice(explanation: str | pd.Series, prompt: str | pd.Series) -> str | pd.Series:
    """Return what a flag means, then its coaching question(s), as one plain-words sentence pair.

    A prompt's sentences that are not questions ("This describes a service.") restate the
    explanation, so only its questions follow it. Works on strings or on Series of them.
    """
    if isinstance(prompt, pd.Series):
        questions = prompt.map(_questions)
        return explanation.str.strip() + " " + questions
    return f"{str(explanation).strip()} {_questions(prompt)}"


def _questions(prompt: str) -> str:
    found = [m.strip() for m in _SENTENCE.findall(str(prompt)) if m.strip().endswith("?")]
    return " ".join(found) if found else str(prompt).strip()


@lru_cache(maxsize=1 << 16)
def _flags_of(text: str) -> tuple[Flag, ...]:
    # Remembered per text: the team lead's list reads the same team's statements at every filter change.
    return analyse(text).flags


def statement_flags_for_outcomes(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Return one row per flag raised by each outcome's statement, for supervision and attention lists.

    ``outcomes`` needs ``outcome_id`` and ``statement``. Columns: outcome_id, flag (the code),
    title, explanation, prompt and rank (1 is what most needs work); rows keep the outcomes'
    order, and within an outcome the most pressing flag comes first.
    """
    for name in ("outcome_id", "statement"):
        if name not in outcomes.columns:
            raise KeyError(
                f"statement flags need an {name!r} column; the outcomes have {list(outcomes.columns)}"
            )
    codes, distinct = _distinct(outcomes["statement"])
    per_text = [_flags_of(t) for t in distinct]
    rows = []
    for outcome_id, code in zip(outcomes["outcome_id"].tolist(), codes.tolist(), strict=True):
        for flag in per_text[code]:
            rows.append((outcome_id, flag.code, flag.title, flag.explanation, flag.prompt, flag.rank))
    frame = pd.DataFrame(rows, columns=list(FLAG_COLUMNS))
    frame["rank"] = frame["rank"].astype("int64")
    return frame


def needs_work_order(readings: pd.DataFrame) -> pd.Series:
    """Return a score per reading: lower means it needs work more (empty, then process, then vague).

    Used to rank a team's statements: the most pressing flag first, then the number of flags.
    """
    ranks = {code: flag.rank for code, flag in FLAGS.items()}
    best = readings["flag_codes"].map(lambda codes: min((ranks[c] for c in codes), default=99))
    count = readings["flag_codes"].map(len)
    return best * 100 - count


# ---------------------------------------------------------------------------------------------
# The labelled statements the rules are measured on.

#: Hand-labelled statements: tune.csv (tuned on), heldback.csv and heldback-2.csv (never tuned on).
LABELLED_DIR = DATA_DIR / "statements" / "labelled"


def labelled_statements() -> pd.DataFrame:
    """Return the labelled statements from every file, with their ``split`` (tune or heldback)."""
    frames = [
        pd.read_csv(path, dtype=str, keep_default_na=False) for path in sorted(LABELLED_DIR.glob("*.csv"))
    ]
    return pd.concat(frames, ignore_index=True)


def train_learned_kind(labelled: pd.DataFrame | None = None) -> LearnedKind:
    """Train the learned kind on the tune statements only (``split == tune``), as the reader reads them."""
    labelled = labelled_statements() if labelled is None else labelled
    tune = labelled[labelled["split"] == "tune"]
    files = sorted(p.name for p in LABELLED_DIR.glob("*.csv") if p.name.startswith("tune"))
    return learned_kind.train(
        [prepared(t) for t in tune["statement"]],
        (tune["kind"] == "process").tolist(),
        about={"files": files},
    )


def _precision_recall(truth: pd.Series, guess: pd.Series, label: str) -> tuple[float, float]:
    predicted, actual = guess == label, truth == label
    hit = int((predicted & actual).sum())
    precision = hit / int(predicted.sum()) if predicted.any() else float("nan")
    recall = hit / int(actual.sum()) if actual.any() else float("nan")
    return precision, recall


#: The label of the field ``clear_outcome`` in :func:`score_labelled`: read as an outcome *and* clear.
CLEAR_OUTCOME = "clear outcome"


def _clear_outcome(kind: pd.Series, clarity: pd.Series) -> pd.Series:
    both = (kind.astype(object) == "outcome") & (clarity.astype(object).fillna("") == "clear")
    return both.map({True: CLEAR_OUTCOME, False: "other"})


def score_labelled(labelled: pd.DataFrame) -> pd.DataFrame:
    """Return accuracy, and precision and recall per label, for kind, clarity and voice, by split.

    Clarity is scored on the statements labelled as outcomes (for a process it is not asked);
    a labelled outcome read as a process counts as a clarity miss. The field ``clear_outcome``
    scores every statement on one question, "is it a clear outcome?" (label
    :data:`CLEAR_OUTCOME` or ``other``): its precision is the share of statements read as clear
    outcomes that were labelled so, which is what a practitioner told "this is clear" relies on.
    Columns: split, field, label, precision, recall, accuracy, n.
    """
    readings = analyse_statements(labelled["statement"])
    rows = []
    for split, part in labelled.groupby("split", sort=True):
        got = readings.loc[part.index]
        outcomes = part["kind"] == "outcome"
        for name, truth, guess in (
            (
                "clear_outcome",
                _clear_outcome(part["kind"], part["clarity"]),
                _clear_outcome(got["kind"], got["clarity"]),
            ),
            ("kind", part["kind"], got["kind"].astype(object)),
            (
                "clarity",
                part.loc[outcomes, "clarity"],
                got.loc[outcomes, "clarity"].astype(object).fillna(""),
            ),
            ("voice", part["voice"], got["voice"].astype(object)),
        ):
            accuracy = float((truth == guess).mean()) if len(truth) else float("nan")
            for label in sorted(set(truth)):
                precision, recall = _precision_recall(truth, guess, label)
                rows.append((split, name, label, precision, recall, accuracy, len(truth)))
    return pd.DataFrame(rows, columns=["split", "field", "label", "precision", "recall", "accuracy", "n"])


# ---------------------------------------------------------------------------------------------
# A team's statements, ranked by what most needs work.

#: Columns of :func:`team_statements`.
TEAM_COLUMNS: tuple[str, ...] = (
    "outcome_id",
    "child_id",
    "worker_id",
    "plan_type",
    "domain",
    "statement",
    "kind",
    "clarity",
    "voice",
    "flag_titles",
    "prompt",
    "needs_work",
)
