"""The lowest layer: the data model, code lists, dates, disclosure control, provenance and progress.

Everything else may import from here; nothing here imports from the rest of the workbench.
"""
