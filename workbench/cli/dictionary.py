"""Generate the data dictionary (``docs/data-dictionary.md``) from the model and the code lists.

The dictionary is the contract an authority's extract must meet. It is generated, never edited
by hand; a unit test fails when the committed file and the model disagree. Regenerate it with
``workbench dictionary``.
"""

from __future__ import annotations

from workbench.core.codes import code_list
from workbench.core.model import EXTRACT_TABLES, Field, Kind, Table
from workbench.imports.annex_a import ANNEX_A_LISTS, load_aliases
from workbench.imports.cin_census import NEEDED
from workbench.imports.ssda903 import needed_columns
from workbench.store.migrations import MIGRATIONS, SCHEMA_VERSION
from workbench.store.plan_tables import PLAN_ACTIONS, PLAN_OUTCOMES, PLAN_SOURCE, PLAN_VERSIONS, PLANS

DICTIONARY_PATH = "docs/data-dictionary.md"

#: Said of a column an extract file may leave out (it then reads as empty).
OPTIONAL = " Optional column: a file may leave it out."


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _needs(spec: Table, fld: Field) -> str:
    """Say what a bad value in the field does: the keys and coded fields are the ones that differ."""
    if fld.name in spec.key:
        return "key"
    if fld.references:
        return "key (reference)"
    if fld.kind not in (Kind.CODE, Kind.YN):
        return ""
    if fld.measured:
        return "measured"
    if fld.required:
        return "required (no measure reads it)"
    return "no: a bad code is blanked"


def _statutory_needs() -> list[str]:
    """Describe, per statutory return, the fields a row cannot be kept without."""
    out = [
        "",
        "## Statutory returns: which fields a row needs",
        "",
        "`workbench import ssda903|cin|annex-a` keeps each file's good rows. A row is **rejected** "
        "only when its key, or a field a measure reads, cannot be used. A value that cannot be "
        "used in any other field (a code outside its list, a date that is not a date, an Excel "
        "formula or error) is **blanked**: the field is left empty, the row kept, and the value "
        "listed in the report and in `--problems-csv` (its `action` column says `blanked`). The "
        "child's characteristics (sex, ethnicity, date of birth, disability) count as measured: "
        "every breakdown reads them. The fields below are the keys and the measured fields; "
        "every other field of the return is blanked when its value cannot be used.",
        "",
        "| return | table | key and measured fields |",
        "| --- | --- | --- |",
    ]
    for table, columns in needed_columns().items():
        out.append(f"| SSDA903 | {table} | {', '.join(f'`{c}`' for c in columns)} |")
    for table, columns in NEEDED.items():
        elements = dict.fromkeys(e for names in columns.values() for e in names)
        parent = "" if "LAchildID" in elements else " (and the row it belongs to)"
        out.append(f"| CIN census | {table} | {', '.join(f'`{e}`' for e in elements)}{parent} |")
    aliases = load_aliases()
    for spec in ANNEX_A_LISTS.values():
        needed = ", ".join(f"`{aliases.official_header(c)}`" for c in spec.columns if c.needed)
        out.append(f"| Annex A | List {spec.number} ({spec.title}) | {needed} |")
    return out


def _plan_tables() -> list[str]:
    """Describe the tables of outcome plans made in the workbench (not part of an extract)."""
    out = [
        "",
        "## Outcome plans made in the workbench",
        "",
        "Plans written on the outcome plan page (`dashboards/outcome-plan.ipynb`) are kept in four "
        "tables an extract load never replaces. Every save is a new version; a version belongs "
        "to a meeting. Each agreed version is also written into `outcomes`, `outcome_reviews`, "
        "`interventions` and `intervention_outcomes` with `source_file` set to "
        f"`{PLAN_SOURCE}`, so every measure counts it like an imported outcome; this is done "
        "again after every load, and an outcome the extract already holds under the same id "
        "(the plan came back from the case record) is the extract's. An outcome's id there is "
        "`<plan_id>-<outcome_key>`, and `<plan_id>-<outcome_key>-v<version>` when a later "
        "meeting changed its wording (the old one is then closed as `replaced`). Their "
        "`baseline_score` is the practitioner's baseline, or the family's when the practitioner "
        "gave none; scores are on the 0 to 10 scale.",
    ]
    for table in (PLANS, PLAN_VERSIONS, PLAN_OUTCOMES, PLAN_ACTIONS):
        out += ["", f"### {table.name}", "", table.comment or "", "", "| column | meaning |", "| --- | --- |"]
        out += [f"| `{column.name}` | {_cell(column.comment or '')} |" for column in table.columns]
    return out


