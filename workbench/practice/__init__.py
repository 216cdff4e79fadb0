"""The practice tools: case audits, supervision, appraisal, the attention list and statements by team.

They read measures and the store, and are scoped by :mod:`workbench.access`.
"""
