"""Outcome-focused case audits: templates, sampling, recording, moderation, findings, import.

DESIGN.md section 6. Historic audits come with the extract; audits recorded in the workbench
live in tables of their own (:mod:`workbench.store.audit_tables`) so an extract reload keeps
them, and :mod:`workbench.store.audit_frames` gives both sources as one.
"""
