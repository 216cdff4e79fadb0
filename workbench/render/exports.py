"""Export figures for people to open in a spreadsheet: CSV and XLSX.

Text that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``, ``@`` or a
tab) is written with a leading apostrophe, so a locality or team name typed into a source
system can never become a live formula in someone's Excel ("CSV injection").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot be read as spreadsheet formulas."""
    result = frame.copy()
    for column in result.columns:
        if result[column].dtype == object or pd.api.types.is_string_dtype(result[column]):
            text = result[column]
            risky = text.astype(str).str.startswith(_FORMULA_STARTS) & text.notna()
            result[column] = text.where(~risky, "'" + text.astype(str))
    return result


def export_tables(tables: dict[str, pd.DataFrame], folder: Path, stem: str) -> tuple[Path, Path]:
    """Write ``tables`` as one CSV per table and one XLSX with a sheet per table.

    Returns the path of the first CSV and of the workbook.
    """
    folder.mkdir(parents=True, exist_ok=True)
    safe = {name: defuse_formulas(frame) for name, frame in tables.items()}
    csv_paths = []
    for name, frame in safe.items():
        path = folder / f"{stem}-{name}.csv"
        frame.to_csv(path, index=False)
        csv_paths.append(path)
    workbook = folder / f"{stem}.xlsx"
    with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
        for name, frame in safe.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
    return csv_paths[0], workbook
