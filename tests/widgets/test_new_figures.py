"""The new-figures notice: silent on the data it was drawn from, speaking up after a refresh."""

from __future__ import annotations

import copy

from tests.fixtures.handworked import ROWS, write_extract
from widgets.new_figures import NOTICE, NewFiguresNotice
from workbench.store.engine import Store
from workbench.store.refresh import refresh_extract


def test_the_notice_appears_only_after_a_new_load(tmp_path, handworked_dir):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = Store(url)
    refresh_extract(store, handworked_dir)
    notice = NewFiguresNotice(url)
    assert "wb-new-figures" in notice._dom_classes
    assert not notice.check() and notice.value == ""
    refresh_extract(store, handworked_dir)  # the same extract: no new load
    assert not notice.check() and notice.value == ""
    rows = copy.deepcopy(ROWS)
    rows["outcome_reviews"][0]["score"] = "6"
    refresh_extract(store, write_extract(tmp_path / "next", rows))
    assert notice.check()
    assert NOTICE in notice.value and 'role="status"' in notice.value
