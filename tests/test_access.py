"""Scope by role (DESIGN.md section 7): identities from trusted sources only, scopes that never widen.

On the hand-worked measures fixture at D = 2026-03-31 (tests/fixtures/measures.py):
teams T1 (cin) and T2 (cp); children allocated at D: C1, C2, C3 to W1 in T1; C5, C6 to W2
in T2; C4 to nobody. So a team lead of T1 sees C1, C2, C3; a cp service lead and the
practitioner W2 see C5 and C6; the Head of Practice Improvement sees everyone.
"""

import json
from datetime import date

import pytest
from click.testing import CliRunner

from tests.fixtures.handworked import write_extract
from tests.fixtures.measures import ROWS
from workbench.access import (
    DEMO_DEFAULT_USER,
    AccessRefusedError,
    Identity,
    current_identity,
    read_identities,
    scope_for,
)
from workbench.cli.app import main
from workbench.measures.filters import Filters
from workbench.measures.headline import clear, headline_measures, reviewed
from workbench.measures.service_data import ServiceData
from workbench.store.engine import Store
from workbench.store.loading import load_extract

D = date(2026, 3, 31)

IDENTITY_FILE = """
users:
  hopi: {role: head_of_practice_improvement}
  lead-cp: {role: service_lead, service: cp}
  lead-t1: {role: team_lead, team_id: T1}
  worker-w2: {role: practitioner, worker_id: W2}
  lead-nowhere: {role: team_lead, team_id: T99}
"""


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("access")
    extract = write_extract(folder / "extract", ROWS)
    url = f"sqlite:///{folder / 'store.sqlite'}"
    load_extract(Store(url), extract)
    return url


@pytest.fixture(scope="module")
def service(store_url):
    return ServiceData(Store(store_url))


@pytest.fixture
def identity_file(tmp_path):
    path = tmp_path / "identities.yaml"
    path.write_text(IDENTITY_FILE)
    return path


@pytest.fixture
def people(identity_file):
    return read_identities(identity_file)


# --- where the identity comes from ---------------------------------------------------------


def test_demo_identity_defaults_to_the_head_of_practice_improvement():
    identity = current_identity({})
    assert identity.user == DEMO_DEFAULT_USER
    assert identity.role == "head_of_practice_improvement"


def test_demo_identity_is_switched_by_its_variable():
    identity = current_identity({"WORKBENCH_DEMO_USER": "demo-team-lead"})
    assert (identity.role, identity.team_id) == ("team_lead", "T16")


def test_an_unknown_demo_user_is_refused_not_widened():
    with pytest.raises(AccessRefusedError, match=r"'nobody'.*not in the identity file"):
        current_identity({"WORKBENCH_DEMO_USER": "nobody"})


def test_the_demo_identities_refuse_a_store_not_marked_as_the_demo(store, tmp_path):
    """Fail closed (security review 2026-12, finding 3): nothing configured on a real store is a refusal.

    Whichever way the page names its store (the store itself, or ``WORKBENCH_STORE``), and one
    that does not exist yet is neither the demo nor created by asking.
    """
    says_what_to_configure = r"not the demo.*WORKBENCH_IDENTITY_FILE.*WORKBENCH_USER"
    with pytest.raises(AccessRefusedError, match=says_what_to_configure):
        current_identity({}, store=store)
    with pytest.raises(AccessRefusedError, match=says_what_to_configure):
        current_identity({"WORKBENCH_STORE": store.url, "WORKBENCH_DEMO_USER": "demo-team-lead"})
    missing = tmp_path / "not-yet.sqlite"
    with pytest.raises(AccessRefusedError, match="not the demo"):
        current_identity({"WORKBENCH_STORE": f"sqlite:///{missing}"})
    assert not missing.exists()
    store.mark_demo()  # what `workbench load data/demo --demo` does
    assert current_identity({}, store=store).user == DEMO_DEFAULT_USER
    assert current_identity({"WORKBENCH_STORE": store.url}).user == DEMO_DEFAULT_USER


def test_on_a_real_store_an_analyst_names_themself_in_the_identity_file(store, identity_file):
    """The Head of Practice Improvement's notebooks on a real store: identity file and WORKBENCH_USER."""
    environ = {"WORKBENCH_IDENTITY_FILE": str(identity_file), "WORKBENCH_USER": "hopi",
               "WORKBENCH_STORE": store.url}  # fmt: skip
    assert current_identity(environ, store=store).role == "head_of_practice_improvement"


