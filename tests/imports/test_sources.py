"""An authority's own export, read through a YAML mapping, in CSV (any encoding) or XLSX.

The export is made from the hand-worked extract by running the example mapping backwards
(renaming columns, turning codes into the authority's words, writing dates day/month/year),
so loading it through the mapping must give exactly the hand-worked store.
"""

import csv
from pathlib import Path

import pytest
import yaml

from tests.fixtures.handworked import ROWS, workbook_extract, write_extract
from workbench.core.model import EXTRACT_TABLES, Kind
from workbench.imports.extract import ExtractError, validate_extract
from workbench.imports.sources import ExtractMapping, MappingError
from workbench.store.engine import Store
from workbench.store.loading import load_extract

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "mappings" / "example-mosaic.yaml"


def authority_rows(mapping: ExtractMapping) -> dict[str, tuple[str, list[str], list[dict]]]:
    """Return {table: (source name, header, rows)} as the authority's system would write them."""
    out = {}
    for spec in EXTRACT_TABLES:
        settings = mapping.table(spec.name)
        rows = []
        for row in ROWS[spec.name]:
            written = {}
            for fld in spec.fields:
                value = row[fld.name]
                if fld.name in settings.values:
                    words = {code: word for word, code in settings.values[fld.name].items()}
                    value = words.get(value, value)
                if fld.kind is Kind.DATE and value and mapping.date_format:
                    year, month, day = value.split("-")
                    value = f"{day}/{month}/{year}"
                written[settings.columns.get(fld.name, fld.name)] = value
            rows.append(written)
        header = [settings.columns.get(c, c) for c in spec.columns] + list(settings.ignore)
        for written in rows:
            written.update(dict.fromkeys(settings.ignore, "v9"))
        out[spec.name] = (settings.source, header, rows)
    return out


def write_export(folder: Path, mapping: ExtractMapping, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for source, header, rows in authority_rows(mapping).values():
        with (folder / f"{source}.csv").open("w", newline="", encoding=encoding) as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
    return folder


def test_example_mapping_loads_an_export_to_the_same_store_as_the_extract(tmp_path):
    mapping = ExtractMapping.load(EXAMPLE)
    export = write_export(tmp_path / "export", mapping, encoding="cp1252")
    mapped = Store(f"sqlite:///{tmp_path / 'mapped.sqlite'}")
    assert load_extract(mapped, export, mapping=mapping).status == "loaded"
    plain = Store(f"sqlite:///{tmp_path / 'plain.sqlite'}")
    load_extract(plain, write_extract(tmp_path / "extract"))
    for spec in EXTRACT_TABLES:
        assert mapped.read_table(spec.name).equals(plain.read_table(spec.name)), spec.name


def test_a_value_the_mapping_does_not_know_is_reported_not_guessed(tmp_path):
    mapping = ExtractMapping.load(EXAMPLE)
    export = write_export(tmp_path / "export", mapping)
    people = export / "Person details.csv"
    people.write_text(people.read_text().replace("Female", "Woman", 1))
    with pytest.raises(
        ExtractError, match=r"Person details.csv, row 2, field 'sex': value 'Woman'; expected one of M, F, U"
    ):
        validate_extract(export, mapping=mapping)


def test_an_unmapped_column_is_refused_and_an_ignored_one_is_not(tmp_path):
    mapping = ExtractMapping.load(EXAMPLE)
    export = write_export(tmp_path / "export", mapping)
    teams = export / "Teams.csv"
    teams.write_text(
        teams.read_text()
        .replace("ServiceArea", "ServiceArea,Manager", 1)
        .replace("\r\n", ",x\r\n")
        .replace("Manager,x", "Manager", 1)
    )
    with pytest.raises(ExtractError) as caught:
        validate_extract(export, mapping=mapping)
    assert "Teams.csv, row 1, field 'Manager'" in str(caught.value)
    assert "MosaicVersion" not in str(caught.value)


def test_an_xlsx_workbook_with_a_sheet_per_table_loads(tmp_path, store):
    path = tmp_path / "extract.xlsx"
    workbook_extract().save(path)
    assert load_extract(store, path).status == "loaded"
    assert store.row_counts()["outcomes"] == len(ROWS["outcomes"])


def test_a_formula_in_a_workbook_is_refused(tmp_path):
    book = workbook_extract()
    book["outcomes"]["F2"] = '=HYPERLINK("http://example.invalid","click")'
    path = tmp_path / "extract.xlsx"
    book.save(path)
    with pytest.raises(
        ExtractError, match=r"extract.xlsx \[outcomes\], row 2, field 'statement'.*a value, not a formula"
    ):
        validate_extract(path)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "extract.xlsx"
    path.write_text("child_id,birth_month\nC1,2014-05\n")
    with pytest.raises(ExtractError, match=r"extract\.xlsx: expected an XLSX workbook"):
        validate_extract(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tables: [1, 2]", "expected a 'tables:' section"),
        ("tables:\n  kids: {}", "no extract table 'kids'"),
        ("tables:\n  children:\n    columns: {age: Age}", "table children has no column 'age'"),
        ("tables: {}\ndate_format: '%Q'", None),
        ("tables: {: [", "cannot read it as YAML"),
    ],
)
def test_a_malformed_mapping_is_refused_clearly(tmp_path, text, message):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    if message is None:
        ExtractMapping.load(path)  # an odd but harmless date format is allowed
        return
    with pytest.raises(MappingError, match=message):
        ExtractMapping.load(path)


def test_example_mapping_is_valid_yaml_and_names_real_columns():
    raw = yaml.safe_load(EXAMPLE.read_text())
    mapping = ExtractMapping.load(EXAMPLE)
    assert set(mapping.tables) == set(raw["tables"])
    assert mapping.date_format == "%d/%m/%Y"
