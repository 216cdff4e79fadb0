"""Outcomes that need a team lead's attention, on a fixture worked by hand.

D = 2026-03-31, so D-91 = 2025-12-30 (a review on that day is not "in the last 91 days").

    outcome child inv agreed      closed      success  family  scored reviews to D          reasons
    A1      K1    V1  2025-01-01  -           yes      Y       3, 5, 6 (last 2026-01-10)    none
    A2      K1    V1  2025-02-01  "  "        blank    N       4, 5, 4, 4 (last 2025-12-30) no success measure,
                                                                                            not reviewed, no
                                                                                            progress (5, 4, 4),
                                                                                            not agreed
    A3      K2    V2  2026-01-15  -           yes      Y       none (agreed after D-91)     family absent
    A4      K2    V2  2025-01-01  2026-03-01  blank    N       -                            closed: not listed
    A5      K3    V3  2026-04-10  -           yes      Y       -                            agreed after D
    A6      K3    V3  2024-01-01  -           yes      Y       2 on 2025-10-01; an unscored not reviewed
                                                               review on 2026-02-01 and a 5
                                                               after D don't count
    A7      K3    V3  2024-01-01  -           yes      Y       7, 6, 8, 7: last three 6,8,7 none
    A8      K1    V1  2025-06-01  -           yes      Y       none                         not reviewed (never)

Meetings: V1's last to D had the family (the earlier one did not); V2's last to D (a core
group on 2026-03-20) did not, and one after D that did is ignored; V3's last had the family.
"""

from datetime import date

import pandas as pd

from workbench.practice.attention import CHECKS, REASONS, attention_by_child, attention_reasons

D = date(2026, 3, 31)


def _outcome(oid, child, inv, agreed, closed=None, success="Success is written", family=True):
    return {
        "outcome_id": oid,
        "child_id": child,
        "involvement_id": inv,
        "agreed_date": pd.Timestamp(agreed),
        "closed_date": pd.Timestamp(closed) if closed else pd.NaT,
        "success_looks_like": success,
        "agreed_with_family": family,
    }


OUTCOMES = pd.DataFrame(
    [
        _outcome("A1", "K1", "V1", "2025-01-01"),
        _outcome("A2", "K1", "V1", "2025-02-01", success="  ", family=False),
        _outcome("A3", "K2", "V2", "2026-01-15"),
        _outcome("A4", "K2", "V2", "2025-01-01", closed="2026-03-01", success=None, family=False),
        _outcome("A5", "K3", "V3", "2026-04-10", success=None),
        _outcome("A6", "K3", "V3", "2024-01-01"),
        _outcome("A7", "K3", "V3", "2024-01-01"),
        _outcome("A8", "K1", "V1", "2025-06-01"),
    ]
)

_REVIEWS = [
    ("A1", "2025-06-01", 3), ("A1", "2025-09-01", 5), ("A1", "2026-01-10", 6),
    ("A2", "2025-05-01", 4), ("A2", "2025-08-01", 5), ("A2", "2025-11-01", 4), ("A2", "2025-12-30", 4),
    ("A6", "2025-10-01", 2), ("A6", "2026-02-01", None), ("A6", "2026-04-05", 5),
    ("A7", "2025-06-01", 7), ("A7", "2026-01-01", 6), ("A7", "2026-02-01", 8), ("A7", "2026-03-01", 7),
]  # fmt: skip
REVIEWS = pd.DataFrame(
    {
        "review_id": [f"R{n}" for n in range(len(_REVIEWS))],
        "outcome_id": [r[0] for r in _REVIEWS],
        "review_date": pd.to_datetime([r[1] for r in _REVIEWS]),
        "score": pd.array([r[2] for r in _REVIEWS], dtype="Float64"),
    }
)

MEETINGS = pd.DataFrame(
    {
        "meeting_id": ["M1", "M2", "M3", "M4", "M5"],
        "involvement_id": ["V1", "V1", "V2", "V2", "V3"],
        "meeting_type": ["family_meeting", "cin_review", "core_group", "core_group", "cla_review"],
        "date": pd.to_datetime(["2026-02-01", "2026-03-01", "2026-03-20", "2026-04-02", "2026-03-10"]),
        "family_attended": pd.array([False, True, False, True, True], dtype="boolean"),
    }
)


