"""The service dashboards' figures and scope, on a hand-worked extract (sums in each test)."""

from __future__ import annotations

import copy
import math
from datetime import date

import pytest

from tests.fixtures.handworked import ROWS, write_extract
from workbench.measures.filters import Filters
from workbench.measures.headline import MEASURES
from workbench.pages.service import (
    NO_TEAM,
    ScopeError,
    dashboard_view,
    disproportionality,
    disproportionality_summary,
    measure_by,
    measure_trend,
    meeting_outcomes,
    repeat_plans,
    statutory_figures,
)
from workbench.store.loading import load_extract

AT = date(2026, 3, 31)


def extract_with_child_protection_meetings() -> dict:
    """The hand-worked extract plus a second CP plan for C3 and two CP meetings in the year to D.

    - I4: C3's second CP plan, started 2025-09-01 (I3, the first, started 2025-02-01).
    - M2: ICPC for I4 on 2025-09-05, child PN2 (took part), family attended; O9 was agreed there,
      agreed with the family (N) with a success measure and a baseline (clear).
    - M3: core group for I3 on 2025-10-01, child PN7 (did not take part), family absent; O6 was
      scored there (R10).
    """
    rows = copy.deepcopy(ROWS)
    rows["involvements"].append(
        {"involvement_id": "I4", "child_id": "C3", "plan_type": "cp", "start_date": "2025-09-01",
         "end_date": "", "end_reason": "", "team_id": "T2"}
    )  # fmt: skip
    base = {"wider_family_attended": "N", "agencies_attended": ""}
    rows["meetings"] += [
        {"meeting_id": "M2", "child_id": "C3", "involvement_id": "I4", "meeting_type": "icpc",
         "date": "2025-09-05", "child_participation": "PN2", "family_attended": "Y", **base},
        {"meeting_id": "M3", "child_id": "C3", "involvement_id": "I3", "meeting_type": "core_group",
         "date": "2025-10-01", "child_participation": "PN7", "family_attended": "N", **base},
    ]  # fmt: skip
    outcome = dict(rows["outcomes"][0])
    outcome.update(outcome_id="O9", child_id="C3", involvement_id="I4", agreed_meeting_id="M2",
                   agreed_date="2025-09-05", agreed_with_family="N", success_looks_like="Safe at home",
                   domain="safe_from_abuse", baseline_score="2")  # fmt: skip
    rows["outcomes"].append(outcome)
    review = dict(rows["outcome_reviews"][0])
    review.update(review_id="R10", outcome_id="O6", review_date="2025-10-01", meeting_id="M3", score="5")
    rows["outcome_reviews"].append(review)
    return rows


@pytest.fixture
def loaded(store, tmp_path):
    load_extract(store, write_extract(tmp_path / "extract", extract_with_child_protection_meetings()))
    return store


def test_view_offers_only_what_the_scope_allows(loaded):
    everything = dashboard_view("overview", loaded, AT)
    assert everything.localities == ["North", "South"]
    assert [team for _, team in everything.teams] == ["T1", "T2"]
    assert everything.statutory is False

    south = dashboard_view("overview", loaded, AT, scope=Filters(locality="South"))
    assert south.localities == ["South"]
    assert south.teams == [("South CP", "T2")]
    assert south.filters(Filters(team_id="T2")) == Filters(locality="South", team_id="T2")
    # A widget value can narrow, never widen: another locality or team is refused.
    with pytest.raises(ScopeError):
        south.filters(Filters(locality="North"))
    with pytest.raises(ScopeError):
        south.filters(Filters(team_id="T1"))


def test_service_pages_fix_their_plan_type_and_teams(loaded):
    cp = dashboard_view("cp", loaded, AT)
    assert cp.filters() == Filters(plan_type="cp")
    assert cp.teams == [("South CP", "T2")]  # the child protection service's own teams
    with pytest.raises(ScopeError):
        cp.filters(Filters(plan_type="cin"))


