"""Findings: what the audits say, by question, team and period, beside what the records say.

- **Grade distributions**: counts and shares of each grade, by question (every answer's first
  grade), and by team and by period (each audit's first overall grade). A child's team is the
  team of the worker whose allocation was open on the audit date; the period is the financial
  year (April to March) of the audit date.
- **Strongest and weakest questions**: questions ranked by the share of graded answers that are
  good or outstanding (not applicable left out); ties broken by mean grade rank (outstanding 4
  down to inadequate 1).
- **Themes from evidence text**: for a question, the words and two-word phrases that occur in
  most answers' evidence. Method: lower-case the text, split it into words of letters, drop
  words in :data:`STOP_WORDS` and words shorter than three letters ("not" is kept inside
  phrases, as in "not scored", since it turns the meaning), and count each word or adjacent pair
  (of kept words) once per answer. A simple count: it shows what auditors keep writing, not what
  it means.
- **Records beside audits**: for each audited case, on the audit date D, the shares of the
  child's desired outcomes active at D that are Clear, Consensual and Reviewed (DESIGN.md
  section 4 definitions, restricted to that child), set beside the auditor's grade on the
  matching question (:data:`MEASURE_QUESTIONS`). Records and auditor *agree* on a case when a
  grade of good or better goes with a share of at least a half, or a lower grade with a share
  below a half.
- **Actions**: every action arising, with owner, due date, completed date and status.

**Exports** (security review 2026-12, finding 8). :func:`findings_files` makes the page and the
workbook in memory, for a viewer to download; nothing is written on the server. The *shared*
export (the default) carries no child id, no audit id and no worker id: each audit is a case
number within that export ("Case 1" is the earliest audit), the same on the page and in every
sheet, and actions keep neither their owner nor their child (:func:`pseudonymous`). The
*working copy* (``identified=True``) keeps every id, for the people who may see them (the
audit dashboard offers it only to a viewer whose scope is the whole service).
"""

from __future__ import annotations

import html
import itertools
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from io import BytesIO
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from workbench.access import Scope
from workbench.core.model import TABLES_BY_NAME
from workbench.practice import rules
from workbench.practice.audits.moderation import agreement, overall_agreement
from workbench.practice.audits.templates import (
    DEFAULT_TEMPLATE,
    NOT_APPLICABLE,
    grade_labels,
    grade_ranks,
    load_template,
)
from workbench.render.charts import audit_grade_chart
from workbench.render.exports import defuse_formulas
from workbench.render.html import page, svg
from workbench.render.tables import html_table
from workbench.store.audit_frames import action_frame, answer_frame, audit_frame
from workbench.store.tables import typed

GOOD = ("outstanding", "good")
GRADE_ORDER = ("outstanding", "good", "requires_improvement", "inadequate", NOT_APPLICABLE)

#: Which question of the default template each record measure is set beside.
MEASURE_QUESTIONS = {"clear": "q1", "consensual": "q3", "reviewed": "q6"}
MEASURE_LABELS = {
    "clear": "Clear (success measure and baseline recorded)",
    "consensual": "Consensual (agreed with the family)",
    "reviewed": "Reviewed (scored in the last 91 days)",
}