def render_data_dictionary() -> str:
    """Return the data dictionary as Markdown."""
    out = [
        "# Outcome extract: data dictionary",
        "",
        "<!-- Generated by `workbench dictionary` from workbench/core/model.py and data/codes/. "
        "Do not edit by hand. -->",
        "",
        "An outcome extract is a folder holding one CSV file per table below, each with a header "
        "row naming its columns. Files are UTF-8. Dates are written `YYYY-MM-DD`, months "
        "`YYYY-MM`, and yes/no fields `Y` or `N`. An empty cell means *not recorded*. The demo "
        "extract in `data/demo/` is a worked example.",
        "",
        "Load one with `workbench load FOLDER`. A load is all-or-nothing: every problem is "
        "reported with its file, row (as Excel shows it: the header is usually row 1), field, "
        "value and what was expected, and nothing is written until the whole extract is valid. "
        "A header below a title row is found (within the first 20 rows) and used, with a note "
        "naming the rows skipped. Loading the extract that was loaded last changes nothing; a "
        "different extract replaces the store's contents. Every stored row keeps its provenance "
        "in three more columns: `source_file`, `source_sha256` (the file's sha256) and "
        "`source_row` (its row in the file).",
        "",
        "The column *needed* says what a bad value there does. A key, a reference or a coded "
        "field a measure reads (*measured*) must be right, or the extract is refused; so must "
        "every date, number and required value. A code outside its list in a field no key or "
        "measure needs, and that is not required, is **blanked**: the value is left empty, the "
        "row is kept, and the value is reported (in the load's output and in `--problems-csv`, "
        "with the action `blanked`). A required field cannot be blanked: the store needs a value.",
        "",
        "A case-recording system that keeps outcomes, their reviews and meetings as forms (Mosaic "
        "does) may send those three tables as one long export of form answers instead, one row per "
        "question answered, read through `data/mappings/mosaic-forms.yaml`: "
        "[docs/mosaic-forms.md](mosaic-forms.md) says what to ask the Mosaic team for. Its rows' "
        "provenance is the export's row where each form starts.",
        "",
        "In the store, `children` also holds children that only a statutory return names "
        "(`workbench import`): its `origin` column says `extract`, `ssda903`, `cin` or `annex_a`, "
        "and such a child's characteristics are empty where the return does not give them. An "
        "extract load replaces only the extract's own children.",
        "",
        f"Store schema version: **{SCHEMA_VERSION}**.",
        "",
        "## Tables",
        "",
    ]
    out += [f"- [`{t.filename}`](#{t.name}): {t.description}" for t in EXTRACT_TABLES]
    for spec in EXTRACT_TABLES:
        out += ["", f"## {spec.name}", "", spec.description, ""]
        out += [f"Key: {', '.join(f'`{k}`' for k in spec.key)}.", ""]
        out += [f"> {note}" for note in spec.notes]
        if spec.notes:
            out.append("")
        out += [
            "| column | kind | required | needed | meaning | values |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for fld in spec.fields:
            values = ""
            if fld.codes:
                values = f"[{fld.codes}](#code-list-{fld.codes})"
            elif fld.references:
                values = f"a `{fld.references}`"
            required = "yes" if (fld.required or fld.name in spec.key) else ""
            out.append(
                f"| `{fld.name}` | {fld.kind.value} | {required} | {_needs(spec, fld)} | "
                f"{_cell(fld.description + (OPTIONAL if fld.optional_column else ''))} | {values} |"
            )
    out += _statutory_needs()
    out += _plan_tables()
    out += ["", "## Code lists", "", "Code lists are kept as CSV in `data/codes/`; edit them there."]
    used = sorted(
        {f.codes for t in EXTRACT_TABLES for f in t.fields if f.codes}
        | {"national_framework_outcomes", "action_owners", "plan_decisions"}
    )
    for name in used:
        rows = code_list(name)
        columns = list(rows[0].keys())
        out += ["", f"### Code list: {name}", "", f"From `data/codes/{name}.csv`.", ""]
        out += ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
        out += ["| " + " | ".join(_cell(row[c] or "") for c in columns) + " |" for row in rows]
    out += ["", "## Schema versions", "", "| version | change |", "| --- | --- |"]
    out += [f"| {m.version} | {m.description} |" for m in MIGRATIONS]
    return "\n".join(out) + "\n"
