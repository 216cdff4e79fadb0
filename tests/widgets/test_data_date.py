"""The as-at line and its date picker, without a kernel."""

from datetime import date

from widgets.data_date import DataDate, date_note
from workbench.store.loading import load_extract


def test_a_date_outside_the_data_gets_a_plain_note():
    data_date, first = date(2026, 3, 31), date(2019, 4, 3)
    assert date_note(date(2026, 3, 1), data_date, first) == ""
    assert "no figures after the data's date, Tuesday 31 March 2026" in date_note(date(2026, 4, 1), data_date, first)
    assert "The data starts on Wednesday 3 April 2019" in date_note(date(2019, 4, 2), data_date, first)
    assert "Choose a date" in date_note(None, data_date, first)


def test_the_line_follows_the_picker_and_a_bad_date_leaves_it(store, handworked_dir):
    load_extract(store, handworked_dir)
    widget = DataDate(store)
    assert widget.at == store.data_date() == date(2026, 3, 31)
    assert widget.words().startswith("Figures as at Tuesday 31 March 2026, loaded ")
    assert widget.back.layout.display == "none"
    widget.picker.value = date(2026, 1, 5)
    assert widget.at == date(2026, 1, 5) and widget.note.value == ""
    assert "(looking back: the data is as at Tuesday 31 March 2026)" in widget.line.value
    assert widget.back.layout.display is None  # "Back to the data's date" is offered
    widget.picker.value = date(2030, 1, 1)
    assert widget.at == date(2026, 1, 5) and widget.picker.value == date(2026, 1, 5)
    assert "no figures after" in widget.note.value
    widget.back.click()
    assert widget.at == date(2026, 3, 31)


def test_an_empty_store_says_nothing_is_loaded(store):
    widget = DataDate(store)
    assert widget.words() == "No extract is loaded yet, so there are no figures to date."
