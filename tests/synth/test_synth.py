"""The demo generator: reproducible, valid against the model, and varied enough to teach."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.core.codes import codes, scale_ranges
from workbench.core.model import EXTRACT_TABLES, Kind
from workbench.imports.extract import validate_extract
from workbench.synth import PROFILE_CYCLE, SIZES, generate_extract

WINDOW_END = "2026-03-31"


def _read(folder) -> dict[str, pd.DataFrame]:
    return {
        spec.name: pd.read_csv(folder / spec.filename, dtype=str, keep_default_na=False, na_filter=False)
        for spec in EXTRACT_TABLES
    }


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    counts = generate_extract(folder, size="tiny", seed=7, progress=False)
    return folder, counts


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    generate_extract(folder, size="demo", seed=2026, progress=False)
    return folder, _read(folder)


# -- reproducibility --------------------------------------------------------------------------


def test_the_same_seed_gives_byte_identical_files(tiny, tmp_path):
    first, _ = tiny
    generate_extract(tmp_path, size="tiny", seed=7, progress=False)
    for spec in EXTRACT_TABLES:
        assert (tmp_path / spec.filename).read_bytes() == (first / spec.filename).read_bytes(), spec.name


def test_a_different_seed_gives_different_data(tiny, tmp_path):
    first, _ = tiny
    generate_extract(tmp_path, size="tiny", seed=8, progress=False)
    for name in ("children", "involvements", "outcomes", "outcome_reviews", "meetings"):
        assert (tmp_path / f"{name}.csv").read_bytes() != (first / f"{name}.csv").read_bytes(), name


def test_an_unknown_size_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown size"):
        generate_extract(tmp_path, size="huge", progress=False)


def test_presets_have_the_sizes_the_design_names():
    assert SIZES["demo"].children == 3000
    assert SIZES["la-decade"].children == 100_000


# -- shape and format -------------------------------------------------------------------------


def test_every_table_is_written_with_the_model_header_and_rows(tiny):
    folder, counts = tiny
    frames = _read(folder)
    for spec in EXTRACT_TABLES:
        header = (folder / spec.filename).read_text(encoding="utf-8").splitlines()[0]
        assert header == ",".join(spec.columns)
        assert len(frames[spec.name]) == counts[spec.name] > 0, spec.name


def test_the_demo_passes_the_extract_validator(demo):
    folder, _ = demo
    extract = validate_extract(folder)  # raises ExtractError listing every problem
    assert extract.row_counts()["children"] == 3000


def test_keys_are_unique_and_every_reference_resolves(demo):
    _, frames = demo
    for spec in EXTRACT_TABLES:
        frame = frames[spec.name]
        assert not frame.duplicated(list(spec.key)).any(), spec.name
        for fld in spec.fields:
            if fld.references:
                table, column = fld.references.split(".")
                values = frame.loc[frame[fld.name] != "", fld.name]
                assert values.isin(frames[table][column]).all(), f"{spec.name}.{fld.name}"


def test_values_have_the_format_of_their_kind(demo):
    _, frames = demo
    for spec in EXTRACT_TABLES:
        for fld in spec.fields:
            values = frames[spec.name][fld.name]
            present = values[values != ""]
            if fld.required:
                assert len(present) == len(values), f"{spec.name}.{fld.name} is required"
            if fld.kind is Kind.DATE:
                assert present.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
                assert (present <= WINDOW_END).all(), f"{spec.name}.{fld.name} after the window"
            elif fld.kind is Kind.MONTH:
                assert present.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").all()
            elif fld.kind is Kind.YN:
                assert present.isin(["Y", "N"]).all()
            elif fld.kind is Kind.CODE:
                assert present.isin(codes(fld.codes)).all(), f"{spec.name}.{fld.name}"


def test_scores_lie_on_the_outcome_scale(demo):
    _, frames = demo
    ranges = scale_ranges()
    outcomes = frames["outcomes"].set_index("outcome_id")
    reviews = frames["outcome_reviews"].join(outcomes["scale"], on="outcome_id")
    for frame, columns in (
        (outcomes, ["baseline_score", "target_score"]),
        (reviews, ["score", "family_score"]),
    ):
        for column in columns:
            scored = frame[frame[column] != ""]
            value = scored[column].astype(int)
            low = scored["scale"].map(lambda s: ranges[s][0])
            high = scored["scale"].map(lambda s: ranges[s][1])
            assert ((value >= low) & (value <= high)).all(), column
    shares = outcomes["scale"].value_counts(normalize=True)
    assert shares["scaling_0_10"] > 0.75
    assert 0 < shares["gas"] < 0.2 and 0 < shares["outcomes_star"] < 0.1


# -- the story hangs together -----------------------------------------------------------------


def test_involvements_step_without_gaps_and_never_overlap(demo):
    _, frames = demo
    inv = frames["involvements"]
    ends = inv["end_date"].replace("", "9999-12-31")
    following = inv.groupby("child_id")["start_date"].shift(-1)
    assert (inv["start_date"] >= inv.groupby("child_id")["start_date"].shift().fillna("")).all()
    assert (following.isna() | (following >= ends)).all()  # a child's involvements never overlap
    steps = inv["end_reason"].isin(["step_up", "step_down"])
    assert steps.any()
    assert (following[steps] == inv.loc[steps, "end_date"]).all()  # a step starts the next plan
    assert (inv["end_date"] == "").any()  # some work is still open at the end of the window
    assert ((inv["end_date"] == "") == (inv["end_reason"] == "")).all()
    returned = following.notna() & (following > ends) & ~steps
    assert 0 < returned.sum() < inv["child_id"].nunique() / 2  # some come back, most do not


def test_allocations_are_to_a_worker_of_the_involvement_team(demo):
    _, frames = demo
    alloc = frames["allocations"].merge(frames["workers"][["worker_id", "team_id"]], on="worker_id")
    inv = frames["involvements"]
    joined = alloc.merge(inv, on=["child_id", "team_id"], suffixes=("", "_inv"))
    inside = (joined["start_date_inv"] <= joined["start_date"]) & (
        (joined["end_date_inv"] == "") | (joined["start_date"] < joined["end_date_inv"])
    )
    matched = joined[inside].drop_duplicates(["child_id", "worker_id", "start_date"])
    assert len(matched) == len(alloc)


def test_reviews_fall_within_the_life_of_their_outcome(demo):
    _, frames = demo
    outcomes = frames["outcomes"].set_index("outcome_id")
    reviews = frames["outcome_reviews"].join(outcomes[["agreed_date", "closed_date"]], on="outcome_id")
    assert (reviews["review_date"] >= reviews["agreed_date"]).all()
    closed = reviews["closed_date"] != ""
    assert (reviews.loc[closed, "review_date"] <= reviews.loc[closed, "closed_date"]).all()
    per_outcome = reviews.groupby("outcome_id").size()
    assert per_outcome.max() <= 10
    assert len(per_outcome) < len(outcomes)  # some outcomes are never reviewed


def test_replaced_outcomes_point_at_an_outcome_agreed_that_day(demo):
    _, frames = demo
    outcomes = frames["outcomes"].set_index("outcome_id")
    replaced = outcomes[outcomes["status"] == "replaced"]
    assert len(replaced) > 0
    successor = outcomes.loc[replaced["replaced_by"]]
    assert (successor["agreed_date"].to_numpy() == replaced["closed_date"].to_numpy()).all()
    assert (successor["involvement_id"].to_numpy() == replaced["involvement_id"].to_numpy()).all()
    assert (outcomes.loc[outcomes["status"] != "replaced", "replaced_by"] == "").all()


def test_pn0_only_for_children_under_four_at_the_meeting(demo):
    _, frames = demo
    meetings = frames["meetings"].merge(frames["children"][["child_id", "birth_month"]], on="child_id")
    months = (
        meetings["date"].str[:4].astype(int) * 12
        + meetings["date"].str[5:7].astype(int)
        - meetings["birth_month"].str[:4].astype(int) * 12
        - meetings["birth_month"].str[5:7].astype(int)
    )
    pn0 = meetings["child_participation"] == "PN0"
    assert pn0.any()
    assert (months[pn0] < 48).all()
    assert meetings.loc[months < 48, "child_participation"].isin(["PN0", ""]).all()
    assert (meetings["child_participation"] == "").any()


def test_meeting_types_match_the_plan(demo):
    _, frames = demo
    meetings = frames["meetings"].merge(
        frames["involvements"][["involvement_id", "plan_type"]], on="involvement_id"
    )
    allowed = {
        "early_help": {"fgc", "family_meeting", "taf_review"},
        "cin": {"cin_review", "fgc"},
        "cp": {"icpc", "rcpc", "core_group"},
        "cla": {"cla_review"},
    }
    for plan, kinds in meetings.groupby("plan_type")["meeting_type"]:
        assert set(kinds) <= allowed[plan], plan


# -- deliberate variation ---------------------------------------------------------------------


def _outcomes_by_team(frames) -> pd.DataFrame:
    outcomes = frames["outcomes"].merge(
        frames["involvements"][["involvement_id", "team_id"]], on="involvement_id"
    )
    return outcomes.merge(frames["teams"][["team_id", "name", "locality"]], on="team_id")


def test_teams_differ_in_recording_success_measures(demo):
    _, frames = demo
    outcomes = _outcomes_by_team(frames)
    sizes = outcomes.groupby("team_id").size()
    empty = (outcomes["success_looks_like"] == "").groupby(outcomes["team_id"]).mean()
    empty = empty[sizes >= 50]
    assert empty.max() - empty.min() >= 0.20


def test_teams_differ_in_wording_churn_and_reviewing(demo):
    _, frames = demo
    outcomes = _outcomes_by_team(frames)
    team = outcomes["team_id"]
    professional = (outcomes["whose_words"] == "practitioner").groupby(team).mean()
    assert professional.max() - professional.min() >= 0.3
    agreed = pd.to_datetime(outcomes["agreed_date"])
    closed = pd.to_datetime(outcomes["closed_date"].replace("", None))
    churned = outcomes["status"].isin(["replaced", "withdrawn"]) & ((closed - agreed).dt.days <= 90)
    churn = churned.groupby(team).mean()
    assert churn.max() - churn.min() >= 0.1
    reviewed = outcomes["outcome_id"].isin(frames["outcome_reviews"]["outcome_id"]).groupby(team).mean()
    assert reviewed.max() - reviewed.min() >= 0.2


def test_some_meetings_go_ahead_without_the_family(demo):
    _, frames = demo
    meetings = frames["meetings"].merge(
        frames["involvements"][["involvement_id", "team_id"]], on="involvement_id"
    )
    absent = meetings["family_attended"] == "N"
    assert 0.05 < absent.mean() < 0.4
    by_team = absent.groupby(meetings["team_id"]).mean()
    assert by_team.max() - by_team.min() >= 0.15


def test_an_improving_team_records_better_outcomes_later(demo):
    _, frames = demo
    outcomes = _outcomes_by_team(frames)
    improving = frames["teams"]["team_id"][[p == "improving" for p in PROFILE_CYCLE[: len(frames["teams"])]]]
    ours = outcomes[outcomes["team_id"].isin(improving)]
    clear = (ours["success_looks_like"] != "") & (ours["baseline_score"] != "")
    early = clear[ours["agreed_date"] < "2021-04-01"].mean()
    late = clear[ours["agreed_date"] >= "2024-04-01"].mean()
    assert late - early >= 0.2


def test_distance_travelled_differs_by_locality_and_domain(demo):
    _, frames = demo
    outcomes = frames["outcomes"].merge(frames["children"][["child_id", "locality"]], on="child_id")
    outcomes = outcomes[(outcomes["baseline_score"] != "") & (outcomes["scale"] == "scaling_0_10")]
    scored = frames["outcome_reviews"][frames["outcome_reviews"]["score"] != ""]
    latest = scored.sort_values(["outcome_id", "review_date"]).groupby("outcome_id")["score"].last()
    outcomes = outcomes[outcomes["outcome_id"].isin(latest.index)]
    distance = outcomes["outcome_id"].map(latest).astype(int) - outcomes["baseline_score"].astype(int)
    by_locality = distance.groupby(outcomes["locality"]).mean()
    assert by_locality["South"] - by_locality["North"] >= 0.4
    by_domain = distance.groupby(outcomes["domain"]).mean()
    assert by_domain["early_years"] - by_domain["substance_use"] >= 0.5


def test_evidence_levels_and_audits_vary(demo):
    _, frames = demo
    interventions = frames["interventions"]
    assert interventions["evidence_level"].nunique() == 4
    links = frames["intervention_outcomes"].groupby("intervention_id").size()
    assert links.max() <= 2
    audits = frames["audits"]
    assert 150 <= len(audits) <= 400
    grades = audits["overall_grade"].value_counts(normalize=True)
    assert grades["good"] + grades["requires_improvement"] > 0.6
    moderated = audits[audits["status"] == "moderated"]
    assert len(moderated) > 0 and (moderated["moderator_id"] != moderated["auditor_id"]).all()
    answers = frames["audit_answers"]
    assert set(answers["question_id"]) == {f"q{i}" for i in range(1, 9)}
    assert (answers.groupby("audit_id").size() == 8).all()
    assert (answers.loc[answers["audit_id"].isin(moderated["audit_id"]), "moderated_grade"] != "").all()


def test_supervisors_are_team_leads_and_cases_are_discussed_sometimes(demo):
    _, frames = demo
    workers = frames["workers"].set_index("worker_id")
    supervisions = frames["supervisions"]
    assert (workers.loc[supervisions["supervisor_id"], "role"] == "team_lead").all()
    same_team = workers.loc[supervisions["supervisor_id"], "team_id"].to_numpy() == (
        workers.loc[supervisions["worker_id"], "team_id"].to_numpy()
    )
    assert same_team.all()
    discussed = frames["supervision_cases"]["outcomes_discussed"].eq("Y").mean()
    assert 0.3 < discussed < 0.95
