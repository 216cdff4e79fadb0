"""Every headline measure (DESIGN.md section 4) on a fixture whose answers were worked by hand.

The fixture and its tables of children, involvements, outcomes and reviews are in
tests/fixtures/measures.py; the working for each figure is written beside it here.
D = 2026-03-31 unless a test says otherwise.
"""

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tests.fixtures.handworked import write_extract
from tests.fixtures.measures import ROWS
from workbench.cli.app import main
from workbench.measures.filters import AGE_BAND_LABELS, DEMO_AT, Filters
from workbench.measures.headline import (
    MEASURES,
    achieved,
    achieved_partly,
    audit_grade,
    audit_grade_moderated,
    clear,
    consensual,
    consensual_own_words,
    constant,
    coverage,
    distance_travelled,
    evidence_informed,
    headline_measures,
    outcome_distances,
    participation,
    participation_family,
    reviewed,
    sustained,
)
from workbench.measures.periods import measure_over_periods, period_ends
from workbench.measures.service_data import ServiceData
from workbench.store.engine import Store
from workbench.store.loading import load_extract

D = date(2026, 3, 31)


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("measures")
    extract = write_extract(folder / "extract", ROWS)
    url = f"sqlite:///{folder / 'store.sqlite'}"
    load_extract(Store(url), extract)
    return url


@pytest.fixture(scope="module")
def service(store_url):
    return ServiceData(Store(store_url))


def figure(frame: pd.DataFrame) -> tuple:
    """The one row of a whole-service figure as (numerator, denominator, value)."""
    assert len(frame) == 1
    row = frame.iloc[0]
    value = None if pd.isna(row["value"]) else pytest.approx(row["value"])
    return (row["numerator"].item(), row["denominator"].item(), value)


def grouped(frame: pd.DataFrame, by: str) -> dict:
    """{group: (numerator, denominator)} of a grouped figure."""
    return {
        key: (num, den)
        for key, num, den in zip(
            frame[by].tolist(), frame["numerator"].tolist(), frame["denominator"].tolist(), strict=True
        )
    }


# -- Coverage -------------------------------------------------------------------------------


def test_coverage_counts_involvements_open_at_d_with_an_active_outcome(service):
    # Open at D: I1, I2, I3, I5 (starts on D), I6. Not I4 (ends on D), not I13 (starts after D).
    # With an outcome active at D: I1 (P1, P2, P12), I2 (P4, P13), I6 (P10 agreed on D).
    # I3's outcomes are all closed; I5 has none. So 3 / 5.
    assert figure(coverage(service, D)) == (3, 5, pytest.approx(0.6))


def test_coverage_by_plan_type_is_the_involvements_plan(service):
    # cin: I1 yes, I2 yes, I5 no -> 2/3. cp: I3 no, I6 yes -> 1/2.
    assert grouped(coverage(service, D, by="plan_type"), "plan_type") == {"cin": (2, 3), "cp": (1, 2)}


def test_team_is_the_allocation_open_at_d_not_at_another_date(service):
    # At D: C1 is with W1 (T1) since 2026-01-01; C2 W1 (T1); C3's W2 allocation ends on D so
    # is not open, and W1 starts on D so is: T1. C5 and C6 are with W2 (T2).
    # T1: I1 yes, I2 yes, I3 no -> 2/3. T2: I5 no, I6 yes -> 1/2.
    assert grouped(coverage(service, D, by="team_id"), "team_id") == {"T1": (2, 3), "T2": (1, 2)}
    # At 2025-06-30: open are I1, I2, I3, I4 and C7's I9. C1 was with W2 (T2), C3 with W2 (T2),
    # C5 with W2 (T2), C7 with W1 (T1). Active outcomes then: I1 (P1, P12), I2 (P13, P15),
    # I3 (P5), I9 (Q9); I4's P11 is not agreed until 2025-07-01.
    # T1: I2 yes, I9 yes -> 2/2. T2: I1 yes, I3 yes, I4 no -> 2/3.
    earlier = coverage(service, date(2025, 6, 30), by="team_id")
    assert grouped(earlier, "team_id") == {"T1": (2, 2), "T2": (2, 3)}
    t2 = coverage(service, date(2025, 6, 30), Filters(team_id="T2"))
    assert figure(t2) == (2, 3, pytest.approx(2 / 3))


