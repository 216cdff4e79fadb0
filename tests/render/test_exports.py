import pandas as pd
from openpyxl import load_workbook

from workbench.render.exports import defuse_formulas, export_tables


def test_text_that_looks_like_a_formula_is_defused():
    frame = pd.DataFrame({"team": ["=HYPERLINK(\"x\")", "North", "+1", None], "value": [1.0, -2.0, 3.0, 4.0]})
    safe = defuse_formulas(frame)
    assert safe["team"].tolist()[:3] == ["'=HYPERLINK(\"x\")", "North", "'+1"]
    assert pd.isna(safe["team"].iloc[3])
    assert safe["value"].tolist() == [1.0, -2.0, 3.0, 4.0]  # numbers stay numbers


def test_export_writes_csv_and_a_workbook_with_a_sheet_per_table(tmp_path):
    trend = pd.DataFrame({"period": ["2025-26 Q1"], "numerator": [3], "denominator": [4], "value": [0.75]})
    breakdown = pd.DataFrame({"sex": ["=cmd"], "value": [0.5]})
    csv_path, xlsx_path = export_tables({"trend": trend, "breakdown": breakdown}, tmp_path, "clear")
    assert csv_path.read_text().splitlines() == ["period,numerator,denominator,value", "2025-26 Q1,3,4,0.75"]
    book = load_workbook(xlsx_path)
    assert book.sheetnames == ["trend", "breakdown"]
    assert book["breakdown"]["A2"].value == "'=cmd"
    assert book["breakdown"]["A2"].data_type == "s"
