"""The shared filter state that every view on a page observes."""

from __future__ import annotations

import traitlets

from workbench.access import Scope
from workbench.measures.filters import Filters


class FilterState(traitlets.HasTraits):
    """Which children the page is about. Views ``observe`` it; filter widgets ``link`` to it.

    A filter narrows what the viewer already may see; it never widens a scope (scopes are
    decided in ``workbench`` from a trusted identity, not from widget values).
    """

    locality = traitlets.Unicode(None, allow_none=True)
    team_id = traitlets.Unicode(None, allow_none=True)
    worker_id = traitlets.Unicode(None, allow_none=True)
    plan_type = traitlets.Unicode(None, allow_none=True)
    domain = traitlets.Unicode(None, allow_none=True)
    age_band = traitlets.Unicode(None, allow_none=True)
    sex = traitlets.Unicode(None, allow_none=True)
    ethnicity = traitlets.Unicode(None, allow_none=True)
    disability = traitlets.Unicode(None, allow_none=True)  # "Y", "N" or None

    #: Every trait that narrows the children; views observe these names.
    NAMES = (
        "locality",
        "team_id",
        "worker_id",
        "plan_type",
        "domain",
        "age_band",
        "sex",
        "ethnicity",
        "disability",
    )

    def __init__(self, scope: Scope | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        #: The viewer's scope (``workbench.access.Scope``); None for a notebook's analyst.
        self.scope = scope

    def filters(self) -> Filters:
        """Return the state as ``workbench.measures.Filters``, narrowed to the viewer's scope.

        A value outside the scope raises ``workbench.access.AccessRefusedError``.
        """
        chosen = Filters(**{name: getattr(self, name) for name in self.NAMES})
        return chosen if self.scope is None else self.scope.restrict(chosen)
