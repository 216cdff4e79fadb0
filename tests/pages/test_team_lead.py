"""The team lead dashboard's logic and widgets, without a kernel, on the hand-worked measures fixture.

At D = 2026-03-31: team T1 (cin) holds C1, C2 and C3 through worker W1; T2 (cp) holds C5 and
C6 through W2. C1's outcomes at D: P12 (agreed 2024-12-31, baseline 6, scored 8 and 7 on
2025-12-01), P1 (2025-01-10, baseline 3, scored 5 on 2025-12-31; the 9 after D is left out)
and P2 (2025-12-30, baseline 4, scored 5 on 2025-12-30); P14 is agreed after D.
"""

from datetime import date

import pandas as pd
import pytest
import traitlets

from tests.fixtures.handworked import write_extract
from tests.fixtures.measures import ROWS
from widgets.offline import stable_dataset_names
from widgets.team_lead_view import TeamLeadView
from workbench.access import Identity, scope_for
from workbench.measures.filters import Filters
from workbench.measures.headline import MEASURES, clear, distance_travelled, headline_measures
from workbench.measures.service_data import ServiceData
from workbench.pages.team_lead import (
    children_in_view,
    headline_against_service,
    headline_text,
    journey_summary,
    outcome_journey,
    period_choices,
    prepare_service_figures,
)
from workbench.render.charts import headline_against_service_chart, outcome_journey_chart
from workbench.store.engine import Store
from workbench.store.loading import load_extract

D = date(2026, 3, 31)
TEAM_LEAD = Identity(user="lead", role="team_lead", team_id="T1")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("team-lead")
    extract = write_extract(folder / "extract", ROWS)
    url = f"sqlite:///{folder / 'store.sqlite'}"
    load_extract(Store(url), extract)
    return ServiceData(Store(url))


def test_periods_are_the_last_financial_quarters_most_recent_first():
    periods = period_choices(D, count=3)
    assert periods == [
        ("31 March 2026 (2025-26 Q4)", date(2026, 3, 31)),
        ("31 December 2025 (2025-26 Q3)", date(2025, 12, 31)),
        ("30 September 2025 (2025-26 Q2)", date(2025, 9, 30)),
    ]


def test_a_datas_date_between_quarter_ends_comes_first_so_this_week_counts_from_it():
    periods = period_choices(date(2026, 12, 4), count=3)
    assert periods == [
        ("4 December 2026 (the data's date)", date(2026, 12, 4)),
        ("30 September 2026 (2026-27 Q2)", date(2026, 9, 30)),
        ("30 June 2026 (2026-27 Q1)", date(2026, 6, 30)),
    ]


def test_headline_sets_the_team_beside_the_whole_service(service):
    table = headline_against_service(service, D, Filters(team_id="T1"), Filters()).set_index("measure")
    team, whole = clear(service, D, Filters(team_id="T1")), clear(service, D)
    assert table.loc["clear", ["numerator", "denominator"]].tolist() == [4, 5]
    assert table.loc["clear", "value"] == team["value"].item()
    assert table.loc["clear", "service_value"] == whole["value"].item()
    assert set(table.index) == set(headline_measures(service, D)["measure"])
    spec = headline_against_service_chart(table.reset_index(), "T1").to_dict()
    rows = spec["datasets"][spec["data"]["name"]]
    clear_row = next(r for r in rows if r["title"] == "Clear")
    assert clear_row["summary"].startswith("Measure: Clear; Team: 80%; Counted: 4 of 5; Service: ")


def test_children_in_view_follow_scope_and_filters(service):
    scope = scope_for(TEAM_LEAD, service, D)
    assert children_in_view(service, D, scope, scope.restrict()) == ["C1", "C2", "C3"]
    assert children_in_view(service, D, scope, scope.restrict(Filters(locality="South"))) == ["C3"]


def test_a_childs_journey_is_the_baseline_then_each_scored_review_to_d(service):
    journey = outcome_journey(service, "C1", D)
    assert list(zip(journey["outcome_id"], journey["kind"], journey["score"], strict=True)) == [
        ("P12", "baseline", 6.0),
        ("P12", "review", 8.0),
        ("P12", "review", 7.0),
        ("P1", "baseline", 3.0),
        ("P1", "review", 5.0),
        ("P2", "baseline", 4.0),
        ("P2", "review", 5.0),
    ]
    assert journey["outcome"].iloc[0].startswith("1. ")
    summary = journey_summary(journey).set_index("Outcome")
    assert summary["Scores"].tolist() == ["6 → 8 → 7", "3 → 5", "4 → 5"]
    assert summary["Reviews"].tolist() == [2, 1, 1]
    spec = outcome_journey_chart(journey, "C1").to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "rule", "point"]
    assert outcome_journey(service, "C1", D, domain="health")["outcome_id"].unique().tolist() == ["P2"]


