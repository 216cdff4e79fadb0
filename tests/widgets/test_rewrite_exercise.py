"""The rewriting exercise, driven without a kernel: pick, rewrite, read the feedback."""

from widgets.rewrite_exercise import RewriteExercise


def test_the_exercise_follows_the_domain_and_gives_feedback_on_each_rewrite():
    exercise = RewriteExercise()
    exercise.domain.value = "housing"
    assert exercise.example.label == "Support Mum to bid on Homefinder"
    assert "A process: it says what someone will do" in exercise.before.value
    exercise.box.value = "Mum to register with the council's housing list"
    assert not exercise.done and "Still a process" in exercise.feedback.value
    assert "<li>" in exercise.feedback.value  # a question to ask next
    exercise.box.value = "We want a home of our own"
    assert not exercise.done and "vague" in exercise.feedback.value
    exercise.box.value = "We want to move into a flat of our own by the summer"
    assert exercise.done and "family&#x27;s own words" in exercise.feedback.value
    exercise.show_example.click()
    assert "two-bed flat by March" in exercise.answer.value
    exercise.example.value = exercise.example.options[1][1]
    assert exercise.rewrite == "" and exercise.answer.value == ""


def test_the_feedback_escapes_what_the_trainee_typed():
    exercise = RewriteExercise()
    exercise.box.value = "<img src=x onerror=alert(1)> I want to go to school every day"
    assert "<img" not in exercise.feedback.value and "<img" not in exercise.before.value