def test_measure_by_locality_and_team_carries_numerator_and_denominator(loaded):
    view = dashboard_view("overview", loaded, AT)
    # Consensual at D: active outcomes are O1, O2 (C1 North), O4 (C2 North; O3 and O8 closed), and
    # O5, O7, O9 (C3 South; O6 closed 2025-03-01), all agreed with the family but O9:
    # North 3 of 3, South 2 of 3, everyone 5 of 6.
    table = measure_by(view, "consensual", "locality").set_index("group")
    assert table.loc["North", ["numerator", "denominator"]].tolist() == [3, 3]
    assert table.loc["South", ["numerator", "denominator"]].tolist() == [2, 3]
    assert table["service_value"].iloc[0] == pytest.approx(5 / 6)
    by_team = measure_by(view, "consensual", "team_id").set_index("group")
    assert by_team.loc["North CIN", "denominator"] == 3
    assert by_team.loc["South CP", "denominator"] == 3
    assert NO_TEAM not in by_team.index
    same = MEASURES["consensual"](view.data, AT, Filters(), "locality")
    assert table["numerator"].sum() == same["numerator"].sum()


def test_disproportionality_labels_groups_and_flags_small_ones(loaded):
    view = dashboard_view("overview", loaded, AT)
    table = disproportionality(view, "consensual", "disability").set_index("group")
    # C2 is disabled (O4, agreed); C1 and C3 are not (O1, O2, O5, O7 agreed, O9 not): 4 of 5.
    assert table.loc["Disabled", ["numerator", "denominator"]].tolist() == [1, 1]
    assert table.loc["Not disabled", ["numerator", "denominator"]].tolist() == [4, 5]
    assert table["small"].all() and not table["notable"].any()
    summary = disproportionality_summary(table.reset_index(), "share")
    assert "read with care" in summary and "Disabled" in summary
    with pytest.raises(ValueError, match="no characteristic"):
        disproportionality(view, "consensual", "postcode")


def test_trend_is_one_row_per_financial_year(loaded):
    view = dashboard_view("cp", loaded, AT)
    trend = measure_trend(view, "consensual")
    assert trend["period"].tolist()[-1] == "2025-26"
    # CP outcomes active at D: O5, O7 (agreed with the family) and O9 (not): 2 of 3.
    assert trend.iloc[-1][["numerator", "denominator"]].tolist() == [2, 3]
    assert {"centre", "signal", "ci_low"} <= set(trend.columns)


def test_meeting_outcomes_by_meeting_type(loaded):
    view = dashboard_view("cp", loaded, AT)
    table = meeting_outcomes(view).set_index(["meeting_type", "figure"])
    # ICPC M2: took part (PN2) 1 of 1, family 1 of 1, nothing scored there, O9 agreed there:
    # not agreed with the family (0 of 1), clear (1 of 1).
    assert table.loc[("icpc", "took_part"), ["numerator", "denominator"]].tolist() == [1, 1]
    assert table.loc[("icpc", "family_attended"), ["numerator", "denominator"]].tolist() == [1, 1]
    assert table.loc[("icpc", "scored"), ["numerator", "denominator"]].tolist() == [0, 1]
    assert table.loc[("icpc", "agreed_with_family"), ["numerator", "denominator"]].tolist() == [0, 1]
    assert table.loc[("icpc", "clear"), ["numerator", "denominator"]].tolist() == [1, 1]
    # Core group M3: PN7 counts in the denominator only; family absent; O6 scored there.
    assert table.loc[("core_group", "took_part"), ["numerator", "denominator"]].tolist() == [0, 1]
    assert table.loc[("core_group", "family_attended"), ["numerator", "denominator"]].tolist() == [0, 1]
    assert table.loc[("core_group", "scored"), ["numerator", "denominator"]].tolist() == [1, 1]
    # No outcome was agreed at a core group: empty, never 0%.
    assert math.isnan(table.loc[("core_group", "clear"), "value"])
    # No RCPC in the year: every figure over nobody.
    assert table.loc["rcpc", "denominator"].eq(0).all()
    # Filters follow the child: nothing in North.
    assert meeting_outcomes(view, Filters(locality="North"))["denominator"].eq(0).all()


