"""Teaching examples agree with the statement reader, and a rewrite gets plain feedback."""

import pytest

from workbench.core.codes import codes
from workbench.text.teaching import TeachingError, rewrite_feedback, teaching_examples


def test_every_domain_has_examples_and_the_reader_agrees_with_each():
    examples = teaching_examples()
    assert set(examples["domain"]) == set(codes("outcome_domains"))
    for row in examples.itertuples():
        assert not rewrite_feedback(row.before).done, row.before
        after = rewrite_feedback(row.after)
        assert after.done, (row.after, after.reading.explanation)


def test_feedback_says_what_is_still_missing():
    task = rewrite_feedback("Review the plan at the next core group on 3 May")
    assert not task.done and task.verdict.startswith("Still a process")
    assert task.questions[0] == "Once this is done, what should be different in the child's life?"
    vague = rewrite_feedback("I want things to be better at home")
    assert vague.verdict.startswith("An outcome, but vague") and not vague.done
    professional = rewrite_feedback("Jordan will be in school every day this half term")
    assert professional.verdict.startswith("A clear outcome, in professional words")
    assert rewrite_feedback("I want to be in school every day this half term").done
    assert rewrite_feedback("   ").verdict.startswith("Write the outcome")


def test_a_task_only_the_learned_kind_finds_is_explained_by_its_words():
    feedback = rewrite_feedback("Do a genogram with Nan")
    assert not feedback.done and feedback.verdict.startswith("Still a process")
    assert "worded like the tasks and services the reader learned from" in feedback.verdict
    assert '"genogram"' in feedback.verdict or 'starting with "do' in feedback.verdict
    # A task the rules find is explained by the rules, not by the words.
    assert "learned from" not in rewrite_feedback("Refer to CAMHS").verdict


def test_a_malformed_teaching_file_is_refused_naming_the_place(tmp_path):
    path = tmp_path / "teaching.yaml"
    path.write_text("examples:\n  schooling:\n    - {before: a, after: b}\n", encoding="utf-8")
    with pytest.raises(TeachingError, match=r"examples\.schooling: not an outcome domain"):
        teaching_examples(path)
    path.write_text("examples:\n  education:\n    - {before: a}\n", encoding="utf-8")
    with pytest.raises(TeachingError, match=r"examples\.education\[0\]: expected text"):
        teaching_examples(path)
