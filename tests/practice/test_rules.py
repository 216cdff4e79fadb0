"""The rule book, worked by hand, and the two places that word it agreeing on which outcomes break it.

D = 2026-03-31, so D-91 = 2025-12-30 (a review on that day is not "in the last 91 days").

    outcome  agreed      scored reviews to D                     not reviewed?
    O1       2025-01-01  4 on 2025-12-30 (on D-91: too old)       yes, last scored 30 Dec 2025
    O2       2025-12-30  none                                     yes, never scored
    O3       2025-12-31  none (agreed after D-91)                 no
    O4       2025-01-01  5 on 2026-01-05                          no
    O5       2025-01-01  3 on 2025-06-01; unscored on 2026-02-01  yes, last scored 1 Jun 2025

    outcome  scores in date order          no progress?
    P1       3, 5, 6                       no (6 > 3)
    P2       5, 4, 5                       yes (5 <= 5)
    P3       7, 6, 8, 7                    no (last three 6, 8, 7: 7 > 6)
    P4       2, 2                          no (only two)
    P5       4, unscored, 4, 4             yes (scored 4, 4, 4)
"""

from datetime import date

import numpy as np
import pandas as pd

from workbench.practice import rules
from workbench.practice.attention import AttentionInputs, no_progress, not_reviewed
from workbench.practice.supervision import no_progress_prompts, not_reviewed_prompts

D = date(2026, 3, 31)


def _outcomes(*rows):
    return pd.DataFrame(
        [{"outcome_id": oid, "child_id": "K1", "agreed_date": pd.Timestamp(agreed)} for oid, agreed in rows]
    )


def _reviews(*rows):
    return pd.DataFrame(
        [
            {"review_id": f"R{i}", "outcome_id": oid, "review_date": pd.Timestamp(day), "score": score}
            for i, (oid, day, score) in enumerate(rows)
        ]
    )


OUTCOMES = _outcomes(
    ("O1", "2025-01-01"), ("O2", "2025-12-30"), ("O3", "2025-12-31"), ("O4", "2025-01-01"), ("O5", "2025-01-01")
)
REVIEWS = _reviews(
    ("O1", "2025-12-30", 4.0), ("O4", "2026-01-05", 5.0), ("O5", "2025-06-01", 3.0), ("O5", "2026-02-01", np.nan)
)
PROGRESS = _reviews(
    ("P1", "2025-01-01", 3.0), ("P1", "2025-04-01", 5.0), ("P1", "2025-07-01", 6.0),
    ("P2", "2025-01-01", 5.0), ("P2", "2025-04-01", 4.0), ("P2", "2025-07-01", 5.0),
    ("P3", "2025-01-01", 7.0), ("P3", "2025-04-01", 6.0), ("P3", "2025-07-01", 8.0), ("P3", "2025-10-01", 7.0),
    ("P4", "2025-01-01", 2.0), ("P4", "2025-04-01", 2.0),
    ("P5", "2025-01-01", 4.0), ("P5", "2025-02-01", np.nan), ("P5", "2025-04-01", 4.0), ("P5", "2025-07-01", 4.0),
)  # fmt: skip


def test_not_reviewed_worked_by_hand():
    overdue = rules.not_reviewed(OUTCOMES, REVIEWS, D)
    assert overdue["outcome_id"].tolist() == ["O1", "O2", "O5"]
    assert overdue["last_scored"].tolist()[0] == pd.Timestamp("2025-12-30")
    assert pd.isna(overdue["last_scored"].tolist()[1])
    assert overdue["last_scored"].tolist()[2] == pd.Timestamp("2025-06-01")


def test_no_progress_worked_by_hand():
    stalled = rules.no_progress(PROGRESS)
    assert stalled["outcome_id"].tolist() == ["P2", "P5"]
    assert stalled["scores"].tolist() == [[5.0, 4.0, 5.0], [4.0, 4.0, 4.0]]
    assert stalled["latest_date"].tolist() == [pd.Timestamp("2025-07-01")] * 2


def test_the_team_leads_list_and_supervision_flag_the_same_outcomes():
    """Both word the rule their own way; which outcomes break it is the rule book's alone."""
    progress_outcomes = _outcomes(*((oid, "2024-01-01") for oid in ("P1", "P2", "P3", "P4", "P5")))
    inputs = AttentionInputs(pd.Timestamp(D), OUTCOMES, REVIEWS, pd.DataFrame())
    scores = REVIEWS.rename(columns={"review_date": "date"}).assign(kind="review")
    assert set(not_reviewed(inputs)["outcome_id"]) == set(not_reviewed_prompts(OUTCOMES, scores, D)["outcome_id"])
    inputs = AttentionInputs(pd.Timestamp(D), progress_outcomes, PROGRESS, pd.DataFrame())
    scores = PROGRESS.rename(columns={"review_date": "date"}).assign(kind="review")
    flagged = set(no_progress_prompts(progress_outcomes, scores, D)["outcome_id"])
    assert set(no_progress(inputs)["outcome_id"]) == flagged == {"P2", "P5"}


def test_a_baseline_score_is_not_a_review():
    """Supervision's score series starts with the baseline; the rules count scored reviews only."""
    outcomes = _outcomes(("B1", "2024-01-01"))
    scores = pd.DataFrame(
        {
            "outcome_id": ["B1"] * 3,
            "date": pd.to_datetime(["2024-01-01", "2025-01-01", "2025-06-01"]),
            "score": [9.0, 3.0, 3.0],
            "kind": ["baseline", "review", "review"],
        }
    )
    assert no_progress_prompts(outcomes, scores, D).empty  # two reviews, not three
    assert not_reviewed_prompts(outcomes, scores, D)["explanation"].iloc[0].startswith(
        "Last scored at a review on 1 June 2025, 303 days before 31 March 2026."
    )
