"""Published pages: supervision and appraisal packs and the report card.

Offline, and disclosure-controlled when shared (DESIGN.md section 7).
"""
