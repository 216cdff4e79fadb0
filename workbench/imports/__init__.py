"""Reading the authority's files: the outcome extract and the statutory returns.

Each parser reads one kind of file into :class:`~workbench.imports.report.ParsedFile` (or an
:class:`~workbench.imports.extract.Extract`): accepted rows per table, and every rejected row
with its file, sheet, row, field, value and what was expected. Parsers never drop a row
silently and never touch the store: :mod:`workbench.store.loading` stores what they accept.
"""