def test_the_view_offers_only_the_team_and_its_children(service):
    view = TeamLeadView(service, TEAM_LEAD, at=D)
    assert view.filters.team.options == (("North CIN", "T1"),)
    assert [value for _, value in view.child_options] and {v for _, v in view.child_options} == {
        "C1",
        "C2",
        "C3",
    }
    assert [value for _, value in view.filters.worker.options] == ["", "W1"]
    with pytest.raises(traitlets.TraitError):
        view.child_id = "C5"  # another team's child, however the value arrives
    with pytest.raises(traitlets.TraitError):
        view.filters.team_id = "T2"
    assert view.filters.filters().team_id == "T1"
    assert view.headline.set_index("measure").loc["clear", "denominator"] == 5
    # What each measure counts, in plain words with the date shown filled in, under the table.
    words = view.headline_table.value.split('<details class="wb-measure-words">')[1]
    assert words.count("<li>") == len(view.headline)
    assert f"desired outcomes in place on {D.day} {D:%B %Y}" in words
    assert "success_looks_like" not in words


def test_a_filter_change_recomputes_the_figures_and_the_chart(service):
    view = TeamLeadView(service, Identity(user="hopi", role="head_of_practice_improvement"), at=D)
    assert [value for _, value in view.filters.team.options] == ["T1", "T2"]
    before = view.headline_chart.chart.to_dict()
    shown = []
    view.loading.observe(lambda change: shown.append(change["new"]), names="value")
    view.filters.team.value = "T2"
    # The page says it is working while the figures are computed, then clears the message.
    assert "Working out the figures" in shown[0] and "Working" not in shown[-1]
    assert view.children_shown == ["C5", "C6"]
    after = view.headline_chart.chart.to_dict()
    assert after != before
    assert view.headline.set_index("measure").loc["clear", ["numerator", "denominator"]].tolist() == [0, 1]
    assert "wb-loading-text" in view.loading.value and "Working" not in view.loading.value
    view.filters.plan_type = "cp"
    assert view.scoped_filters == Filters(team_id="T2", plan_type="cp")


def test_a_choice_made_again_shows_its_own_figures_not_the_last_ones(service):
    # The page keeps each choice's figures: going back and forth between teams, plan types and
    # periods must show each choice's own figures, as a page opened at that choice works them out.
    hopi = Identity(user="hopi", role="head_of_practice_improvement")
    view = TeamLeadView(service, hopi, at=D)
    earlier = date(2025, 12, 31)
    steps = [("team", "T2"), ("plan", "cp"), ("team", "T1"), ("plan", ""), ("period", earlier),
             ("team", "T2"), ("period", D), ("team", "T1"), ("plan", "cp"), ("plan", "")]  # fmt: skip
    seen = set()
    for what, value in steps:
        {"team": view.filters.team, "plan": view.filters.plan, "period": view.filters.period}[what].value = value
        filters = view.filters.filters()
        service_filters = view.filters.service_filters()
        fresh = headline_against_service(service, view.at, filters, service_filters)
        pd.testing.assert_frame_equal(view.headline, fresh)
        assert view.children_shown == children_in_view(service, view.at, view.filters.scope, filters)
        # The chart drawn is the chart of these figures, and so is the spec sent to the browser
        # (after the first drawing, the kept spec with these rows and title: LiveChart.show).
        assert view.headline_chart.chart.to_dict() == view._headline_chart().to_dict()
        assert view.headline_chart.spec == stable_dataset_names(view._headline_chart().to_dict())
        seen.add((view.at, filters))
    assert len(seen) < len(steps)  # some choices were made again (their kept figures were shown)
    assert view.headline_chart._drawings  # the spec was reused with new rows, not built by Altair
    differs = {(at, f.team_id): view._kept_headline[(at, f, view.filters.service_filters())]["numerator"].sum()
               for at, f in seen if f.plan_type is None}  # fmt: skip
    assert len(set(differs.values())) > 1  # the choices' figures differ, so a stale one would show


def test_choosing_a_child_draws_their_journey(service):
    view = TeamLeadView(service, TEAM_LEAD, at=D)
    view.child.value = "C1"
    assert view.journey["outcome_id"].unique().tolist() == ["P12", "P1", "P2"]
    assert "C1" in view.journey_chart.chart.to_dict()["title"]
    assert "<td>" in view.journey_table.value
    assert isinstance(view.attention, pd.DataFrame)


def test_a_practitioner_sees_their_own_caseload_only(service):
    view = TeamLeadView(service, Identity(user="w2", role="practitioner", worker_id="W2"), at=D)
    assert view.children_shown == ["C5", "C6"]
    assert view.filters.team.options == (("Your caseload", ""),)
    assert [value for _, value in view.filters.worker.options] == ["W2"]
    assert view.scoped_filters == Filters(worker_id="W2")
    with pytest.raises(traitlets.TraitError):
        view.filters.worker_id = "W1"


