"""The statement reader on the held-back statements: precision and recall, and issue 18's targets.

The held-back files (``data/statements/labelled/heldback*.csv``) were written and labelled
before the rules they judge, and are never used to tune them (the protocol is in the labelled
README): this test prints only summary figures, never a held-back statement the reader got wrong.
The figures are printed with ``-s`` and, always, in pytest's summary at the end of the session.
"""

import pandas as pd
import pytest

from tests.statements.conftest import REPORT_KEY
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


@pytest.fixture(scope="module")
def figures(heldback, scores, request) -> dict[str, float]:
    """Print the held-back figures (with -s, and in the session summary) and return the three targeted."""
    lines = report_lines(scores, len(heldback))
    found = {
        "kind_accuracy": float(scores.loc[("kind", "outcome"), "accuracy"]),
        "clarity_accuracy": float(scores.loc[("clarity", "clear"), "accuracy"]),
        "clear_outcome_precision": float(scores.loc[("clear_outcome", CLEAR_OUTCOME), "precision"]),
    }
    lines.append(
        f"targets: kind accuracy {found['kind_accuracy']:.1%} (target {KIND_TARGET:.0%}),"
        f" clarity accuracy {found['clarity_accuracy']:.1%} (target {CLARITY_TARGET:.0%}),"
        f" clear-outcome precision {found['clear_outcome_precision']:.3f}"
        f" (target {CLEAR_OUTCOME_PRECISION_TARGET:.2f})"
    )
    print("\n" + "\n".join(lines))
    request.config.stash.setdefault(REPORT_KEY, []).extend(lines)
    return found


# Met since the learned kind (issue 18): kind accuracy was 96.5% on heldback.csv and heldback-2.csv
# (318), and below 95% with every held-back file added after (92.2% to 93.4%), the last 93.0% with
# heldback-10.csv (1085) before the learned kind and 95.2% after it; with heldback-11.csv (1185)
# 95.4% before the second change of that round (days written short, the model retrained with
# tune-13) and 95.1% after it.
def test_held_back_outcome_vs_process_meets_its_target(figures, record_property):
    record_property("kind_accuracy", round(figures["kind_accuracy"], 4))  # in --junitxml too
    assert figures["kind_accuracy"] >= KIND_TARGET


@pytest.mark.xfail(
    strict=True,
    reason="Not met (issue 18): clarity accuracy was 91.6% with heldback-5.csv (667) after the structural"
    " change written against tune-9; with heldback-6.csv (764) 90.6% before the change written against"
    " tune-10 (clear only on positive evidence) and 88.9% after it; with heldback-7.csv (846) 88.8% before"
    " the change written against tune-11 and 89.5% after it; with heldback-8.csv (906) 89.7% before and"
    " after the fourth change; with heldback-9.csv (955) 89.6% before the fifth change and 89.4% after"
    " it; with heldback-10.csv (1085) 89.8% before the learned kind and 88.6% after it (a labelled"
    " outcome it turns into a process counts as a clarity miss); with heldback-11.csv (1185) 89.3%"
    " before the second change of that round and 89.4% after it, below 90%. The held-back part is not"
    " tuned on; strict, so this fails once it is met.",
)
def test_held_back_clear_vs_vague_meets_its_target(figures, record_property):
    record_property("clarity_accuracy", round(figures["clarity_accuracy"], 4))
    assert figures["clarity_accuracy"] >= CLARITY_TARGET


@pytest.mark.xfail(
    strict=True,
    reason="Not met (issue 18): of the held-back statements read as clear outcomes, the share labelled"
    " so was 0.946 on heldback.csv and heldback-2.csv (318); with heldback-3.csv (437) 0.742 before"
    " the change tuned on tune-7 and 0.825 after it; with heldback-4.csv (532) 0.765 before the change"
    " tuned on tune-8 and 0.781 after it; with heldback-5.csv (667) 0.775 before the structural change"
    " written against tune-9 and 0.842 after it; with heldback-6.csv (764) 0.844 before the change"
    " written against tune-10 and 0.858 after it; with heldback-7.csv (846) 0.866 before the change"
    " written against tune-11 and 0.865 after it; with heldback-8.csv (906) 0.874 before and after the"
    " fourth change; with heldback-9.csv (955) 0.873 before and after the fifth change; with"
    " heldback-10.csv (1085) 0.880 before the learned kind and 0.919 after it; with heldback-11.csv"
    " (1185) 0.926 before the second change of that round and 0.918 after it, below 0.95."
    " The held-back part is not tuned on; strict, so"
    " this fails once it is met.",
)
def test_held_back_clear_outcome_precision_meets_its_target(figures, record_property):
    record_property("clear_outcome_precision", round(figures["clear_outcome_precision"], 4))
    assert figures["clear_outcome_precision"] >= CLEAR_OUTCOME_PRECISION_TARGET


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
