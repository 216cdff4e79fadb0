"""The statement reader on the held-back statements: precision and recall, and issue 18's targets.

The held-back files (``data/statements/labelled/heldback*.csv``) were written and labelled
before the rules they judge, and are never used to tune them (the protocol is in the labelled
README): this test prints only summary figures, never a held-back statement the reader got wrong.
The figures are printed with ``-s`` and, always, in pytest's summary at the end of the session.
"""

import pandas as pd
import pytest

from workbench.text.statements import CLEAR_OUTCOME, labelled_statements, score_labelled

#: Issue 18's targets on the held-back statements.
KIND_TARGET = 0.95  # accuracy, outcome vs process
CLARITY_TARGET = 0.90  # accuracy, clear vs vague (on the statements labelled as outcomes)
CLEAR_OUTCOME_PRECISION_TARGET = 0.95  # of statements read as clear outcomes, the share labelled so


@pytest.fixture(scope="module")
def heldback() -> pd.DataFrame:
    labelled = labelled_statements()
    return labelled[labelled["split"] == "heldback"]


@pytest.fixture(scope="module")
def scores(heldback) -> pd.DataFrame:
    return score_labelled(heldback).set_index(["field", "label"])


def report_lines(scores: pd.DataFrame, n: int) -> list[str]:
    """The figures as lines of text: accuracy per field, precision and recall per label."""
    lines = [f"{n} held-back statements (precision, recall and the field's accuracy):"]
    for (field, label), row in scores.iterrows():
        lines.append(
            f"  {field:<14} {label:<14} precision {row['precision']:.3f}  recall {row['recall']:.3f}"
            f"  accuracy {row['accuracy']:.3f}  (n={int(row['n'])})"
        )
    return lines


def test_held_back_precision_and_recall_meet_the_targets(heldback, scores, heldback_report, record_property):
    lines = report_lines(scores, len(heldback))
    kind = float(scores.loc[("kind", "outcome"), "accuracy"])
    clarity = float(scores.loc[("clarity", "clear"), "accuracy"])
    clear_precision = float(scores.loc[("clear_outcome", CLEAR_OUTCOME), "precision"])
    lines.append(
        f"targets: kind accuracy {kind:.1%} (target {KIND_TARGET:.0%}), clarity accuracy {clarity:.1%}"
        f" (target {CLARITY_TARGET:.0%}), clear-outcome precision {clear_precision:.3f}"
        f" (target {CLEAR_OUTCOME_PRECISION_TARGET:.2f})"
    )
    print("\n" + "\n".join(lines))
    heldback_report.extend(lines)
    for name, value in (
        ("kind_accuracy", kind),
        ("clarity_accuracy", clarity),
        ("clear_outcome_precision", clear_precision),
    ):
        record_property(name, round(value, 4))  # in the JUnit XML report too (--junitxml)
    assert kind >= KIND_TARGET
    assert clarity >= CLARITY_TARGET
    assert clear_precision >= CLEAR_OUTCOME_PRECISION_TARGET


def test_the_held_back_part_is_big_enough_and_in_every_style(heldback):
    labelled = labelled_statements()
    assert len(labelled) >= 400
    assert len(heldback) >= 300
    notes = heldback["note"].str.lower()
    for style, at_least in (("family", 20), ("shorthand", 20), ("instruction", 20), ("mixed", 3)):
        assert notes.str.startswith(style).sum() >= at_least, style
    # Professional tasks addressed to family members as well as professionals.
    tasks = heldback[
        (heldback["kind"] == "process") & heldback["statement"].str.match(r"(?:Mum|Dad|Nan) to ")
    ]
    assert len(tasks) >= 10


def test_a_clear_outcome_precision_counts_a_task_read_as_clear():
    # A task with a date, labelled a process: were it read as a clear outcome, precision would be 0.
    table = score_labelled(
        pd.DataFrame(
            {
                "statement": ["Review the plan at the next core group on 3 May"],
                "kind": ["outcome"],
                "clarity": ["clear"],
                "voice": ["professional"],
                "split": ["heldback"],
            }
        )
    ).set_index(["field", "label"])
    assert table.loc[("clear_outcome", CLEAR_OUTCOME), "recall"] == 0.0
