"""Upload an authority's files, check them, read the report, and load them: for data officers.

Used by ``notebooks/01-import-and-check.ipynb``. Uploaded files are written to a private
working folder, checked with the same code as ``workbench check``, and shown as a count per
table and every problem (escaped, never as raw HTML). An outcome extract loads only when it
is clean, all-or-nothing; a statutory return loads its good rows, file by file, and its
rejected rows stay in the report.
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Callable
from pathlib import Path

import ipywidgets as W
import pandas as pd

from workbench.core.codes import DATA_DIR
from workbench.imports.checking import check_files, counts_frame, is_refused, rejections_frame
from workbench.imports.extract import ExtractError, problems_frame, validate_extract
from workbench.imports.sources import IDENTITY, ExtractMapping, MappingError
from workbench.measures import service_figures  # noqa: F401 - every snapshot a load writes keeps the service's figures
from workbench.store.engine import Store
from workbench.store.loading import import_statutory, load_extract

#: What can be uploaded, and which files each kind takes.
KINDS = {
    "extract": ("Outcome extract (CSV files, or one XLSX workbook)", ".csv,.xlsx"),
    "ssda903": ("SSDA903 return (CSV tables, or the XML form)", ".csv,.xml"),
    "cin": ("CIN census (XML)", ".xml"),
    "annex-a": ("Ofsted Annex A (XLSX workbook)", ".xlsx"),
}

MAPPINGS_DIR = DATA_DIR / "mappings"
_NO_MAPPING = ""
#: Problems shown on the page; every one of them is in the downloadable CSV.
SHOWN_PROBLEMS = 200


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, na_rep="", classes="wb-table")


class ImportChecker(W.VBox):
    """Check an uploaded outcome extract (CSV files or one XLSX workbook), then load it."""

    def __init__(self, store_factory: Callable[[], Store], work_folder: Path | None = None) -> None:
        self.store_factory = store_factory
        self.work_folder = Path(work_folder or tempfile.mkdtemp(prefix="workbench-upload-"))
        self.work_folder.mkdir(parents=True, exist_ok=True)
        self.problems = pd.DataFrame()
        self.counts = pd.DataFrame()
        self.checked_source: Path | None = None
        self.kind = W.Dropdown(
            options=[(label, kind) for kind, (label, _) in KINDS.items()],
            description="What are you importing?",
            style={"description_width": "initial"},
            layout=W.Layout(width="520px"),
        )
        self.kind.add_class("wb-import-kind")
        self.checked_files: list[Path] = []
        self.upload = W.FileUpload(accept=".csv,.xlsx", multiple=True, description="Choose files")
        self.upload.tooltip = (
            "Up to 200 MB in all; for larger extracts use `workbench load` at the command line."
        )
        self.upload.add_class("wb-upload")
        mappings = sorted(MAPPINGS_DIR.glob("*.yaml"))
        self.mapping = W.Dropdown(
            options=[("No mapping: files are in the extract format", _NO_MAPPING)]
            + [(path.name, str(path)) for path in mappings],
            description="Column mapping",
            style={"description_width": "initial"},
            layout=W.Layout(width="520px"),
        )
        self.check_button = W.Button(description="Check", icon="check", button_style="primary")
        self.check_button.add_class("wb-check")
        self.load_button = W.Button(description="Load into the store", icon="upload", disabled=True)
        self.load_button.add_class("wb-load")
        self.status = W.HTML()
        self.status.add_class("wb-import-status")
        self.report = W.HTML()
        self.report.add_class("wb-import-report")
        self.check_button.on_click(lambda _button: self.check())
        self.load_button.on_click(lambda _button: self.load())
        self.upload.observe(lambda _change: self._reset(), names="value")
        self.kind.observe(self._on_kind, names="value")
        super().__init__(
            [
                self.kind,
                self.upload,
                self.mapping,
                W.HBox([self.check_button, self.load_button]),
                self.status,
                self.report,
            ]
        )
        self.add_class("wb-import-checker")

    def _on_kind(self, change: dict) -> None:
        self.upload.accept = KINDS[change["new"]][1]
        self.mapping.disabled = change["new"] != "extract"  # mappings are for outcome extracts
        self._reset()

    def _reset(self) -> None:
        self.load_button.disabled = True
        self.checked_source = None
        self.status.value = f"<p>{len(self.upload.value)} file(s) chosen. Press <strong>Check</strong>.</p>"

    def _save_uploads(self) -> Path:
        """Write the uploaded files to a fresh folder and return the extract source."""
        folder = Path(tempfile.mkdtemp(dir=self.work_folder))
        names = []
        for item in self.upload.value:
            name = Path(item["name"]).name  # never trust a path from the browser
            (folder / name).write_bytes(bytes(item["content"]))
            names.append(name)
        workbooks = [n for n in names if n.lower().endswith(".xlsx")]
        return folder / workbooks[0] if len(workbooks) == 1 and len(names) == 1 else folder

    def _mapping(self) -> ExtractMapping:
        return ExtractMapping.load(Path(self.mapping.value)) if self.mapping.value else IDENTITY

    def check(self) -> bool:
        """Check the uploaded files; show counts and every problem. Return whether they are valid."""
        self.load_button.disabled = True
        if not self.upload.value:
            self.status.value = "<p>Choose the extract's CSV files, or one XLSX workbook, first.</p>"
            return False
        source = self._save_uploads()
        if self.kind.value != "extract":
            return self._check_statutory(source)
        try:
            extract = validate_extract(source, mapping=self._mapping())
        except MappingError as error:
            self.status.value = f"<p>The mapping cannot be used: {html.escape(str(error))}</p>"
            return False
        except ExtractError as error:
            self.problems = error.to_frame()
            self.counts = pd.DataFrame()
            csv_path = self.work_folder / "problems.csv"
            self.problems.to_csv(csv_path, index=False)
            self.status.value = (
                f"<p><strong>Refused: {len(error.problems):,} problem(s); nothing can be loaded.</strong> "
                "Each names the file, row and field. All of them are in "
                f"<code>{html.escape(str(csv_path))}</code>.</p>"
            )
            shown = self.problems.head(SHOWN_PROBLEMS)
            more = len(self.problems) - len(shown)
            # The summary first (what was read, the three things to fix first), escaped: it
            # quotes values from the files. Then the first problems row by row.
            summary = html.escape(str(error))
            summary = f'<pre class="wb-import-summary" style="white-space: pre-wrap">{summary}</pre>'
            self.report.value = (
                summary + _table_html(shown) + (f"<p>... and {more:,} more in the CSV.</p>" if more else "")
            )
            return False
        # Notes (a header found below a title) and blanked values: none stops the load.
        self.problems = problems_frame(extract.notices) if extract.notices else pd.DataFrame()
        self.counts = pd.DataFrame(
            {"table": list(extract.row_counts()), "rows": list(extract.row_counts().values())}
        )
        notes = "".join(
            f"<p>{html.escape(name)} was read as {html.escape(encoding)}.</p>"
            for name, encoding in extract.encodings.items()
            if encoding != "utf-8-sig"
        )
        notes += "".join(
            f"<p>{html.escape(line.strip().removeprefix('- '))}</p>" for line in extract.notice_lines()
        )
        ready = self.counts["rows"].sum()
        self.status.value = f"<p><strong>No problems.</strong> {ready:,} rows are ready to load.</p>{notes}"
        self.report.value = _table_html(self.counts)
        self.checked_source = source
        self.load_button.disabled = False
        return True

    def _check_statutory(self, source: Path) -> bool:
        files = [source] if source.is_file() else sorted(p for p in source.iterdir() if p.is_file())
        parsed = check_files(self.kind.value, files)
        self.counts = counts_frame(parsed)
        self.problems = rejections_frame(parsed)
        refused = [p.path.name for p in parsed if is_refused(p)]
        csv_path = self.work_folder / "rejections.csv"
        self.problems.to_csv(csv_path, index=False)
        accepted, rejected = int(self.counts["accepted"].sum()), int(self.counts["rejected"].sum())
        blanked = sum(len(p.blanked) for p in parsed)
        summary = f"<p><strong>{accepted:,} rows accepted, {rejected:,} rejected.</strong> "
        if blanked:
            # A bad value in a field no measure reads is blanked, not a reason to lose the row.
            summary += f"{blanked:,} value(s) blanked in rows that were kept. "
        if refused:
            summary += f"Refused, as not this kind of file: {html.escape(', '.join(refused))}. "
        summary += f"Every rejection and blanked value is in <code>{html.escape(str(csv_path))}</code>.</p>"
        self.status.value = summary
        shown = self.problems.head(SHOWN_PROBLEMS)
        self.report.value = _table_html(self.counts) + (_table_html(shown) if len(shown) else "")
        self.checked_files = [p.path for p in parsed if not is_refused(p)]
        self.checked_source = source if self.checked_files else None
        self.load_button.disabled = not self.checked_files
        return bool(self.checked_files) and not refused

    def load(self) -> str:
        """Load what was checked: an extract all or nothing, statutory files file by file.

        Returns the status: ``loaded`` or ``unchanged`` for an extract; for statutory files,
        the statuses of the files joined by commas (``imported``, ``unchanged``, ``refused``).
        """
        if self.checked_source is None:
            self.status.value = "<p>Check the files first.</p>"
            return "not checked"
        if self.kind.value != "extract":
            outcomes = import_statutory(self.store_factory(), self.kind.value, self.checked_files)
            stored = sum(sum(o.rows.values()) for o in outcomes)
            self.status.value = (
                f"<p><strong>Imported</strong> {stored:,} rows from "
                f"{sum(o.status == 'imported' for o in outcomes)} file(s); "
                f"{sum(o.status == 'unchanged' for o in outcomes)} imported before, unchanged.</p>"
            )
            self.load_button.disabled = True
            return ",".join(o.status for o in outcomes)
        result = load_extract(self.store_factory(), self.checked_source, mapping=self._mapping())
        if result.status == "unchanged":
            self.status.value = "<p>This extract is already loaded; nothing changed.</p>"
        else:
            self.status.value = f"<p><strong>Loaded</strong> {sum(result.rows.values()):,} rows.</p>"
        self.load_button.disabled = True
        return result.status
