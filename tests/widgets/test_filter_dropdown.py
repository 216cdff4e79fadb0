"""The one filter dropdown: "all" first, and bound both ways to a state's trait (None means all)."""

from widgets.filter_dropdown import ALL, ALL_LOCALITIES, FilterDropdown, LocalityFilter, TeamFilter
from widgets.filter_state import FilterState


def test_all_is_offered_first_and_is_none_in_the_state():
    state = FilterState()
    dropdown = FilterDropdown("Plan type", [("Child protection", "cp")], "wb-plan-filter", all_label="All")
    dropdown.bind(state, "plan_type")
    assert dropdown.options[0] == ("All", ALL) and dropdown.value == ALL and state.plan_type is None
    assert "wb-plan-filter" in dropdown._dom_classes
    dropdown.value = "cp"
    assert state.plan_type == "cp"
    state.plan_type = None
    assert dropdown.value == ALL


def test_without_an_all_label_only_the_options_are_offered():
    dropdown = FilterDropdown("Period ending", [("March 2026", "2026-03-31")], "wb-period-filter")
    assert dropdown.options == (("March 2026", "2026-03-31"),)


def test_locality_and_team_filters_follow_a_state_set_elsewhere():
    state = FilterState(locality="North")
    locality = LocalityFilter(state, ["North", "South"])
    team = TeamFilter(state, [("Team one", "T1")])
    assert locality.dropdown.value == "North" and locality.dropdown.options[0] == (ALL_LOCALITIES, ALL)
    state.locality, state.team_id = None, "T1"
    assert locality.dropdown.value == ALL and team.dropdown.value == "T1"
    assert "wb-filter" in locality._dom_classes and "wb-team-filter" in team.dropdown._dom_classes
