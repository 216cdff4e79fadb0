"""The plain-words definitions: one per headline measure, dates filled in, no data-model terms."""

from __future__ import annotations

import re
from datetime import date

import pytest

from workbench.measures.headline import MEASURES
from workbench.measures.words import PLAIN, plain_definition


def test_every_headline_measure_has_plain_words_and_no_other():
    assert set(PLAIN) == set(MEASURES)


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_plain_words_name_the_dates_and_none_of_the_data_model(name):
    text = plain_definition(name, date(2026, 3, 31))
    assert "{" not in text and "}" not in text
    # No "D", "D-91", field names or census codes: a team lead reads dates and practice terms.
    assert not re.search(r"\bD\b|\bD-\d+|_|\bPN\d", text), text
    assert "31 March 2026" in text or "31 March 2025" in text or "31 December 2025" in text


def test_dates_before_the_date_shown_are_worked_out():
    assert "31 December 2025 (90 days before 31 March 2026)" in plain_definition("constant", date(2026, 3, 31))
    assert "year to 31 March 2025" in plain_definition("sustained", date(2026, 3, 31))