#: Words too common to be a theme (English function words and the words every audit uses).
STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers him his how i if in into is it its itself just me more most my
    of off on once only or other our out over own same she should so some such than that
    the their them then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your
    case child child's children family families outcomes outcome work worker record recorded
    """.split()  # noqa: SIM905 (a list literal of 150 words would be unreadable)
)
_WORD = re.compile(r"[a-z][a-z']*")
_NEGATIONS = frozenset({"not", "never"})


@dataclass
class Findings:
    """Every findings table, ready for a view, an HTML page or a workbook."""

    at: date
    audits: pd.DataFrame  # completed audits with team and period
    answers: pd.DataFrame
    by_question: pd.DataFrame
    by_team: pd.DataFrame
    by_period: pd.DataFrame
    question_strength: pd.DataFrame
    themes: pd.DataFrame
    records_beside_audits: pd.DataFrame
    records_agreement: pd.DataFrame
    agreement: pd.DataFrame
    actions: pd.DataFrame


def question_labels() -> dict[str, str]:
    """Return ``{question id: theme}`` from the default template."""
    template = load_template(DEFAULT_TEMPLATE)
    return {q.question_id: q.theme or q.question_id for q in template.questions}


_CHUNK = 500  # child ids per IN list: well inside every database's parameter limit


def _for_children(store, name: str, columns: list[str], child_ids, via_outcome: bool = False) -> pd.DataFrame:
    """Read ``columns`` of extract table ``name`` for the audited children only, typed like read_table.

    Audits touch a few thousand of a la-decade store's 100,000 children, so reading whole tables
    (millions of reviews) would be most of the work. ``via_outcome`` reaches a child's rows
    through ``outcomes`` (for outcome_reviews).
    """
    table = store.metadata.tables[name]
    outcomes = store.metadata.tables["outcomes"]
    spec = TABLES_BY_NAME[name]
    picked = [sa.type_coerce(table.c[c], sa.String) if spec.field(c).kind.value == "date" else table.c[c]
              for c in columns]  # fmt: skip
    ids = sorted({str(c) for c in child_ids})
    frames = []
    with store.engine.connect() as conn:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            if via_outcome:
                query = sa.select(*picked).join(outcomes, outcomes.c.outcome_id == table.c.outcome_id)
                query = query.where(outcomes.c.child_id.in_(chunk))
            else:
                query = sa.select(*picked).where(table.c.child_id.in_(chunk))
            # Plain tuples: pandas probes each SQLAlchemy Row's attributes, which is slow.
            frames.append(pd.DataFrame([tuple(r) for r in conn.execute(query)], columns=columns))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return typed(frame, spec)


def _with_team_and_period(store, audits: pd.DataFrame) -> pd.DataFrame:
    allocations = _for_children(
        store, "allocations", ["child_id", "worker_id", "start_date", "end_date"], audits["child_id"]
    )
    workers = store.read_table("workers", ["worker_id", "team_id"])
    teams = store.read_table("teams", ["team_id", "name"])
    pairs = audits[["audit_id", "child_id", "audit_date"]].merge(allocations, on="child_id", how="inner")
    open_then = pairs[
        (pairs["start_date"] <= pairs["audit_date"])
        & (pairs["end_date"].isna() | (pairs["end_date"] > pairs["audit_date"]))
    ]
    latest = open_then.sort_values(["audit_id", "start_date"]).drop_duplicates("audit_id", keep="last")
    team = latest.merge(workers, on="worker_id", how="left").merge(teams, on="team_id", how="left")
    frame = audits.merge(
        team[["audit_id", "team_id", "name"]].rename(columns={"name": "team"}), on="audit_id", how="left"
    )
    frame["team"] = frame["team"].fillna("(no team on the audit date)")
    first = frame["audit_date"].dt.year.where(
        frame["audit_date"].dt.month >= 4, frame["audit_date"].dt.year - 1
    )
    frame["period"] = [f"{y}-{(y + 1) % 100:02d}" for y in first]
    return frame


def grade_distribution(frame: pd.DataFrame, by: str, grade: str = "grade") -> pd.DataFrame:
    """Count each grade by ``by``: columns ``by``, grade, grade_label, count, share (of the group)."""
    counts = frame.groupby([by, grade], sort=True).size().rename("count").reset_index()
    counts = counts.rename(columns={grade: "grade"})
    counts["share"] = counts["count"] / counts.groupby(by)["count"].transform("sum")
    counts["grade_label"] = counts["grade"].map(grade_labels()).fillna(counts["grade"])
    order = {g: i for i, g in enumerate(GRADE_ORDER)}
    counts = counts.sort_values([by, "grade"], key=lambda s: s.map(order) if s.name == "grade" else s)
    return counts[[by, "grade", "grade_label", "count", "share"]].reset_index(drop=True)


def question_strength(answers: pd.DataFrame) -> pd.DataFrame:
    """Rank questions, strongest first: graded answers, share good or better, mean rank."""
    ranks = grade_ranks()
    graded = answers[answers["grade"].isin(list(ranks))]
    table = (
        # astype: mapping no grades at all leaves text, and text has no mean
        graded.assign(good=graded["grade"].isin(GOOD), rank=graded["grade"].map(ranks).astype("float64"))
        .groupby("question_id")
        .agg(graded=("grade", "size"), good_or_better=("good", "sum"), mean_rank=("rank", "mean"))
        .reset_index()
    )
    table["share_good"] = table["good_or_better"] / table["graded"]
    labels = question_labels()
    table["theme"] = table["question_id"].map(labels).fillna(table["question_id"])
    table = table.sort_values(["share_good", "mean_rank", "question_id"], ascending=[False, False, True])
    return table[["question_id", "theme", "graded", "good_or_better", "share_good", "mean_rank"]].reset_index(
        drop=True
    )


def evidence_themes(evidence: pd.Series, top: int = 5) -> list[tuple[str, int]]:
    """Return the ``top`` words or two-word phrases found in most answers, with their counts."""
    counts: Counter[str] = Counter()
    for text in evidence.dropna().astype(str):
        words = [w.strip("'") for w in _WORD.findall(text.lower())]
        kept = [w for w in words if len(w) >= 3 and w not in STOP_WORDS]
        # "not" alone says nothing; "not scored" does.
        phrases = {w for w in kept if w not in _NEGATIONS} | {f"{a} {b}" for a, b in itertools.pairwise(kept)}
        counts.update(phrases)
    # A phrase that occurs as often as its words says more than either word alone.
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0].split()), kv[0]))
    return [(phrase, n) for phrase, n in ranked if n >= 2][:top]


def _themes(answers: pd.DataFrame, strength: pd.DataFrame, each: int = 2) -> pd.DataFrame:
    """Themes in the evidence of the ``each`` strongest and ``each`` weakest questions."""
    rows = []
    picks = [("strongest", q) for q in strength["question_id"].head(each)] + [
        ("weakest", q) for q in strength["question_id"].tail(each)[::-1]
    ]
    for kind, question in picks:
        texts = answers.loc[answers["question_id"] == question, "evidence"]
        for phrase, n in evidence_themes(texts):
            rows.append({"kind": kind, "question_id": question, "theme": phrase, "answers": n})
    return pd.DataFrame(rows, columns=["kind", "question_id", "theme", "answers"])


def themes_summary(themes: pd.DataFrame) -> pd.DataFrame:
    """Return one row per question: kind, question_id, theme (the question's), and its evidence themes."""
    labels = question_labels()
    rows = []
    for (kind, question), group in themes.groupby(["kind", "question_id"], sort=False):
        found = "; ".join(f"{t} ({n})" for t, n in zip(group["theme"], group["answers"], strict=True))
        rows.append({"kind": kind, "question_id": question, "question": labels.get(question, question),
                     "themes (answers)": found})  # fmt: skip
    return pd.DataFrame(rows, columns=["kind", "question_id", "question", "themes (answers)"])


def case_record_measures(store, audits: pd.DataFrame) -> pd.DataFrame:
    """For each audit, the child's Clear, Consensual and Reviewed shares on the audit date.

    Returns audit_id and, per measure, ``<measure>_n`` (outcomes counted) and ``<measure>``
    (the share; empty when none was counted).
    """
    outcome_columns = ["outcome_id", "child_id", "agreed_date", "closed_date", "success_looks_like",
                       "baseline_score", "agreed_with_family"]  # fmt: skip
    outcomes = _for_children(store, "outcomes", outcome_columns, audits["child_id"])
    reviews = _for_children(
        store, "outcome_reviews", ["outcome_id", "review_date", "score"], audits["child_id"], via_outcome=True
    )
    pairs = audits[["audit_id", "child_id", "audit_date"]].merge(outcomes, on="child_id", how="inner")
    when = pairs["audit_date"]
    active = (pairs["agreed_date"] <= when) & (pairs["closed_date"].isna() | (pairs["closed_date"] > when))
    pairs = pairs[active].copy()
    pairs["clear"] = ~rules.no_success_measure(pairs) & pairs["baseline_score"].notna()
    pairs["consensual"] = pairs["agreed_with_family"].fillna(False).astype(bool)
    window = pairs[["audit_id", "outcome_id", "audit_date"]].merge(
        reviews[reviews["score"].notna()], on="outcome_id", how="inner"
    )
    recent = window[
        (window["review_date"] > window["audit_date"] - pd.Timedelta(days=91))
        & (window["review_date"] <= window["audit_date"])
    ]
    reviewed_keys = set(zip(recent["audit_id"], recent["outcome_id"], strict=True))
    pairs["reviewed_cohort"] = pairs["agreed_date"] <= pairs["audit_date"] - pd.Timedelta(days=91)
    pairs["reviewed"] = [
        (a, o) in reviewed_keys for a, o in zip(pairs["audit_id"], pairs["outcome_id"], strict=True)
    ]
    result = audits[["audit_id"]].copy()
    for measure in MEASURE_QUESTIONS:
        cohort = pairs if measure != "reviewed" else pairs[pairs["reviewed_cohort"]]
        grouped = cohort.groupby("audit_id")[measure].agg(["size", "sum"])
        result[f"{measure}_n"] = result["audit_id"].map(grouped["size"]).fillna(0).astype(int)
        hits = result["audit_id"].map(grouped["sum"]).astype(float)
        result[measure] = (hits / result[f"{measure}_n"]).where(result[f"{measure}_n"] > 0)
    return result


def records_beside_audits(
    store, audits: pd.DataFrame, answers: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (by grade, agreement summary) of record measures against the matching grades.

    By grade: measure, question_id, grade, audits, mean_share (the mean of the children's
    shares). Summary: measure, question_id, audits (with a grade and a share), agree, share_agree.
    """
    per_case = case_record_measures(store, audits)
    rows, summary = [], []
    for measure, question in MEASURE_QUESTIONS.items():
        graded = answers[(answers["question_id"] == question) & answers["grade"].isin(list(grade_ranks()))]
        joined = graded[["audit_id", "grade"]].merge(per_case[["audit_id", measure]], on="audit_id")
        joined = joined.dropna(subset=[measure])
        for grade, group in joined.groupby("grade"):
            rows.append(
                {"measure": measure, "question_id": question, "grade": grade, "audits": len(group),
                 "mean_share": float(group[measure].mean())}
            )  # fmt: skip
        agree = (joined["grade"].isin(GOOD) & (joined[measure] >= 0.5)) | (
            ~joined["grade"].isin(GOOD) & (joined[measure] < 0.5)
        )
        summary.append(
            {"measure": measure, "question_id": question, "audits": len(joined), "agree": int(agree.sum()),
             "share_agree": float(agree.mean()) if len(joined) else float("nan")}
        )  # fmt: skip
    by_grade = pd.DataFrame(rows, columns=["measure", "question_id", "grade", "audits", "mean_share"])
    order = {g: i for i, g in enumerate(GRADE_ORDER)}
    by_grade = by_grade.sort_values(
        ["measure", "grade"], key=lambda s: s.map(order) if s.name == "grade" else s
    ).reset_index(drop=True)
    return by_grade, pd.DataFrame(summary)


def build_findings(
    store, at: date | None = None, since: date | None = None, scope: Scope | None = None
) -> Findings:
    """Gather every findings table for audits completed on or before ``at`` (and after ``since``).

    With ``scope`` (``workbench.access.Scope``), only the audits and actions of children in it.
    """
    at = at or date.today()
    audits = audit_frame(store)
    if scope is not None:
        audits = scope.restrict_children(audits)
    audits = audits[audits["audit_date"] <= pd.Timestamp(at)]
    if since is not None:
        audits = audits[audits["audit_date"] > pd.Timestamp(since)]
    audits = _with_team_and_period(store, audits.reset_index(drop=True))
    answers = answer_frame(store)
    answers = answers[answers["audit_id"].isin(set(audits["audit_id"]))].reset_index(drop=True)
    strength = question_strength(answers)
    by_grade, records_agree = records_beside_audits(store, audits, answers)
    moderation = pd.concat([agreement(answers), overall_agreement(audits)], ignore_index=True)
    actions = action_frame(store, at)
    if scope is not None:
        actions = scope.restrict_children(actions).reset_index(drop=True)
    return Findings(
        at=at,
        audits=audits,
        answers=answers,
        by_question=grade_distribution(answers, "question_id"),
        by_team=grade_distribution(audits, "team", grade="overall_grade"),
        by_period=grade_distribution(audits, "period", grade="overall_grade"),
        question_strength=strength,
        themes=_themes(answers, strength),
        records_beside_audits=by_grade,
        records_agreement=records_agree,
        agreement=moderation,
        actions=actions,
    )


def evidence_examples(findings: Findings, question_id: str, limit: int = 5) -> pd.DataFrame:
    """Return the latest evidence written for a question: audit_id, audit_date, grade, evidence.

    On :func:`pseudonymous` findings the audit is its ``case`` number instead.
    """
    key = "audit_id" if "audit_id" in findings.answers.columns else "case"
    answers = findings.answers[
        (findings.answers["question_id"] == question_id) & findings.answers["evidence"].notna()
    ].merge(findings.audits[[key, "audit_date"]], on=key)
    return (
        answers.sort_values(["audit_date", key], ascending=False)
        .head(limit)[[key, "audit_date", "grade", "evidence"]]
        .reset_index(drop=True)
    )


# -- export --------------------------------------------------------------------------------------


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}.note{color:#555;font-size:.9rem}
"""


def findings_html(findings: Findings) -> str:
    """Return the findings as one self-contained HTML page: inline SVG charts, escaped text.

    For the service's quality assurance: it carries auditors' evidence text and no child ids.
    On :func:`pseudonymous` findings it carries no audit or worker id either; on findings with
    audit ids it says that it is the working copy, not for sharing.
    """
    identified = "audit_id" in findings.audits.columns
    labels = question_labels()
    recorded = int((findings.audits["source"] == "workbench").sum())
    by_question = findings.by_question.assign(
        question=findings.by_question["question_id"].map(lambda q: f"{q} {labels.get(q, '')}".strip())
    )
    strength = findings.question_strength
    parts = [
        f"<h1>Case audit findings to {html.escape(findings.at.isoformat())}</h1>",
        (
            "<p class='note'>Working copy for the audit lead: carries audit ids, which lead to"
            " children. Do not share; share the export without ids. Not for publication.</p>"
            if identified
            else "<p class='note'>For the service's quality assurance. Contains auditors' evidence;"
            " no child, audit or worker identifiers: each audit is a case number within this export"
            " only. Not for publication.</p>"
        ),
        f"<p>{len(findings.audits):,} completed audits ({recorded:,}"
        " recorded in the workbench), "
        f"{int((findings.audits['status'] == 'moderated').sum()):,} moderated.</p>",
        "<h2>Grades by question</h2>",
        svg(audit_grade_chart(by_question, "question", "First grades by question")),
        "<h2>Overall grades by team</h2>",
        svg(audit_grade_chart(findings.by_team, "team", "Overall first grades by team")),
        "<h2>Overall grades by period</h2>",
        svg(audit_grade_chart(findings.by_period, "period", "Overall first grades by financial year")),
        "<h2>Strongest and weakest questions</h2>",
        html_table(strength, "", {"share_good": "{:.0%}", "mean_rank": "{:.2f}"}),
        "<p class='note'>Themes: words and two-word phrases counted once per answer's evidence,"
        " common words left out.</p>",
        html_table(themes_summary(findings.themes)),
    ]
    for kind, question in (
        (("Strongest", strength["question_id"].iloc[0]), ("Weakest", strength["question_id"].iloc[-1]))
        if len(strength)
        else ()
    ):
        parts += [
            f"<h3>{kind}: {html.escape(question + ' ' + labels.get(question, ''))}, latest evidence</h3>",
            html_table(evidence_examples(findings, question)),
        ]
    parts += [
        "<h2>Do the records and the auditors agree?</h2>",
        "<p class='note'>Each audited child's share of desired outcomes that are Clear, Consensual and"
        " Reviewed on the audit date, beside the auditor's grade on the matching question.</p>",
        html_table(findings.records_beside_audits, "", {"mean_share": "{:.0%}"}),
        html_table(findings.records_agreement, "", {"share_agree": "{:.0%}"}),
        "<h2>Moderation: agreement between first and moderated grades</h2>",
        html_table(
            findings.agreement,
            "",
            {"percent_agreement": "{:.0f}%", "chance_agreement": "{:.2f}", "kappa": "{:.2f}"},
        ),
        "<h2>Actions arising</h2>",
        html_table(
            findings.actions.drop(columns=["child_id"], errors="ignore"), empty="No actions recorded."
        ),
    ]
    return page("Case audit findings", "\n".join(parts), style=_CSS, body_class="wb-findings-page")


def findings_tables(findings: Findings) -> dict[str, pd.DataFrame]:
    """Return the findings as named tables, for a workbook."""
    audits = findings.audits.copy()
    return {
        "audits": audits,
        "answers": findings.answers,
        "by_question": findings.by_question,
        "by_team": findings.by_team,
        "by_period": findings.by_period,
        "question_strength": findings.question_strength,
        "themes": findings.themes,
        "records_beside_audits": findings.records_beside_audits,
        "records_agreement": findings.records_agreement,
        "moderation_agreement": findings.agreement,
        "actions": findings.actions,
    }


#: Columns that name a child or a worker: never in a shared export.
IDENTIFYING_COLUMNS = ("child_id", "auditor_id", "moderator_id", "owner")


def case_numbers(audits: pd.DataFrame) -> dict[str, str]:
    """Return each audit id's case number within one export: "Case 1" is the earliest audit."""
    ordered = audits.sort_values(["audit_date", "audit_id"], kind="stable")["audit_id"]
    return {audit_id: f"Case {n}" for n, audit_id in enumerate(ordered, start=1)}


def pseudonymous(findings: Findings) -> Findings:
    """Return ``findings`` for sharing: case numbers for audit ids, no child, auditor or owner.

    The case numbers mean nothing outside the export (they are not stored anywhere), so a
    reader can follow one case from the page to the workbook but not to a child.
    """
    numbers = case_numbers(findings.audits)

    def renumbered(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.drop(columns=[c for c in IDENTIFYING_COLUMNS if c in frame.columns])
        if "audit_id" not in frame.columns:
            return frame
        case = frame["audit_id"].map(numbers)
        rest = list(frame.columns.drop("audit_id"))
        return frame.drop(columns=["audit_id"]).assign(case=case.to_numpy())[["case", *rest]]

    return replace(
        findings,
        audits=renumbered(findings.audits),
        answers=renumbered(findings.answers),
        actions=renumbered(findings.actions),
    )


def findings_files(findings: Findings, *, identified: bool = False) -> dict[str, bytes]:
    """Return the findings page and workbook as ``{file name: bytes}``, made in memory.

    Shared (the default): :func:`pseudonymous`, no child or worker id. ``identified``: the
    working copy with every id, named so that nobody takes it for the shared one.
    """
    shown = findings if identified else pseudonymous(findings)
    stem = f"audit-findings-{findings.at:%Y-%m-%d}" + ("-with-ids" if identified else "")
    workbook = BytesIO()
    with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
        for name, frame in findings_tables(shown).items():
            defuse_formulas(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return {
        f"{stem}.html": findings_html(shown).encode("utf-8"),
        f"{stem}.xlsx": workbook.getvalue(),
    }


def write_findings(findings: Findings, folder: Path, *, identified: bool = False) -> tuple[Path, Path]:
    """Write the findings page (offline) and workbook into ``folder``; return both paths.

    For the command line and an analyst's notebook, which choose their own folder; the
    dashboard hands the same files to its viewer's browser instead (:func:`findings_files`).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in findings_files(findings, identified=identified).items():
        path = folder / name
        path.write_bytes(content)
        paths.append(path)
    page, workbook = paths
    return page, workbook
