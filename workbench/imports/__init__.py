"""Importers for the authority's files: outcome extracts and the statutory returns.

Each statutory parser reads one kind of file into :class:`~workbench.imports.report.ParsedFile`:
accepted rows per table, and every rejected row with its file, sheet, row, field, value and
what was expected. Parsers never drop a row silently and never touch the store.
"""
