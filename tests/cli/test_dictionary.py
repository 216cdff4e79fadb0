from pathlib import Path

from workbench.cli.dictionary import render_data_dictionary
from workbench.core.codes import codes
from workbench.core.model import EXTRACT_TABLES

DICTIONARY = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_committed_dictionary_is_in_step_with_the_model():
    assert DICTIONARY.read_text(encoding="utf-8") == render_data_dictionary(), (
        "docs/data-dictionary.md is stale: run `workbench dictionary`"
    )


def test_dictionary_names_every_table_column_and_code():
    text = render_data_dictionary()
    for spec in EXTRACT_TABLES:
        assert f"## {spec.name}\n" in text
        for fld in spec.fields:
            assert f"| `{fld.name}` |" in text
    assert all(f"| {code} |" in text for code in codes("participation_codes"))


def test_every_coded_field_names_an_existing_code_list():
    for spec in EXTRACT_TABLES:
        for fld in spec.fields:
            if fld.codes:
                assert codes(fld.codes), f"{spec.name}.{fld.name}"


def test_every_domain_maps_to_a_national_framework_outcome():
    from workbench.core.codes import code_list

    framework = set(codes("national_framework_outcomes"))
    domains = code_list("outcome_domains")
    assert len(domains) == 10
    assert {row["national_framework_outcome"] for row in domains} <= framework
