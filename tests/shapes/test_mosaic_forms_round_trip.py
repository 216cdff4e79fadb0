"""The whole demo service, exported as Mosaic form answers and read back, gives the same figures.

The export (``workbench.shapes``) writes meetings, outcomes and reviews as one row per question
answered, in the demo authority's own form names, question codes and answer words; the mapping
``data/mappings/mosaic-forms.yaml`` has to describe that export correctly for every stored row
and every headline figure to come back identical. A mapping with one translation wrong must
break the round trip, and does (last test).
"""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.fixtures.demo_store import copy_demo_store
from tests.fixtures.states import DEMO_EXTRACT
from workbench.core.model import EXTRACT_TABLES
from workbench.imports.sources import ExtractMapping
from workbench.measures.headline import MEASURES, headline_measures
from workbench.measures.service_data import ServiceData
from workbench.shapes import FORM_ANSWER_FILE, write_form_answer_export
from workbench.store.engine import Store
from workbench.store.loading import load_extract

MAPPING_FILE = Path(__file__).resolve().parents[2] / "data" / "mappings" / "mosaic-forms.yaml"
DEMO_AT = date(2026, 3, 31)


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mosaic") / "export"
    write_form_answer_export(DEMO_EXTRACT, folder)
    return folder


@pytest.fixture(scope="module")
def plain_store(tmp_path_factory) -> Store:
    return copy_demo_store(tmp_path_factory.mktemp("plain") / "store.sqlite", demo=False)


@pytest.fixture(scope="module")
def forms_store(tmp_path_factory, export) -> Store:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('forms') / 'store.sqlite'}")
    assert load_extract(store, export, mapping=ExtractMapping.load(MAPPING_FILE)).status == "loaded"
    return store


@pytest.fixture(scope="module")
def plain_data(plain_store) -> ServiceData:
    return ServiceData(plain_store)


def figures(data: ServiceData, by: str | None = None) -> pd.DataFrame:
    """Every headline measure at the demo's date, whole service or grouped ``by``."""
    return headline_measures(data, DEMO_AT, by=by, names=list(MEASURES))


def test_the_export_is_one_long_file_of_answers(export):
    answers = pd.read_csv(export / f"{FORM_ANSWER_FILE}.csv", dtype=str, keep_default_na=False)
    forms = answers.drop_duplicates("FORM_ID")
    demo = {name: len(pd.read_csv(DEMO_EXTRACT / f"{name}.csv", usecols=[0])) for name in
            ("meetings", "outcomes", "outcome_reviews")}  # fmt: skip
    assert len(forms) == sum(demo.values())
    assert (forms["FORM_TYPE"] == "Desired Outcome").sum() == demo["outcomes"]
    assert not answers.duplicated(["FORM_ID", "QUESTION_USER_CODE"]).any()
    assert not (answers["ANSWER"] == "").any()  # an unanswered question is no row, as in Mosaic's reports
    assert not any((export / f"{name}.csv").exists() for name in demo)


def test_every_stored_table_is_identical_row_for_row(forms_store, plain_store):
    for spec in EXTRACT_TABLES:
        pd.testing.assert_frame_equal(forms_store.read_table(spec.name), plain_store.read_table(spec.name),
                                      obj=spec.name)  # fmt: skip


@pytest.mark.parametrize("by", [None, "locality", "plan_type", "domain", "meeting_type"])
def test_every_headline_figure_is_identical(forms_store, plain_data, by):
    expected = figures(plain_data, by)
    assert len(expected) >= (len(MEASURES) if by is None else 1)
    pd.testing.assert_frame_equal(figures(ServiceData(forms_store), by), expected)


def round_trip_differs(extract: Path, mapping_file: Path, folder: Path) -> bool:
    """Return whether any figure differs once ``extract`` goes through form answers and ``mapping_file``."""
    write_form_answer_export(extract, folder / "export")
    plain = Store(f"sqlite:///{folder / 'plain.sqlite'}")
    load_extract(plain, extract)
    forms = Store(f"sqlite:///{folder / 'forms.sqlite'}")
    load_extract(forms, folder / "export", mapping=ExtractMapping.load(mapping_file))
    try:
        pd.testing.assert_frame_equal(figures(ServiceData(forms)), figures(ServiceData(plain)))
    except AssertionError:
        return True
    return False


def test_a_mapping_with_one_translation_wrong_breaks_the_round_trip(tmp_path, handworked_dir):
    # The hand-worked extract keeps this quick; the comparison is the one used on the demo above.
    assert not round_trip_differs(handworked_dir, MAPPING_FILE, tmp_path / "right")
    raw = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    status = raw["form_answers"]["tables"]["outcomes"]["values"]["status"]
    status["Achieved"], status["Partly achieved"] = "partly_achieved", "achieved"  # swapped: valid, but wrong
    (tmp_path / "wrong.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    assert round_trip_differs(handworked_dir, tmp_path / "wrong.yaml", tmp_path / "wrong")


def test_the_worked_example_in_the_docs_is_what_the_demo_export_holds(export):
    page = (Path(__file__).resolve().parents[2] / "docs" / "mosaic-forms.md").read_text(encoding="utf-8")
    example = page.split("## 3. A worked example")[1].split("```")[1].strip().splitlines()
    written = set((export / f"{FORM_ANSWER_FILE}.csv").read_text(encoding="utf-8").splitlines())
    assert len(example) > 20
    assert [line for line in example if line not in written] == []
    mapping = MAPPING_FILE.read_text(encoding="utf-8")
    codes = {word.strip("`") for word in page.split() if word.startswith(("`MTG_", "`OUT_", "`REV_"))}
    assert codes and all(code in mapping for code in codes)
