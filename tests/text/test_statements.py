"""workbench.text.statements: readings, explanations, flags, the lexicon's checks and odd input."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from workbench.text.statements import (
    FLAGS,
    READING_COLUMNS,
    Flag,
    LexiconError,
    StatementReading,
    analyse,
    analyse_statements,
    clear_outcome_mask,
    load_lexicon,
    needs_work_order,
    statement_flags_for_outcomes,
)


def test_a_service_is_a_process_with_a_coaching_prompt():
    reading = analyse("Mum to attend the parenting course")
    assert isinstance(reading, StatementReading)
    assert (reading.kind, reading.clarity, reading.voice) == ("process", None, "professional")
    assert reading.flag_codes[0] == "describes_service"
    assert (
        reading.flags[0].prompt
        == "This describes a service. What would be different for the child if it worked?"
    )
    assert '"attend"' in reading.explanation
    assert any(t.decides == "kind" and t.rule == "describes_service" for t in reading.triggers)


def test_compliance_and_engagement_are_processes_and_engage_is_jargon():
    for text in ("Dad to engage with services", "Parents to comply with the plan"):
        reading = analyse(text)
        assert reading.kind == "process" and "compliance" in reading.flag_codes, text
    assert "engage" in analyse("Dad to engage with services").jargon


def test_a_clear_outcome_says_how_everyone_will_know():
    reading = analyse("Jayden will get to school on time at least 9 days in 10")
    assert (reading.kind, reading.clarity) == ("outcome", "clear")
    assert "no_sign_of_success" not in reading.flag_codes
    assert "Clear:" in reading.explanation and "9 days in 10" in reading.explanation


def test_a_vague_outcome_is_flagged_with_what_made_it_vague():
    reading = analyse("Things will be better at home")
    assert (reading.kind, reading.clarity) == ("outcome", "vague")
    assert reading.flag_codes[:2] == ("no_sign_of_success", "vague")
    assert '("better")' in reading.explanation


def test_the_family_voice_is_first_person_and_professionals_saying_we_are_not():
    assert analyse("I want to feel safe at home").voice == "family"
    assert "professional_voice" not in analyse("I want to feel safe at home").flag_codes
    reading = analyse("We as professionals will make sure the children are safe")
    assert reading.voice == "professional"
    assert "professionals speaking" in reading.explanation


def test_to_json_has_the_agreed_keys_and_is_plain_json():
    record = analyse("Children to be safeguarded").to_json()
    assert list(record) == ["kind", "clarity", "voice", "jargon", "flags", "explanation"]
    assert record["jargon"] == ["safeguarding"]
    assert {"code", "title", "explanation", "prompt"} <= set(record["flags"][0])
    assert json.loads(json.dumps(record)) == record


def test_the_flag_registry_has_every_flag_with_words_and_a_prompt():
    assert {
        "describes_service",
        "compliance",
        "vague",
        "jargon",
        "professional_voice",
        "no_sign_of_success",
    } <= set(FLAGS)
    for code, flag in FLAGS.items():
        assert isinstance(flag, Flag) and flag.code == code
        assert flag.title and flag.explanation.endswith(".") and flag.prompt.endswith("?")


def test_analyse_statements_reads_each_distinct_text_once_and_keeps_the_index():
    texts = pd.Series(
        ["Mum to attend the parenting course", None, "I want to go to school every day", np.nan,
         "Mum to attend the parenting course"],
        index=[10, 11, 12, 13, 14],
    )  # fmt: skip
    table = analyse_statements(texts)
    assert list(table.columns) == list(READING_COLUMNS)
    assert table.index.tolist() == [10, 11, 12, 13, 14]
    assert table["kind"].tolist() == ["process", "outcome", "outcome", "outcome", "process"]
    assert table["clarity"].isna().tolist() == [True, False, False, False, True]
    assert table.loc[11, "flag_codes"][0] == "empty" and table.loc[13, "flag_codes"][0] == "empty"
    assert table.loc[12, "voice"] == "family"
    assert clear_outcome_mask(texts).tolist() == [False, False, True, False, False]
    assert analyse_statements([]).empty and clear_outcome_mask([]).tolist() == []


def test_statement_flags_for_outcomes_gives_a_row_per_flag_most_pressing_first():
    outcomes = pd.DataFrame(
        {
            "outcome_id": ["O1", "O2", "O3"],
            "statement": ["Parents to engage with services", "I want to go to school every day", ""],
        }
    )
    flags = statement_flags_for_outcomes(outcomes)
    assert list(flags.columns) == ["outcome_id", "flag", "title", "explanation", "prompt", "rank"]
    assert flags[flags["outcome_id"] == "O1"]["flag"].tolist() == [
        "compliance",
        "jargon",
        "professional_voice",
    ]
    assert "O2" not in set(flags["outcome_id"])  # a clear outcome in the family's words raises nothing
    assert flags[flags["outcome_id"] == "O3"]["flag"].iloc[0] == "empty"
    with pytest.raises(KeyError, match="'statement'"):
        statement_flags_for_outcomes(outcomes[["outcome_id"]])


def test_needs_work_order_puts_empty_then_process_then_vague_first():
    readings = analyse_statements(
        ["I want to go to school every day", "Things will be better", "Mum to attend GP appointments", ""]
    )
    order = needs_work_order(readings).sort_values().index.tolist()
    assert order == [3, 2, 1, 0]


# -- Hostile and odd input: a sensible answer, never a crash ------------------------------------


@pytest.mark.parametrize("empty", ["", "   ", "\n\t", None, float("nan"), pd.NA, "...", "--"])
def test_an_empty_statement_is_an_unclear_outcome_flagged_empty(empty):
    reading = analyse(empty)
    assert (reading.kind, reading.clarity) == ("outcome", "vague")
    assert reading.flag_codes[0] == "empty"


def test_very_long_text_is_read_up_to_a_limit_and_flagged():
    text = "Mum to attend the parenting course. " + "The children will be happy and settled. " * 26_000
    assert len(text) > 1_000_000
    reading = analyse(text)
    assert reading.kind == "process" and "long" in reading.flag_codes
    assert "Only the first 1,000 characters were read." in reading.explanation
    assert len(reading.explanation) < 2_000  # the reading never echoes the whole text back


def test_html_is_read_as_words_and_kept_as_text():
    text = "<script>alert('x')</script><b>I want to go to school every day</b>"
    reading = analyse(text)
    assert (reading.kind, reading.clarity, reading.voice) == ("outcome", "clear", "family")
    assert reading.text == text  # escaping is for whoever shows it (the widget escapes)


def test_emoji_welsh_polish_and_capitals():
    assert analyse("I want to go to school every day 😊🏫").clarity == "clear"
    assert analyse("😊😊😊").flag_codes[0] == "empty"  # no words at all
    # The lexicon is English: Welsh or Polish reads as an outcome with no sign of success found,
    # in professional words (no English first person), and never fails.
    for text in ("Rwy eisiau mynd i'r ysgol bob dydd", "Chcę chodzić do szkoły codziennie"):
        reading = analyse(text)
        assert (reading.kind, reading.clarity, reading.voice) == ("outcome", "vague", "professional"), text
    polish_name = analyse(
        "Zofia Wójcik will go to school every day; Dafydd ap Gruffydd will read with Łucja weekly"
    )
    assert (polish_name.kind, polish_name.clarity) == ("outcome", "clear")
    shouted = analyse("PARENTS TO ENGAGE WITH ALL PROFESSIONALS")
    assert shouted.kind == "process" and "compliance" in shouted.flag_codes
    assert (
        analyse("I WANT TO GET TO SCHOOL ON TIME EVERY DAY").to_json()
        == analyse("I want to get to school on time every day").to_json()
    )


def test_none_and_nan_in_a_dataframe_column_and_non_text_values():
    frame = pd.DataFrame({"statement": ["I want my own flat by September", None, np.nan, pd.NA, 42, 3.5]})
    table = analyse_statements(frame["statement"].astype(object))
    assert table["kind"].tolist() == ["outcome"] * 6
    assert table.loc[0, "clarity"] == "clear"
    assert all(table.loc[i, "flag_codes"][0] == "empty" for i in (1, 2, 3))
    assert table.loc[4, "flag_codes"][0] != "empty"  # "42" is text, if an odd one
    arrow = analyse_statements(pd.Series(["Mum to attend GP appointments", None], dtype="string[pyarrow]"))
    assert arrow["kind"].tolist() == ["process", "outcome"]
    assert not math.isnan(len(table))


# -- The lexicon is data, checked when loaded ------------------------------------------------------


def _lexicon_with(tmp_path, old, new):
    from workbench.text.statements import LEXICON_PATH

    text = LEXICON_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "lexicon.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_malformed_lexicon_is_refused_naming_the_file_and_the_place(tmp_path):
    broken = _lexicon_with(tmp_path, "'\\bhair strand\\b'", "'\\bhair (strand\\b'")
    with pytest.raises(
        LexiconError, match=r"lexicon\.yaml: process\[1\]\.patterns\[9\]: not a valid regular expression"
    ):
        load_lexicon(broken)
    (tmp_path / "bad.yaml").write_text("version: 1\nwords: [oops\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"bad\.yaml: not valid YAML"):
        load_lexicon(tmp_path / "bad.yaml")
    no_prompt = _lexicon_with(tmp_path, "    prompt: Can the outcome be said in one short sentence?\n", "")
    with pytest.raises(LexiconError, match=r"flags\.long: missing 'prompt'"):
        load_lexicon(no_prompt)
    unknown = _lexicon_with(tmp_path, "{service}\\b'", "{services}\\b'")
    with pytest.raises(LexiconError, match=r"\{services\} is not a word list"):
        load_lexicon(unknown)
    with pytest.raises(LexiconError, match="no such lexicon file"):
        load_lexicon(tmp_path / "missing.yaml")


def test_an_authority_can_edit_the_lexicon(tmp_path):
    edited = _lexicon_with(
        tmp_path,
        "  - {term: holistic,",
        "  - {term: wraparound, pattern: '\\bwraparound\\b'}\n  - {term: holistic,",
    )
    lexicon = load_lexicon(edited)
    assert analyse("Wraparound support for the family", lexicon).jargon == ("wraparound",)
    assert analyse("Wraparound support for the family").jargon == ()


@pytest.mark.parametrize(
    "text",
    [
        "Social worker to arrange a meeting",
        "Refer to CAMHS",
        "Review plan at next core group on 3 May",
        "Mum to attend parenting course",
        "Mum to arrange a GP appointment for Ellie by Friday",
        "Nan to complete the kinship assessment within 6 weeks",
        "Hold an FGC before the end of March",
        "Complete the Graded Care Profile with Mum",
        "Dad to hold a family meeting every month",
        "Weekly visits by the family support worker",
        "Next review 14/03",
        "Ensure the referral to the IDVA goes in by Friday",
        "Housing referral sent 3/4",
        "Facilitate sibling contact every fortnight",
        "Nursery to monitor and record any bruising daily",
        "Grandad to ring the school every Monday about attendance",
        "Weekly unannounced visits x 4",
        "Drug worker to do weekly key work with Dad",
        "Mum to see the GP about her sleep by the end of the month",
        "LAC medical due 3/9",
        "Chronology updated every month",
        "Aunt Jo to phone the housing office on Tuesday",
        "Grandparents to be viability assessed by 1 July",
        "Family therapy x 8 sessions",
        "Counselling for Tom every Wednesday at school",
    ],
)
def test_a_task_addressed_to_anyone_is_a_process_and_never_clear(text):
    # Issue 18: arranging, referring, reviewing, attending, assessing and holding meetings are
    # tasks, whoever does them and whatever date is attached; a date makes them no clearer.
    reading = analyse(text)
    assert reading.kind == "process", reading.explanation
    assert reading.clarity is None
    assert not clear_outcome_mask([text])[0]
    assert reading.flag_codes[0] in {"professional_task", "describes_service"}


@pytest.mark.parametrize(
    "text",
    [
        "Mum to take Josh to school every morning",
        "Ellie will go to Brownies every week",
        "I want to stop having to go to meetings about my family",
        "Dad will arrange his own time with the children through Nan",
        "Dad will see the children every Saturday at Nan's",
        "We want enough money for the electric every week without going to the food bank",
        "Dad to phone Ellie every night at bedtime",
        "Visits with Nan to go well every Sunday",
        "Swimming club every Saturday morning for Ava",
    ],
)
def test_family_life_that_looks_like_a_task_stays_an_outcome(text):
    assert analyse(text).kind == "outcome", analyse(text).explanation


@pytest.mark.parametrize(
    "text",
    [
        "Dad will always put the children first",
        "Ella will never feel alone",
        "Children under 5s to be safe at home",
        "Family to be 100% committed to the children",
        "Since 2023 things have been hard and we want them to get better",
    ],
)
def test_a_number_or_always_with_nothing_to_observe_is_no_sign_of_success(text):
    # "Always", an age, a percentage of commitment or a past year do not say how anyone will know.
    reading = analyse(text)
    assert (reading.kind, reading.clarity) == ("outcome", "vague"), reading.explanation


def test_a_word_list_may_use_the_lists_above_it_and_an_unknown_one_is_refused(tmp_path):
    lexicon = load_lexicon()
    assert analyse("Complete a genogram with Nan", lexicon).kind == "process"  # {task_object} in task_verb
    unknown = _lexicon_with(tmp_path, "{task_object}'", "{task_objects}'")
    with pytest.raises(LexiconError, match=r"words\.task_verb: \{task_objects\} is not a word list"):
        load_lexicon(unknown)


@pytest.mark.parametrize(
    "text",
    [
        "We will go to every parenting session",
        "I will let the social worker in when she visits",
        "We will complete the Triple P course by March",
        "I'll book the kids' eye tests before the end of term",
        "We'll turn up to every core group meeting",
        "I'll check in with my key worker twice a week",
        "I will do all my drug tests on time",
        "We will be in for the unannounced visits",
        "Core group to meet every 4 weeks",
        "3 home visits a week by FSW",
        "Child seen alone at every visit",
        "Dental check every 6 months",
        "Strategy discussion held within 1 working day",
        "Parenting assessment report filed by 14 March",
        "I'll keep the social worker up to date with any changes",
        "We'll go over the plan with the family worker each week",
        "I will make sure I'm there for every review",
        "Consent forms signed by Mum by 3/10",
        "SW supervision monthly",
    ],
)
def test_a_task_as_the_familys_goal_or_with_a_date_or_a_count_is_a_process(text):
    # Issue 18: a task stays a task when the family says it or a count or a date is attached.
    reading = analyse(text)
    assert reading.kind == "process", reading.explanation
    assert not clear_outcome_mask([text])[0]


@pytest.mark.parametrize(
    "text",
    [
        "Things will be better at home by Christmas",
        "Mum will be a good parent in 6 months",
        "Family to be happier by the review",
        "Callum will make better choices every day",
    ],
)
def test_a_date_or_a_frequency_on_a_state_nobody_can_observe_is_vague(text):
    reading = analyse(text)
    assert (reading.kind, reading.clarity) == ("outcome", "vague"), reading.explanation
    assert "says when, but it is a date or a frequency on a state nobody can see or count" in (
        reading.explanation
    )
    assert any(t.rule == "unobservable" for t in reading.triggers)
    assert not any(t.decides == "clarity" for t in reading.triggers)


@pytest.mark.parametrize(
    "text",
    [
        "Jo's attendance to improve to 95% by Easter",  # a threshold outweighs "improve"
        "Ella to feel happier at school and say so on her scale at every review",  # a report
        "Tom to be safe at home with no injuries for 6 months",  # a count of none
        "Leo will be fully settled in his new school by Easter",
        "Jack to go to school every day this term",
        "Mum will take the kids to the park every Sunday",
        "I want to visit my nan every other Sunday",
        "Mum to answer the door to the kids after school every day",  # not to a professional
        "Mum to be better at getting up in the mornings, up by 7.30 every school day",  # a clock time
    ],
)
def test_a_real_outcome_with_a_date_or_a_count_stays_clear(text):
    reading = analyse(text)
    assert (reading.kind, reading.clarity) == ("outcome", "clear"), reading.explanation


def test_an_unobservable_rule_may_only_outweigh_signs_the_lexicon_has(tmp_path):
    edited = _lexicon_with(tmp_path, "outweighs: [frequency, time frame]", "outweighs: [frequency, a date]")
    with pytest.raises(LexiconError, match=r"unobservable\.outweighs: a date is not a sign under 'clarity:'"):
        load_lexicon(edited)
    # Without the section, a date on "better" is a sign again, as before the section existed.
    start = _lexicon_text().index("unobservable:")
    end = _lexicon_text().index("# ---", start)
    without = tmp_path / "without.yaml"
    without.write_text(_lexicon_text()[:start] + _lexicon_text()[end:], encoding="utf-8")
    assert analyse("Things will be better at home by Christmas", load_lexicon(without)).clarity == "clear"


def _lexicon_text() -> str:
    from workbench.text.statements import LEXICON_PATH

    return LEXICON_PATH.read_text(encoding="utf-8")


# -- The structure of a task, and clear only on positive evidence (issue 18) ---------------------


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Identify an independent visitor for Ollie", "professional_task"),  # an instruction verb first
        ("Look into a nursery place for Maisie by June", "professional_task"),
        ("SENCO and EWO to meet the family before half term", "professional_task"),  # professionals act
        ("I will let my key worker know if I lose my job", "compliance"),  # telling a worker
        ("Sam will ring his social worker every Friday", "compliance"),
        ("Counselling so that Mo sleeps through the night", "describes_service"),  # the service first
        ("Dad will go to AA so he can stay sober at contact", "describes_service"),
        ("Mum wants help to get the children to school", "support_offered"),
        ("Paed appt 14/7", "describes_service"),  # shorthand spelt out
        ("Strategy discussion held", "professional_task"),  # a line of work done
        ("I'll fill in the safety plan with my worker every week", "professional_task"),
    ],
)
def test_a_task_is_read_by_its_structure(text, flag):
    reading = analyse(text)
    assert reading.kind == "process" and reading.clarity is None, reading.explanation
    assert flag in reading.flag_codes, reading.explanation


@pytest.mark.parametrize(
    "text",
    [
        "Stop drinking",  # an imperative that names a change
        "Get a job by the summer",
        "Tia will tell her teacher when she is upset",  # a child speaking up, not keeping a worker told
        "Tia will tell her social worker she feels safe at every visit",  # a report to come
        "Dad will go to the gym so that he feels better",  # not a service
        "Tyler to stay out of trouble with the police",
    ],
)
def test_what_looks_like_a_task_but_is_a_change_stays_an_outcome(text):
    assert analyse(text).kind == "outcome", analyse(text).explanation


def test_a_service_named_with_no_one_whose_life_changes_is_a_task_and_says_why():
    reading = analyse("Respite one weekend a month")
    assert (reading.kind, reading.clarity) == ("process", None)
    assert "professional_task" in reading.flag_codes
    assert 'nobody whose life is to change ("respite")' in reading.explanation
    assert analyse("Parenting assessment addendum").kind == "process"  # with no date either
    # A count stands on its own; with someone's life named the frequency is a clear outcome; a
    # line of home life names no service and needs no one named.
    assert analyse("No incidents reported to the police for 6 months").clarity == "clear"
    assert analyse("Nan to have Ava one weekend a month").clarity == "clear"
    assert analyse("Toothbrushing twice a day").clarity == "clear"
    assert analyse("Family time w/ Dad 2x per wk").clarity == "clear"  # shorthand spelt out


@pytest.mark.parametrize(
    "text",
    [
        "Home conditions improved by Christmas",  # a general word vetoes a date
        "Mum says the children are happier",  # a view already given, not a report to come
        "School attendance to be better every week",
    ],
)
def test_partial_evidence_reads_vague(text):
    reading = analyse(text)
    assert (reading.kind, reading.clarity) == ("outcome", "vague"), reading.explanation
    assert "no_sign_of_success" in reading.flag_codes


def test_the_bearer_section_is_checked_and_optional(tmp_path):
    edited = _lexicon_with(
        tmp_path,
        "stands_alone: [count or threshold, a measure the family can report]",
        "stands_alone: [count or threshold, a hunch]",
    )
    with pytest.raises(LexiconError, match=r"bearer\.stands_alone: a hunch is not a sign under 'clarity:'"):
        load_lexicon(edited)
    # Without the section, a frequency beside a service is a sign again.
    start = _lexicon_text().index("\nbearer:")
    end = _lexicon_text().index("# ---", start)
    without = tmp_path / "without.yaml"
    without.write_text(_lexicon_text()[:start] + "\n" + _lexicon_text()[end:], encoding="utf-8")
    assert analyse("Respite one weekend a month", load_lexicon(without)).clarity == "clear"
