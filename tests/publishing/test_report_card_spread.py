"""The report card shows how many outcomes went back, stayed the same and went up, with disclosure control."""

import pandas as pd
import pytest

from workbench.measures.distance import DIRECTIONS, distance_distribution
from workbench.measures.filters import DEMO_AT, Filters
from workbench.measures.headline import distance_travelled
from workbench.measures.service_data import ServiceData
from workbench.practice.appraisal import audit_frame, build_appraisal
from workbench.publishing.appraisal_pack import appraisal_figures, render_appraisal_page
from workbench.publishing.page_figures import published
from workbench.publishing.report_card import build_report_card, card_figures, render_report_card_page
from workbench.store.engine import Store


def test_a_small_direction_is_suppressed_and_so_is_another_since_the_total_is_shown():
    # 20 outcomes counted: 3 went back, 7 stayed the same, 10 went up. The 3 is hidden; with
    # 20 shown, 20 - 7 - 10 would give it away, so one more is hidden too.
    latest = {"distance_travelled": pd.Series({"numerator": 15.0, "denominator": 20, "value": 0.75})}
    figures = card_figures(
        latest, {"distance_travelled"}, {"went back": 3, "stayed the same": 7, "went up": 10}
    )
    shown = [published(figures, key) for key in ("distance", *(f"distance:{d}" for d in DIRECTIONS))]
    assert shown == ["20", "c", "c", "10"]  # the smallest other count (7) is hidden with the 3
    safe = card_figures(latest, {"distance_travelled"}, {"went back": 6, "stayed the same": 0, "went up": 14})
    assert [published(safe, f"distance:{d}") for d in DIRECTIONS] == [
        "6",
        "0",
        "14",
    ]


@pytest.fixture(scope="module")
def demo(demo_store_url) -> ServiceData:
    return ServiceData(Store(demo_store_url))


def test_the_card_on_the_demo_shows_the_spread_beside_the_mean(demo):
    card = build_report_card(demo, "North", filters=Filters(locality="North"))
    counted = distance_distribution(demo, DEMO_AT, Filters(locality="North"))
    total = int(distance_travelled(demo, DEMO_AT, Filters(locality="North"), by=None)["denominator"].iloc[0])
    assert int(counted["outcomes"].sum()) == total > 100
    assert card.distance_spread["shown"].tolist() == [f"{n:,}" for n in counted["outcomes"]]
    page = render_report_card_page(card)
    went_back = f"{int(counted['outcomes'].iloc[0]):,} went back"
    assert went_back in page and "wb-card-spread" in page and "<svg" in page


def test_the_shared_appraisal_pack_shows_the_spread_checked_with_its_other_counts(demo):
    appraisal = build_appraisal(demo, "W0130", DEMO_AT, audit_frame(demo.store))
    counts = appraisal.distance_spread.set_index("direction")["outcomes"]
    total = int(appraisal.figures.set_index("measure").loc["distance_travelled", "denominator"])
    assert int(counts.sum()) == total
    figures = appraisal_figures(appraisal)
    shown = [published(figures, f"spread:{d}") for d in DIRECTIONS]
    # Each direction is shown only where the page check allows; small ones never.
    for direction, text in zip(DIRECTIONS, shown, strict=True):
        assert text == "c" or (text == f"{int(counts[direction]):,}" and not 1 <= counts[direction] <= 5)
    page = render_appraisal_page(appraisal, "shared")
    assert "wb-distance-spread" in page
    assert f"{shown[2]} went up" in page and f"{shown[0]} went back" in page
    internal = render_appraisal_page(appraisal, "internal")
    assert f"{int(counts['went back']):,} went back" in internal


def test_each_point_of_the_distance_sparkline_has_its_spread_as_published(demo):
    from workbench.core.disclosure import suppress_with_total
    from workbench.measures.distance import distribution_over_periods

    card = build_report_card(demo, "North", filters=Filters(locality="North"), frequency="yearly")
    by_period = card.distance_spread_by_period.set_index("period")
    over = distribution_over_periods(demo, card.start, card.at, "yearly", Filters(locality="North"))
    over = over[over[list(DIRECTIONS)].sum(axis=1) > 0].set_index("period")
    assert list(by_period.index) == list(over.index) and len(over) >= 3
    for period, row in over.iloc[:-1].iterrows():
        assert by_period.loc[period].tolist() == suppress_with_total([int(row[d]) for d in DIRECTIONS])[0]
    # The last period is the card's own spread, checked with the card's other counts.
    assert by_period.iloc[-1].tolist() == card.distance_spread["shown"].tolist()
    page = render_report_card_page(card)
    assert "wb-card-spread-periods" in page and f"<th scope='row'>{over.index[0]}</th>" in page

