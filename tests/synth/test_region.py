"""The pooled regional preset (issue 16 part 4), at its tiny size: three tiny authorities."""

import csv

import pytest

from workbench.core.model import EXTRACT_TABLES
from workbench.store.engine import Store
from workbench.store.loading import load_extract
from workbench.synth import REGIONS, SIZES, authority_code, generate_extract

CODES = [authority_code(n) for n in range(1, REGIONS["tiny-region"].authorities + 1)]


def _read(folder, table):
    with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-region")
    counts = generate_extract(folder, size="tiny-region", seed=2026, progress=False)
    return folder, counts


def test_every_id_carries_its_authority_and_every_authority_is_there(region):
    folder, _counts = region
    for spec in EXTRACT_TABLES:
        ids = [f.name for f in spec.fields if f.references] + ([spec.key[0]] if len(spec.key) == 1 else [])
        rows = _read(folder, spec.name)
        for row in rows:
            for column in ids:
                value = row[column]
                if value:  # an optional reference may be empty
                    assert value.rsplit("-", 1)[1] in CODES, (spec.name, column, value)
        if rows and ids:
            # A row's ids all name the same authority: pooling never links two authorities.
            for row in rows:
                assert len({row[c].rsplit("-", 1)[1] for c in ids if row[c]}) == 1, (spec.name, row)
    children = _read(folder, "children")
    assert {row["child_id"].rsplit("-", 1)[1] for row in children} == set(CODES)
    # A template's question is the same everywhere: never suffixed.
    assert all("-A" not in row["question_id"] for row in _read(folder, "audit_answers"))


def test_ids_are_unique_across_authorities_though_each_authority_numbers_from_one(region):
    folder, counts = region
    children = [row["child_id"] for row in _read(folder, "children")]
    assert len(children) == len(set(children)) == counts["children"]
    assert counts["children"] == REGIONS["tiny-region"].authorities * SIZES["tiny"].children
    bare = [child.rsplit("-", 1)[0] for child in children]
    assert len(set(bare)) < len(bare)  # the same own id in two authorities: the suffix tells them apart
    for spec in EXTRACT_TABLES:
        if len(spec.key) == 1:
            keys = [row[spec.key[0]] for row in _read(folder, spec.name)]
            assert len(keys) == len(set(keys)), spec.name


def test_localities_and_teams_are_named_with_their_authority(region):
    folder, _counts = region
    teams = _read(folder, "teams")
    assert {row["locality"].split(" ", 1)[0] for row in teams} == set(CODES)
    assert all(row["name"].startswith(row["team_id"].rsplit("-", 1)[1] + " ") for row in teams)
    localities = {row["locality"] for row in teams}
    assert "A01 North" in localities and "A03 South" in localities
    # A child's locality too, its authority's own: the region's localities never merge.
    children = _read(folder, "children")
    assert all(row["locality"].startswith(row["child_id"].rsplit("-", 1)[1] + " ") for row in children)
    assert {row["locality"] for row in children} <= localities


def test_the_same_seed_writes_the_same_files(region, tmp_path):
    folder, _counts = region
    again = tmp_path / "again"
    generate_extract(again, size="tiny-region", seed=2026, progress=False)
    for spec in EXTRACT_TABLES:
        assert (again / spec.filename).read_bytes() == (folder / spec.filename).read_bytes(), spec.name


def test_the_pooled_extract_loads(region, tmp_path):
    folder, counts = region
    store = Store(f"sqlite:///{tmp_path / 'region.sqlite'}")
    result = load_extract(store, folder, chunk_rows=500)  # several chunks per table, as at full size
    assert result.status == "loaded"
    assert result.rows == counts
    stored = store.read_table("children")
    assert len(stored) == counts["children"] and stored["child_id"].str.endswith("-A02").any()
