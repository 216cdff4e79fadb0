"""The headline measures of DESIGN.md section 4, and what is built on them.

:mod:`~workbench.measures.service_data` reads the store once (``ServiceData``);
:mod:`~workbench.measures.headline` defines every measure and the registry ``MEASURES``;
:mod:`~workbench.measures.periods` gives a measure over months, quarters or years; trends,
breakdowns, what works and the statutory service outcomes build on those.
"""