def test_demo_identities_are_ignored_once_a_deployment_file_is_configured(identity_file):
    environ = {"WORKBENCH_IDENTITY_FILE": str(identity_file), "WORKBENCH_DEMO_USER": "demo-head-of-pi"}
    with pytest.raises(AccessRefusedError, match="no trusted source names the user"):
        current_identity(environ)


def test_the_proxy_header_names_the_user_and_the_file_gives_the_role(identity_file):
    environ = {
        "WORKBENCH_IDENTITY_FILE": str(identity_file),
        "WORKBENCH_TRUST_PROXY_HEADER": "X-Workbench-User",
        "HTTP_X_WORKBENCH_USER": "lead-t1",
        # A role or team sent by the client is never read.
        "HTTP_X_WORKBENCH_ROLE": "head_of_practice_improvement",
        "JUPYTERHUB_USER": "hopi",
    }
    identity = current_identity(environ)
    assert (identity.user, identity.role, identity.team_id) == ("lead-t1", "team_lead", "T1")


def test_a_trusted_header_that_is_missing_refuses_rather_than_falls_back(identity_file):
    environ = {
        "WORKBENCH_IDENTITY_FILE": str(identity_file),
        "WORKBENCH_TRUST_PROXY_HEADER": "X-Workbench-User",
        "JUPYTERHUB_USER": "hopi",
        "WORKBENCH_DEMO_USER": "demo-head-of-pi",
    }
    with pytest.raises(AccessRefusedError, match="did not send the X-Workbench-User header"):
        current_identity(environ)


def test_a_header_that_is_not_trusted_is_not_read(identity_file):
    environ = {"WORKBENCH_IDENTITY_FILE": str(identity_file), "HTTP_X_WORKBENCH_USER": "hopi"}
    with pytest.raises(AccessRefusedError):
        current_identity(environ)


def test_jupyterhub_user_comes_before_the_deployment_user(identity_file):
    environ = {
        "WORKBENCH_IDENTITY_FILE": str(identity_file),
        "JUPYTERHUB_USER": "worker-w2",
        "WORKBENCH_USER": "hopi",
    }
    assert current_identity(environ).role == "practitioner"
    del environ["JUPYTERHUB_USER"]
    assert current_identity(environ).role == "head_of_practice_improvement"


def test_a_user_not_in_the_file_is_refused(identity_file):
    environ = {"WORKBENCH_IDENTITY_FILE": str(identity_file), "JUPYTERHUB_USER": "stranger"}
    with pytest.raises(AccessRefusedError, match="'stranger'") as refused:
        current_identity(environ)
    # The viewer reads the refusal: no server path in it (security review, finding 6).
    assert str(identity_file.parent) not in str(refused.value)


