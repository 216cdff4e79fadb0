"""`workbench refresh`: a new extract swapped in whole, a report of what changed, and a lock.

The hand-made change (:func:`changed_rows`) is small enough to count by hand; the counts are
also worked out a second way, in pandas from the two extracts' CSV rows, never from the code
under test. The SIGKILL test kills real refreshes 14 times: at each
logged step in turn, and at random moments once writing has begun.
"""

from __future__ import annotations

import copy
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.fixtures.handworked import ROWS, write_extract
from workbench.cli.app import main
from workbench.core.model import EXTRACT_TABLES
from workbench.store.changes import latest_report
from workbench.store.engine import Store
from workbench.store.refresh import RefreshLock

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    """Run the CLI in this process; return click's result (exit code and output)."""
    return CliRunner().invoke(main, [str(a) for a in args])


def changed_rows() -> dict[str, list[dict[str, str]]]:
    """The hand-worked extract after a week's work, each change named.

    - children: C4 is new; C2 moved locality (changed); C3's only involvement ended (closed);
    - involvements: I4 (C4) is new; I3 ended on 2026-02-01 (closed);
    - outcomes: O9 (C4) is new; O1 was achieved on 2026-02-01 (closed); O2's statement was
      reworded (changed); O4 left the extract (removed);
    - reviews: R10 (O9) is new; R4's score went from 3 to 4 (changed); R9 left the extract (removed).
    """
    rows = copy.deepcopy(ROWS)
    rows["children"].append({**rows["children"][0], "child_id": "C4", "locality": "South"})
    rows["children"][1]["locality"] = "South"
    rows["involvements"].append({**rows["involvements"][2], "involvement_id": "I4", "child_id": "C4"})
    rows["involvements"][2].update(end_date="2026-02-01")
    rows["allocations"].append(
        {"child_id": "C4", "worker_id": "W2", "start_date": "2025-02-01", "end_date": ""}
    )
    outcomes = {row["outcome_id"]: row for row in rows["outcomes"]}
    outcomes["O1"].update(status="achieved", closed_date="2026-02-01")
    outcomes["O2"].update(statement="Ben sleeps through most nights")
    new_outcome = {**outcomes["O5"], "outcome_id": "O9", "child_id": "C4", "involvement_id": "I4"}
    rows["outcomes"] = [row for row in rows["outcomes"] if row["outcome_id"] != "O4"] + [new_outcome]
    reviews = {row["review_id"]: row for row in rows["outcome_reviews"]}
    reviews["R4"].update(score="4")
    new_review = {**reviews["R6"], "review_id": "R10", "outcome_id": "O9", "score": "6"}
    rows["outcome_reviews"] = [row for row in rows["outcome_reviews"] if row["review_id"] != "R9"] + [
        new_review
    ]
    return rows


#: The counts of the hand-made change, by hand (see changed_rows).
BY_HAND = {
    "children": {"before": 3, "after": 4, "added": 1, "closed": 1, "changed": 1, "removed": 0},
    "involvements": {"before": 3, "after": 4, "added": 1, "closed": 1, "changed": 0, "removed": 0},
    "outcomes": {"before": 8, "after": 8, "added": 1, "closed": 1, "changed": 1, "removed": 1},
    "outcome_reviews": {"before": 9, "after": 9, "added": 1, "closed": None, "changed": 1, "removed": 1},
}


def counted_in_pandas(old_folder: Path, new_folder: Path) -> dict[str, dict[str, int | None]]:
    """Count what changed between two extracts' CSV files, in pandas (a second, independent count)."""
    keys = {"children": "child_id", "involvements": "involvement_id", "outcomes": "outcome_id",
            "outcome_reviews": "review_id"}  # fmt: skip
    closing = {"involvements": "end_date", "outcomes": "closed_date"}
    read = {
        (which, name): pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False).set_index(key)
        for which, folder in (("old", old_folder), ("new", new_folder))
        for name, key in keys.items()
    }
    counts = {}
    for name in keys:
        old, new = read["old", name], read["new", name]
        both = old.index.intersection(new.index)
        closed = pd.Series(False, index=both)
        if name in closing:
            column = closing[name]
            closed = (old.loc[both, column] == "") & (new.loc[both, column] != "")
        differs = (old.loc[both] != new.loc[both, old.columns]).any(axis=1)
        counts[name] = {
            "before": len(old), "after": len(new),
            "added": len(new.index.difference(old.index)), "removed": len(old.index.difference(new.index)),
            "closed": int(closed.sum()) if name in closing else None,
            "changed": int((differs & ~closed).sum()),
        }  # fmt: skip
    old_inv, new_inv = read["old", "involvements"], read["new", "involvements"]
    open_before = set(old_inv.loc[old_inv["end_date"] == "", "child_id"])
    open_after = set(new_inv.loc[new_inv["end_date"] == "", "child_id"])
    in_both = set(read["old", "children"].index) & set(read["new", "children"].index)
    counts["children"]["closed"] = len((open_before - open_after) & in_both)
    return counts


def store_digest(url: str) -> str:
    """Return a digest of every extract table's rows, the load log's latest fingerprint and the reports."""
    engine = sa.create_engine(url)
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for spec in EXTRACT_TABLES:
            columns = ", ".join(spec.columns)
            where = " WHERE origin = 'extract'" if spec.name == "children" else ""
            for row in conn.exec_driver_sql(f"SELECT {columns} FROM {spec.name}{where} ORDER BY {columns}"):
                digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return digest.hexdigest()


