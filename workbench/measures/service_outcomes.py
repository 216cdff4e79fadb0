"""Service-level outcomes from the imported statutory returns (DESIGN.md section 5).

Each figure carries its numerator and denominator, like the headline measures, and a share
over nobody is empty, never 0. D is the date the figures are "at"; "the year to D" is
(D - 365, D]. Returns imported more than once, or overlapping returns of different years,
describe the same events twice, so rows are first de-duplicated on what identifies the event
(a child and a start date, for example).

- **Placement stability**: of children looked after at D (an SSDA903 episode open at D), the
  share with 3 or more placements in the year to D. Placements are the episode open at the
  start of the year plus each episode starting in the year whose reason for new episode (RNE)
  records a new placement (S, P, B, T or U; a change of legal status alone, L, is not one).
- **Repeat child protection plans**: of CP plans starting in the year to D (CIN census), the
  share that are a second or later plan for the child: the return records a previous plan, or
  an earlier plan for the child is in the data.
- **Re-referrals within 12 months**: of referrals in the year to D (CIN census), the share
  that came within 365 days of an earlier referral for the same child.
- **Care leavers** (SSDA903 OC3, from the latest collection imported): of care leavers whose
  contact was required (IN_TOUCH not DIED or NREQ), the share in touch (YES); of those in
  touch, the share in suitable accommodation (ACCOM ending in 1) and in education, employment
  or training (ACTIV starting F or P).
- **Review participation**: of looked-after reviews in the year to D (SSDA903) coded PN1 to
  PN7, the share where the child took part (PN1 to PN6); PN0 (under 4) and blanks are left out.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from workbench.store.engine import Store

NEW_PLACEMENT = ("S", "P", "B", "T", "U")
#: What each figure counts, as people say it (lower is better for the first three).
TITLES = {
    "placement_stability": "Looked after with 3 or more placements in the year",
    "repeat_cp_plans": "Child protection plans that are a second or later plan",
    "re_referrals": "Referrals within 12 months of an earlier referral",
    "care_leavers_in_touch": "Care leavers in touch",
    "care_leavers_suitable_accommodation": "Care leavers in suitable accommodation",
    "care_leavers_eet": "Care leavers in education, employment or training",
    "review_participation": "Looked-after reviews the child took part in",
}
TOOK_PART = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6")


def _read(store: Store, table: str, columns: list[str], dates: tuple[str, ...]) -> pd.DataFrame:
    """Read columns of a statutory table, parsing the ``dates`` columns (stored as ISO text)."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT {', '.join(columns)} FROM {table}")).all()  # noqa: S608
    frame = pd.DataFrame([tuple(row) for row in rows], columns=columns)
    for column in dates:
        frame[column] = pd.to_datetime(frame[column], errors="coerce", format="ISO8601")
    return frame


def _figure(name: str, numerator: int, denominator: int) -> dict:
    return {
        "measure": name,
        "numerator": int(numerator),
        "denominator": int(denominator),
        "value": numerator / denominator if denominator else float("nan"),
    }


def placement_stability(store: Store, at: date) -> dict:
    """Children looked after at D with 3 or more placements in the year to D."""
    when, start = pd.Timestamp(at), pd.Timestamp(at) - pd.Timedelta(days=365)
    episodes = _read(store, "ssda903_episodes", ["child_id", "decom", "rne", "dec"], ("decom", "dec"))
    episodes = episodes.dropna(subset=["decom"]).drop_duplicates(["child_id", "decom"])
    open_at = (episodes["decom"] <= when) & (episodes["dec"].isna() | (episodes["dec"] > when))
    looked_after = set(episodes.loc[open_at, "child_id"])
    open_at_start = (episodes["decom"] <= start) & (episodes["dec"].isna() | (episodes["dec"] > start))
    started = (episodes["decom"] > start) & (episodes["decom"] <= when) & episodes["rne"].isin(NEW_PLACEMENT)
    placements = episodes[open_at_start | started].groupby("child_id").size()
    unstable = sum(1 for child in looked_after if placements.get(child, 0) >= 3)
    return _figure("placement_stability", unstable, len(looked_after))


