"""`workbench refresh` on PostgreSQL: the swap, the report, the advisory lock, and a refusal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.fixtures.handworked import write_extract
from tests.store.test_refresh import BY_HAND, changed_rows, run, table_dump
from workbench.store.changes import latest_report
from workbench.store.engine import Store
from workbench.store.refresh import RefreshLock, RefreshLockedError, refresh_extract


def test_a_refresh_on_postgres_swaps_reports_and_locks(pg_store, tmp_path):
    url = pg_store.engine.url.render_as_string(hide_password=False)
    old = write_extract(tmp_path / "old")
    new = write_extract(tmp_path / "new", changed_rows())
    assert run("refresh", old, "--store", url).exit_code == 0

    # The advisory lock refuses a second refresh, in this process or another.
    with RefreshLock(Store(url)):
        with pytest.raises(RefreshLockedError):
            refresh_extract(pg_store, new)
        locked = run("refresh", new, "--store", url)
    assert locked.exit_code == 3 and "already running" in locked.output

    # A broken extract changes nothing.
    broken_rows = changed_rows()
    broken_rows["outcome_reviews"][0]["outcome_id"] = "O404"
    before = table_dump(url)
    assert run("refresh", write_extract(tmp_path / "broken", broken_rows), "--store", url).exit_code == 1
    assert table_dump(url) == before

    result = run("refresh", new, "--store", url)
    assert result.exit_code == 0, result.output
    assert latest_report(pg_store.engine).tables == BY_HAND
    with pg_store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM outcomes")).scalar() == 8
        # The report's temporary tables went with the transaction.
        assert not conn.execute(
            sa.text("SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'refresh_%'")
        ).scalar()
