"""Supervision and appraisal packs: audiences, escaping, suppression and scope.

The hand-worked fixture (tests/fixtures/supervision.py) checks each rule; the demo service
checks every shared pack for child ids, other workers' names and unsuppressed counts, and every
internal pack for children who are not the worker's at D.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tests.fixtures.handworked import write_extract
from tests.fixtures.supervision import AT, signed_in, supervision_rows
from workbench.cli.app import main
from workbench.core.disclosure import suppress_with_total
from workbench.measures.service_data import ServiceData
from workbench.practice.supervision import record_supervision, supervision_records, supervision_view
from workbench.publishing.audience import PublishError
from workbench.publishing.batch import publish
from workbench.publishing.supervision_pack import child_labels, render_supervision_page
from workbench.store.engine import Store
from workbench.store.loading import load_extract

DEMO_AT = "2026-03-31"
DEMO_CHILD_ID = re.compile(r"C\d{6}")
COUNT = re.compile(r"<span class='wb-count'>([^<]*)</span>")
CHILD_LABEL = re.compile(r"\bChild [A-Z]{1,3}\b")


@pytest.fixture
def fixture_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_extract(store, write_extract(tmp_path / "extract", supervision_rows()))
    store.mark_demo()  # viewed with the demo identities, which view only a store marked as the demo
    return store


def counts_in(page: str) -> list[str]:
    return [html.unescape(c) for c in COUNT.findall(page)]


# --- disclosure: secondary suppression ---------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "shown", "total"),
    [
        ([10, 20, 30], ["10", "20", "30"], "60"),
        ([3, 20, 30], ["c", "c", "30"], "53"),  # a lone hidden 3 would be 53 - 50: hide the next smallest
        ([1, 1, 30], ["c", "c", "c"], "32"),  # two hidden cells summing to 2 must both be 1: hide more
        ([5, 5, 30], ["c", "c", "c"], "40"),  # two hidden primaries summing to 10 must both be 5
        ([0, 3, 0], ["0", "c", "0"], "c"),  # a total of 1 to 5 is itself hidden
        ([3, 0, 0, 40], ["c", "0", "0", "c"], "43"),  # zeros are true zeros, never hidden
        ([2, 2], ["c", "c"], "c"),
    ],
)
def test_secondary_suppression_leaves_no_count_recoverable(counts, shown, total):
    assert suppress_with_total(counts) == (shown, total)


# --- the supervision page on the hand-worked fixture ------------------------------------------


def test_internal_page_shows_the_workers_children_by_id(fixture_store):
    page = render_supervision_page(supervision_view(fixture_store, "W1", AT), "internal", records=None)
    assert set(re.findall(r"\bC\d\b", page)) == {"C1", "C2", "C5"}
    assert "born 2014-05" in page
    assert counts_in(page)[:2] == ["3", "7"]  # children, outcomes: internal counts are not suppressed
    # Prompts by kind, then all: the fixture has no target dates, so none is past its target (0).
    assert counts_in(page)[2:] == ["4", "0", "2", "2", "1", "2", "1", "12"]
    assert page.count("class='wb-prompt'") == 12
    assert (
        "not a change in the child&#x27;s life. What would be different for the child if it worked?" in page
    )
    # Outcome statements are escaped, never markup.
    assert "&lt;b&gt;P1&lt;/b&gt; I will get to school on time" in page and "<b>P1</b>" not in page
    assert "<script" not in page
    assert not re.findall(r"(?:https?:)?//", re.sub(r'xmlns(:\w+)?="[^"]*"', "", page))  # nothing fetched


def test_shared_page_shows_figures_only_suppressed(fixture_store):
    """W1 at D, worked by hand (tests/fixtures/supervision.py).

    Children 3: c. Outcomes by latest score against the baseline: higher P1 (3 to 6), P9 (4 to
    5), P5 (2 to 4): 3; the same P2 (5), P10 (5): 2; lower 0; no score to compare P3, P4: 2.
    All three non-zero counts are 1 to 5, so hidden; the total 7 leaves each between 1 and 5:
    shown. Prompts 4, 0 (past target: no target dates), 2, 2, 1, 2, 1: all but the 0 hidden,
    total 12 shown.
    """
    view = supervision_view(fixture_store, "W1", AT)
    page = render_supervision_page(view, "shared")
    assert counts_in(page) == ["c", "7", "c", "c", "0", "c", "7"] + ["c", "0"] + ["c"] * 5 + ["12"]
    # No per-child listing, not even pseudonymised, and no free text a person wrote.
    assert not re.search(r"\bC\d\b", page) and "Child A" not in page and "born" not in page
    body = page.split("</style>", 1)[1]
    for listing in ("wb-child", "wb-children", "wb-prompt'", "wb-outcomes", "wb-record"):
        assert listing not in body
    for said in view.outcomes["statement"]:
        assert html.escape(said) not in page and said not in page
    assert "Settled at school" not in page  # the success measures
    assert "Bob Example" not in page and "Cat Example" not in page and "Ann Example" in page
    # It says what it leaves out and why, and draws its charts from the published counts.
    assert "figures only" in page and "Left out:" in page and "work out a number this pack hides" in page
    assert page.count('class="marks wb-chart"') == 2


def test_records_show_escaped_in_internal_packs_only(fixture_store, monkeypatch, tmp_path):
    signed_in(monkeypatch, tmp_path, "cat.example")
    record_supervision(fixture_store, "W1", "2026-04-02", AT, challenged="Is <i>P2</i> right?\n\nAsk Mum.")
    view = supervision_view(fixture_store, "W1", AT)
    records = supervision_records(fixture_store, "W1")
    internal = render_supervision_page(view, "internal", records)
    assert "<p>Is &lt;i&gt;P2&lt;/i&gt; right?</p><p>Ask Mum.</p>" in internal
    # The supervisor is recorded by worker_id (the docs' word), else the user name (issue 15).
    assert records.loc[0, "supervisor"] != "cat.example" and records.loc[0, "supervisor"] in internal
    assert "Ask Mum" not in render_supervision_page(view, "shared", records)


def test_publish_chooses_workers_and_audiences(fixture_store, tmp_path):
    pages = publish(fixture_store, "supervision", AT, tmp_path / "one", worker="W1", progress=False)
    assert [p.name for p in pages] == ["supervision-W1-2026-03-31-internal.html"]
    pages = publish(fixture_store, "supervision", AT, tmp_path / "team", team="T1", progress=False)
    assert [p.name for p in pages] == ["supervision-W1-2026-03-31-shared.html"]  # W3 has no caseload
    pages = publish(fixture_store, "appraisal", AT, tmp_path / "all", everyone=True, progress=False)
    assert [p.name for p in pages] == [
        "appraisal-W1-2026-03-31-shared.html",
        "appraisal-W2-2026-03-31-shared.html",
    ]
    with pytest.raises(PublishError, match="exactly one"):
        publish(fixture_store, "supervision", AT, tmp_path, worker="W1", everyone=True, progress=False)
    with pytest.raises(PublishError, match="no worker 'W9'"):
        publish(fixture_store, "supervision", AT, tmp_path, worker="W9", progress=False)


def test_cli_publish_writes_pages(fixture_store, tmp_path):
    out = tmp_path / "packs"
    result = CliRunner().invoke(
        main,
        [
            "publish",
            "appraisal",
            "--worker",
            "W2",
            "--at",
            AT,
            "--out",
            str(out),
            "--store",
            fixture_store.url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 1 internal appraisal page(s)" in result.output
    page = (out / "appraisal-W2-2026-03-31-internal.html").read_text()
    assert "<h1>Appraisal: Bob Example</h1>" in page
    bad = CliRunner().invoke(
        main, ["publish", "supervision", "--at", AT, "--out", str(out), "--store", fixture_store.url]
    )
    assert bad.exit_code != 0 and "choose exactly one" in bad.output


# --- the demo service: every pack --------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_store():
    return Store(os.environ["WORKBENCH_STORE"])


@pytest.fixture(scope="module")
def shared_packs(demo_store, tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("shared")
    return publish(demo_store, "supervision", DEMO_AT, out, everyone=True, progress=False)


@pytest.fixture(scope="module")
def demo_workers(demo_store) -> pd.DataFrame:
    return demo_store.read_table("workers", ["worker_id", "name"])


def test_shared_packs_for_the_demo_service_disclose_nothing(shared_packs, demo_workers, demo_store):
    # Every statement long enough not to be a common phrase ("Safe at home" could be a heading).
    statements = {
        str(t).strip() for t in demo_store.read_table("outcomes", ["statement"])["statement"].dropna()
    }
    statements = {t for t in statements if len(t) >= 25}
    assert len(statements) > 100
    names = dict(zip(demo_workers["worker_id"], demo_workers["name"], strict=True))
    any_name = re.compile(
        "|".join(rf"\b{re.escape(n)}\b" for n in sorted(set(names.values()), key=len, reverse=True))
    )
    assert len(shared_packs) > 50
    suppressed = 0
    for path in shared_packs:
        page = path.read_text(encoding="utf-8")
        subject = path.name.split("-")[1]
        assert not DEMO_CHILD_ID.search(page), f"{path.name} shows a child id"
        text = html.unescape(page).replace(names[subject], "")
        others = set(any_name.findall(text))
        assert not others, f"{path.name} names other workers: {others}"
        counts = counts_in(page)
        assert counts, f"{path.name} has no marked counts"
        assert not set(counts) & {"1", "2", "3", "4", "5"}, f"{path.name} shows a count of 1 to 5"
        suppressed += counts.count("c")
        assert not re.search(r"born \d{4}-\d{2}", page)
        # Figures only: no per-child section and no outcome statement a person wrote.
        body = page.split("</style>", 1)[1]
        assert "wb-child" not in body and "wb-prompt'" not in body and not CHILD_LABEL.search(page)
        text = html.unescape(page)
        found = [said for said in statements if said in text]
        assert not found, f"{path.name} shows outcome statements: {found[:3]}"
        assert "figures only" in page
    assert suppressed > 0  # the demo has small counts, and they were hidden


def test_every_pack_holds_only_the_workers_children_at_d(demo_store, tmp_path):
    pages = publish(demo_store, "supervision", DEMO_AT, tmp_path, everyone=True, audience="internal",
                    progress=False)  # fmt: skip
    # Who holds each child at D, from the measures' own allocation rule (not the publisher's query).
    allocated = ServiceData(demo_store).allocation_at(pd.Timestamp(DEMO_AT).date())
    children_of = allocated.groupby("worker_id")["child_id"].apply(set).to_dict()
    assert {p.name.split("-")[1] for p in pages} == set(children_of)
    for path in pages:
        worker = path.name.split("-")[1]
        shown = set(DEMO_CHILD_ID.findall(path.read_text(encoding="utf-8")))
        assert shown == children_of[worker], f"{path.name}: {sorted(shown ^ children_of[worker])[:5]}"


def test_the_compiled_scores_chart_draws_what_altair_draws(fixture_store):
    from workbench.publishing.supervision_pack import scores_chart, scores_svg
    from workbench.render.html import svg

    view = supervision_view(fixture_store, "W1", AT)
    for audience in ("internal", "shared"):
        names = child_labels(view.children["child_id"], audience, "salt")
        chart = scores_chart(view, names, "Scores")
        assert scores_svg(view, names, "Scores") == svg(chart)
        # Panels sort by a number: no child label enters a Vega expression.
        spec = str(chart.to_dict())
        assert "Child A" not in spec.split("'datasets'")[0] and "C1" not in spec.split("'datasets'")[0]


def test_the_compiled_counts_chart_draws_what_altair_draws():
    from workbench.publishing.supervision_pack import _published_chart
    from workbench.render.charts import published_counts_chart
    from workbench.render.html import svg

    first = [("Higher", 22), ("Same", 3), ("Lower", 0), ("No score", 29)]
    second = [("Higher", 8), ("Same", 9), ("Lower", 2), ("No score", 40)]  # same shape, new counts
    for rows in (first, second):
        shown, _ = suppress_with_total([n for _, n in rows])
        table = pd.DataFrame({"label": [label for label, _ in rows], "shown": shown})
        assert _published_chart(rows, "Outcomes") == svg(published_counts_chart(table, "Outcomes"))
    # 3 is hidden, and then 22 (the total 54 would reveal a lone 3). Each is drawn as its "c" with
    # no bar: the chart (its marks' labels included) carries nothing the table hides.
    marks = re.findall(r'aria-label="([^"]*)"', _published_chart(first, "Outcomes"))
    assert [m.split("shown: ")[1] for m in marks if "shown: " in m] == ["c", "c", "0", "29"]
    assert not [m for m in marks if re.search(r"\b(22|3)\b", m)]