def table_dump(url: str) -> dict[str, list[tuple]]:
    """Return every row of every table in the store, for an exact before-and-after comparison."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        dump = {
            name: sorted(map(tuple, conn.exec_driver_sql(f"SELECT * FROM {name}")), key=repr)
            for name in names
        }
    engine.dispose()
    return dump


@pytest.fixture
def refreshed(tmp_path):
    """A store refreshed from the hand-worked extract, and the changed extract beside it."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    old = write_extract(tmp_path / "old")
    new = write_extract(tmp_path / "new", changed_rows())
    result = run("refresh", old, "--store", url)
    assert result.exit_code == 0, result.output
    return url, old, new


def test_a_refresh_swaps_the_data_and_reports_the_hand_made_change(refreshed):
    url, old, new = refreshed
    result = run("refresh", new, "--store", url)
    assert result.exit_code == 0, result.output
    store = Store(url)
    assert sorted(store.read_table("outcomes")["outcome_id"]) == sorted(
        r["outcome_id"] for r in changed_rows()["outcomes"]
    )
    assert store.read_table("outcome_reviews").set_index("review_id").loc["R4", "score"] == 4
    report = latest_report(store.engine)
    assert report.tables == BY_HAND
    assert report.tables == counted_in_pandas(old, new)
    assert report.previous_load_id == 1 and report.load_id == 2
    assert "outcomes" in result.output and "reviews" in result.output
    shown = run("changes", "--store", url)
    assert shown.exit_code == 0 and shown.output.splitlines()[0] == report.lines()[0]
    # The same extract again changes nothing and adds no report.
    again = run("refresh", new, "--store", url)
    assert again.exit_code == 0 and "already loaded" in again.output
    assert latest_report(store.engine).load_id == 2


def test_a_broken_extract_changes_nothing_and_exits_1(refreshed, tmp_path):
    url, _old, _new = refreshed
    broken_rows = changed_rows()
    broken_rows["outcome_reviews"][0]["outcome_id"] = "O404"  # a review of no outcome
    broken = write_extract(tmp_path / "broken", broken_rows)
    before = table_dump(url)
    result = run("refresh", broken, "--store", url, "--problems-csv", tmp_path / "problems.csv")
    assert result.exit_code == 1
    assert "O404" in result.output and "previous data" in result.output
    assert table_dump(url) == before
    assert (tmp_path / "problems.csv").exists()


def test_a_second_refresh_is_refused_while_one_runs(refreshed):
    url, _old, new = refreshed
    before = table_dump(url)
    with RefreshLock(Store(url)):
        result = run("refresh", new, "--store", url)
    assert result.exit_code == 3
    assert "a refresh of this store is already running" in result.output
    assert table_dump(url) == before
    assert run("refresh", new, "--store", url).exit_code == 0  # the lock was let go


def test_changes_before_any_refresh_says_so(tmp_path):
    result = run("changes", "--store", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert result.exit_code == 1 and "no refresh has been made" in result.output


@pytest.fixture(scope="module")
def two_tiny_extracts(tmp_path_factory):
    """Two different small synthetic extracts (about 14,000 rows each) and each one's store digest."""
    from workbench.store.loading import load_extract
    from workbench.synth import generate_extract

    base = tmp_path_factory.mktemp("tiny")
    extracts, digests = [], []
    for seed in (2026, 7):
        folder = base / f"seed-{seed}"
        generate_extract(folder, size="tiny", seed=seed)
        url = f"sqlite:///{base / f'reference-{seed}.sqlite'}"
        load_extract(Store(url), folder)
        extracts.append(folder)
        digests.append(store_digest(url))
    assert digests[0] != digests[1]
    return extracts, digests


#: The refresh's log events, in order, that the kill test waits for before it kills.
STEPS = [b"event=locked", b"event=validating", b"event=writing", b"event=wrote", b"event=validated",
         b"event=committing", b"event=committed"]  # fmt: skip


def test_a_refresh_killed_at_random_points_leaves_old_or_new_data_never_a_mix(tmp_path, two_tiny_extracts):
    extracts, digests = two_tiny_extracts
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    command = [sys.executable, "-m", "workbench.cli", "refresh"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert (
        subprocess.run([*command, str(extracts[0]), "--store", url], env=env, capture_output=True).returncode
        == 0
    )
    chance = random.Random(14)
    seen = {"old": 0, "new": 0}
    # 14 tries: the odd ones wait for each of the 7 STEPS once, the even ones kill mid-write.
    for attempt in range(2 * len(STEPS)):
        current = digests.index(store_digest(url))
        target = 1 - current
        refresh = subprocess.Popen(
            [*command, str(extracts[target]), "--store", url],
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
        )
        # The extract is read, checked and written in one transaction, so moments are found by the
        # refresh's own log: each step in turn (from the lock to after the commit), or a random
        # moment once writing has begun.
        event = STEPS[(attempt // 2) % len(STEPS)] if attempt % 2 else b"event=writing"
        for line in refresh.stderr:
            if event in line or b"event=committed" in line:
                break
        time.sleep(chance.uniform(0.0, 0.05 if attempt % 2 else 0.12))
        os.kill(refresh.pid, signal.SIGKILL)
        refresh.wait()
        refresh.stderr.close()
        found = store_digest(url)
        assert found in digests, f"try {attempt}: the store holds a mix of two extracts"
        store = Store(url)
        now = digests.index(found)
        seen["new" if now == target else "old"] += 1
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # The load log and the reports moved with the data, or not at all.
        assert Path(store.latest_load()["source"]) == extracts[now].resolve()
        assert latest_report(store.engine).load_id == store.latest_load()["load_id"]
        store.engine.dispose()
    assert seen["old"] and seen["new"], seen  # both outcomes were reached, so the kills did land
    # The killed refreshes left no lock behind.
    final = subprocess.run([*command, str(extracts[0]), "--store", url], env=env, capture_output=True)
    assert final.returncode == 0, final.stderr
