"""The column-at-a-time SSDA903 check agrees with the row-at-a-time rules, value for value."""

import itertools

import numpy as np
import pyarrow as pa
import pytest

from workbench.imports.ssda903 import _check_value, _spec, parse_ssda903
from workbench.imports.ssda903_columns import check_column, expected_at, tokenise

#: Values chosen to sit on every edge of the rules: shapes of dates, real and unreal days, the
#: year range, partial dates, codes in any case and retired codes, whole numbers and bounds,
#: child ids, spaces around values.
VALUES = [
    "", "  ", "A1", " A1 ", "a b", "ABCDEFGHIJK", "123456", "NORULE_BAD",
    "01/02/2020", "1/2/2020", " 01/02/2020 ", "2020-02-01", "2020-2-01", "31/02/2020", "29/02/2020",
    "29/02/2021", "2021-02-29", "01/13/2020", "00/01/2020", "01/01/1899", "01/01/2101", "2100-12-31",
    "1900-01-01", "02/01/20251", "zz/05/2012", "ZZ/zz/2013", "zz/13/2012", "zz/zz/1899", "zz/5/2012",
    "u1", "U1", "H5", "h5", "P2", "PN0", "pn7", "PN8", "X1", "SWLAZY", "1", "0", "2",
    "00", "007", "40", "41", "-1", "3.5", "99999999999999999999999", "WBRI", "wbri", "caf\u00e9",
]  # fmt: skip


def _columns():
    spec = _spec()
    return [(table, column) for table, columns in spec.tables.items() for column in columns]


@pytest.mark.parametrize("year", [None, 2019, 2025])
def test_every_column_checks_as_the_row_rules_do(year):
    spec = _spec()
    raw = pa.array(VALUES, pa.string())
    compared = 0
    for _table, column in _columns():
        checked = check_column(column, raw, year, spec)
        for position, value in enumerate(VALUES):
            normalised, expected = _check_value(column, value, year)
            assert bool(checked.bad[position]) == (expected is not None), (column.name, value)
            if expected is None:
                assert checked.values[position].as_py() == normalised, (column.name, value)
            else:
                assert expected_at(checked, position) == expected, (column.name, value)
                assert checked.stripped[position].as_py() == value.strip()
            compared += 1
    assert compared == len(VALUES) * len(_columns())


def _rows(path):
    parsed = parse_ssda903([path])[0]
    frame = next(iter(parsed.tables.values()))
    return parsed, frame.drop(columns="source_row").values.tolist(), frame["source_row"].tolist()


def test_pyarrow_and_the_csv_module_tokenise_alike(tmp_path):
    header = "CHILD,DOB,REVIEW,REVIEW_CODE"
    body = ["B1,01/01/2010,01/01/2020,pn1", "B2,01/01/2010,31/02/2020,PN1", "B3,1/1/2010,2021-02-28,PN2"]
    plain = tmp_path / "plain.csv"
    plain.write_text("\n".join([header, *body]) + "\n")
    # A blank line and a quoted line break: record numbers only the csv module can give.
    awkward = tmp_path / "awkward.csv"
    awkward.write_text("\n".join([header, body[0], "", '"B2",01/01/2010,"31/02/\n2020",PN1', body[2]]) + "\n")
    text = plain.read_text()
    fast = tokenise(text, header.split(","))
    assert fast.odd == [] and fast.rows.tolist() == [2, 3, 4]
    slow = tokenise(awkward.read_text(), header.split(","))
    assert slow.rows.tolist() == [2, 4, 5]  # records, as the row check always counted them
    plain_parsed, plain_rows, plain_numbers = _rows(plain)
    awkward_parsed, awkward_rows, awkward_numbers = _rows(awkward)
    assert plain_rows == awkward_rows == [
        ["B1", "2010-01-01", "2020-01-01", "PN1"], ["B3", "2010-01-01", "2021-02-28", "PN2"]
    ]  # fmt: skip
    assert plain_numbers == [2, 4] and awkward_numbers == [2, 5]
    assert [(r.row, r.field) for r in plain_parsed.rejections] == [(3, "REVIEW")]
    assert [(r.row, r.field, r.value) for r in awkward_parsed.rejections] == [(4, "REVIEW", "31/02/\n2020")]


def test_rejections_come_in_row_then_column_order(tmp_path):
    path = tmp_path / "reviews.csv"
    lines = [
        "CHILD,DOB,REVIEW,REVIEW_CODE",
        "B1,bad,bad,PN9",
        "B2,01/01/2010,01/01/2020",
        "B 3,,01/01/2020,PN1",
    ]
    path.write_text("\n".join(lines) + "\n")
    parsed = parse_ssda903([path])[0]
    found = [(r.row, r.field) for r in parsed.rejections]
    assert found == [
        (2, "DOB"),
        (2, "REVIEW"),
        (2, "REVIEW_CODE"),
        (3, "REVIEW_CODE"),
        (4, "CHILD"),
        (4, "DOB"),
    ]
    assert parsed.read == {"reviews": 3}
    assert parsed.counts()["rejected"].tolist() == [3]


def test_many_values_agree_in_bulk():
    # Every pair of a day and a month from 0 to 32, in both shapes, against the row rules.
    spec = _spec()
    column = next(c for c in spec.tables["episodes"] if c.name == "DECOM")
    values = [
        text
        for day, month in itertools.product(range(33), range(14))
        for text in (f"{day:02d}/{month:02d}/2024", f"2023-{month:02d}-{day:02d}", f"{day}/{month}/2024")
    ]
    checked = check_column(column, pa.array(values), None, spec)
    expected = np.array([_check_value(column, v, None)[1] is not None for v in values])
    assert (checked.bad == expected).all()
    assert checked.bad.sum() > 0 and (~checked.bad).sum() > 0