def test_coverage_by_age_band_at_d(service):
    # C6 is born 2026-05, after D: unborn. C3 (2022-04) is 3; C5 (2019-06) 6; C1 (2014-05) 11;
    # C2 (2010-03) turns 16 in D's own month, so is 16 at D.
    bands = grouped(coverage(service, D, by="age_band"), "age_band")
    assert bands == {"unborn": (1, 1), "0-4": (0, 1), "5-9": (0, 1), "10-15": (1, 1), "16-17": (1, 1)}
    assert list(coverage(service, D, by="age_band")["age_band"]) == [
        b for b in AGE_BAND_LABELS if b in bands
    ]  # bands come out in age order, not alphabetical


def test_age_band_is_taken_at_d(service):
    # C2, born 2010-03, is 15 on 2026-02-28 and 16 on 2026-03-31.
    before = service.children_at(date(2026, 2, 28)).set_index("child_id")
    at_d = service.children_at(D).set_index("child_id")
    assert (before.loc["C2", "age_band"], at_d.loc["C2", "age_band"]) == ("10-15", "16-17")


def test_domain_does_not_apply_to_involvements(service):
    with pytest.raises(ValueError, match="coverage counts involvements, which have no domain"):
        coverage(service, D, Filters(domain="education"))
    with pytest.raises(ValueError, match="cannot be grouped by 'domain'"):
        coverage(service, D, by="domain")


# -- Clear and Consensual -------------------------------------------------------------------


def test_clear_needs_a_success_measure_and_a_baseline(service):
    # Active at D: P1, P2, P4, P10, P12, P13 (P3 and P11 close on D; P14 is agreed after D).
    # Clear: P1, P4, P12, P13 (a GAS baseline of -1 is a baseline). Not P2 (success is only
    # spaces) or P10 (no baseline). So 4 / 6.
    assert figure(clear(service, D)) == (4, 6, pytest.approx(4 / 6))


def test_consensual_and_own_words(service):
    # Of the six active: agreed with the family P1, P4, P12, P13 (not P2, P10) -> 4 / 6.
    # Own words (child, parent, family): P1 child, P4 family, P13 child; P12 is agreed but in
    # practitioner words, P2 and P10 practitioner -> 3 / 6.
    assert figure(consensual(service, D)) == (4, 6, pytest.approx(4 / 6))
    assert figure(consensual_own_words(service, D)) == (3, 6, pytest.approx(0.5))


def test_child_characteristic_filters_including_false(service):
    # Disabled (Y): C2 and C5. C2 has P4 and P13 active, both agreed -> 2 / 2.
    # Not disabled: C1 (P1 Y, P2 N, P12 Y) and C6 (P10 N) -> 2 / 4. False is a real filter.
    assert figure(consensual(service, D, Filters(disability=True))) == (2, 2, pytest.approx(1.0))
    assert figure(consensual(service, D, Filters(disability="N"))) == (2, 4, pytest.approx(0.5))
    # Male: C2 (P4, P13 agreed) -> 2 / 2. WBRI: C1 (P1 Y, P2 N, P12 Y) and C6 (P10 N) -> 2 / 4.
    assert figure(consensual(service, D, Filters(sex="M"))) == (2, 2, pytest.approx(1.0))
    assert figure(consensual(service, D, Filters(ethnicity="WBRI"))) == (2, 4, pytest.approx(0.5))
    assert figure(consensual(service, D, Filters(age_band="unborn"))) == (0, 1, pytest.approx(0.0))
    with pytest.raises(ValueError, match="no age band"):
        Filters(age_band="11-12")


# -- Constant and Reviewed ------------------------------------------------------------------


def test_constant_boundaries(service):
    # Agreed in the year to D-90, (2024-12-31, 2025-12-31]: P1, P2, P3 (on D-90), P5, P6, P7,
    # P8 (on D-454), P9, P11, P13, P15, Q9 = 12. Not P12 (on D-455), nor P4, P10, P14.
    # Closed as replaced or withdrawn within 90 days: P3 (replaced at +90 days, so within),
    # P8 (withdrawn at +90). P9 was withdrawn at +91 days: constant. So 10 / 12.
    assert figure(constant(service, D)) == (10, 12, pytest.approx(10 / 12))


def test_reviewed_window_is_d_minus_91_exclusive_to_d_inclusive(service):
    # Active at D and agreed on or before D-91 (2025-12-30): P1, P2 (agreed on D-91), P12, P13.
    # Scored review in (2025-12-30, 2026-03-31]: P1 (5 on 2025-12-31) yes; P2 (on 2025-12-30,
    # = D-91) no; P12 (the 2026-03-31 review has no score) no; P13 (2026-02-01) yes. 2 / 4.
    assert figure(reviewed(service, D)) == (2, 4, pytest.approx(0.5))


