"""Read an Ofsted ILACS Annex A workbook into a :class:`ParsedFile` (DESIGN.md section 5).

Annex A is one XLSX workbook with a sheet per list: 1 contacts, 2 early help, 3 referrals,
4 assessments, 5 section 47 enquiries and ICPCs, 6 children in need, 7 child protection plans,
8 children in care, 9 care leavers, 10 adoption and 11 adopters. :func:`parse_annex_a` gives:

* ``tables["annex_a_list_1"]`` ... ``["annex_a_list_11"]``: the accepted rows of each list, as
  text with canonical snake_case columns (:data:`ANNEX_A_LISTS`) and ``source_row``, the row
  number in the sheet. Dates are ISO ``YYYY-MM-DD``; coded values are the codes the alias
  table (``data/statutory/annex_a_aliases.yaml``) maps them to.
* ``read[table]``: the non-empty rows read below the header. Every one is either accepted or
  rejected: ``read == accepted + distinct rejected rows`` for each list table.
* ``rejections``: one :class:`Rejection` per problem, precise to sheet, row and column. Besides
  the list tables, two report-only tables carry findings that are not about one data row:

  - ``annex_a_workbook``: sheets that are not lists, lists with no sheet, empty sheets, rows
    skipped above a header, headers the alias table does not know (their column is not read),
    expected columns that are missing, and values under a column with no header;
  - ``annex_a_children``: a child described differently by two lists (sex, ethnicity, birth
    month or disability); the child's value is then left unknown rather than picked.
* ``children``: one row per child in lists 1 to 10 (adopters in list 11 are adults and are not
  children): child_id, birth_month, sex (M/F/U), ethnicity (DfE code or ""), disability
  (Y/N, or "" where no list with a disability column says).

Privacy (DESIGN.md section 7): Annex A dates of birth are personal data, so no table keeps
them: the lists and ``children`` keep ``birth_month`` (YYYY-MM) only, and the age is cut to
whole years, because a fractional age such as 6.1383 years rebuilds the exact date of birth.

Decisions, so that nothing is guessed:

* Only the id (Child Unique ID; the adopter's id in List 11) is required. Any other blank cell
  is kept as "" (a blank is missing, not unmatched).
* A row is rejected only when its id, or a field a measure reads, cannot be used. The fields
  measures read are the child's characteristics (sex, ethnicity, date of birth, disability),
  which feed the store's children and every breakdown by them; no measure reads another
  Annex A column (``AnnexAColumn.measured`` declares this, and a test checks it against the
  measures). Anywhere else, a value the alias table cannot match, a date that cannot be read,
  an Excel error (#N/A) or a formula is *blanked*: the row is kept with the field empty, and
  the value is reported in ``ParsedFile.blanked``. A formula is still never evaluated.
* Headers not in the alias table are reported and their columns left out: the store tables
  have a fixed schema. The option letters of Annex A drop-downs ("b) Female") are ignored.
* Lists 8, 9, 10 and 11 hold one row per child (adopter). There a repeated id rejects every row
  carrying it, since choosing one would be a guess. Lists 1 to 7 hold a row per contact,
  referral, assessment, enquiry, episode or plan, so a child may rightly appear more than once.
* Two columns meaning one field (say "Gender" and the 2026 "Sex") must agree, row by row.

Safety: the workbook is opened read-only with formulas left as formulas (``data_only=False``)
and external links not loaded. A formula is never evaluated and never trusted as a value: the
row is rejected. A file that is not an XLSX workbook raises :class:`AnnexAError`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import yaml
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from workbench.core.codes import DATA_DIR, code_list
from workbench.imports.report import BLANKED, NOTED, ParsedFile, Rejection

#: The alias table an authority edits: header spellings and coded-value spellings.
ALIASES_PATH = DATA_DIR / "statutory" / "annex_a_aliases.yaml"
KIND = "annex-a"
#: Report-only tables (see the module docstring); they never hold accepted rows.
WORKBOOK_TABLE = "annex_a_workbook"
CHILDREN_TABLE = "annex_a_children"
#: The header row is the first row naming the list's id column within this many rows.
HEADER_SEARCH_ROWS = 10
CHILD_COLUMNS = ["child_id", "birth_month", "sex", "ethnicity", "disability"]

_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
# "List 1", "list1", "List_1 - Contacts", "L1 contacts", "Annex A List 10": the number decides.
_LIST_SHEET = re.compile(r"^\s*(?:annex[\s_\-]*a[\s_\-:]*)?l(?:ist)?[\s_\-.#:]*0*(\d{1,3})(?!\d)", re.I)
# Annex A templates put an option letter before each choice: "a) Male", "k) APKN", "p1) ...".
_OPTION_LETTER = re.compile(r"^\s*[a-z]{1,2}\d?\)\s*(.*)$", re.I | re.S)
# A value led by its code: "6: Police", "N1 - Abuse or Neglect", "U6: Foster placement - not FFA".
# Only ":" or a dash may follow the code; a bare space would turn "B and B" into code B.
_CODE_LED = re.compile(r"^\s*([A-Za-z0-9]{1,6})\s*(?:[:\-\u2013\u2014].*)?$", re.S)
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s*([0-9][A-Z]{2}))?$")
_EXCEL_LAST_SERIAL = 2958465  # 9999-12-31, the last date Excel can hold

_EXPECTS = {
    "date": "a date: an Excel date, dd/mm/yyyy or yyyy-mm-dd",
    "birth_month": "a date of birth: an Excel date, dd/mm/yyyy or yyyy-mm-dd",
    "age": "an age in years: a number, 0 or more",
    "int": "a whole number, 0 or more",
    "postcode": "a UK postcode such as 'AB1 2CD' (or its first half, 'AB1')",
}


class AnnexAError(ValueError):
    """The file cannot be read as an Annex A workbook at all; the message names the file."""


# --------------------------------------------------------------------------------------------
# The statutory format: which columns each list has, and of which kind
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnexAColumn:
    """One canonical column of a list table.

    ``kind`` is one of: ``id`` (required), ``text``, ``date``, ``birth_month`` (read from a
    date of birth, kept as YYYY-MM), ``age`` (whole years), ``int``, ``postcode`` and ``code``
    (a value list in the alias table, named by ``values``). ``headers`` names the alias-table
    entry holding the header spellings, when it differs from ``name``. ``measured`` says that a
    measure reads the column, so a value that cannot be used there rejects the row, as a bad
    id does; elsewhere the value is blanked and the row kept.
    """

    name: str
    kind: str = "text"
    values: str | None = None
    headers: str | None = None
    measured: bool = False

    @property
    def needed(self) -> bool:
        """Whether the row cannot be kept without a usable value here (the id, or a measured field)."""
        return self.kind == "id" or self.measured

    @property
    def header_key(self) -> str:
        """The ``headers:`` entry in the alias table for this column."""
        return self.headers or self.name


@dataclass(frozen=True)
class AnnexAList:
    """One Annex A list: its number, title, canonical columns and whether rows are per person."""

    number: int
    title: str
    columns: tuple[AnnexAColumn, ...]
    #: True where the guidance asks for one row per child (or adopter): a repeated id is then
    #: an error. False where a child can rightly appear once per contact, referral, plan...
    one_row_per_person: bool = False

    @property
    def table(self) -> str:
        """The store table name, ``annex_a_list_<number>``."""
        return f"annex_a_list_{self.number}"

    @property
    def id_column(self) -> AnnexAColumn:
        """The column identifying the person (Child Unique ID, or the adopter's id in List 11)."""
        return self.columns[0]

    @property
    def column_names(self) -> list[str]:
        """Canonical column names, in table order."""
        return [c.name for c in self.columns]

    @property
    def is_child_list(self) -> bool:
        """Whether the rows describe children (lists 1 to 10; List 11 is adopters)."""
        return self.id_column.name == "child_id"


def _col(
    name: str,
    kind: str = "text",
    values: str | None = None,
    headers: str | None = None,
    measured: bool = False,
) -> AnnexAColumn:
    return AnnexAColumn(name, kind, values, headers, measured)


def _dates(*names: str) -> tuple[AnnexAColumn, ...]:
    return tuple(_col(n, "date") for n in names)


_CHILD = _col("child_id", "id")
# The child's characteristics are measured: they become the store's children, which every
# breakdown (by sex, ethnicity, age band, disability) reads.
_SEX = _col("sex", "code", "sex", measured=True)
_ETHNICITY = _col("ethnicity", "code", "ethnicity", measured=True)
_BIRTH_MONTH = _col("birth_month", "birth_month", headers="date_of_birth", measured=True)
_AGE = _col("age_years", "age")
_COMMON = (_CHILD, _SEX, _ETHNICITY, _BIRTH_MONTH, _AGE)
_DISABILITY = _col("disability", "code", "yes_no_unknown", measured=True)
_WORKER = (_col("allocated_team"), _col("allocated_worker"))

#: The eleven lists, from the published Annex A guidance and the liia sample workbook.
ANNEX_A_LISTS: dict[int, AnnexAList] = {
    spec.number: spec
    for spec in (
        AnnexAList(
            1, "contacts", (*_COMMON, _col("contact_date", "date"), _col("contact_source", "code", "source"))
        ),
        AnnexAList(
            2,
            "early help",
            (
                *_COMMON,
                *_dates("eh_assessment_start_date", "eh_assessment_completion_date"),
                _col("eh_organisation"),
            ),
        ),
        AnnexAList(
            3,
            "referrals",
            (
                *_COMMON,
                _col("referral_date", "date"),
                _col("referral_source", "code", "source"),
                _col("referral_nfa", "code", "yes_no"),
                _col("referrals_last_12_months", "int"),
                *_WORKER,
            ),
        ),
        AnnexAList(
            4,
            "assessments",
            (
                *_COMMON,
                _DISABILITY,
                _col("assessment_start_date", "date"),
                _col("child_seen_during_assessment", "code", "yes_no_unknown"),
                _col("assessment_authorisation_date", "date"),
                _col("assessed_as_needing_support", "code", "yes_no_unknown"),
                *_WORKER,
            ),
        ),
        AnnexAList(
            5,
            "section 47 enquiries and ICPCs",
            (
                *_COMMON,
                _DISABILITY,
                _col("strategy_discussion_date", "date"),
                _col("icpc_unnecessary", "code", "yes_no"),
                _col("icpc_date", "date"),
                _col("icpc_led_to_cp_plan", "code", "yes_no"),
                _col("s47_enquiries_last_12_months", "int"),
                _col("icpcs_last_12_months", "int"),
                *_WORKER,
            ),
        ),
        # A child may have had more than one episode of need in the period, so ids may repeat.
        AnnexAList(
            6,
            "children in need",
            (
                *_COMMON,
                _DISABILITY,
                _col("cin_start_date", "date"),
                _col("primary_need", "code", "need_code"),
                *_dates("last_seen_date", "cin_closure_date"),
                _col("closure_reason", "code", "closure_reason"),
                _col("case_status", "code", "case_status"),
                *_WORKER,
            ),
        ),
        # A plan can end and a new one start within the period: one row per plan, ids may repeat.
        AnnexAList(
            7,
            "child protection plans",
            (
                *_COMMON,
                _DISABILITY,
                _col("cp_plan_start_date", "date"),
                _col("initial_abuse_category", "code", "abuse_category"),
                _col("latest_abuse_category", "code", "abuse_category"),
                _col("last_statutory_visit_date", "date"),
                _col("seen_alone", "code", "yes_no_unknown"),
                *_dates("latest_review_conference_date", "cp_plan_end_date"),
                _col("emergency_protection_last_6_months", "code", "yes_no"),
                _col("previous_cp_plans", "int"),
                *_WORKER,
            ),
        ),
        # One row per child: the columns summarise the child's care (placements in the last 12
        # months, most recent placement, "second or subsequent period" as a Y/N), so a repeated
        # id means two competing descriptions of one child, not two episodes.
        AnnexAList(
            8,
            "children in care",
            (
                *_COMMON,
                _col("uasc_last_12_months", "code", "yes_no"),
                _DISABILITY,
                _col("looked_after_start_date", "date"),
                _col("category_of_need", "code", "need_code"),
                _col("second_period_last_12_months", "code", "yes_no"),
                _col("legal_status_start_date", "date"),
                _col("legal_status", "code", "legal_status"),
                *_dates("latest_review_date", "last_social_work_visit_date"),
                _col("permanence_plan", "code", "permanence_plan"),
                *_dates("last_iro_contact_date", "last_health_assessment_date", "last_dental_check_date"),
                _col("placements_last_12_months", "int"),
                _col("ceased_looked_after_date", "date"),
                _col("reason_ceased", "code", "reason_ceased"),
                _col("placement_start_date", "date"),
                _col("placement_type", "code", "placement_type"),
                _col("placement_provider", "code", "placement_provider"),
                _col("placement_postcode", "postcode"),
                _col("placement_urn"),
                _col("placement_location", "code", "placement_location"),
                _col("placement_la"),
                _col("missing_episodes_last_12_months", "int"),
                _col("absent_episodes_last_12_months", "int"),
                _col("return_interview_offered", "code", "yes_no_unknown"),
                _col("return_interview_accepted", "code", "yes_no_unknown"),
                *_WORKER,
            ),
            one_row_per_person=True,
        ),
        AnnexAList(
            9,
            "care leavers",
            (
                *_COMMON,
                _col("uasc", "code", "yes_no"),
                _DISABILITY,
                *_WORKER,
                _col("personal_adviser"),
                _col("eligibility_category", "code", "eligibility_category"),
                _col("pathway_plan_review_date", "date"),
                _col("la_in_touch", "code", "in_touch"),
                _col("latest_contact_date", "date"),
                _col("accommodation_type", "code", "accommodation_type"),
                _col("accommodation_suitable", "code", "accommodation_suitable"),
                _col("activity_status", "code", "activity_status"),
            ),
            one_row_per_person=True,
        ),
        AnnexAList(
            10,
            "adoption",
            (
                *_COMMON,
                _col("family_id"),
                _DISABILITY,
                *_dates(
                    "entered_care_date",
                    "adoption_decision_date",
                    "placement_order_date",
                    "matching_date",
                    "placed_for_adoption_date",
                    "adoption_order_date",
                    "no_longer_adoption_decision_date",
                ),
                _col("no_longer_adoption_reason", "code", "no_longer_adoption_reason"),
                _col("ffa_placement_date", "date"),
            ),
            one_row_per_person=True,
        ),
        AnnexAList(
            11,
            "adopters",
            (
                _col("adopter_id", "id"),
                _col("family_id"),
                # Adopters are adults: their characteristics become no child's, and no measure reads them.
                _col("sex", "code", "sex"),
                _col("ethnicity", "code", "ethnicity"),
                _col("disability", "code", "yes_no_unknown"),
                _col("fostering_for_adoption", "code", "yes_no"),
                *_dates(
                    "enquiry_date",
                    "stage_1_start_date",
                    "stage_1_end_date",
                    "stage_2_start_date",
                    "stage_2_end_date",
                    "application_date",
                    "approval_date",
                    "adopter_matched_date",
                    "children_placed_date",
                ),
                _col("children_placed", "int"),
                *_dates("adoption_order_date", "left_process_date"),
                _col("left_process_reason", "code", "left_process_reason"),
            ),
            one_row_per_person=True,
        ),
    )
}


# --------------------------------------------------------------------------------------------
# The alias table (data/statutory/annex_a_aliases.yaml)
# --------------------------------------------------------------------------------------------


def match_key(text: str) -> str:
    """Return ``text`` folded for matching: case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


@dataclass(frozen=True)
class ValueList:
    """A coded value list: its codes and every spelling that means one of them."""

    name: str
    codes: tuple[str, ...]
    spellings: dict[str, str]  # match_key(spelling) -> code; includes the codes themselves
    code_keys: dict[str, str] = field(default_factory=dict)  # match_key(code) -> code

    def match(self, text: str) -> str | None:
        """Return the code ``text`` means, or None. Never guesses beyond the listed spellings."""
        candidates = [text]
        lettered = _OPTION_LETTER.match(text)
        if lettered:
            candidates.append(lettered.group(1))
        for candidate in candidates:
            code = self.spellings.get(match_key(candidate))
            if code is not None:
                return code
            led = _CODE_LED.match(candidate)
            if led and match_key(led.group(1)) in self.code_keys:
                return self.code_keys[match_key(led.group(1))]
        return None

    def describe(self) -> str:
        """Describe the list for a rejection: its codes, shortened when long."""
        shown = ", ".join(self.codes[:12]) + (", ..." if len(self.codes) > 12 else "")
        return f"a {self.name} value: one of {shown}"


@dataclass(frozen=True)
class AliasTable:
    """Header and value spellings, as read from the alias file."""

    path: Path
    headers: dict[str, tuple[str, ...]]  # canonical column -> header texts, the guidance's first
    values: dict[str, ValueList]

    def official_header(self, column: AnnexAColumn) -> str:
        """Return the header the guidance uses for ``column`` (the first spelling in the table)."""
        return self.headers[column.header_key][0]

    def header_map(self, spec: AnnexAList) -> dict[str, str]:
        """Return ``{match_key(header text): canonical column}`` for the columns of ``spec``."""
        found: dict[str, str] = {}
        for column in spec.columns:
            for text in self.headers[column.header_key]:
                key = match_key(text)
                if found.get(key, column.name) != column.name:
                    raise ValueError(
                        f"{self.path}: header {text!r} means both {found[key]!r} and {column.name!r} "
                        f"in List {spec.number}; keep it under one of them"
                    )
                found[key] = column.name
        return found


def _strings(path: Path, where: str, entries: Any) -> tuple[str, ...]:
    # YAML reads an unquoted Yes/No as a boolean and 1 as a number: refuse rather than misread.
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise ValueError(f"{path}: {where} must be a list of quoted texts, found {entries!r}")
    return tuple(entries)


def _value_list(path: Path, name: str, entry: Any) -> ValueList:  # noqa: C901
    if not isinstance(entry, dict) or not isinstance(entry.get("codes", {}), dict):
        raise ValueError(f"{path}: values: {name} must be a mapping with 'codes'")
    spellings: dict[str, str] = {}
    codes: list[str] = []

    def add(code: str, spelling: str) -> None:
        key = match_key(spelling)
        if spellings.get(key, code) != code:
            raise ValueError(
                f"{path}: values: {name}: {spelling!r} means both {spellings[key]!r} and {code!r}"
            )
        spellings[key] = code

    if "codes_from" in entry:
        # The project's own code list is the source of truth for these codes and labels.
        for row in code_list(str(entry["codes_from"])):
            codes.append(row["code"])
            add(row["code"], row["code"])
            add(row["code"], row["label"])
    for code, aliases in entry.get("codes", {}).items():
        if not isinstance(code, str):
            raise ValueError(f"{path}: values: {name}: code {code!r} must be quoted")
        if "codes_from" in entry and code not in codes:
            raise ValueError(
                f"{path}: values: {name}: {code!r} is not in data/codes/{entry['codes_from']}.csv"
            )
        if code not in codes:
            codes.append(code)
        add(code, code)
        for spelling in _strings(path, f"values: {name}: {code}", aliases if aliases is not None else []):
            add(code, spelling)
    code_keys = {match_key(c): c for c in codes if re.fullmatch(r"[A-Za-z0-9]{1,6}", c)}
    return ValueList(name, tuple(codes), spellings, code_keys)


def load_aliases(path: Path | None = None) -> AliasTable:
    """Read and check the alias table (by default ``data/statutory/annex_a_aliases.yaml``).

    Raises ValueError naming the file when an entry is malformed, when a column of
    :data:`ANNEX_A_LISTS` has no header spellings, or when one spelling means two things.
    """
    path = Path(path) if path is not None else ALIASES_PATH
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict) or not isinstance(loaded.get("headers"), dict):
        raise ValueError(f"{path}: expected a mapping with 'headers' and 'values'")
    headers = {
        str(name): _strings(path, f"headers: {name}", texts) for name, texts in loaded["headers"].items()
    }
    values = {
        str(name): _value_list(path, str(name), entry) for name, entry in (loaded.get("values") or {}).items()
    }
    table = AliasTable(path, headers, values)
    for spec in ANNEX_A_LISTS.values():
        for column in spec.columns:
            if not headers.get(column.header_key):
                raise ValueError(
                    f"{path}: no header spellings for {column.header_key!r} (List {spec.number})"
                )
            if column.kind == "code" and column.values not in values:
                raise ValueError(
                    f"{path}: no value list {column.values!r} (List {spec.number}, {column.name})"
                )
        table.header_map(spec)  # raises on a spelling that means two columns of one list
    return table


# --------------------------------------------------------------------------------------------
# Cells and values
# --------------------------------------------------------------------------------------------

Cell = tuple[Any, str]  # (value, openpyxl data_type): "f" formula, "e" error, "s" text, ...


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: Any) -> str:
    """Return a cell value as the text a person would read in the cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = getattr(value, "text", None)  # an openpyxl ArrayFormula or DataTableFormula
    return str(text if isinstance(text, str) else value)


def _iso_date(value: Any, epoch: datetime) -> str | None:
    """Return ``value`` as an ISO date, or None when it is not a date Annex A could mean."""
    day: date | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # An Excel date stored as a plain serial number (the cell lost its date format).
        if math.isfinite(value) and 1 <= value <= _EXCEL_LAST_SERIAL:
            converted = from_excel(value, epoch)
            day = converted.date() if isinstance(converted, datetime) else None
    elif isinstance(value, str):
        text = value.strip()
        dmy, iso = _DMY.match(text), _ISO.match(text)
        try:
            if dmy:
                day = date(int(dmy.group(3)), int(dmy.group(2)), int(dmy.group(1)))
            elif iso:
                day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:  # 31/02/2020 and the like
            day = None
    # Two-digit years, words and times are refused rather than guessed at.
    if day is None or not 1900 <= day.year <= 2100:
        return None
    return day.isoformat()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
        return float(value)
    return None


def _convert(  # noqa: C901
    column: AnnexAColumn, value: Any, aliases: AliasTable, epoch: datetime
) -> tuple[str, str | None]:
    """Return (canonical text, None) for a good value, or ("", what was expected) for a bad one."""
    kind = column.kind
    if _blank(value):
        if kind == "id":
            return "", "an id: a row cannot be matched to a person without one"
        return "", None  # a blank is not a guess: it is kept as ""
    if kind == "id":
        if isinstance(value, float) and not value.is_integer():
            return "", "an id: text or a whole number"
        return _as_text(value).strip(), None
    if kind == "text":
        return " ".join(_as_text(value).split()), None  # also folds the non-breaking spaces seen in names
    if kind in {"date", "birth_month"}:
        iso = _iso_date(value, epoch)
        if iso is None:
            return "", _EXPECTS[kind]
        return (iso[:7] if kind == "birth_month" else iso), None
    if kind in {"age", "int"}:
        number = _number(value)
        if number is None or number < 0 or (kind == "int" and not number.is_integer()):
            return "", _EXPECTS[kind]
        return str(math.floor(number)), None
    if kind == "postcode":
        found = _POSTCODE.match(" ".join(_as_text(value).upper().split()))
        if not found:
            return "", _EXPECTS[kind]
        return " ".join(part for part in found.groups() if part), None
    values = aliases.values[str(column.values)]
    code = values.match(" ".join(_as_text(value).split()))
    if code is None:
        return (
            "",
            f"{values.describe()} (or a spelling listed under values: {values.name} in {aliases.path.name})",
        )
    return code, None


# --------------------------------------------------------------------------------------------
# Reading a workbook
# --------------------------------------------------------------------------------------------


def annex_a_list_number(sheet_name: str) -> int | None:
    """Return the list number a sheet name gives ("List_3 - Referrals" -> 3), or None."""
    found = _LIST_SHEET.match(sheet_name)
    return int(found.group(1)) if found else None


def _open_workbook(path: Path) -> Any:
    if not path.is_file():
        raise AnnexAError(f"{path}: no such file")
    if path.suffix.lower() not in _XLSX_SUFFIXES:
        raise AnnexAError(
            f"{path.name}: an Annex A workbook must be an .xlsx file, not {path.suffix or 'no extension'}"
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise AnnexAError(
            f"{path.name} is an old-style .xls workbook or a password-protected file: "
            "save it as an unprotected .xlsx workbook"
        )
    if not head.startswith(b"PK"):
        raise AnnexAError(
            f"{path.name} is not an XLSX workbook (an .xlsx file is a zip archive; this one starts "
            f"{head[:8]!r}, as a CSV or text file would): open it in Excel and save it as .xlsx"
        )
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged archive; all mean the same
        raise AnnexAError(f"{path.name} is not a valid XLSX workbook: {error}") from error


@dataclass
class _SheetResult:
    spec: AnnexAList
    sheet: str
    read: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Reader:
    """Reads the sheets of one workbook, collecting rejections as it goes."""

    file: str
    aliases: AliasTable
    epoch: datetime
    rejections: list[Rejection] = field(default_factory=list)
    blanked: list[Rejection] = field(default_factory=list)

    def note(self, sheet: str, row: int | None, field_name: str, value: str, expected: str) -> None:
        """Report a finding about the workbook's structure (not about one data row)."""
        where = (self.file, sheet, row, WORKBOOK_TABLE)
        self.rejections.append(Rejection(*where, field_name, value, expected, NOTED))

    def rows(self, sheet: Any, name: str) -> list[tuple[int, tuple[Cell, ...]]]:
        """Return the non-empty rows of ``sheet`` with their spreadsheet row numbers."""
        rows = []
        try:
            sheet.reset_dimensions()  # the stored dimension can be stale: never let it cut rows off
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                values = tuple((cell.value, cell.data_type) for cell in cells)
                if not all(_blank(v) for v, _ in values):
                    rows.append((number, values))
        except Exception as error:  # a damaged sheet part only shows itself while streaming
            raise AnnexAError(f"{self.file} [{name}]: the sheet cannot be read: {error}") from error
        return rows

    def header(
        self, spec: AnnexAList, name: str, rows: list[tuple[int, tuple[Cell, ...]]]
    ) -> tuple[int, dict[int, str]] | None:
        """Find the header: return (last header row, {column index: header text}), or None."""
        id_keys = {match_key(t) for t in self.aliases.headers[spec.id_column.header_key]}
        header_map = self.aliases.header_map(spec)
        for position, (number, cells) in enumerate(rows):
            if number > HEADER_SEARCH_ROWS:
                break
            id_index = next(
                (i for i, (v, _) in enumerate(cells) if isinstance(v, str) and match_key(v) in id_keys), None
            )
            if id_index is None:
                continue
            for skipped_number, skipped in rows[:position]:
                text = " | ".join(_as_text(v).strip() for v, _ in skipped if not _blank(v))
                self.note(
                    name,
                    skipped_number,
                    "",
                    text,
                    f"nothing above the header row (row {number}); this row was skipped",
                )
            top = {i: " ".join(_as_text(v).split()) for i, (v, _) in enumerate(cells) if not _blank(v)}
            below = rows[position + 1] if position + 1 < len(rows) else None
            if below is not None and below[0] == number + 1:
                combined = _two_row_header(top, below[1], id_index, header_map)
                if combined is not None:
                    return below[0], combined
            return number, top
        return None

    def read_sheet(self, spec: AnnexAList, sheet: Any, name: str) -> _SheetResult:  # noqa: C901
        """Read one list sheet: every non-empty row below the header is accepted or rejected."""
        result = _SheetResult(spec, name)
        rows = self.rows(sheet, name)
        if not rows:
            self.note(
                name,
                None,
                "",
                "",
                f"rows for List {spec.number} ({spec.title}): the sheet is empty, 0 rows read",
            )
            return result
        official_id = self.aliases.official_header(spec.id_column)
        found = self.header(spec, name, rows)
        if found is None:
            self.note(
                name,
                None,
                official_id,
                "",
                f"a header row naming the {official_id!r} column within the first {HEADER_SEARCH_ROWS} rows; "
                "none found, so every row of this sheet is rejected",
            )
            for number, _ in rows:
                result.read += 1
                self.rejections.append(
                    Rejection(
                        self.file,
                        name,
                        number,
                        spec.table,
                        official_id,
                        "",
                        f"a header row naming {official_id!r} above this row (none in the first "
                        f"{HEADER_SEARCH_ROWS} rows)",
                    )
                )
            return result
        header_row, texts = found
        sources = self._map_columns(spec, name, header_row, texts)
        data = [(n, cells) for n, cells in rows if n > header_row]
        if not data:
            self.note(
                name,
                header_row,
                "",
                "",
                f"rows for List {spec.number} ({spec.title}) below the header: none, 0 rows read",
            )
        unheaded: dict[int, int] = defaultdict(int)
        pending = []
        for number, cells in data:
            result.read += 1
            for index, (value, _) in enumerate(cells):
                if index not in texts and not _blank(value):
                    unheaded[index] += 1
            pending.append((number, *self._read_row(spec, cells, texts, sources)))
        for index, count in sorted(unheaded.items()):
            self.note(
                name,
                header_row,
                f"column {get_column_letter(index + 1)}",
                "",
                f"a header for column {get_column_letter(index + 1)}: {count} row(s) hold values there, "
                "which were not read",
            )
        if spec.one_row_per_person:
            self._reject_repeats(spec, pending, texts, sources)
        for number, record, problems, blanked in pending:
            if problems:
                # The row is not kept, so every problem in it is a reason it was rejected.
                self.rejections.extend(
                    Rejection(self.file, name, number, spec.table, f, v, e) for f, v, e in problems + blanked
                )
            else:
                result.records.append({"source_row": number, **record})
                self.blanked.extend(
                    Rejection(self.file, name, number, spec.table, f, v, e, BLANKED) for f, v, e in blanked
                )
        return result

    def _map_columns(
        self, spec: AnnexAList, name: str, header_row: int, texts: dict[int, str]
    ) -> dict[str, list[int]]:
        header_map = self.aliases.header_map(spec)
        sources: dict[str, list[int]] = defaultdict(list)
        for index, text in texts.items():
            column = header_map.get(match_key(text))
            if column is not None:
                sources[column].append(index)
                continue
            known = {match_key(t): t for c in spec.columns for t in self.aliases.headers[c.header_key]}
            closest = difflib.get_close_matches(match_key(text), list(known), n=1, cutoff=0.75)
            hint = f"; closest known: {known[closest[0]]!r}" if closest else ""
            self.note(
                name,
                header_row,
                text,
                text,
                f"a List {spec.number} column named as in the Annex A guidance or in {self.aliases.path.name}"
                f"{hint}; column {get_column_letter(index + 1)} was not read",
            )
        for column in spec.columns:
            official = self.aliases.official_header(column)
            if column.name not in sources:
                self.note(
                    name,
                    header_row,
                    official,
                    "",
                    f"a column headed {official!r} in List {spec.number}; it is missing, so it is left blank",
                )
            elif len(sources[column.name]) > 1:
                letters = ", ".join(get_column_letter(i + 1) for i in sources[column.name])
                self.note(
                    name,
                    header_row,
                    official,
                    letters,
                    f"one {official!r} column; columns {letters} all mean it, so a row is accepted only "
                    "where they agree",
                )
        return sources

    def _read_cell(self, column: AnnexAColumn, value: Any, data_type: str) -> tuple[str, str | None]:
        """Return (canonical text, None) for a usable cell, or ("", what was expected)."""
        if data_type == "f" or (isinstance(value, str) and value.startswith("=")):
            return "", "a value, not a formula: formulas are never evaluated; paste the values"
        if data_type == "e":
            return "", "a value, not an Excel error"
        return _convert(column, value, self.aliases, self.epoch)

    def _read_row(
        self, spec: AnnexAList, cells: tuple[Cell, ...], texts: dict[int, str], sources: dict[str, list[int]]
    ) -> tuple[dict[str, str], list[tuple[str, str, str]], list[tuple[str, str, str]]]:
        """Return (record, problems that reject the row, values blanked in a field nothing needs)."""
        record: dict[str, str] = {}
        problems: list[tuple[str, str, str]] = []
        blanked: list[tuple[str, str, str]] = []
        for column in spec.columns:
            indexes = sources.get(column.name, [])
            good: list[str] = []
            found: list[tuple[str, str, str]] = []
            for index in indexes:
                value, data_type = cells[index] if index < len(cells) else (None, "n")
                text, expected = self._read_cell(column, value, data_type)
                if expected is None:
                    good.append(text)
                else:
                    found.append((texts[index], _as_text(value), expected))
            said = [text for text in good if text]  # a blank column next to a filled one says nothing
            if len(set(said)) > 1:
                found.append(
                    (
                        " / ".join(texts[i] for i in indexes),
                        " | ".join(_as_text(cells[i][0]) if i < len(cells) else "" for i in indexes),
                        f"the same value in every column meaning {self.aliases.official_header(column)!r}",
                    )
                )
            elif not indexes and column.kind == "id":
                found.append((self.aliases.official_header(column), "", "an id column"))
            record[column.name] = said[0] if said and not found else ""
            (problems if column.needed else blanked).extend(found)
        return record, problems, blanked

    def _reject_repeats(
        self,
        spec: AnnexAList,
        pending: list[tuple[int, dict[str, str], list[tuple[str, str, str]], list[tuple[str, str, str]]]],
        texts: dict[int, str],
        sources: dict[str, list[int]],
    ) -> None:
        # Which of two rows for one child is right is not ours to guess: reject them all.
        id_name = spec.id_column.name
        rows_by_id: dict[str, list[int]] = defaultdict(list)
        for number, record, _, _ in pending:
            if record[id_name]:
                rows_by_id[record[id_name]].append(number)
        header = (
            texts[sources[id_name][0]]
            if sources.get(id_name)
            else self.aliases.official_header(spec.id_column)
        )
        for number, record, problems, _ in pending:
            others = [n for n in rows_by_id.get(record[id_name], []) if n != number]
            if others:
                problems.append(
                    (
                        header,
                        record[id_name],
                        f"one row per person in List {spec.number} ({spec.title}); this id is also on row(s) "
                        f"{', '.join(map(str, others))}",
                    )
                )


def _two_row_header(
    top: dict[int, str], below: tuple[Cell, ...], id_index: int, header_map: dict[str, str]
) -> dict[int, str] | None:
    """Combine a two-row header, or return None when ``below`` is data, not header.

    The row below is header only if its id cell is blank, it holds nothing but text, and at
    least one of its texts (alone, or after the group heading above it) is a known header.
    A group heading merged across columns shows only in its first cell, so it carries right.
    """
    below_text = {i: " ".join(_as_text(v).split()) for i, (v, _) in enumerate(below) if not _blank(v)}
    if id_index in below_text or any(t != "s" for (v, t) in below if not _blank(v)):
        return None
    width = max([*top, *below_text]) + 1
    combined: dict[int, str] = {}
    heading = ""
    matched = False
    for index in range(width):
        heading = top.get(index, heading)
        sub = below_text.get(index)
        if sub is None:
            if index in top:
                combined[index] = top[index]
            continue
        candidates = [f"{heading} {sub}".strip(), sub, top.get(index, "")]
        hit = next((c for c in candidates if c and match_key(c) in header_map), None)
        matched = matched or hit is not None
        combined[index] = hit or candidates[0]
    return combined if matched else None


def _children(file: str, results: list[_SheetResult]) -> tuple[pd.DataFrame, list[Rejection]]:
    """Build one row per child from the accepted rows of lists 1 to 10, reporting disagreements."""
    first: dict[str, dict[str, tuple[str, str, int]]] = {}
    conflicted: set[tuple[str, str]] = set()
    order: list[str] = []
    rejections = []
    for result in results:
        if not result.spec.is_child_list:
            continue
        has_disability = "disability" in result.spec.column_names
        for record in result.records:
            child = record["child_id"]
            if child not in first:
                first[child] = {}
                order.append(child)
            said = {
                "birth_month": record["birth_month"],
                "sex": record["sex"] if record["sex"] in {"M", "F"} else "",  # U says nothing
                "ethnicity": record["ethnicity"],
                "disability": record["disability"]
                if has_disability and record["disability"] in {"Y", "N"}
                else "",
            }
            for name, value in said.items():
                if not value:
                    continue
                seen = first[child].setdefault(name, (value, result.sheet, record["source_row"]))
                if seen[0] != value:
                    conflicted.add((child, name))
                    rejections.append(
                        Rejection(
                            file,
                            result.sheet,
                            record["source_row"],
                            CHILDREN_TABLE,
                            name,
                            value,
                            f"the same {name} as [{seen[1]}] row {seen[2]} ({seen[0]!r}); the child's {name} "
                            "is left unknown until the lists agree",
                            NOTED,
                        )
                    )
    rows = []
    for child in order:
        row = {"child_id": child}
        for name in CHILD_COLUMNS[1:]:
            value = first[child].get(name, ("",))[0]
            row[name] = "" if (child, name) in conflicted else value
        row["sex"] = row["sex"] or "U"
        rows.append(row)
    return pd.DataFrame(rows, columns=CHILD_COLUMNS).astype("str"), rejections


def _frame(spec: AnnexAList, records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=["source_row", *spec.column_names])
    return frame.astype({"source_row": "int64", **dict.fromkeys(spec.column_names, "str")})


def _note_missing_lists(reader: _Reader, by_number: dict[int, list[str]]) -> None:
    """Note, once, every list the workbook has no sheet for."""
    missing = [f"List {n} ({spec.title})" for n, spec in ANNEX_A_LISTS.items() if n not in by_number]
    if missing:
        which = "a sheet for " + missing[0] if len(missing) == 1 else "sheets for " + ", ".join(missing)
        reader.note("", None, "", "", f"{which}; none found, so nothing was read for them")


def parse_annex_a(path: Path, year: int | None = None, aliases: Path | None = None) -> ParsedFile:
    """Parse an Annex A workbook into a :class:`ParsedFile` of kind ``"annex-a"``.

    ``year`` is the collection year when the caller knows it (the workbook does not say).
    ``aliases`` is an alias table to use instead of ``data/statutory/annex_a_aliases.yaml``.
    Raises :class:`AnnexAError` when the file is not an XLSX workbook, has no sheet named as
    an Annex A list, or has two sheets for one list. Everything else is reported in
    ``rejections``; see the module docstring for the tables and what each report means.
    """
    path = Path(path)
    table = load_aliases(aliases)
    workbook = _open_workbook(path)
    try:
        reader = _Reader(path.name, table, workbook.epoch)
        by_number: dict[int, list[str]] = defaultdict(list)
        for name in workbook.sheetnames:
            number = annex_a_list_number(name)
            if number in ANNEX_A_LISTS:
                by_number[number].append(name)
        if not by_number:
            raise AnnexAError(
                f"{path.name}: no sheet is named as an Annex A list ('List 1' to 'List 11'); "
                f"its sheets are {', '.join(map(repr, workbook.sheetnames)) or 'none'}"
            )
        repeated = {n: names for n, names in by_number.items() if len(names) > 1}
        if repeated:
            clash = "; ".join(
                f"List {n}: {', '.join(map(repr, names))}" for n, names in sorted(repeated.items())
            )
            raise AnnexAError(
                f"{path.name}: more than one sheet for one list ({clash}); keep one sheet per list"
            )
        for name in workbook.sheetnames:
            number = annex_a_list_number(name)
            if number not in ANNEX_A_LISTS:
                what = (
                    f"List {number} is not an Annex A list" if number is not None else "not named as a list"
                )
                reader.note(
                    name,
                    None,
                    "",
                    name,
                    f"a sheet named as an Annex A list ('List 1' to 'List 11'); {what}, so it was not read",
                )
        results = []
        _note_missing_lists(reader, by_number)
        for number, spec in ANNEX_A_LISTS.items():
            if number not in by_number:
                continue
            name = by_number[number][0]
            sheet = workbook[name]
            if not hasattr(sheet, "iter_rows"):  # a chart sheet named like a list
                reader.note(
                    name,
                    None,
                    "",
                    name,
                    f"a worksheet for List {number}; this is a chart sheet, so nothing was read",
                )
                continue
            results.append(reader.read_sheet(spec, sheet, name))
    finally:
        workbook.close()  # read-only workbooks hold the file open until closed
    children, conflicts = _children(path.name, results)
    return ParsedFile(
        path=path,
        kind=KIND,
        year=year,
        tables={r.spec.table: _frame(r.spec, r.records) for r in results},
        read={r.spec.table: r.read for r in results},
        rejections=reader.rejections + conflicts,
        blanked=reader.blanked,
        children=children,
    )
