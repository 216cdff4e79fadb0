"""Outcome-focused case audits: templates, sampling, recording, moderation, findings, import.

DESIGN.md section 6. Historic audits come with the extract; audits recorded in the workbench
live in tables of their own (:mod:`workbench.audits.schema`) so an extract reload keeps them.
The frames below give both sources as one.
"""

from workbench.audits.frames import action_frame, answer_frame, audit_frame
from workbench.audits.recording import current_user

__all__ = ["action_frame", "answer_frame", "audit_frame", "current_user"]
