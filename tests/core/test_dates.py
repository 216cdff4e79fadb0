"""Dates in words: the line that says which day a page's figures are at."""

from datetime import UTC, date, datetime

from workbench.core.dates import as_at_words, loaded_words, long_date


def test_a_date_in_words_names_the_day_without_a_leading_zero():
    assert long_date(date(2026, 3, 31)) == "Tuesday 31 March 2026"
    assert long_date(date(2026, 12, 4)) == "Friday 4 December 2026"
    assert long_date(None) == ""


def test_the_load_time_is_uk_time_and_names_the_day_unless_it_is_today():
    winter = datetime(2026, 12, 4, 7, 2, tzinfo=UTC)  # GMT: the same clock
    assert loaded_words(winter, now=datetime(2026, 12, 4, 15, 0, tzinfo=UTC)) == "07:02"
    assert loaded_words(winter, now=datetime(2026, 12, 5, 9, 0, tzinfo=UTC)) == "07:02 on 4 Dec 2026"
    summer = datetime(2026, 6, 1, 6, 2, tzinfo=UTC)  # BST: an hour on
    assert loaded_words(summer, now=datetime(2026, 6, 1, 12, 0, tzinfo=UTC)) == "07:02"


def test_the_as_at_line_says_the_date_and_the_load_time():
    loaded = datetime(2026, 12, 4, 7, 2, tzinfo=UTC)
    now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    line = as_at_words(date(2026, 12, 4), loaded, data_date=date(2026, 12, 4), now=now)
    assert line == "Figures as at Friday 4 December 2026, loaded 07:02"
    assert as_at_words(date(2026, 3, 31)) == "Figures as at Tuesday 31 March 2026"


def test_looking_back_says_so_and_names_the_datas_own_date():
    line = as_at_words(date(2026, 3, 2), data_date=date(2026, 3, 31))
    assert line == (
        "Figures as at Monday 2 March 2026 (looking back: the data is as at Tuesday 31 March 2026)"
    )
