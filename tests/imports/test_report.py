from pathlib import Path

import pandas as pd

from workbench.imports.report import ParsedFile, Rejection, blank


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
    # The report says what happened to the row: rejected (issue 14, part 4).
    assert str(parsed.rejections[0]) == (
        "episodes.csv, row 3, field 'DECOM': rejected: value '32/01/2024'; expected a date"
    )


def test_a_blanked_value_keeps_its_row_and_is_reported():
    parsed = ParsedFile(Path("episodes.csv"), "ssda903", 2024)
    parsed.tables["episodes"] = pd.DataFrame({"CHILD": ["1"], "PLACE": [""], "source_row": [2]})
    parsed.read["episodes"] = 1
    parsed.blanked.append(
        blank(Rejection("episodes.csv", "", 2, "episodes", "PLACE", "ZZ", "one of the placement type codes: U1"))
    )
    counts = parsed.counts().set_index("table").loc["episodes"]
    assert (counts["read"], counts["accepted"], counts["rejected"]) == (1, 1, 0)
    assert str(parsed.blanked[0]) == (
        "episodes.csv, row 2, field 'PLACE': blanked: value 'ZZ' is not in the code list for PLACE "
        "(expected one of the placement type codes: U1); row kept"
    )
    frame = parsed.rejections_frame()
    assert frame[["field", "value", "action"]].values.tolist() == [["PLACE", "ZZ", "blanked"]]