def repeat_cp_plans(store: Store, at: date) -> dict:
    """CP plans starting in the year to D that are a second or later plan for the child."""
    when, start = pd.Timestamp(at), pd.Timestamp(at) - pd.Timedelta(days=365)
    plans = _read(
        store, "cin_cp_plans", ["child_id", "start_date", "number_of_previous_cpp"], ("start_date",)
    )
    plans = plans.dropna(subset=["start_date"]).drop_duplicates(["child_id", "start_date"])
    plans = plans.sort_values(["child_id", "start_date"])
    earlier_in_data = plans.groupby("child_id").cumcount() > 0
    recorded = pd.to_numeric(plans["number_of_previous_cpp"], errors="coerce").fillna(0) > 0
    in_year = (plans["start_date"] > start) & (plans["start_date"] <= when)
    return _figure("repeat_cp_plans", int((in_year & (earlier_in_data | recorded)).sum()), int(in_year.sum()))


def re_referrals(store: Store, at: date) -> dict:
    """Referrals in the year to D within 365 days of an earlier referral for the same child."""
    when, start = pd.Timestamp(at), pd.Timestamp(at) - pd.Timedelta(days=365)
    referrals = _read(store, "cin_referrals", ["child_id", "referral_date"], ("referral_date",))
    referrals = referrals.dropna(subset=["referral_date"]).drop_duplicates()
    referrals = referrals.sort_values(["child_id", "referral_date"])
    gap = referrals["referral_date"] - referrals.groupby("child_id")["referral_date"].shift()
    in_year = (referrals["referral_date"] > start) & (referrals["referral_date"] <= when)
    again = gap.notna() & (gap <= pd.Timedelta(days=365))
    return _figure("re_referrals", int((in_year & again).sum()), int(in_year.sum()))


def care_leavers(store: Store) -> list[dict]:
    """Care leavers in touch, in suitable accommodation, and in education, employment or training."""
    with store.engine.connect() as conn:
        latest = conn.execute(
            sa.text(
                "SELECT f.source_sha256 FROM statutory_files f WHERE f.kind = 'ssda903' AND EXISTS "
                "(SELECT 1 FROM ssda903_oc3 o WHERE o.source_sha256 = f.source_sha256) "
                "ORDER BY f.collection_year DESC, f.imported_at DESC LIMIT 1"
            )
        ).scalar()
        rows = conn.execute(
            sa.text("SELECT child_id, in_touch, activ, accom FROM ssda903_oc3 WHERE source_sha256 = :s"),
            {"s": latest},
        ).all()
    oc3 = pd.DataFrame([tuple(row) for row in rows], columns=["child_id", "in_touch", "activ", "accom"])
    oc3 = oc3.drop_duplicates("child_id")
    required = oc3[~oc3["in_touch"].isin(["DIED", "NREQ"])]
    in_touch = required[required["in_touch"] == "YES"]
    suitable = in_touch["accom"].fillna("").str.endswith("1")
    eet = in_touch["activ"].fillna("").str.match(r"^[FP]")
    return [
        _figure("care_leavers_in_touch", len(in_touch), len(required)),
        _figure("care_leavers_suitable_accommodation", int(suitable.sum()), len(in_touch)),
        _figure("care_leavers_eet", int(eet.sum()), len(in_touch)),
    ]


def review_participation(store: Store, at: date) -> dict:
    """Looked-after reviews in the year to D where the child took part (PN1 to PN6 of PN1 to PN7)."""
    when, start = pd.Timestamp(at), pd.Timestamp(at) - pd.Timedelta(days=365)
    reviews = _read(store, "ssda903_reviews", ["child_id", "review", "review_code"], ("review",))
    reviews = reviews.dropna(subset=["review"]).drop_duplicates(["child_id", "review"])
    counted = (
        (reviews["review"] > start)
        & (reviews["review"] <= when)
        & reviews["review_code"].isin([*TOOK_PART, "PN7"])
    )
    took_part = counted & reviews["review_code"].isin(TOOK_PART)
    return _figure("review_participation", int(took_part.sum()), int(counted.sum()))


def has_statutory_data(store: Store) -> bool:
    """Return whether any statutory return has been imported into ``store``."""
    with store.engine.connect() as conn:
        return bool(conn.execute(sa.text("SELECT COUNT(*) FROM statutory_files")).scalar())


def service_outcomes(store: Store, at: date) -> pd.DataFrame:
    """Return every service-level outcome at ``at``: measure, numerator, denominator, value."""
    figures = [placement_stability(store, at), repeat_cp_plans(store, at), re_referrals(store, at)]
    figures += care_leavers(store)
    figures.append(review_participation(store, at))
    table = pd.DataFrame(figures)
    table.insert(1, "title", table["measure"].map(TITLES))
    return table