def test_attention_from_the_store_matches_the_plain_frames(service):
    from workbench.practice.attention import attention_for, attention_reasons

    children = ["C1", "C2", "C3", "C5", "C6"]
    fast = attention_for(service, D, children)
    plain = attention_reasons(
        service.outcomes[service.outcomes["child_id"].isin(children)], service.reviews, service.meetings, D
    )
    assert not fast.empty
    pd.testing.assert_frame_equal(fast, plain)
    education = attention_for(service, D, children, domain="education")
    assert set(service.outcomes.set_index("outcome_id").loc[education["outcome_id"], "domain"]) == {
        "education"
    }


def test_the_page_opens_at_the_datas_date_and_the_date_picker_looks_back(service):
    hopi = Identity(user="hopi", role="head_of_practice_improvement")
    view = TeamLeadView(service, hopi)
    assert view.at == service.store.data_date() == D  # the fixture's own date, no fixed default
    assert "Figures as at Tuesday 31 March 2026, loaded " in view.data_date.line.value
    earlier = date(2025, 12, 31)
    view.data_date.show(earlier)
    assert view.at == view.filters.at == earlier
    assert "Figures as at Wednesday 31 December 2025 (looking back" in view.data_date.line.value
    # Redrawn at that date: the same figures as a page opened there.
    opened_there = TeamLeadView(service, hopi, at=earlier)
    pd.testing.assert_frame_equal(view.headline, opened_there.headline)
    pd.testing.assert_frame_equal(view.attention, opened_there.attention)
    # A day between quarter ends is offered as the first period, said as the date chosen.
    view.data_date.show(date(2026, 2, 15))
    assert view.at == date(2026, 2, 15)
    assert view.filters.period.options[0] == ("15 February 2026 (the date chosen)", date(2026, 2, 15))
    # Choosing a quarter in the period list moves the line too.
    view.filters.period.value = date(2025, 12, 31)
    assert view.data_date.at == date(2025, 12, 31)


def test_a_date_after_the_datas_date_gets_a_note_and_the_page_stays(service):
    view = TeamLeadView(service, Identity(user="hopi", role="head_of_practice_improvement"))
    before = view.headline.copy()
    view.data_date.picker.value = date(2026, 4, 30)
    assert view.at == D and view.data_date.picker.value == D
    assert "no figures after the data's date, Tuesday 31 March 2026" in view.data_date.note.value
    pd.testing.assert_frame_equal(view.headline, before)
    first = service.store.first_record_date()
    view.data_date.picker.value = date(first.year - 1, 1, 1)
    assert view.at == D and "there are no figures before it" in view.data_date.note.value


def test_the_attention_list_counts_from_the_datas_date(tmp_path):
    later = date(2026, 9, 30)  # six months on: more outcomes go unreviewed for 91 days
    url = f"sqlite:///{tmp_path / 'later.sqlite'}"
    load_extract(Store(url), write_extract(tmp_path / "extract", ROWS, as_at=later.isoformat()))
    data = ServiceData(Store(url))
    hopi = Identity(user="hopi", role="head_of_practice_improvement")
    view = TeamLeadView(data, hopi)
    assert view.at == later
    at_d = TeamLeadView(data, hopi, at=D)
    pd.testing.assert_frame_equal(view.attention, TeamLeadView(data, hopi, at=later).attention)
    assert not view.attention.equals(at_d.attention)
    reasons = " ".join(view.attention.astype(str).stack().tolist())
    assert "91 days" in reasons or "not reviewed" in reasons.lower()


def test_the_headline_distance_travelled_says_how_many_went_which_way(service):
    table = headline_against_service(service, D, Filters(team_id="T1"), Filters())
    row = table.set_index("measure").loc["distance_travelled"]
    counted = distance_travelled(service, D, Filters(team_id="T1"), by=None)["denominator"].item()
    directions = ["went back", "stayed the same", "went up"]
    assert sum(int(row[d]) for d in directions) == counted
    assert table.set_index("measure").loc["clear", directions].isna().all()
    words = headline_text(table).set_index("Measure").loc[MEASURES["distance_travelled"].title, "Counted"]
    assert (
        words
        == f"{counted:,}: {int(row['went up'])} went up, {int(row['stayed the same'])} stayed the same, "
        f"{int(row['went back'])} went back"
    )


def test_the_service_figures_worked_out_before_the_viewer_came_are_the_ones_the_page_shows(service):
    """A preheated kernel works them out before its viewer is known; the page then uses them."""
    prepared = prepare_service_figures(service, D)
    assert list(prepared) == [(D, Filters())]
    plain = TeamLeadView(service, TEAM_LEAD, at=D)
    pd.testing.assert_frame_equal(TeamLeadView(service, TEAM_LEAD, at=D, service_figures=prepared).headline,
                                  plain.headline)  # fmt: skip
    # The page takes them as given (it does not work them out again): a changed figure shows.
    changed = {key: frame.assign(value=0.5) for key, frame in prepared.items()}
    seeded = TeamLeadView(service, TEAM_LEAD, at=D, service_figures=changed).headline
    assert set(seeded["service_value"].dropna()) == {0.5}
    assert set(plain.headline["service_value"].dropna()) != {0.5}