# -- Distance travelled ---------------------------------------------------------------------


def test_distance_travelled_on_the_0_to_10_scale(service):
    # Baseline, a scored review on or before D, and active at D or closed in (D-365, D]:
    #   P1 5-3 = +2 (the 9 is after D); P2 5-4 = +1; P5 8-5 = +3 (closed 2026-02-01);
    #   P7 4-4 = 0 (closed on D-364); P9 4-5 = -1 (withdrawn in the year still counts here);
    #   P11 6-2 = +4 (closed on D; review on D); P12 7-6 = +1 (R9a's 7 follows R9's 8 on the
    #   same date, by review_id; the unscored review on D is ignored).
    # Left out: P3, P10 (no baseline), P4 (no review), P6 (closed on D-365), P13 (GAS).
    # Sum 10 over 7 outcomes.
    assert figure(MEASURES["distance_travelled"](service, D)) == (10.0, 7, pytest.approx(10 / 7))
    counted = outcome_distances(service, D)
    assert sorted(counted["outcome_id"]) == ["P1", "P11", "P12", "P2", "P5", "P7", "P9"]
    by_domain = distance_travelled(service, D, by="domain").set_index("domain")
    # education P1 +2, P11 +4, P12 +1 -> 7/3; health P2 +1, P9 -1 -> 0/2.
    assert by_domain.loc["education", ["numerator", "denominator"]].tolist() == [7.0, 3]
    assert by_domain.loc["health", ["numerator", "denominator", "value"]].tolist() == [0.0, 2, 0.0]


def test_distance_travelled_by_team_at_d(service):
    # T1 at D: C1 (P1 +2, P2 +1, P12 +1) and C3 (P5 +3, P7 0, P9 -1) -> 6 / 6 = 1.0.
    # T2 at D: C5 (P11 +4) -> 4 / 1.
    table = distance_travelled(service, D, by="team_id")
    assert grouped(table, "team_id") == {"T1": (6.0, 6), "T2": (4.0, 1)}


# -- Achieved -------------------------------------------------------------------------------


def test_achieved_leaves_withdrawn_and_replaced_to_constant(service):
    # Closed in (2025-03-31, 2026-03-31] with a result: P5 achieved, P7 partly (D-364),
    # P11 achieved (on D), P15 not achieved, Q9 achieved = 5. Not P6 (closed on D-365),
    # nor P3 (replaced), P8 and P9 (withdrawn).
    # Achieved: P5, P11, Q9 -> 3 / 5. Partly: P7 -> 1 / 5.
    assert figure(achieved(service, D)) == (3, 5, pytest.approx(0.6))
    assert figure(achieved_partly(service, D)) == (1, 5, pytest.approx(0.2))


# -- Sustained ------------------------------------------------------------------------------


def test_sustained(service):
    # Case closures ending in (D-730, D-365] = (2024-03-31, 2025-03-31]:
    #   I7  (C4, 2024-09-01) all achieved; C4 never returns             -> sustained
    #   I8  (C7, 2024-04-01) all achieved; I9 starts 2025-04-01 = E+365   -> not sustained
    #   I12 (C9, 2025-03-31 = D-365) all achieved; I13 starts E+366        -> sustained
    #   I15 (C10, 2024-12-01) all achieved; C10 never returns            -> sustained
    # Left out: I10 (ends on D-730), I14 (a step up: I15 opens on its end date, so not a
    # closure; counted as one it would fail, as I15 starts within the year), I16 (one outcome
    # withdrawn, so not every outcome achieved), I17 (no outcomes), and I9 (ended 2025-10-01:
    # its year of follow-up ends after D). So 3 / 4.
    assert figure(sustained(service, D)) == (3, 4, pytest.approx(0.75))
    # By the closing involvement's plan: cin I7, I15 -> 2/2; cp I12 -> 1/1; early_help I8 -> 0/1.
    by_plan = grouped(sustained(service, D, by="plan_type"), "plan_type")
    assert by_plan == {"cin": (2, 2), "cp": (1, 1), "early_help": (0, 1)}


