"""Outcomes, reviews and meetings pivoted from a long export of form answers (Mosaic's shape).

A case-recording system keeps a desired outcome as a form, and its report gives one row per
question answered: the person, the form, its type and date, the question code and the answer.
The ``form_answers:`` section of a mapping (:mod:`workbench.imports.form_mapping`) says which
form types make which extract table and which question feeds which column. Here each form
becomes one row of its table, in the order the forms first appear in the export.

The pivot refuses rather than guesses: a form type or a question the mapping does not name, two
answers to one question on one form, and a form whose person or date changes from row to row
are all reported against the row of the export. The pivoted tables are then checked like any
other table, and :func:`trace_problems` turns each problem found back into the export's row,
the question and what was expected, so a data officer can find the answer in the case record.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.core.model import TABLES_BY_NAME, Kind, Table
from workbench.imports.form_mapping import ROLES, FormAnswerMapping, FormTable
from workbench.imports.problems import Problem
from workbench.imports.sources import TEXT, detect_encoding, read_text_csv, read_workbook


@dataclass
class FormRecords:
    """The tables made from the form-answer export, and which export row each value came from."""

    label: str  # the export's file name (or ``workbook.xlsx [sheet]``), as problems name it
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)  # table -> text frame
    #: table -> the export row where each record's form first appears (the record's provenance)
    first_rows: dict[str, np.ndarray] = field(default_factory=dict)
    #: table -> for each extract column, the export row of the answer it came from (0: no answer)
    cell_rows: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    read: bool = True  # False when the export could not be read at all


# ---------------------------------------------------------------------------------------------
# Reading the export


def _read_export(source: Path, forms: FormAnswerMapping, problems: list[Problem],
                 encodings: dict[str, str]) -> tuple[str, pd.DataFrame | None]:  # fmt: skip
    """Return the export's label and its rows as text, or None (with the problem noted)."""
    if source.is_file():
        label = f"{source.name} [{forms.source}]"
        sheets = read_workbook(source)
        if forms.source not in sheets:
            problems.append(Problem(label, None, "", "", f"a sheet named {forms.source!r} holding the form "
                                    f"answers (sheets: {', '.join(sheets)})"))  # fmt: skip
            return label, None
        return label, sheets[forms.source]
    path = source / f"{forms.source}.csv"
    columns = ", ".join(forms.required_columns)
    if not path.exists() or path.stat().st_size == 0:
        state = "to exist" if not path.exists() else "to hold a header row; it is empty"
        problems.append(Problem(path.name, None, "", "", f"the form-answer export {path.name} {state} "
                                f"(one row per question answered, with the columns {columns})"))  # fmt: skip
        return path.name, None
    encoding = detect_encoding(path)
    encodings[path.name] = encoding
    frame = read_text_csv(
        path,
        lambda row, text, expected: problems.append(Problem(path.name, row, "", text, expected)),
        encoding,
    )
    return path.name, frame


def _header_problems(label: str, frame: pd.DataFrame, forms: FormAnswerMapping) -> list[Problem]:
    """Every column the mapping reads must be there; every other column must be listed to ignore."""
    found = []
    meanings = {getattr(forms, role): meaning for role, meaning in ROLES.items()}
    for column in forms.required_columns:
        if column not in frame.columns:
            gives = forms.fed_by(column)
            meaning = meanings.get(column, f"the mapping reads it once per form for {', '.join(gives)}")
            found.append(
                Problem(label, 1, column, "", f"a column named '{column}' in the header ({meaning})")
            )
    allowed = set(forms.required_columns) | set(forms.ignore)
    found += [
        Problem(
            label,
            1,
            column,
            column,
            f"only the columns {', '.join(forms.required_columns)}, or a "
            "column listed under form_answers: ignore in the mapping",
        )
        for column in frame.columns
        if column not in allowed
    ]
    return found


# ---------------------------------------------------------------------------------------------
# Checks on the long rows


