"""The statement reader's learned kind: trained on the tune files only, reproducible, and one-way.

The model may turn the rules' "outcome" into a process when it is at least 80% sure; it never
turns a process into an outcome and never makes a statement clear (issue 18).
"""

import json
import math

import pytest
from click.testing import CliRunner

from workbench.cli.app import main
from workbench.text import learned_kind
from workbench.text.learned_kind import LEARNED_KIND_PATH, THRESHOLD, LearnedKind, same_weights
from workbench.text.statements import analyse, labelled_statements, prepared, train_learned_kind


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def sure(p: float, **weights: float) -> LearnedKind:
    """A model that is ``p`` sure of a process for any statement without one of ``weights``' words."""
    return LearnedKind(bias=logit(p), weights=dict(weights), about={})


@pytest.fixture(scope="module")
def tune():
    labelled = labelled_statements()
    return labelled[labelled["split"] == "tune"]


@pytest.fixture(scope="module")
def trained():
    return train_learned_kind()


def test_training_reproduces_the_committed_weights(trained):
    committed = learned_kind.load()
    assert committed is not None
    assert same_weights(committed, trained)
    assert committed.about["threshold"] == THRESHOLD == 0.80


def test_training_uses_the_tune_files_only(trained, tune):
    assert trained.about["statements"] == len(tune)
    assert trained.about["files"] and all(name.startswith("tune") for name in trained.about["files"])
    # Held-back statements change nothing: the same tune part with held-back rows beside it.
    labelled = labelled_statements()
    assert (labelled["split"] == "heldback").any()
    assert same_weights(train_learned_kind(labelled), trained)


def test_training_is_deterministic():
    said = [prepared(t) for t in ("Refer to CAMHS", "Arrange a meeting", "I want to swim", "We eat together")]
    said = said * 2
    labels = [True, True, False, False] * 2
    one, two = learned_kind.train(said, labels), learned_kind.train(said, labels)
    assert one.to_json() == two.to_json()


def test_the_cli_writes_and_checks_the_weights(tmp_path):
    out = tmp_path / "weights.json"
    written = CliRunner().invoke(main, ["train-statement-kind", "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert json.loads(out.read_text()) == json.loads(LEARNED_KIND_PATH.read_text())
    checked = CliRunner().invoke(main, ["train-statement-kind", "--check", "--out", str(out)])
    assert checked.exit_code == 0 and "reproduced" in checked.output
    raw = json.loads(out.read_text())
    raw["bias"] += 0.5
    out.write_text(json.dumps(raw))
    refused = CliRunner().invoke(main, ["train-statement-kind", "--check", "--out", str(out)])
    assert refused.exit_code == 1 and "does not match" in refused.output


@pytest.mark.parametrize(
    "text",
    [
        "Mum to attend the parenting course",
        "Refer to CAMHS",
        "I will go to every parenting session",
        "Review the plan at the next core group on 3 May",
    ],
)
def test_it_never_turns_a_process_into_an_outcome(text):
    assert analyse(text, learned=False).kind == "process"
    assert analyse(text, learned=sure(0.0001)).kind == "process"  # sure it is an outcome: no matter


def test_no_tune_statement_read_as_a_process_by_the_rules_becomes_an_outcome_or_gains_clarity(tune):
    model = learned_kind.load()
    for text in tune["statement"]:
        rules, both = analyse(text, learned=False), analyse(text, learned=model)
        if rules.kind == "process":
            assert both.kind == "process", text
        # Clarity is the rules' own, or none when the model made it a process: never made clear.
        assert both.clarity in (rules.clarity, None), text
        if both.clarity == "clear":
            assert rules.clarity == "clear", text


def test_it_never_makes_a_statement_clear():
    vague = "Things to be better at home"
    assert analyse(vague, learned=False).clarity == "vague"
    for p in (0.0001, 0.5, 0.79):
        assert analyse(vague, learned=sure(p)).clarity == "vague"
    assert analyse(vague, learned=sure(0.99)).clarity is None  # a process has no clarity


def test_the_80_percent_threshold_holds():
    text = "Jayden will get to school on time at least 9 days in 10"
    assert analyse(text, learned=False).kind == "outcome"
    below, at, above = sure(0.7999), sure(0.8001), sure(0.95)
    assert analyse(text, learned=below).kind == "outcome"
    assert analyse(text, learned=below).clarity == "clear"
    assert analyse(text, learned=at).kind == "process"
    assert analyse(text, learned=above).kind == "process" and analyse(text, learned=above).clarity is None


def test_the_committed_model_flips_exactly_the_outcomes_it_is_80_percent_sure_of(tune):
    model = learned_kind.load()
    for text in tune["statement"]:
        rules = analyse(text, learned=False)
        if rules.kind != "outcome" or not text.strip():
            continue
        chance = model.probability(prepared(text))
        assert (analyse(text, learned=model).kind == "process") == (chance >= THRESHOLD), text


def test_numbers_alone_are_not_judged():
    model = sure(0.99)
    assert model.probability(prepared("42")) == 0.0
    assert analyse("3.5", learned=model).kind == "outcome"


def test_the_feedback_quotes_the_words_that_weighed_most():
    model = LearnedKind(bias=0.0, weights={"genogram": 3.0, "with": 1.0, "nan": -0.5}, about={})
    reading = analyse("Do a genogram with Nan", learned=model)
    assert reading.kind == "process" and reading.clarity is None
    assert "professional_task" in reading.flag_codes
    assert '"genogram"' in reading.explanation
    assert '"with"' not in reading.explanation  # a small word, quoted only when nothing else weighed
    assert "no rule found a task" in reading.explanation and "97% sure" in reading.explanation  # 3 + 1 - 0.5


def test_the_committed_model_explains_a_task_the_rules_miss_in_plain_words():
    reading = analyse("Do a genogram with Nan")
    assert analyse("Do a genogram with Nan", learned=False).kind == "outcome"
    assert reading.kind == "process"
    assert "the words that weighed most" in reading.explanation
    assert '"genogram"' in reading.explanation or 'starting with "do' in reading.explanation
