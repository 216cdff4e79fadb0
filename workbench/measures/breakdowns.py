"""Breakdowns and disproportionality: a measure by any characteristic, against the service.

Disproportionality is seen by setting each group's figure beside the whole service's. Small
groups are flagged rather than over-read: a group whose denominator is under
:data:`SMALL_GROUP` is marked ``small``, and a gap is called ``notable`` only for a share
whose 95% Wilson interval leaves out the service figure (for a mean, only the size flag
applies, since a tidy measure carries no spread).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.measures.trends import wilson_interval

#: Groups with fewer than this many in the denominator are flagged as small.
SMALL_GROUP = 20


def compare_to_service(
    groups: pd.DataFrame, service: pd.DataFrame, by: str, unit: str = "share", small: int = SMALL_GROUP
) -> pd.DataFrame:
    """Set each group's figure beside the service figure.

    ``groups`` is a measure grouped ``by`` a column; ``service`` is the same measure with
    ``by=None`` (one row). Adds ``service_value``, ``gap`` (group minus service), ``ci_low``
    and ``ci_high`` (shares only), ``small`` and ``notable``. Rows are sorted by gap, most
    below the service first, so the groups that fare worst lead.
    """
    service_value = float(service["value"].iloc[0]) if len(service) else np.nan
    result = set_beside(groups, service_value, unit == "share", small)
    return result.sort_values(["gap", by], na_position="last").reset_index(drop=True)


def set_beside(
    figures: pd.DataFrame,
    service_value: float | np.ndarray,
    share: bool | np.ndarray,
    small: int = SMALL_GROUP,
) -> pd.DataFrame:
    """Add service_value, gap, ci_low, ci_high, small and notable to each row of ``figures``.

    ``service_value`` and ``share`` (whether the figure is a share, with an interval) are one
    value for every row, or one per row: so many measures can be set beside the service at
    once, as the team lead's headline does. Rows keep their order.
    """
    result = figures.copy()
    result["service_value"] = service_value
    result["gap"] = result["value"] - result["service_value"]
    low, high = wilson_interval(result["numerator"], result["denominator"])
    share = np.broadcast_to(np.asarray(share, dtype=bool), len(result))
    result["ci_low"] = np.where(share, low, np.nan)
    result["ci_high"] = np.where(share, high, np.nan)
    outside = (result["ci_high"] < result["service_value"]) | (result["ci_low"] > result["service_value"])
    result["small"] = result["denominator"] < small
    result["notable"] = outside.fillna(False).astype(bool) & share & ~result["small"]
    return result
