"""The fields each import declares as keys or measured match the columns the measures read.

A value that cannot be used rejects its row only in a key or a measured field; anywhere else it
is blanked (issue 14, part 4). So the declarations must follow the measures: a column a measure
reads that is not declared would let a bad value be blanked out of a figure, and a declared
column no measure reads would reject rows for nothing. The columns read are found in the
measures' own source (the statutory tables are read only by ``service_outcomes``), and the
children's characteristics, which every breakdown reads, count as measured too.
"""

from __future__ import annotations

import re
from pathlib import Path

import workbench.measures as measures_package
from workbench.core.model import EXTRACT_TABLES, Kind
from workbench.imports.annex_a import ANNEX_A_LISTS
from workbench.imports.cin_census import NEEDED
from workbench.imports.ssda903 import needed_columns, table_columns
from workbench.store.snapshot import SNAPSHOT_TABLES
from workbench.store.statutory_tables import statutory_specs

MEASURES = Path(measures_package.__file__).parent
#: The characteristics every breakdown reads (sex, ethnicity, age band from the birth month,
#: disability), as each statutory file names the columns they come from.
CHARACTERISTICS = {"sex", "ethnicity", "ethnic", "birth_month", "disability", "dob"}


def _statutory_reads() -> dict[str, set[str]]:
    """Return {store table: columns} for every statutory table a measure reads."""
    specs = statutory_specs()
    reads: dict[str, set[str]] = {}
    for path in MEASURES.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = re.findall(r'_read\(\s*store,\s*"(\w+)",\s*\[([^\]]*)\]', source)
        found += [(table, columns) for columns, table in re.findall(r"SELECT ([\w, ]+) FROM (\w+)", source)]
        for table, columns in found:
            if table not in specs:
                continue  # statutory_files and the like: bookkeeping, not a statutory table
            names = {c.strip().strip("\"'") for c in columns.split(",")}
            reads.setdefault(table, set()).update(n for n in names if n in specs[table][2])
    return reads


def test_the_measures_read_the_statutory_tables_we_expect():
    # If this fails, a measure reads a statutory table in a way the scan does not see: teach it.
    assert set(_statutory_reads()) == {
        "ssda903_episodes",
        "ssda903_oc3",
        "ssda903_reviews",
        "cin_cp_plans",
        "cin_referrals",
    }


def test_ssda903_measured_columns_are_those_the_measures_read():
    reads = _statutory_reads()
    specs = statutory_specs()
    declared = needed_columns()
    for table, columns in table_columns().items():
        store = f"ssda903_{table.lower()}"
        rename = specs[store][3]
        read = reads.get(store, set())
        for column in columns:
            stored = rename[column]
            needed = stored in read or stored in CHARACTERISTICS or stored == "child_id"
            assert (column in declared[table]) == needed, (table, column)


def test_cin_needed_columns_are_keys_or_read_by_a_measure():
    reads = _statutory_reads()
    for table, read in reads.items():
        if table.startswith("cin_"):
            assert read - {"child_id"} <= set(NEEDED[table]), table
    for table, columns in NEEDED.items():
        for column in columns:
            # Keys: the ids, and the dates a row's id is made from (a review is its date).
            is_key = column.endswith("_id") or column in ("start_date", "review_date")
            assert is_key or column in reads.get(table, set()) or column in CHARACTERISTICS, (table, column)


def test_annex_a_measures_only_the_child_characteristics():
    # No measure reads an Annex A list; its characteristics become the store's children.
    assert not [t for t in _statutory_reads() if t.startswith("annex_a_")]
    for spec in ANNEX_A_LISTS.values():
        for column in spec.columns:
            # List 11's adopters are adults: their characteristics are no child's.
            feeds_children = spec.is_child_list and column.name in CHARACTERISTICS
            assert column.measured == feeds_children, (spec.number, column.name)


def test_extract_unmeasured_code_fields_are_read_by_no_measure():
    source = "\n".join(path.read_text(encoding="utf-8") for path in MEASURES.glob("*.py"))
    for spec in EXTRACT_TABLES:
        # The columns the measures read from a table are listed once, in the snapshot they read.
        read = SNAPSHOT_TABLES.get(spec.name) or ()
        for field in spec.fields:
            if field.kind not in (Kind.CODE, Kind.YN):
                continue
            named = field.name in read or re.search(rf"\b{field.name}\b", source) is not None
            assert field.measured == named, (spec.name, field.name)