@dataclass(frozen=True)
class _Coded:
    """One column of the export with each distinct value kept once: ``words[codes]`` is the column.

    A demo export has near a million answers but only tens of thousands of distinct values, so
    numbering them keeps the pivot's memory near the file's size, and comparing numbers is fast.
    """

    codes: np.ndarray  # for each row, the index of its value in ``words``
    words: np.ndarray  # the distinct values, as Python strings

    @classmethod
    def of(cls, text: pd.Series) -> _Coded:
        codes, words = pd.factorize(text.fillna(""))
        return cls(codes, np.asarray(words, dtype=object))

    def take(self, keep: np.ndarray) -> _Coded:
        return _Coded(self.codes[keep], self.words)

    def values(self, at: np.ndarray | slice = slice(None)) -> np.ndarray:
        return self.words[self.codes[at]]

    def mapped(self, lookup: dict[str, str]) -> np.ndarray:
        """Return, for each row, what ``lookup`` gives for its value (None where it has nothing)."""
        return np.array([lookup.get(word) for word in self.words], dtype=object)[self.codes]

    def where(self, allowed) -> np.ndarray:
        """Return, for each row, whether its value is one of ``allowed``."""
        return pd.Index(self.words).isin(list(allowed))[self.codes]


Columns = dict[str, _Coded]


def _take(columns: Columns, keep: np.ndarray) -> Columns:
    return {name: values.take(keep) for name, values in columns.items()}


def _form_type_problems(label: str, export: Columns, rows: np.ndarray,
                        forms: FormAnswerMapping) -> tuple[list[Problem], np.ndarray]:  # fmt: skip
    """Report rows of a form type the mapping does not name; return them with a mask of the rows kept."""
    kinds = export[forms.form_type]
    named = list(forms.table_of_form_type())
    unknown = ~kinds.where([*named, *forms.ignore_form_types])
    blank_form = export[forms.form].where([""])
    expected = (f"a form type the mapping names ({', '.join(named)}), or one listed under "
                "form_answers: ignore_form_types")  # fmt: skip
    found = [
        Problem(label, int(rows[i]), forms.form_type, kinds.words[kinds.codes[i]], expected)
        for i in np.flatnonzero(unknown)
    ]
    found += [
        Problem(label, int(rows[i]), forms.form, "", "a form identifier: every answer belongs to a form")
        for i in np.flatnonzero(blank_form & ~unknown)
    ]
    return found, ~unknown & ~blank_form & kinds.where(named)


def _formula_problems(label: str, export: Columns, rows: np.ndarray) -> list[Problem]:
    """Never evaluate, never load a formula from a workbook: it could run in someone's spreadsheet later."""
    found = []
    for column, coded in export.items():
        formula = coded.where([word for word in coded.words if word.startswith("=")])
        found += [
            Problem(label, int(rows[i]), column, coded.words[coded.codes[i]], "a value, not a formula")
            for i in np.flatnonzero(formula)
        ]
    return found