def test_a_user_from_a_trusted_source_needs_a_configured_file():
    with pytest.raises(AccessRefusedError, match="WORKBENCH_IDENTITY_FILE is not set"):
        current_identity({"JUPYTERHUB_USER": "hopi"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users:\n  ann: {role: boss}\n", "not a role"),
        ("users:\n  ann: {role: team_lead}\n", "has no team_id"),
        ("users:\n  ann: {team_id: T1}\n", "needs a 'role'"),
        ("users:\n  ann: {role: team_lead, team_id: T1, colour: red}\n", "unknown field"),
        ("- just a list\n", "must have a 'users' mapping"),
    ],
)
def test_a_bad_identity_file_is_refused_naming_the_user_and_field(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(AccessRefusedError, match=message):
        read_identities(path)


# --- what each role may see ------------------------------------------------------------------


def test_each_role_sees_its_own_children(service, people):
    assert scope_for(people["hopi"], service, D).everything
    team = scope_for(people["lead-t1"], service, D)
    assert team.child_ids == {"C1", "C2", "C3"}
    assert team.team_ids == {"T1"}
    cp = scope_for(people["lead-cp"], service, D)
    assert (cp.team_ids, cp.child_ids) == ({"T2"}, {"C5", "C6"})
    mine = scope_for(people["worker-w2"], service, D)
    assert mine.child_ids == {"C5", "C6"}
    assert mine.allows_child("C5") and not mine.allows_child("C1")
    assert not team.allows_team("T2") and team.allows_team("T1")
    assert team.allows_worker("W1") and not team.allows_worker("W2")


def test_the_scope_follows_the_allocation_at_the_date(service, people):
    # C1 was allocated to W2 in T2 until 2026-01-01.
    assert "C1" in scope_for(people["worker-w2"], service, date(2025, 12, 1)).child_ids
    assert "C1" not in scope_for(people["worker-w2"], service, D).child_ids


def test_an_identity_naming_a_team_the_store_lacks_is_refused(service, people):
    with pytest.raises(AccessRefusedError, match="T99"):
        scope_for(people["lead-nowhere"], service, D)


def test_restrict_adds_the_scope_and_refuses_anything_wider(service, people):
    team = scope_for(people["lead-t1"], service, D)
    assert team.restrict(Filters()) == Filters(team_id="T1")
    assert team.restrict(Filters(locality="South")) == Filters(team_id="T1", locality="South")
    for wider in (Filters(team_id="T2"), Filters(worker_id="W2"), Filters(service="cp")):
        with pytest.raises(AccessRefusedError):
            team.restrict(wider)
    assert scope_for(people["lead-cp"], service, D).restrict(Filters()) == Filters(service="cp")
    assert scope_for(people["worker-w2"], service, D).restrict(Filters()) == Filters(worker_id="W2")
    with pytest.raises(AccessRefusedError):
        scope_for(people["worker-w2"], service, D).restrict(Filters(worker_id="W1"))
    assert scope_for(people["hopi"], service, D).restrict(Filters(team_id="T2")) == Filters(team_id="T2")


def test_scoped_measures_count_only_the_scope(service, people):
    # Clear, team T1: active at D are P1 (clear), P2 (blank success), P4 (clear), P12 (clear),
    # P13 (GAS, baseline -1, clear) of C1 and C2; C3's outcomes are all closed. So 4 of 5.
    team = scope_for(people["lead-t1"], service, D).restrict()
    figure = clear(service, D, team)
    assert (int(figure["numerator"].item()), int(figure["denominator"].item())) == (4, 5)
    # The cp service (T2): only P10 of C6 is active at D, with no baseline: 0 of 1.
    cp = clear(service, D, scope_for(people["lead-cp"], service, D).restrict())
    assert (int(cp["numerator"].item()), int(cp["denominator"].item())) == (0, 1)
    # A locality filter narrows the team: South holds only C3, with nothing active.
    south = reviewed(service, D, scope_for(people["lead-t1"], service, D).restrict(Filters(locality="South")))
    assert int(south["denominator"].item()) == 0


def test_the_service_filter_is_the_team_of_the_child_at_d(service):
    by_service = service.children_at(D).set_index("child_id")["service"]
    assert by_service[["C1", "C2", "C3", "C5", "C6"]].tolist() == ["cin", "cin", "cin", "cp", "cp"]
    assert by_service.isna()["C4"]


def test_measures_cli_as_a_user_prints_the_scoped_figures(store_url, identity_file, service, monkeypatch):
    monkeypatch.setenv("WORKBENCH_IDENTITY_FILE", str(identity_file))
    runner = CliRunner()
    result = runner.invoke(main, ["measures", "--store", store_url, "--json", "--as", "lead-t1"])
    assert result.exit_code == 0, result.output
    printed = {r["measure"]: (r["numerator"], r["denominator"]) for r in json.loads(result.stdout)}
    expected = headline_measures(service, D, Filters(team_id="T1"))
    assert printed == {r.measure: (pytest.approx(r.numerator), r.denominator) for r in expected.itertuples()}
    assert printed["clear"] == (4, 5)
    refused = runner.invoke(main, ["measures", "--store", store_url, "--as", "lead-t1", "--team", "T2"])
    assert refused.exit_code != 0
    assert "may not see team 'T2'" in refused.output


def test_identity_needs_what_its_role_needs():
    with pytest.raises(AccessRefusedError):
        Identity(user="x", role="service_lead")
    assert Identity(user="x", role="service_lead", service="cla").title == "Service lead"