def test_each_outcome_gets_the_reasons_worked_by_hand():
    found = attention_reasons(OUTCOMES, REVIEWS, MEETINGS, D)
    pairs = list(zip(found["outcome_id"], found["reason"], strict=True))
    assert pairs == [
        ("A2", "no_success_measure"),
        ("A2", "not_reviewed"),
        ("A2", "no_progress"),
        ("A2", "not_agreed"),
        ("A8", "not_reviewed"),
        ("A3", "family_absent"),
        ("A6", "not_reviewed"),
    ]
    assert found["child_id"].tolist() == ["K1"] * 5 + ["K2", "K3"]


def test_reasons_are_explained_in_plain_words():
    found = attention_reasons(OUTCOMES, REVIEWS, MEETINGS, D).set_index(["outcome_id", "reason"])
    words = found["explanation"]
    assert words["A2", "no_progress"] == "The last three scores were 5, 4, 4."
    assert words["A2", "not_reviewed"] == "No scored review since 30 December 2025."
    assert words["A8", "not_reviewed"] == "It has never had a scored review."
    assert words["A6", "not_reviewed"] == "No scored review since 1 October 2025."
    assert (
        words["A3", "family_absent"] == "The family was not at the last meeting (core group, 20 March 2026)."
    )
    assert found["heading"]["A2", "not_agreed"] == "Not agreed with the family"


def test_a_day_later_the_review_window_moves():
    # At 2026-01-09 (D-91 = 2025-10-10), A1's last review before then is 2025-09-01: overdue.
    found = attention_reasons(OUTCOMES, REVIEWS, MEETINGS, date(2026, 1, 9))
    assert ("A1", "not_reviewed") in set(zip(found["outcome_id"], found["reason"], strict=True))
    # A3 was not yet agreed, and V2's only meeting then was in the future.
    assert "A3" not in set(found["outcome_id"])


def test_by_child_lists_the_children_with_most_outcomes_first():
    by_child = attention_by_child(attention_reasons(OUTCOMES, REVIEWS, MEETINGS, D))
    assert by_child["child_id"].tolist() == ["K1", "K2", "K3"]
    assert by_child["outcomes"].tolist() == [2, 1, 1]
    assert by_child["reasons"].iloc[0] == (
        "No success measure; Not reviewed in 91 days; No progress over the last three reviews; "
        "Not agreed with the family"
    )


def test_nothing_to_flag_gives_an_empty_frame_with_the_columns():
    clean = attention_reasons(OUTCOMES[OUTCOMES["outcome_id"] == "A1"], REVIEWS, MEETINGS, D)
    assert clean.empty and list(clean.columns) == [
        "child_id",
        "outcome_id",
        "reason",
        "heading",
        "explanation",
    ]
    assert attention_by_child(clean).empty


def test_every_check_has_a_heading():
    assert [check.__name__ for check in CHECKS] == list(REASONS)


def test_statements_that_read_as_a_process_or_too_vague_are_reasons():
    """Statement reasons, worked by hand.

    A1 a service, A3 compliance with jargon, A6 vague (success written), A2 vague but with no
    success measure (that reason already says it), A7 empty, A8 clear in professional words: none.
    """
    said = {
        "A1": "Mum to attend the parenting course",
        "A2": "Things will be better at home",
        "A3": "Dad to engage with services",
        "A6": "Children to be safe",
        "A7": "",
        "A8": "Protective factors: Sam will attend school at least 9 days in 10",
    }
    outcomes = OUTCOMES.assign(statement=OUTCOMES["outcome_id"].map(said))
    found = attention_reasons(outcomes, REVIEWS, MEETINGS, D)
    statement = found[found["reason"].isin(["reads_as_process", "vague_statement"])]
    assert list(zip(statement["outcome_id"], statement["reason"], strict=True)) == [
        ("A1", "reads_as_process"),
        ("A3", "reads_as_process"),
        ("A6", "vague_statement"),
        ("A7", "vague_statement"),
    ]
    words = statement.set_index("outcome_id")
    assert words.loc["A1", "heading"] == "Reads as a service or task, not an outcome"
    assert words.loc["A1", "explanation"].endswith(
        "not a change in the child's life. What would be different for the child if it worked?"
    )
    assert words.loc["A6", "heading"] == "Does not say how anyone will know it is met"
    assert words.loc["A7", "explanation"].startswith("There is no statement")
    # The other reasons are unchanged by the statements.
    rest = found[~found.index.isin(statement.index)]
    assert len(rest) == len(attention_reasons(OUTCOMES, REVIEWS, MEETINGS, D))
