"""Who a measure is about: :class:`Filters`, age bands at D and the date demo figures are at."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np
import pandas as pd

#: The demo extract's own date (``data/demo/as_at.txt``): the end of its last financial year.
#: For tests and examples about the demo only; pages and commands count from the data's date.
DEMO_AT = date(2026, 3, 31)


def data_day(store, at: date | None = None) -> date:
    """Return ``at`` when given, else the date of the data in ``store`` (its loaded extract's as-at).

    A store with nothing loaded has no date and no figures: its pages say what is missing, and
    count from today.
    """
    if at is not None:
        return at
    return store.data_date() or date.today()


#: Age bands at D, in order: (label, lowest age, highest age) in completed years.
#: "unborn" holds children whose birth month is after D's month (pre-birth plans).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("unborn", -1000, -1),
    ("0-4", 0, 4),
    ("5-9", 5, 9),
    ("10-15", 10, 15),
    ("16-17", 16, 17),
    ("18+", 18, 1000),
)


AGE_BAND_LABELS: tuple[str, ...] = tuple(label for label, _, _ in AGE_BANDS)


#: Columns describing the child at D: every counted thing belongs to a child.
CHILD_COLUMNS: tuple[str, ...] = (
    "locality",
    "team_id",
    "service",
    "worker_id",
    "age_band",
    "sex",
    "ethnicity",
    "disability",
)


@dataclass(frozen=True)
class Filters:
    """Who a measure is about. ``None`` means no restriction.

    Locality, sex, ethnicity and disability are the child's; team and worker are the
    child's allocation open at D, and service is that team's service (``teams.service``, so a
    service lead's scope is one filter); age band is the child's age at D (see
    :data:`AGE_BANDS`); plan type is the involvement's (one code, or a tuple of codes for a page
    about several plans, such as early help and children in need); domain is the outcome's.
    ``disability`` takes ``True``/``False`` (or ``"Y"``/``"N"``).
    """

    locality: str | None = None
    team_id: str | None = None
    worker_id: str | None = None
    service: str | None = None
    plan_type: str | tuple[str, ...] | None = None
    domain: str | None = None
    age_band: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    disability: bool | None = None

    def __post_init__(self) -> None:
        if isinstance(self.disability, str):
            flag = {"Y": True, "N": False}.get(self.disability.strip().upper())
            if self.disability.strip() and flag is None:
                raise ValueError(f"disability filter must be Y or N, not {self.disability!r}")
            object.__setattr__(self, "disability", flag)
        if self.age_band and self.age_band not in AGE_BAND_LABELS:
            raise ValueError(f"no age band {self.age_band!r}; age bands are {', '.join(AGE_BAND_LABELS)}")

    def active(self) -> dict[str, object]:
        """Return only the filters that restrict something (``False`` restricts; ``""`` does not)."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) not in (None, "")
        }


def plan_type_kept(plan_types: pd.Series, wanted: str | tuple[str, ...]) -> np.ndarray:
    """Return a mask over ``plan_types``: the rows of the plan type ``wanted`` (or of any of a tuple)."""
    column = pd.Series(plan_types)
    kept = column.isin(wanted) if isinstance(wanted, tuple) else column.eq(wanted)
    return kept.fillna(False).to_numpy(dtype=bool)