def test_repeat_plans_count_second_plans_started_in_the_year(loaded):
    view = dashboard_view("cp", loaded, AT)
    # CP plans started in the year to D: only I4 (I3 started 2025-02-01, before 2025-03-31),
    # and it is C3's second CP plan: 1 of 1.
    assert repeat_plans(view).iloc[0].tolist() == [1, 1, 1.0]
    assert repeat_plans(view, Filters(locality="North"))["denominator"].item() == 0
    assert math.isnan(repeat_plans(view, Filters(locality="North"))["value"].item())
    cla = dashboard_view("cla", loaded, AT)
    assert repeat_plans(cla)["denominator"].item() == 0


def test_statutory_figures_are_empty_until_returns_are_imported(loaded):
    view = dashboard_view("cla", loaded, AT)
    table = statutory_figures(view)
    assert table.empty
    assert list(table.columns) == ["measure", "title", "numerator", "denominator", "value"]


# -- role scopes (workbench.access) on the service dashboards ----------------------------------


def test_a_team_lead_sees_only_their_team_on_every_service_page(loaded):
    from workbench.access import Identity

    lead = Identity("lead-t2", "team_lead", team_id="T2")
    view = dashboard_view("overview", loaded, AT, identity=lead)
    assert view.localities == ["South"]
    assert view.scope.team_id == "T2"
    # Every figure on the page counts T2's children only: the same as the measure for T2.
    shown = measure_by(view, "clear", "locality")
    expected = MEASURES["clear"](view.data, AT, Filters(team_id="T2"), "locality")
    expected = expected[expected["denominator"] > 0]
    assert shown[["locality", "numerator", "denominator"]].values.tolist() == (
        expected[["locality", "numerator", "denominator"]].values.tolist()
    )
    cp = dashboard_view("cp", loaded, AT, identity=lead)
    assert [team for _, team in cp.teams] == ["T2"]
    # A widget value or URL parameter asking for another team or locality is refused.
    from workbench.access import AccessRefusedError

    with pytest.raises((ScopeError, AccessRefusedError)):
        view.filters(Filters(team_id="T1"))
    with pytest.raises(ScopeError):
        view.filters(Filters(locality="North"))
    with pytest.raises(AccessRefusedError):
        dashboard_view("overview", loaded, AT, scope=Filters(team_id="T1"), identity=lead)


def test_the_head_of_practice_improvement_sees_the_whole_service(loaded):
    from workbench.access import Identity

    head = Identity("hopi", "head_of_practice_improvement")
    assert dashboard_view("overview", loaded, AT, identity=head).localities == (
        dashboard_view("overview", loaded, AT).localities
    )


def test_a_practitioner_sees_only_their_caseload(loaded):
    from workbench.access import Identity, scope_for

    view = dashboard_view("overview", loaded, AT)
    allocated = view.data.allocation_at(AT)
    worker = str(allocated["worker_id"].dropna().iloc[0])
    mine = dashboard_view("overview", loaded, AT, identity=Identity("me", "practitioner", worker_id=worker))
    assert mine.scope.worker_id == worker and mine.teams == []
    assert mine.viewer == scope_for(Identity("me", "practitioner", worker_id=worker), view.data, AT)
    counted = measure_by(mine, "coverage", "locality")["denominator"].sum()
    expected = MEASURES["coverage"](view.data, AT, Filters(worker_id=worker), None)["denominator"].sum()
    assert counted == expected