def test_sustained_waits_for_the_follow_up_year_to_end(service):
    # At 2026-10-01 the closures counted end in (2024-10-01, 2025-10-01]: I12 and I15 as before,
    # and now I9 (ended 2025-10-01 = D-365, Q9 achieved, C7 never returns). I16 ends on D-730.
    assert figure(sustained(service, date(2026, 10, 1))) == (3, 3, pytest.approx(1.0))


def test_sustained_by_team_uses_the_allocation_at_d(service):
    # None of these children has an allocation open at D, so every closure is in the empty
    # team group: the breakdown still adds up to the whole service.
    table = sustained(service, D, by="team_id")
    assert table["team_id"].isna().all()
    assert table[["numerator", "denominator"]].values.tolist() == [[3, 4]]


# -- Participation --------------------------------------------------------------------------


def test_participation_leaves_out_pn0_and_blanks(service):
    # Meetings in (2025-03-31, 2026-03-31]: M2 PN1, M3 PN4, M4 PN7, M5 PN0, M6 blank (on D),
    # M8 PN6. Not M1 (on D-365) or M7 (after D).
    # Child took part (PN1-PN6) out of PN1-PN7: M2, M3, M8 of M2, M3, M4 -> 3 / 4.
    # Family attended, out of all six: M2, M4, M5, M8 -> 4 / 6.
    assert figure(participation(service, D)) == (3, 4, pytest.approx(0.75))
    assert figure(participation_family(service, D)) == (4, 6, pytest.approx(4 / 6))


def test_participation_by_the_meetings_plan_type(service):
    # Child: cin M2 yes, M3 yes, M4 no -> 2/3; early_help M8 yes -> 1/1; cp has only PN0 and
    # blank, so no row. Family: cin 2/3 (M3 no); cp M5 yes, M6 no -> 1/2; early_help 1/1.
    child = grouped(participation(service, D, by="plan_type"), "plan_type")
    family = grouped(participation_family(service, D, by="plan_type"), "plan_type")
    assert child == {"cin": (2, 3), "early_help": (1, 1)}
    assert family == {"cin": (2, 3), "cp": (1, 2), "early_help": (1, 1)}


def test_domain_does_not_apply_to_meetings(service):
    with pytest.raises(ValueError, match="participation counts meetings, which have no domain"):
        participation(service, D, Filters(domain="education"))


# -- Evidence-informed ----------------------------------------------------------------------


def test_evidence_informed_and_its_threshold(service):
    # Started in (2025-03-31, 2026-03-31]: X2 level 3, X3 level 2, X4 not rated, X5 level 4
    # (on D). Not X1 (on D-365) or X6 (after D).
    # At level 3 or above: X2, X5 -> 2 / 4. Level 2: 3 / 4. Level 4: 1 / 4. Not rated: 4 / 4.
    assert figure(evidence_informed(service, D)) == (2, 4, pytest.approx(0.5))
    assert figure(evidence_informed(service, D, threshold="level_2")) == (3, 4, pytest.approx(0.75))
    assert figure(evidence_informed(service, D, threshold="level_4")) == (1, 4, pytest.approx(0.25))
    assert figure(evidence_informed(service, D, threshold="not_rated")) == (4, 4, pytest.approx(1.0))
    with pytest.raises(ValueError, match="no evidence level 'level_9'"):
        evidence_informed(service, D, threshold="level_9")


# -- Audit grade ----------------------------------------------------------------------------


def test_audit_grade_first_and_moderated(service):
    # Completed (not draft) in (2025-03-31, 2026-03-31] with an overall grade:
    #   A2 good; A3 RI, moderated good on 2025-11-01; A4 good, moderated RI after D (2026-04-15);
    #   A6 outstanding (on D); A7 outstanding, moderated outstanding; A8 inadequate.
    # Left out: A1 (on D-365), A5 (draft), A9 (not applicable is not a grade).
    # First grade good or better: A2, A4, A6, A7 -> 4 / 6.
    # After moderation (moderated grade if moderated on or before D): A2, A3, A4 (its
    # moderation is after D, so still good), A6, A7 -> 5 / 6.
    assert figure(audit_grade(service, D)) == (4, 6, pytest.approx(4 / 6))
    assert figure(audit_grade_moderated(service, D)) == (5, 6, pytest.approx(5 / 6))
    # By team at D: T1 has C1 (A2), C2 (A3, A7), C3 (A4) -> 3/4 first; T2 has C6 (A6) -> 1/1;
    # C4 (A8) has no allocation at D -> the empty team, 0/1.
    table = audit_grade(service, D, by="team_id")
    assert table[["numerator", "denominator"]].values.tolist() == [[3, 4], [1, 1], [0, 1]]
    assert table["team_id"].iloc[:2].tolist() == ["T1", "T2"] and pd.isna(table["team_id"].iloc[2])