def _numbered(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the distinct ``codes``, each row's number (0..n-1, in code order) and each number's first row.

    Codes from ``pd.factorize`` of the whole export are in order of first appearance, so the
    numbers are too.
    """
    distinct, first, numbers = np.unique(codes, return_index=True, return_inverse=True)
    return distinct, numbers.reshape(-1), first


def _steady_problems(
    label: str, export: Columns, rows: np.ndarray, forms: FormAnswerMapping
) -> list[Problem]:
    """Report a form whose type, person or date (any column read once per form) changes from row to row."""
    _, numbers, first = _numbered(export[forms.form].codes)
    form_first = first[numbers]
    found = []
    per_answer = (forms.form, forms.form_type, forms.question, forms.answer)
    for column in [forms.form_type, *(c for c in forms.required_columns if c not in per_answer)]:
        coded = export[column]
        differs = coded.codes != coded.codes[form_first]
        found += [
            Problem(label, int(rows[i]), column, coded.words[coded.codes[i]],
                    f"the same {column} on every row of a form; this form's first row has another")
            for i in np.flatnonzero(differs)
        ]  # fmt: skip
    return found


# ---------------------------------------------------------------------------------------------
# The pivot


@dataclass
class _Part:
    """The answers on the forms of one table, numbered: each form and each question by a code."""

    columns: Columns
    rows: np.ndarray  # the export row of each answer
    forms: np.ndarray  # form numbers, 0..n-1 in order of first appearance
    first: np.ndarray  # the position of each form's first answer
    questions: np.ndarray  # question numbers, indexes into ``asked``
    asked: pd.Index  # the question codes found on these forms

    @classmethod
    def of(cls, columns: Columns, rows: np.ndarray, forms: FormAnswerMapping) -> _Part:
        _, form_numbers, first = _numbered(columns[forms.form].codes)
        question = columns[forms.question]
        distinct, question_numbers, _ = _numbered(question.codes)
        return cls(columns, rows, form_numbers, first, question_numbers, pd.Index(question.words[distinct]))


def _question_problems(label: str, part: _Part, settings: FormTable,
                       forms: FormAnswerMapping) -> tuple[list[Problem], np.ndarray]:  # fmt: skip
    """Report unknown questions and second answers; return them with a mask of the answers to use."""
    named = list(settings.questions.values())
    known = part.asked.isin([*named, *settings.ignore_questions])[part.questions]
    used = part.asked.isin(named)[part.questions]
    expected = (f"a question the mapping names for {settings.table} forms ({', '.join(named)}), "
                "or one listed under its ignore_questions")  # fmt: skip
    found = [Problem(label, int(part.rows[i]), forms.question, part.asked[part.questions[i]], expected)
             for i in np.flatnonzero(~known)]  # fmt: skip
    pair = part.forms.astype(np.int64) * max(len(part.asked), 1) + part.questions
    twice = used & pd.Series(pair).duplicated(keep="first").to_numpy()
    answers = part.columns[forms.answer]
    found += [
        Problem(label, int(part.rows[i]), part.asked[part.questions[i]], answers.words[answers.codes[i]],
                "one answer to each question on a form; this form answered it on an earlier row too")
        for i in np.flatnonzero(twice)
    ]  # fmt: skip
    return found, used & ~twice


def _recoded(
    text: np.ndarray, spec: Table, column: str, settings: FormTable, date_format: str | None
) -> pd.Series:
    """Translate an authority's answer words into codes, and its dates into ISO, as the mapping says."""
    recode = settings.values.get(column)
    if recode:
        # Each distinct answer is looked up once, not once a row.
        codes, words = pd.factorize(text)
        text = np.array([recode.get(w, w) for w in words] + [""], dtype=object)[codes]
    series = pd.Series(text, dtype=TEXT)
    if date_format and spec.field(column).kind is Kind.DATE:
        parsed = pd.to_datetime(series, format=date_format, errors="coerce")
        # Unparseable text stays as written, so the validator names it.
        series = parsed.dt.strftime("%Y-%m-%d").astype(TEXT).where(parsed.notna(), series)
    return series


def _pivot_table(part: _Part, answer_mask: np.ndarray, settings: FormTable, forms: FormAnswerMapping,
                 records: FormRecords) -> None:  # fmt: skip
    """Make one row per form of ``part``: columns read once per form, and the answers to questions."""
    spec = TABLES_BY_NAME[settings.table]
    count = len(part.first)
    answers = part.columns[forms.answer]
    columns, cell_rows = {}, {}
    for column in spec.columns:
        values, sources = np.full(count, "", dtype=object), np.zeros(count, dtype=np.int64)
        if column in settings.columns:
            values = part.columns[settings.columns[column]].values(part.first)
            sources = part.rows[part.first]
        elif column in settings.questions and settings.questions[column] in part.asked:
            hit = answer_mask & (part.questions == part.asked.get_loc(settings.questions[column]))
            values[part.forms[hit]] = answers.values(hit)
            sources[part.forms[hit]] = part.rows[hit]
        columns[column] = _recoded(values, spec, column, settings, forms.date_format)
        cell_rows[column] = sources
    frame = pd.DataFrame(columns, columns=spec.columns).astype(TEXT)
    frame.attrs["source"] = records.label
    records.frames[settings.table] = frame
    records.first_rows[settings.table] = part.rows[part.first]
    records.cell_rows[settings.table] = cell_rows


def _unread(records: FormRecords, forms: FormAnswerMapping) -> FormRecords:
    """Return ``records`` with every table empty: the export could not be read."""
    records.read = False
    for name in forms.tables:
        frame = pd.DataFrame({c: pd.Series([], dtype=TEXT) for c in TABLES_BY_NAME[name].columns})
        frame.attrs.update(source=records.label, unread=True)
        records.frames[name] = frame
    return records


def read_form_answers(source: Path, forms: FormAnswerMapping, problems: list[Problem],
                      encodings: dict[str, str] | None = None) -> FormRecords:  # fmt: skip
    """Read the form-answer export at ``source`` (a folder or an XLSX workbook) into extract tables.

    Problems with the export itself are added to ``problems``. Every table the mapping makes from
    forms is in the result; when the export cannot be read at all they are empty and ``read`` is
    False (rows elsewhere naming them are then counted, not listed, by the validator).
    """
    label, frame = _read_export(Path(source), forms, problems, {} if encodings is None else encodings)
    records = FormRecords(label)
    header = _header_problems(label, frame, forms) if frame is not None else []
    problems += header
    if frame is None or any(p.value == "" for p in header):  # a column the pivot needs is missing
        return _unread(records, forms)
    export = {column: _Coded.of(frame[column]) for column in forms.required_columns}
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)  # spreadsheet rows: the header is row 1
    found, kept = _form_type_problems(label, export, rows, forms)
    if Path(source).is_file():
        found += _formula_problems(label, export, rows)
    export, rows = _take(export, kept), rows[kept]
    found += _steady_problems(label, export, rows, forms)
    which = export[forms.form_type].mapped(forms.table_of_form_type())
    for name, settings in forms.tables.items():
        mine = which == name
        part = _Part.of(_take(export, mine), rows[mine], forms)
        asked, answer_mask = _question_problems(label, part, settings, forms)
        found += asked
        _pivot_table(part, answer_mask, settings, forms, records)
    problems += sorted(found, key=lambda p: p.row or 0)
    return records


