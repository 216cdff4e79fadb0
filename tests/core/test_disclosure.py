import pytest

from workbench.core.disclosure import safe_count, share_is_disclosive


@pytest.mark.parametrize(("count", "shown"), [(0, "0"), (1, "c"), (5, "c"), (6, "6"), (1234, "1,234"),
                                              (None, ""), (float("nan"), "")])
def test_safe_count(count, shown):
    assert safe_count(count) == shown


@pytest.mark.parametrize(("numerator", "denominator", "disclosive"), [
    (3, 100, True),    # three children
    (97, 100, True),   # reveals the three who did not
    (0, 100, False),   # a true zero
    (100, 100, False),
    (50, 100, False),
    (0, 4, True),      # a group of four
])
def test_share_is_disclosive(numerator, denominator, disclosive):
    assert share_is_disclosive(numerator, denominator) is disclosive