def test_an_audit_recorded_in_the_workbench_counts_in_audit_grade(tmp_path):
    """Audit grade reads audits from both sources (workbench.store.audit_frames.audit_frame).

    The fixture's 4 / 6 and 5 / 6 (above), plus R1: C1, recorded on 2026-02-01 as inadequate and
    moderated to good on 2026-03-01 (on or before D) -> first 4 / 7, after moderation 6 / 7.
    A draft saved in the workbench is not an audit and does not count.
    """
    from workbench.practice.audits.moderation import moderate_audit
    from workbench.practice.audits.recording import Answer, AuditRecord, save_draft, submit_audit
    from workbench.practice.audits.templates import load_template

    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", ROWS))
    template = load_template()
    answers = {q: Answer("inadequate", "") for q in template.question_ids}
    save_draft(store, "C2", "W3", template, answers, "good")
    recorded = submit_audit(
        store, AuditRecord("C1", "W3", template, answers, "inadequate", date(2026, 2, 1), date(2025, 8, 1),
                           date(2026, 2, 1))
    )  # fmt: skip
    grades = dict.fromkeys(template.question_ids, ("good", "agreed"))
    moderate_audit(store, recorded, "W1", grades, "good", "agreed", date(2026, 3, 1))
    data = ServiceData(store)
    assert figure(audit_grade(data, D)) == (4, 7, pytest.approx(4 / 7))
    assert figure(audit_grade_moderated(data, D)) == (6, 7, pytest.approx(6 / 7))


def test_plan_type_does_not_apply_to_audits(service):
    with pytest.raises(ValueError, match="audit_grade counts audits, which have no plan_type"):
        audit_grade(service, D, Filters(plan_type="cin"))


# -- Empty denominators, the registry, periods ----------------------------------------------


def test_a_denominator_of_zero_is_empty_not_zero(service):
    assert figure(coverage(service, D, Filters(locality="Nowhere"))) == (0, 0, None)
    assert figure(participation(service, date(2019, 1, 1))) == (0, 0, None)
    assert figure(MEASURES["distance_travelled"](service, D, Filters(team_id="T9"))) == (0.0, 0, None)
    empty = clear(service, D, Filters(locality="Nowhere"), by="team_id")
    assert list(empty.columns) == ["team_id", "numerator", "denominator", "value"] and empty.empty


def test_the_registry_lists_every_figure_with_numerator_and_denominator(service):
    assert list(MEASURES) == [
        "coverage",
        "clear",
        "clear_statements",
        "consensual",
        "consensual_own_words",
        "constant",
        "reviewed",
        "within_target",
        "distance_travelled",
        "achieved",
        "achieved_partly",
        "sustained",
        "participation",
        "participation_family",
        "evidence_informed",
        "audit_grade",
        "audit_grade_moderated",
    ]
    for measure in MEASURES.values():
        assert measure.unit in ("share", "mean") and measure.title and measure.definition
        table = measure(service, D)
        assert list(table.columns) == ["numerator", "denominator", "value"]
        for by in measure.groupings:
            assert list(measure(service, D, by=by).columns) == [by, "numerator", "denominator", "value"]
    assert MEASURES["audit_grade"].filters == (
        "locality",
        "team_id",
        "worker_id",
        "service",
        "age_band",
        "sex",
        "ethnicity",
        "disability",
    )
    assert not MEASURES["participation"].applies(Filters(domain="education"))


def test_headline_measures_leaves_out_measures_a_filter_does_not_apply_to(service):
    table = headline_measures(service, D, Filters(domain="education"))
    assert set(table["measure"]) == {m.name for m in MEASURES.values() if m.counts == "outcome"}
    assert "coverage" in table.attrs["not_applicable"]
    everything = headline_measures(service, D).set_index("measure")
    assert everything.loc["sustained", ["numerator", "denominator"]].tolist() == [3, 4]