@pytest.mark.parametrize("page", ["overview", "cla", "cp", "eh_cin"])
def test_a_page_prepared_before_the_viewer_shows_the_same_figures(loaded, page):
    """prepare_page (run by a preheated kernel) moves the work earlier; it changes no figure."""
    from workbench.measures.service_data import ServiceData
    from workbench.pages.service import prepare_page

    def figures(view):
        south = Filters(locality="South")
        return [
            measure_by(view, "consensual", "team_id", south).to_dict("records"),
            measure_trend(view, "reviewed", south).to_dict("records"),
            disproportionality(view, "clear", "sex").to_dict("records"),
            meeting_outcomes(view, south).to_dict("records"),
            repeat_plans(view, south).to_dict("records") if page != "overview" else None,
        ]

    fresh = figures(dashboard_view(page, at=AT, data=ServiceData(loaded)))
    prepared_data = ServiceData(loaded)
    prepare_page(page, prepared_data, AT)
    # The measures' cohorts at D and each trend year end are kept; and the page's meetings.
    assert len({when for _, when in prepared_data._by_date}) >= 2
    assert "meetings" in prepared_data.page_caches[(page, AT)]
    prepared = dashboard_view(page, at=AT, data=prepared_data)
    assert prepared._cache is prepared_data.page_caches[(page, AT)]
    # NaN != NaN: compare the records' text.
    assert repr(figures(prepared)) == repr(fresh)


def test_distance_by_group_carries_how_many_went_back_stayed_and_went_up(loaded):
    # North: O1 +3, O2 -1, O3 +5 (tests/fixtures/handworked.py); the South has no 0-10 outcome counted.
    view = dashboard_view("overview", loaded, AT)
    table = measure_by(view, "distance_travelled", "locality").set_index("group")
    assert table.loc["North", ["went back", "stayed the same", "went up"]].tolist() == [1, 0, 2]
    assert table.loc["North", "denominator"] == 3
    assert "went back" not in measure_by(view, "consensual", "locality").columns


def test_distance_trend_carries_how_many_went_back_stayed_and_went_up_each_year(loaded):
    view = dashboard_view("overview", loaded, AT)
    trend = measure_trend(view, "distance_travelled").set_index("period")
    directions = ["went back", "stayed the same", "went up"]
    # 2025-26 as at D: O1 +3, O2 -1, O3 +5. 2024-25: O6 +3 (closed 2025-03-01) and O8 +1 (replaced
    # 2024-07-01), both closed in that year. Earlier years count nothing.
    assert trend.loc["2025-26", directions].tolist() == [1, 0, 2]
    assert trend.loc["2024-25", directions].tolist() == [0, 0, 2]
    assert trend.loc["2023-24", directions].tolist() == [0, 0, 0]
    assert (trend[directions].sum(axis=1) == trend["denominator"]).all()
    assert "went back" not in measure_trend(view, "reviewed").columns


def test_a_filter_chosen_again_gets_its_own_figures_not_the_last_ones(loaded):
    # The page keeps each filter choice's figures; going back and forth must give each choice its
    # own, the figures a page that never saw another choice works out (a new kernel's data).
    from workbench.measures.service_data import ServiceData
    from workbench.pages.service import participation_by_code

    view = dashboard_view("cp", data=ServiceData(loaded), at=AT)
    figures = {
        "by locality": lambda v, f: measure_by(v, "clear", "locality", f),
        "by team": lambda v, f: measure_by(v, "reviewed", "team_id", f),
        "trend": lambda v, f: measure_trend(v, "clear", f),
        "meetings": lambda v, f: meeting_outcomes(v, f),
        "participation": lambda v, f: participation_by_code(v, f),
        "repeat plans": lambda v, f: repeat_plans(v, f),
    }
    choices = [Filters(), *(Filters(locality=name) for name in view.localities)]
    shown = []
    for chosen in [*choices, *choices[::-1], *choices]:
        fresh = dashboard_view("cp", data=ServiceData(loaded), at=AT)
        for name, figure in figures.items():
            got = figure(view, chosen)
            assert got.equals(figure(fresh, chosen)), (name, chosen)
            got["value"] = -1.0  # a caller changing what it got does not change what is kept
        shown.append(measure_by(view, "clear", "locality", chosen)["denominator"].sum())
    assert len(set(shown)) > 1  # the choices' figures differ, so a stale one would show
