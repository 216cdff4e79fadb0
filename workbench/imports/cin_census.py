"""Read a Children in Need (CIN) census XML file into a :class:`ParsedFile` (kind ``"cin"``).

The census is one XML document: ``Message > Header > Children > Child``. Each child has
``ChildIdentifiers``, ``ChildCharacteristics`` and one ``CINdetails`` per referral, which holds
that referral's ``Assessments``, ``CINPlanDates``, ``Section47`` and ``ChildProtectionPlans``
(with their ``Reviews``). Each of those repeated elements is one row here.

Tables (text columns, dates ISO ``YYYY-MM-DD``, plus ``source_row``, the XML line of the row's
element). Every table but ``cin_header`` carries ``child_id``:

- ``cin_header``: the file's one header (collection, year, reference date, LEA, ...).
- ``cin_children``: one row per ``<Child>``. Dates of birth and death are cut to the month
  (DESIGN.md section 7): the full date is checked, then never kept.
- ``cin_referrals``: one row per ``<CINdetails>``; ``referral_id`` is ``child_id:referral_date``
  (so the same referral gets the same id in next year's census), with ``:2``, ``:3`` for
  a second referral of the same child on the same day.
- ``cin_assessments``, ``cin_plans``, ``cin_section47``, ``cin_cp_plans``: one row per
  ``<Assessments>``, ``<CINPlanDates>``, ``<Section47>``, ``<ChildProtectionPlans>``, keyed by
  ``referral_id`` and their own id (``referral_id/A:start``, ``/P:``, ``/S47:``, ``/CPP:``).
- ``cin_cp_reviews``: one row per ``<CPPreviewDate>``, keyed by ``cp_plan_id``.

Rejections. A row whose key or measured value (:data:`NEEDED`) is unreadable (a date that is
not a date, a code that is not in ``data/statutory/cin_census.yaml``) is rejected whole, with
one :class:`Rejection` per problem. Such a value anywhere else is blanked and reported in
``ParsedFile.blanked``, and the row is kept.
A row whose parent row was rejected is rejected too, saying so, so that no accepted row ever
points at a missing parent. ``Rejection.sheet`` is the element's XML path with positions
(``Message/Children/Child[3]/CINdetails[2]``), which finds the row even in a file written on
one line. Problems that reject no row (loose text between elements, elements this importer
does not read) are reported as rejections in the pseudo-table :data:`FILE_NOTES`.

A file that is not CIN census XML at all raises :class:`CinCensusError`. DOCTYPE and entity
declarations are refused before any entity is expanded (XML bombs): the parser is expat, with
handlers that stop at the first declaration.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from workbench.core.codes import DATA_DIR, codes
from workbench.imports.report import BLANKED, FOLLOWS, NOTED, ParsedFile, Rejection

#: The CIN code lists, kept as data with their public sources.
CODES_FILE = DATA_DIR / "statutory" / "cin_census.yaml"

#: Report-only pseudo-table (never in ``tables``, ``read`` 0) for problems that reject no row:
#: loose text between elements, elements not imported, a second <Children>.
FILE_NOTES = "cin_file"

#: Columns of each table, in order; every table also has ``source_row`` (an int) last.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "cin_header": (
        "collection",
        "year",
        "reference_date",
        "lea",
        "source_level",
        "software_code",
        "release",
        "serial_no",
        "date_time",
    ),
    "cin_children": (
        "child_id",
        "upn",
        "former_upn",
        "upn_unknown",
        "birth_month",
        "expected_birth_month",
        "sex",
        "sex_code",
        "sex_element",
        "ethnicity",
        "disability",
        "disabilities",
        "death_month",
    ),
    "cin_referrals": (
        "child_id",
        "referral_id",
        "referral_date",
        "referral_source",
        "primary_need",
        "closure_date",
        "reason_for_closure",
        "date_of_initial_cpc",
        "referral_nfa",
    ),
    "cin_assessments": (
        "child_id",
        "referral_id",
        "assessment_id",
        "start_date",
        "internal_review_date",
        "authorisation_date",
        "factors",
    ),
    "cin_plans": ("child_id", "referral_id", "plan_id", "start_date", "end_date"),
    "cin_section47": (
        "child_id",
        "referral_id",
        "s47_id",
        "start_date",
        "icpc_target_date",
        "icpc_date",
        "icpc_not_required",
    ),
    "cin_cp_plans": (
        "child_id",
        "referral_id",
        "cp_plan_id",
        "start_date",
        "end_date",
        "initial_category",
        "latest_category",
        "number_of_previous_cpp",
    ),
    "cin_cp_reviews": ("child_id", "referral_id", "cp_plan_id", "review_date"),
}

#: The columns, per table, that a key or a measure needs, with the elements they are read from.
#: A value there that cannot be used rejects the row (the header row is always needed: it
#: names the collection year). A value that cannot be used in any other element (a code
#: outside its list, a date that is not a date) is blanked, reported in ``ParsedFile.blanked``,
#: and the row kept. Keys: the child's id and the start date each row's id is made from.
#: Measured: the child's characteristics (every breakdown reads them), the referral date
#: (re-referrals) and a CP plan's start and previous plans (repeat plans). A test checks these
#: against the columns the measures read.
NEEDED: dict[str, dict[str, tuple[str, ...]]] = {
    "cin_children": {
        "child_id": ("LAchildID",),
        "birth_month": ("PersonBirthDate",),
        "sex": ("Sex", "GenderCurrent"),
        "ethnicity": ("Ethnicity",),
        "disability": ("Disability",),
    },
    "cin_referrals": {"referral_id": ("CINreferralDate",), "referral_date": ("CINreferralDate",)},
    "cin_assessments": {
        "assessment_id": ("AssessmentActualStartDate",),
        "start_date": ("AssessmentActualStartDate",),
    },
    "cin_plans": {"plan_id": ("CINPlanStartDate",), "start_date": ("CINPlanStartDate",)},
    "cin_section47": {"s47_id": ("S47ActualStartDate",), "start_date": ("S47ActualStartDate",)},
    "cin_cp_plans": {
        "cp_plan_id": ("CPPstartDate",),
        "start_date": ("CPPstartDate",),
        "number_of_previous_cpp": ("NumberOfPreviousCPP",),
    },
    "cin_cp_reviews": {"review_date": ("CPPreviewDate",)},
}
_NEEDED_ELEMENTS = {
    table: {element for elements in columns.values() for element in elements}
    for table, columns in NEEDED.items()
}

#: The columns of :attr:`ParsedFile.children`.
CHILDREN_COLUMNS = ("child_id", "birth_month", "sex", "ethnicity", "disability")

# The elements this importer reads, by parent. Anything else is reported once per path as a
# file note (for example <PreProceedingsandFGDM>, new in the 2025-26 census).
_KNOWN: dict[str, frozenset[str]] = {
    "Message": frozenset({"Header", "Children"}),
    "Header": frozenset({"CollectionDetails", "Source"}),
    "CollectionDetails": frozenset({"Collection", "Year", "ReferenceDate"}),
    "Source": frozenset({"SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"}),
    "Children": frozenset({"Child"}),
    "Child": frozenset({"ChildIdentifiers", "ChildCharacteristics", "CINdetails"}),
    "ChildIdentifiers": frozenset(
        {
            "LAchildID",
            "UPN",
            "FormerUPN",
            "UPNunknown",
            "PersonBirthDate",
            "ExpectedPersonBirthDate",
            "GenderCurrent",
            "Sex",
            "PersonDeathDate",
        }
    ),
    "ChildCharacteristics": frozenset({"Ethnicity", "Disabilities"}),
    "Disabilities": frozenset({"Disability"}),
    "CINdetails": frozenset(
        {
            "CINreferralDate",
            "ReferralSource",
            "PrimaryNeedCode",
            "CINclosureDate",
            "ReasonForClosure",
            "DateOfInitialCPC",
            "Assessments",
            "CINPlanDates",
            "Section47",
            "ReferralNFA",
            "ChildProtectionPlans",
        }
    ),
    "Assessments": frozenset(
        {
            "AssessmentActualStartDate",
            "AssessmentInternalReviewDate",
            "AssessmentAuthorisationDate",
            "FactorsIdentifiedAtAssessment",
        }
    ),
    "FactorsIdentifiedAtAssessment": frozenset({"AssessmentFactors"}),
    "CINPlanDates": frozenset({"CINPlanStartDate", "CINPlanEndDate"}),
    "Section47": frozenset({"S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"}),
    "ChildProtectionPlans": frozenset(
        {
            "CPPstartDate",
            "CPPendDate",
            "InitialCategoryOfAbuse",
            "LatestCategoryOfAbuse",
            "NumberOfPreviousCPP",
            "Reviews",
        }
    ),
    "Reviews": frozenset({"CPPreviewDate"}),
}

# Elements that may repeat get a position in their path, as XPath writes it.
_REPEATABLE = frozenset(
    {
        "Source",
        "Child",
        "CINdetails",
        "Assessments",
        "CINPlanDates",
        "Section47",
        "ChildProtectionPlans",
        "CPPreviewDate",
        "Disability",
        "AssessmentFactors",
    }
)

_CHILDREN_PATH = "Message/Children"
# xs:date allows a time zone after the day; the day is what the census means.
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
_DATE_EXPECTED = "a date written YYYY-MM-DD (xs:date)"
_EXPECTED_FILE = "a CIN census XML file (<Message> with <Header> and <Children>)"
# Beyond this many codes, a rejection names the list instead of printing it.
_MAX_LISTED_CODES = 25
_MAX_NOTE_TEXT = 200


class CinCensusError(ValueError):
    """The file is not CIN census XML at all, so nothing in it can be imported."""


@cache
def cin_code_lists() -> dict[str, dict[str, str]]:
    """Return the CIN code lists from ``data/statutory/cin_census.yaml``, plus ``ethnicity``.

    Each list maps a code as it appears in the file to its label (or, for ``sex`` and
    ``yes_no``, to the project's value). ``sex`` is keyed by element name.
    """
    raw = yaml.safe_load(CODES_FILE.read_text(encoding="utf-8"))
    lists = {
        name: {str(k): str(v) for k, v in values.items()} for name, values in raw.items() if name != "sex"
    }
    lists["ethnicity"] = {code: code for code in codes("ethnicity")}
    for element, mapping in raw["sex"].items():
        lists[f"sex:{element}"] = {str(k): str(v) for k, v in mapping.items()}
    return lists


# ----------------------------------------------------------------------------------------------
# XML: a small tree with line numbers, built by expat with every declaration refused.


@dataclass(eq=False)
class _Node:
    tag: str
    line: int
    path: str  # with positions, e.g. Message/Children/Child[3]/CINdetails[1]
    children: list[_Node] = field(default_factory=list)
    text: str = ""
    seen: dict[str, int] = field(default_factory=dict)  # child tags counted, for positions

    def all(self, tag: str) -> list[_Node]:
        return [c for c in self.children if c.tag == tag]


def _generic(path: str) -> str:
    return re.sub(r"\[\d+\]", "", path)


class _Tree:
    """Parse the file with expat; hand each finished <Child> to ``on_child`` and forget it.

    Children are processed as they close, so a large census never sits in memory whole.
    """

    def __init__(self, name: str, on_child: Callable[[_Node], None]) -> None:
        self.name = name
        self.on_child = on_child
        self.root: _Node | None = None
        self.stack: list[_Node] = []
        self.pending: list[str] = []  # character data since the last tag
        self.pending_line = 0  # line of the first non-blank character in ``pending``, or 0
        self.stray: list[tuple[int, str, str]] = []  # (line, element path, text)
        parser = xml.parsers.expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        # Refuse declarations outright: a CIN file has none, and a DTD is how entity
        # expansion attacks ("billion laughs", external entities) get in.
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_entity
        self.parser = parser

    def parse(self, handle) -> _Node:
        self.parser.ParseFile(handle)
        assert self.root is not None  # expat raises "no element found" otherwise
        return self.root

    def _refuse_doctype(self, name, *_args) -> None:
        raise CinCensusError(
            f"{self.name}: refused: a <!DOCTYPE {name}> declaration at line {self.parser.CurrentLineNumber}. "
            f"CIN census files have no DTD, and DTDs and entity declarations are refused for safety; "
            f"expected {_EXPECTED_FILE}"
        )

    def _refuse_entity(self, name, *_args) -> None:
        raise CinCensusError(
            f"{self.name}: refused: an <!ENTITY {name}> declaration at line {self.parser.CurrentLineNumber}; "
            f"entity declarations are refused for safety; expected {_EXPECTED_FILE}"
        )

    def _start(self, tag: str, _attrs) -> None:
        line = self.parser.CurrentLineNumber
        if not self.stack:
            if tag != "Message":
                raise CinCensusError(f"{self.name}: the root element is <{tag}>; expected {_EXPECTED_FILE}")
            node = self.root = _Node(tag, line, tag)
        else:
            parent = self.stack[-1]
            self._flush_stray(parent)
            position = parent.seen[tag] = parent.seen.get(tag, 0) + 1
            step = f"{tag}[{position}]" if tag in _REPEATABLE else tag
            node = _Node(tag, line, f"{parent.path}/{step}")
            if not (tag == "Child" and parent.path == _CHILDREN_PATH):
                parent.children.append(node)
        self.stack.append(node)

    def _end(self, tag: str) -> None:
        node = self.stack.pop()
        if node.seen:  # it held elements, so any text in it is loose text
            self._flush_stray(node)
        else:
            node.text = "".join(self.pending).strip()
            self.pending = []
            self.pending_line = 0
        if tag == "Child" and self.stack and self.stack[-1].path == _CHILDREN_PATH:
            self.on_child(node)

    def _chars(self, data: str) -> None:
        # expat hands text over in pieces (a piece per line); note where the first real text is.
        if not self.pending_line and data.strip():
            self.pending_line = self.parser.CurrentLineNumber
        self.pending.append(data)

    def _flush_stray(self, node: _Node) -> None:
        text = "".join(self.pending).strip()
        if text:
            self.stray.append((self.pending_line, node.path, text))
        self.pending = []
        self.pending_line = 0


# ----------------------------------------------------------------------------------------------
# Rows


@dataclass(eq=False)
class _Row:
    table: str
    node: _Node
    values: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (field, value, expected)
    blanked: list[tuple[str, str, str]] = field(default_factory=list)  # unusable values nothing needs
    ok: bool = False
    used_ids: set[str] = field(default_factory=set)  # ids handed to this row's children

    def problem(self, field_name: str, value: str, expected: str) -> None:
        self.problems.append((field_name, value, expected))

    def bad_value(self, tag: str, value: str, expected: str) -> None:
        """Note a value that cannot be used: it rejects the row only where a key or measure needs it."""
        if self.table not in NEEDED or tag in _NEEDED_ELEMENTS[self.table]:
            self.problem(tag, value, expected)
        else:
            self.blanked.append((tag, value, expected))

    def new_id(self, base: str) -> str:
        """Return ``base``, or ``base:2``, ``base:3``... if a sibling already has it."""
        candidate, n = base, 1
        while candidate in self.used_ids:
            n += 1
            candidate = f"{base}:{n}"
        self.used_ids.add(candidate)
        return candidate


class _Reader:
    """Turn the tree into rows and rejections."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.lists = cin_code_lists()
        self.rows: dict[str, list[dict]] = {t: [] for t in TABLE_COLUMNS}
        self.read: dict[str, int] = dict.fromkeys(TABLE_COLUMNS, 0)
        self.rejections: list[Rejection] = []
        self.blanked: list[Rejection] = []
        self.unknown: dict[str, list[int]] = {}  # generic path -> [count, first line]
        self.child_lines: dict[str, int] = {}  # child_id -> line of its first <Child>

    # -- reading values ---------------------------------------------------------------------

    def check_known(self, node: _Node) -> None:
        """Count the elements inside ``node`` that this importer does not read."""
        known = _KNOWN.get(node.tag, frozenset())
        for child in node.children:
            if child.tag not in known:
                entry = self.unknown.setdefault(_generic(child.path), [0, child.line])
                entry[0] += 1

    def _container(self, row: _Row, node: _Node | None, tag: str, required: bool = False) -> _Node | None:
        """Return the single <tag> inside ``node`` (checked for unknown elements), or None."""
        if node is None:
            return None
        found = node.all(tag)
        if len(found) > 1:
            row.problem(tag, f"{len(found)} elements", f"one <{tag}> in <{node.tag}>")
            return None
        if not found:
            if required:
                row.problem(tag, "", f"a <{tag}> in <{node.tag}>")
            return None
        self.check_known(found[0])
        return found[0]

    def _leaf(self, row: _Row, node: _Node | None, tag: str, required: bool = False) -> str:
        if node is None:
            if required:
                row.problem(tag, "", f"a <{tag}>; it is required, and the element that holds it is missing")
            return ""
        found = node.all(tag)
        if len(found) > 1:
            row.problem(tag, " | ".join(n.text for n in found), f"one <{tag}> in <{node.tag}>")
            return ""
        for leaf in found:
            self.check_known(leaf)  # a value should hold text, not elements
        value = found[0].text if found else ""
        if required and not value:
            row.problem(tag, "", f"a <{tag}> with a value in <{node.tag}>; it is required")
        return value

    def _date_value(self, row: _Row, tag: str, value: str) -> str:
        if not value:
            return ""
        match = _DATE.fullmatch(value)
        try:
            if match is None:
                raise ValueError(value)
            return date.fromisoformat(match.group(1)).isoformat()
        except ValueError:
            row.bad_value(tag, value, _DATE_EXPECTED)
            return ""

    def _date(self, row: _Row, node: _Node | None, tag: str, required: bool = False) -> str:
        return self._date_value(row, tag, self._leaf(row, node, tag, required))

    def _code_value(self, row: _Row, tag: str, value: str, list_name: str) -> str:
        """Return ``value`` if it is in the list (or empty); otherwise record why and return ""."""
        allowed = self.lists[list_name]
        if not value or value in allowed:
            return value
        if len(allowed) <= _MAX_LISTED_CODES:
            expected = "one of " + ", ".join(allowed)
        else:
            expected = f"one of the {len(allowed)} codes"
        if list_name == "ethnicity":
            source = "data/codes/ethnicity.csv"
        else:
            source = f"data/statutory/{CODES_FILE.name}, {list_name.split(':')[0]}"
        row.bad_value(tag, value, f"{expected} (from {source})")
        return ""

    def _code(self, row: _Row, node: _Node | None, tag: str, list_name: str, required: bool = False) -> str:
        return self._code_value(row, tag, self._leaf(row, node, tag, required), list_name)

    def _yes_no(self, row: _Row, node: _Node, tag: str) -> str:
        """Return Y, N or "" for an XML yes/no element (true/false/1/0)."""
        return self.lists["yes_no"].get(self._code(row, node, tag, "yes_no"), "")

    # -- finishing rows ---------------------------------------------------------------------

    def _finish(self, row: _Row, parent: _Row | None, parent_key: str = "") -> bool:
        """Accept ``row`` or reject it with all its problems; a rejected parent rejects it."""
        self.read[row.table] += 1
        if parent is not None and not parent.ok:
            row.problem(
                parent_key,
                parent.values.get(parent_key, ""),
                # No line here, so that every row following one cause is one line of the report.
                f"its <{parent.node.tag}> (named by this {parent_key}) to be accepted; {FOLLOWS}",
            )
        where = (self.name, row.node.path, row.node.line, row.table)
        if row.problems:
            # A rejected row: its blanked values are reasons too, for nothing of it is kept.
            for field_name, value, expected in row.problems + row.blanked:
                self.rejections.append(Rejection(*where, field_name, value, expected))
            return False
        self.blanked += [Rejection(*where, f, v, e, BLANKED) for f, v, e in row.blanked]
        row.ok = True
        self.rows[row.table].append({**row.values, "source_row": row.node.line})
        return True

    # -- the header -------------------------------------------------------------------------

    def header(self, root: _Node, year: int | None) -> int | None:
        """Read the header row; return the collection year it states, if it is readable."""
        self.check_known(root)
        headers = root.all("Header")
        row = _Row("cin_header", headers[0] if len(headers) == 1 else root)
        header = self._container(row, root, "Header", required=True)
        details = self._container(row, header, "CollectionDetails", required=header is not None)
        collection = self._leaf(row, details, "Collection", required=details is not None)
        if collection and collection.upper() != "CIN":
            raise CinCensusError(
                f"{self.name}: <Collection> is {collection!r}, so this is another return; "
                f"expected {_EXPECTED_FILE}"
            )
        if collection and collection != "CIN":
            row.problem("Collection", collection, "CIN")
        stated = self._leaf(row, details, "Year", required=details is not None)
        if stated and not re.fullmatch(r"[0-9]{4}", stated):
            row.problem("Year", stated, "a year written YYYY")
            stated = ""
        reference = self._date(row, details, "ReferenceDate", required=details is not None)
        if stated and reference and reference != f"{stated}-03-31":
            # DfE rule 100: the census counts the year to 31 March of the collection year.
            row.problem(
                "ReferenceDate", reference, f"{stated}-03-31, 31 March of the collection year {stated}"
            )
        if stated and year is not None and int(stated) != year:
            row.problem("Year", stated, f"{year}, the year this import was started for")
        source = self._container(row, header, "Source")
        lea = self._leaf(row, source, "LEA")
        if lea and not re.fullmatch(r"[0-9]{3}", lea):
            row.problem("LEA", lea, "a three-digit local authority number")
        row.values = {
            "collection": collection,
            "year": stated,
            "reference_date": reference,
            "lea": lea,
            "source_level": self._leaf(row, source, "SourceLevel"),
            "software_code": self._leaf(row, source, "SoftwareCode"),
            "release": self._leaf(row, source, "Release"),
            "serial_no": self._leaf(row, source, "SerialNo"),
            "date_time": self._leaf(row, source, "DateTime"),
        }
        self._finish(row, None)
        return int(stated) if stated else None

    # -- children and what hangs from them --------------------------------------------------

    def child(self, node: _Node) -> None:
        """Read one <Child>, then its referrals and everything under them."""
        self.check_known(node)
        row = _Row("cin_children", node)
        ids = self._container(row, node, "ChildIdentifiers")
        child_id = self._leaf(row, ids, "LAchildID", required=True)
        if child_id in self.child_lines:
            row.problem(
                "LAchildID",
                child_id,
                f"one <Child> per LAchildID; this one is already at line {self.child_lines[child_id]}",
            )
        elif child_id:
            self.child_lines[child_id] = node.line
        birth = self._date(row, ids, "PersonBirthDate")
        expected_birth = self._date(row, ids, "ExpectedPersonBirthDate")
        death = self._date(row, ids, "PersonDeathDate")
        sex, sex_code, sex_element = self._sex(row, ids)
        characteristics = self._container(row, node, "ChildCharacteristics")
        disability, disabilities = self._disabilities(row, characteristics)
        row.values = {
            "child_id": child_id,
            "upn": self._leaf(row, ids, "UPN"),
            "former_upn": self._leaf(row, ids, "FormerUPN"),
            "upn_unknown": self._leaf(row, ids, "UPNunknown"),
            # Months only: the full dates are personal data the workbench never needs.
            "birth_month": birth[:7],
            "expected_birth_month": expected_birth[:7],
            "sex": sex,
            "sex_code": sex_code,
            "sex_element": sex_element,
            "ethnicity": self._code(row, characteristics, "Ethnicity", "ethnicity"),
            "disability": disability,
            "disabilities": disabilities,
            "death_month": death[:7],
        }
        self._finish(row, None)
        for seq, details in enumerate(node.all("CINdetails"), start=1):
            self.referral(details, row, seq)

    def _sex(self, row: _Row, ids: _Node | None) -> tuple[str, str, str]:
        """Return (M/F/U, code as found, element it came from), reading both element names.

        <GenderCurrent> is the name to 2023-24, <Sex> after; either may turn up in any year.
        """
        found: dict[str, tuple[str, str]] = {}  # element -> (M/F/U, code as found)
        for element in ("Sex", "GenderCurrent"):
            mapping = self.lists[f"sex:{element}"]
            code = self._code(row, ids, element, f"sex:{element}")
            if code:
                found[element] = (mapping[code], code)
        if len({mapped for mapped, _ in found.values()}) > 1:
            row.problem(
                "Sex",
                f"Sex {found['Sex'][1]}, GenderCurrent {found['GenderCurrent'][1]}",
                "<Sex> and <GenderCurrent> to agree, or only one of them",
            )
        element = "Sex" if "Sex" in found else "GenderCurrent" if "GenderCurrent" in found else ""
        if not element:
            # Neither element: the file has not recorded the child's sex, which is what U means.
            return "U", "", ""
        return found[element][0], found[element][1], element

    def _disabilities(self, row: _Row, characteristics: _Node | None) -> tuple[str, str]:
        """Return (Y/N/"", the codes as found, space-separated)."""
        holder = self._container(row, characteristics, "Disabilities")
        if holder is None:
            return "", ""
        values = [d.text for d in holder.all("Disability")]
        for value in values:
            if not value:
                row.problem("Disability", "", "a disability code in each <Disability>")
            self._code_value(row, "Disability", value, "disability")
        joined = " ".join(values)
        if "NONE" in values and len(set(values)) > 1:
            # NONE beside real codes contradicts itself (DfE rule 8790); which is true is unknown.
            row.problem("Disability", joined, "NONE on its own, or disability codes without NONE")
        if not values:
            return "", ""
        return ("N" if set(values) == {"NONE"} else "Y"), joined

    def referral(self, node: _Node, child: _Row, seq: int) -> None:
        """Read one <CINdetails> (a referral) and the rows under it."""
        self.check_known(node)
        row = _Row("cin_referrals", node)
        child_id = child.values["child_id"]
        referral_date = self._date(row, node, "CINreferralDate", required=True)
        referral_id = child.new_id(f"{child_id}:{referral_date or f'#{seq}'}")
        row.values = {
            "child_id": child_id,
            "referral_id": referral_id,
            "referral_date": referral_date,
            "referral_source": self._code(row, node, "ReferralSource", "referral_source"),
            "primary_need": self._code(row, node, "PrimaryNeedCode", "primary_need"),
            "closure_date": self._date(row, node, "CINclosureDate"),
            "reason_for_closure": self._code(row, node, "ReasonForClosure", "reason_for_closure"),
            "date_of_initial_cpc": self._date(row, node, "DateOfInitialCPC"),
            "referral_nfa": self._yes_no(row, node, "ReferralNFA"),
        }
        self._finish(row, child, "child_id")
        for element in node.all("Assessments"):
            self.assessment(element, row)
        for element in node.all("CINPlanDates"):
            self.plan(element, row)
        for element in node.all("Section47"):
            self.section47(element, row)
        for element in node.all("ChildProtectionPlans"):
            self.cp_plan(element, row)

    def _keys(self, referral: _Row) -> dict[str, str]:
        return {"child_id": referral.values["child_id"], "referral_id": referral.values["referral_id"]}

    def assessment(self, node: _Node, referral: _Row) -> None:
        """Read one <Assessments> element (one assessment, as the schema has it)."""
        self.check_known(node)
        row = _Row("cin_assessments", node)
        start = self._date(row, node, "AssessmentActualStartDate", required=True)
        factors = self._container(row, node, "FactorsIdentifiedAtAssessment")
        found = [f.text for f in factors.all("AssessmentFactors")] if factors is not None else []
        for value in found:
            if not value:
                expected = "an assessment factor code in each <AssessmentFactors>"
                row.bad_value("AssessmentFactors", "", expected)
        # A factor outside the list is blanked (no measure reads factors): the others are kept.
        found = [self._code_value(row, "AssessmentFactors", value, "assessment_factors") for value in found]
        found = [value for value in found if value]
        row.values = {
            **self._keys(referral),
            "assessment_id": referral.new_id(f"{referral.values['referral_id']}/A:{start or '?'}"),
            "start_date": start,
            "internal_review_date": self._date(row, node, "AssessmentInternalReviewDate"),
            "authorisation_date": self._date(row, node, "AssessmentAuthorisationDate"),
            "factors": " ".join(found),
        }
        self._finish(row, referral, "referral_id")

    def plan(self, node: _Node, referral: _Row) -> None:
        """Read one <CINPlanDates> (a child in need plan)."""
        self.check_known(node)
        row = _Row("cin_plans", node)
        start = self._date(row, node, "CINPlanStartDate", required=True)
        row.values = {
            **self._keys(referral),
            "plan_id": referral.new_id(f"{referral.values['referral_id']}/P:{start or '?'}"),
            "start_date": start,
            "end_date": self._date(row, node, "CINPlanEndDate"),
        }
        self._finish(row, referral, "referral_id")

    def section47(self, node: _Node, referral: _Row) -> None:
        """Read one <Section47> enquiry."""
        self.check_known(node)
        row = _Row("cin_section47", node)
        start = self._date(row, node, "S47ActualStartDate", required=True)
        row.values = {
            **self._keys(referral),
            "s47_id": referral.new_id(f"{referral.values['referral_id']}/S47:{start or '?'}"),
            "start_date": start,
            "icpc_target_date": self._date(row, node, "InitialCPCtarget"),
            "icpc_date": self._date(row, node, "DateOfInitialCPC"),
            "icpc_not_required": self._yes_no(row, node, "ICPCnotRequired"),
        }
        self._finish(row, referral, "referral_id")

    def cp_plan(self, node: _Node, referral: _Row) -> None:
        """Read one <ChildProtectionPlans> element (one plan) and its review dates."""
        self.check_known(node)
        row = _Row("cin_cp_plans", node)
        start = self._date(row, node, "CPPstartDate", required=True)
        previous = self._leaf(row, node, "NumberOfPreviousCPP")
        if previous and not re.fullmatch(r"[0-9]+", previous):
            row.bad_value("NumberOfPreviousCPP", previous, "a whole number, 0 or more")
            previous = ""
        reviews = self._container(row, node, "Reviews")
        row.values = {
            **self._keys(referral),
            "cp_plan_id": referral.new_id(f"{referral.values['referral_id']}/CPP:{start or '?'}"),
            "start_date": start,
            "end_date": self._date(row, node, "CPPendDate"),
            "initial_category": self._code(row, node, "InitialCategoryOfAbuse", "category_of_abuse"),
            "latest_category": self._code(row, node, "LatestCategoryOfAbuse", "category_of_abuse"),
            "number_of_previous_cpp": str(int(previous)) if previous else "",
        }
        self._finish(row, referral, "referral_id")
        for review in reviews.all("CPPreviewDate") if reviews is not None else []:
            self.check_known(review)
            review_row = _Row("cin_cp_reviews", review)
            if not review.text:
                review_row.problem("CPPreviewDate", "", "a review date in each <CPPreviewDate>")
            review_row.values = {
                **self._keys(referral),
                "cp_plan_id": row.values["cp_plan_id"],
                "review_date": self._date_value(review_row, "CPPreviewDate", review.text),
            }
            self._finish(review_row, row, "cp_plan_id")

    # -- notes that reject no row -----------------------------------------------------------

    def notes(self, stray: list[tuple[int, str, str]]) -> None:
        """Report loose text and elements not imported: seen, ignored, nothing rejected."""
        for line, path, text in stray:
            tag = _generic(path).rsplit("/", 1)[-1]
            self.rejections.append(
                Rejection(
                    self.name,
                    path,
                    line,
                    FILE_NOTES,
                    "(text)",
                    text[:_MAX_NOTE_TEXT],
                    f"only elements inside <{tag}>, no loose text; the text was ignored and the row kept",
                    NOTED,
                )
            )
        for path, (count, line) in self.unknown.items():
            tag = path.rsplit("/", 1)[-1]
            self.rejections.append(
                Rejection(
                    self.name,
                    path,
                    line,
                    FILE_NOTES,
                    tag,
                    f"{count} found",
                    f"an element this importer reads; <{tag}> and its contents are not imported "
                    f"(first at line {line}), and nothing else was rejected because of it",
                    NOTED,
                )
            )


def _frame(rows: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    data = {name: pd.Series([r[name] for r in rows], dtype="str") for name in columns}
    data["source_row"] = pd.Series([r["source_row"] for r in rows], dtype="int64")
    return pd.DataFrame(data, columns=[*columns, "source_row"])


def _refuse_unless_xml(path: Path) -> None:
    """Refuse an unreadable, empty or binary file with a message naming it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise CinCensusError(
            f"{path.name}: cannot be read ({error.strerror}); expected {_EXPECTED_FILE}"
        ) from error
    if not head.strip():
        raise CinCensusError(f"{path.name}: the file is empty; expected {_EXPECTED_FILE}")
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in head and not utf16:
        kind = " (it looks like a ZIP or Excel file)" if head.startswith(b"PK\x03\x04") else ""
        raise CinCensusError(f"{path.name}: this is a binary file, not XML{kind}; expected {_EXPECTED_FILE}")


def parse_cin_census(path: Path, year: int | None = None) -> ParsedFile:
    """Read the CIN census XML file at ``path`` into a :class:`ParsedFile` of kind ``"cin"``.

    ``year`` is the collection year the caller expects; the header's ``<Year>`` wins when it is
    readable, and a difference is reported as a header rejection. Rows that cannot be read are
    rejected with file, XML path, line, field, value and what was expected; the rest are
    accepted. Raises :class:`CinCensusError` if the file is not CIN census XML at all (not XML,
    empty, binary, another root element, another collection, no <Children>) or declares a
    DOCTYPE or entity.
    """
    path = Path(path)
    _refuse_unless_xml(path)
    reader = _Reader(path)
    tree = _Tree(path.name, reader.child)
    try:
        with path.open("rb") as handle:
            root = tree.parse(handle)
    except xml.parsers.expat.ExpatError as error:
        raise CinCensusError(
            f"{path.name}: not well-formed XML ({xml.parsers.expat.ErrorString(error.code)} at line "
            f"{error.lineno}, column {error.offset}); expected {_EXPECTED_FILE}"
        ) from error
    if "Children" not in root.seen:
        raise CinCensusError(f"{path.name}: <Message> has no <Children>; expected {_EXPECTED_FILE}")
    stated = reader.header(root, year)
    for children in root.all("Children"):
        reader.check_known(children)
    if root.seen["Children"] > 1:
        # Every child in every <Children> was read; the officer should still know.
        reader.rejections.append(
            Rejection(
                path.name,
                "Message/Children",
                root.all("Children")[1].line,
                FILE_NOTES,
                "Children",
                f"{root.seen['Children']} found",
                "one <Children> in <Message>; the children of all were read",
                NOTED,
            )
        )
    reader.notes(tree.stray)
    tables = {name: _frame(reader.rows[name], columns) for name, columns in TABLE_COLUMNS.items()}
    return ParsedFile(
        path=path,
        kind="cin",
        year=stated if stated is not None else year,
        tables=tables,
        read=dict(reader.read),
        rejections=reader.rejections,
        blanked=reader.blanked,
        children=tables["cin_children"].loc[:, list(CHILDREN_COLUMNS)].reset_index(drop=True),
    )
