from pathlib import Path

import pandas as pd

from workbench.imports.report import ParsedFile, Rejection


def test_a_row_with_two_problems_is_one_rejected_row():
    parsed = ParsedFile(Path("episodes.csv"), "ssda903", 2024)
    parsed.tables["episodes"] = pd.DataFrame({"CHILD": ["1", "2"], "source_row": [2, 4]})
    parsed.read["episodes"] = 4
    parsed.rejections += [
        Rejection("episodes.csv", "", 3, "episodes", "DECOM", "32/01/2024", "a date"),
        Rejection("episodes.csv", "", 3, "episodes", "PLACE", "ZZ", "a placement code"),
        Rejection("episodes.csv", "", 5, "episodes", "CHILD", "", "a child id"),
    ]
    counts = parsed.counts().set_index("table").loc["episodes"]
    assert (counts["read"], counts["accepted"], counts["rejected"]) == (4, 2, 2)
    assert len(parsed.rejections_frame()) == 3
    assert str(parsed.rejections[0]) == "episodes.csv, row 3, field 'DECOM': value '32/01/2024'; expected a date"
