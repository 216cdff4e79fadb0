"""The ``form_answers:`` section of a mapping: how a long export of form answers becomes tables.

Case-recording systems such as Mosaic keep desired outcomes, their reviews and meetings as
answers on forms, and their reports give one row per question answered. This section of a
mapping file says which column of that export holds what (the form, its type, the question
code and the answer), which form types make which extract table, and, for each extract
column, whether its value comes from a column of the export (the person, the form's date) or
from the answer to a question. ``workbench.imports.form_answers`` does the pivot;
``docs/mosaic-forms.md`` explains the section to a data officer.

Parsing raises ``ValueError`` with a plain message; ``workbench.imports.sources`` names the
mapping file in front of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from workbench.core.model import TABLES_BY_NAME

#: The settings of the section that name a column of the export, with what each holds.
ROLES = {
    "form": "the form's identifier: every row of one filled-in form carries it",
    "form_type": "the kind of form, which decides the table it feeds",
    "question": "the question's code",
    "answer": "the answer, as text",
}


@dataclass(frozen=True)
class FormTable:
    """How the forms of some types become the rows of one extract table."""

    table: str
    form_types: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)  # extract column -> export column
    questions: dict[str, str] = field(default_factory=dict)  # extract column -> question code
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # extract column -> {answer: code}
    ignore_questions: tuple[str, ...] = ()  # answered on these forms, deliberately not loaded

    def source_of(self, column: str) -> str:
        """Return where ``column`` comes from, in words: a question code or an export column."""
        if column in self.questions:
            return f"question {self.questions[column]}"
        if column in self.columns:
            return f"column {self.columns[column]}"
        return "nothing (the mapping names no question for it)"


@dataclass(frozen=True)
class FormAnswerMapping:
    """Where the form-answer export is, what its columns hold, and the tables it makes."""

    source: str  # file stem (CSV) or sheet name (XLSX)
    form: str
    form_type: str
    question: str
    answer: str
    tables: dict[str, FormTable]
    ignore: tuple[str, ...] = ()  # export columns deliberately not loaded
    ignore_form_types: tuple[str, ...] = ()  # form types in the export that feed no table
    date_format: str | None = None  # how dates are written in this export, e.g. "%d/%m/%Y"

    @property
    def required_columns(self) -> list[str]:
        """The export columns the pivot reads, in a stable order."""
        named = [self.form, self.form_type, self.question, self.answer]
        for settings in self.tables.values():
            named += settings.columns.values()
        return list(dict.fromkeys(named))

    def fed_by(self, column: str) -> list[str]:
        """Return the extract columns (``table.column``) the export's ``column`` gives, once per form."""
        return [
            f"{name}.{target}"
            for name, settings in self.tables.items()
            for target, source in settings.columns.items()
            if source == column
        ]

    def table_of_form_type(self) -> dict[str, str]:
        """Return each form type the mapping names, with the table it feeds."""
        return {kind: name for name, t in self.tables.items() for kind in t.form_types}


def _text_list(raw, what: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"{what} should be a list, like [A, B]")
    return tuple(str(item) for item in raw)


def _text_dict(raw, what: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"{what} should map names to names, like {{child_id: PERSON_ID}}")
    return {str(k): str(v) for k, v in raw.items()}


def _check_columns(name: str, settings: FormTable) -> None:
    """Every column named must be the table's, once; every required column must be named."""
    spec = TABLES_BY_NAME[name]
    named = [*settings.columns, *settings.questions]
    for column in [*named, *settings.values]:
        if column not in spec.columns:
            raise ValueError(
                f"form_answers table {name} has no column {column!r}; columns are {', '.join(spec.columns)}"
            )
    twice = sorted({c for c in named if named.count(c) > 1})
    if twice:
        raise ValueError(
            f"form_answers table {name}: {', '.join(twice)} named under both columns and questions"
        )
    missing = [f.name for f in spec.fields if (f.required or f.name in spec.key) and f.name not in named]
    if missing:
        raise ValueError(
            f"form_answers table {name}: the required column(s) {', '.join(missing)} come from no "
            "column and no question; name one under columns: or questions:"
        )
    codes = list(settings.questions.values())
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ValueError(
            f"form_answers table {name}: question(s) {', '.join(repeated)} feed more than one column"
        )


def _form_table(name: str, raw) -> FormTable:
    if name not in TABLES_BY_NAME:
        raise ValueError(f"form_answers: no extract table {name!r}; tables are {', '.join(TABLES_BY_NAME)}")
    if not isinstance(raw, dict):
        raise ValueError(f"form_answers table {name}: expected settings (form_types, columns, questions)")
    form_types = _text_list(raw.get("form_types"), f"form_answers table {name}: form_types")
    if not form_types:
        raise ValueError(f"form_answers table {name}: name at least one form type under form_types")
    values = raw.get("values") or {}
    if not isinstance(values, dict):
        raise ValueError(f"form_answers table {name}: values should map columns to recodes")
    where = f"form_answers table {name}"
    settings = FormTable(
        table=name,
        form_types=form_types,
        columns=_text_dict(raw.get("columns"), f"{where}: columns"),
        questions=_text_dict(raw.get("questions"), f"{where}: questions"),
        values={str(c): _text_dict(r, f"{where}: values of {c}") for c, r in values.items()},
        ignore_questions=_text_list(raw.get("ignore_questions"), f"{where}: ignore_questions"),
    )
    _check_columns(name, settings)
    return settings


def parse_form_answers(raw, date_format: str | None = None) -> FormAnswerMapping:
    """Read the ``form_answers:`` section of a mapping; raise ``ValueError`` saying what is wrong.

    ``date_format`` is the mapping's own, used when the section does not give one.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("tables"), dict) or not raw["tables"]:
        raise ValueError("form_answers: expected a 'tables:' section naming the tables the forms make")
    roles = {}
    for role, meaning in ROLES.items():
        if not raw.get(role):
            raise ValueError(f"form_answers: name the export column that holds {meaning} (setting '{role}:')")
        roles[role] = str(raw[role])
    tables = {str(name): _form_table(str(name), settings) for name, settings in raw["tables"].items()}
    seen: dict[str, str] = {}
    for name, settings in tables.items():
        for kind in settings.form_types:
            if kind in seen:
                raise ValueError(f"form_answers: form type {kind!r} feeds both {seen[kind]} and {name}")
            seen[kind] = name
    own_format = raw.get("date_format", date_format)
    if own_format is not None:
        try:
            dt.datetime(2024, 1, 31).strftime(str(own_format))
        except ValueError as error:
            raise ValueError(f"form_answers: date_format {own_format!r} is not valid ({error})") from error
    return FormAnswerMapping(
        source=str(raw.get("source", "form_answers")),
        tables=tables,
        ignore=_text_list(raw.get("ignore"), "form_answers: ignore"),
        ignore_form_types=_text_list(raw.get("ignore_form_types"), "form_answers: ignore_form_types"),
        date_format=str(own_format) if own_format else None,
        **roles,
    )