# ---------------------------------------------------------------------------------------------
# Problems in the pivoted tables, traced back to the export


def _date_words(date_format: str) -> str:
    """Write a strftime format as a person would: ``%d/%m/%Y`` is DD/MM/YYYY."""
    words = {"%d": "DD", "%m": "MM", "%Y": "YYYY", "%y": "YY", "%b": "Mon", "%B": "Month"}
    for code, word in words.items():
        date_format = date_format.replace(code, word)
    return date_format


def _expected(problem: Problem, spec: Table, settings: FormTable, date_format: str | None) -> str:
    """Say what was expected in the export's own terms: its answer words, its date format."""
    if problem.field not in spec.columns:
        return problem.expected
    fld = spec.field(problem.field)
    expected = problem.expected
    where = f"{spec.name}.{fld.name}"
    translated = settings.values.get(fld.name)
    if translated and fld.kind in (Kind.CODE, Kind.YN) and not expected.startswith("a value"):
        return f"one of the answers the mapping translates for {where}: {', '.join(translated)}"
    if fld.kind is Kind.DATE and date_format and expected == fld.expects:
        expected = f"a date written {_date_words(date_format)}"
    return f"{expected} (for {where})"


def _traced(problem: Problem, records: FormRecords, settings: FormTable, date_format: str | None) -> Problem:
    spec = TABLES_BY_NAME[settings.table]
    if problem.row is None:
        return replace(problem, file=records.label)
    index = problem.row - 2
    column = problem.field
    first = int(records.first_rows[spec.name][index])
    if column not in spec.columns:  # a key of several columns: the form is what can be named
        return replace(problem, file=records.label, row=first)
    answered = int(records.cell_rows[spec.name][column][index])
    field_name = settings.questions.get(column) or settings.columns.get(column) or column
    expected = _expected(problem, spec, settings, date_format)
    if not answered and column in settings.questions:
        expected += "; the form has no answer to this question"
    return Problem(records.label, answered or first, field_name, problem.value, expected)


def trace_problems(
    problems: list[Problem], records: FormRecords | None, forms: FormAnswerMapping | None
) -> list[Problem]:
    """Name the export's row, question and answer words in every problem of a table made from forms.

    A problem in another table that points at one made from forms ("an existing outcome_id from
    outcomes.csv") is reworded to say where those records came from.
    """
    if records is None or forms is None:
        return problems
    by_file = {TABLES_BY_NAME[name].filename: settings for name, settings in forms.tables.items()}
    traced = []
    for problem in problems:
        settings = by_file.get(problem.file)
        if settings is not None and records.read:
            problem = _traced(problem, records, settings, forms.date_format)
        for name in forms.tables:
            if f"from {name}.csv" in problem.expected:
                problem = replace(problem, expected=problem.expected.replace(
                    f"from {name}.csv", f"from the {name} forms in {records.label}"))  # fmt: skip
        traced.append(problem)
    return traced