def test_period_labels_follow_the_financial_year():
    quarters = period_ends(date(2025, 4, 1), date(2026, 3, 31), "quarterly")
    assert quarters["period"].tolist() == ["2025-26 Q1", "2025-26 Q2", "2025-26 Q3", "2025-26 Q4"]
    assert [d.date() for d in quarters["period_end"]] == [
        date(2025, 6, 30),
        date(2025, 9, 30),
        date(2025, 12, 31),
        date(2026, 3, 31),
    ]
    years = period_ends(date(2024, 1, 1), date(2026, 3, 31), "yearly")
    assert years["period"].tolist() == ["2023-24", "2024-25", "2025-26"]
    months = period_ends(date(2026, 1, 1), date(2026, 3, 15), "monthly")
    assert months["period"].tolist() == ["2026-01", "2026-02"]  # March has not ended by the 15th
    assert period_ends(date(1999, 4, 1), date(2000, 3, 31), "yearly")["period"].tolist() == ["1999-00"]
    with pytest.raises(ValueError, match="frequency must be one of"):
        period_ends(date(2025, 4, 1), date(2026, 3, 31), "weekly")


def test_a_measure_over_quarters_is_the_measure_at_each_quarter_end(service):
    # Family attended, meetings in the year to each quarter end:
    #   2025-06-30: M1 Y (2025-03-31), M2 Y -> 2/2;  2025-09-30: + M8 Y -> 3/3;
    #   2025-12-31: + M3 N -> 3/4;  2026-03-31: M1 drops out (D-365); M2, M3, M4, M5, M6, M8 -> 4/6.
    table = measure_over_periods(service, "participation_family", date(2025, 4, 1), D, "quarterly")
    assert list(table.columns) == ["period", "period_end", "numerator", "denominator", "value"]
    assert table[["numerator", "denominator"]].values.tolist() == [[2, 2], [3, 3], [3, 4], [4, 6]]
    grouped_table = measure_over_periods(
        service, MEASURES["coverage"], date(2026, 1, 1), D, "monthly", by="team_id"
    )
    assert list(grouped_table.columns) == [
        "period",
        "period_end",
        "team_id",
        "numerator",
        "denominator",
        "value",
    ]
    assert grouped_table[grouped_table["period"] == "2026-03"][
        ["numerator", "denominator"]
    ].values.tolist() == [
        [2, 3],
        [1, 2],
    ]


def test_an_unknown_filter_column_is_refused(service):
    with pytest.raises(ValueError, match="cannot be grouped by 'colour'"):
        clear(service, D, by="colour")


# -- The command line -----------------------------------------------------------------------


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_cli_measures_json_has_every_figure(store_url):
    result = run("measures", "--store", store_url, "--json")
    assert result.exit_code == 0, result.output
    records = {r["measure"]: r for r in json.loads(result.stdout)}
    assert list(records) == list(MEASURES)
    assert records["coverage"] == {
        "measure": "coverage",
        "title": "Coverage",
        "numerator": 3,
        "denominator": 5,
        "value": 0.6,
        "at": DEMO_AT.isoformat(),
    }
    assert records["distance_travelled"]["numerator"] == 10.0
    assert records["audit_grade_moderated"]["numerator"] == 5


def test_cli_measures_empty_value_is_null_and_table_shows_a_dash(store_url):
    records = json.loads(run("measures", "--store", store_url, "--json", "--at", "2019-01-01").stdout)
    assert all(r["value"] is None and r["denominator"] == 0 for r in records)
    assert {r["at"] for r in records} == {"2019-01-01"}
    text = run("measures", "--store", store_url).output
    assert "coverage" in text and "60.0%" in text and "+1.43" in text


def test_cli_measures_by_a_column(store_url):
    result = CliRunner().invoke(main, ["measures", "--store", store_url, "--json", "--by", "domain"])
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    # The hand-worked outcomes have no target dates, so Timescales counts nothing in any domain.
    by_outcome = {m.name for m in MEASURES.values() if m.counts == "outcome"} - {"within_target"}
    assert {r["measure"] for r in records} == by_outcome
    assert "Not grouped by domain" in result.stderr
    bad = CliRunner().invoke(main, ["measures", "--store", store_url, "--by", "colour"])
    assert bad.exit_code == 1 and "no measure can be grouped by 'colour'" in bad.output


def test_the_measures_reference_documents_every_registered_figure():
    reference = (Path(__file__).resolve().parents[2] / "docs" / "measures.md").read_text(encoding="utf-8")
    missing = [name for name in MEASURES if f"`{name}`" not in reference]
    assert not missing, f"docs/measures.md does not describe {missing}"
