"""Clear statements (DESIGN.md section 4, Clear's second figure) on the hand-worked fixture.

The fixture is tests/fixtures/measures.py with each outcome given a statement; the rest
is unchanged, so active outcomes, teams and plan types are as worked out there.
D = 2026-03-31. Active at D: P1, P2, P4, P10, P12, P13 (P3 and P11 close on D; P14 is agreed
after D). Teams at D: C1 and C2 with W1/T1, C6 with W2/T2. Plan types: I1 and I2 are cin,
I6 is cp.

    id   child team plan  statement                                                  reads as
    P1   C1    T1   cin   I want to go to school on time every day                   clear outcome
    P2   C1    T1   cin   Mum to attend GP appointments                               process
    P4   C2    T1   cin   We want to get on better as a family                        vague outcome
    P10  C6    T2   cp    The baby will sleep in her own cot every night              clear outcome
    P12  C1    T1   cin   (empty)                                                     not clear
    P13  C2    T1   cin   Sam will rate his worries at 6 out of 10 or less by June    clear outcome
    P3, P11, P14 (not active at D) have clear statements that must not be counted.

Whole service: P1, P10, P13 of 6 -> 3 / 6.
By team: T1 has P1, P2, P4, P12, P13 -> 2 / 5; T2 has P10 -> 1 / 1.
By plan type: cin 2 / 5; cp 1 / 1. By domain: education P1, P12 -> 1 / 2; early_years P10 1 / 1;
family_relationships P4 0 / 1; health P2, P13 -> 1 / 2.
"""

from datetime import date

import pytest

from tests.fixtures.measures import service_with_statements
from workbench.measures.filters import Filters
from workbench.measures.headline import MEASURES, clear_statements
from workbench.measures.service_data import ServiceData

D = date(2026, 3, 31)

STATEMENTS = {
    "P1": "I want to go to school on time every day",
    "P2": "Mum to attend GP appointments",
    "P3": "I want to see my dad every weekend",
    "P4": "We want to get on better as a family",
    "P10": "The baby will sleep in her own cot every night",
    "P11": "Rent arrears will be cleared by May",
    "P12": "...",  # the extract requires a statement; a placeholder reads as empty
    "P13": "Sam will rate his worries at 6 out of 10 or less by June",
    "P14": "I want to go to school every day",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    return service_with_statements(STATEMENTS, tmp_path_factory.mktemp("clear_statements"))


def counts(frame, by=None):
    if by is None:
        row = frame.iloc[0]
        return (int(row["numerator"]), int(row["denominator"]))
    return {
        k: (int(n), int(d)) for k, n, d in frame[[by, "numerator", "denominator"]].itertuples(index=False)
    }


def test_clear_statements_whole_service(service):
    frame = clear_statements(service, D)
    assert counts(frame) == (3, 6)
    assert frame["value"].iloc[0] == pytest.approx(0.5)
    assert MEASURES["clear_statements"](service, D).equals(frame)


def test_clear_statements_by_team_plan_type_and_domain(service):
    assert counts(clear_statements(service, D, by="team_id"), "team_id") == {"T1": (2, 5), "T2": (1, 1)}
    assert counts(clear_statements(service, D, by="plan_type"), "plan_type") == {"cin": (2, 5), "cp": (1, 1)}
    assert counts(clear_statements(service, D, by="domain"), "domain") == {
        "early_years": (1, 1),
        "education": (1, 2),
        "family_relationships": (0, 1),
        "health": (1, 2),
    }
    assert counts(clear_statements(service, D, Filters(team_id="T1", plan_type="cin"))) == (2, 5)


def test_clear_statements_is_read_only_when_asked_for(service):
    fresh = ServiceData(service._store)
    MEASURES["clear"](fresh, D)
    assert "_statement_clear" not in fresh.__dict__
    clear_statements(fresh, D)
    assert fresh._statement_clear.tolist().count(True) == 6  # P1, P3, P10, P11, P13, P14


def test_clear_statements_over_nobody_is_empty(service):
    frame = clear_statements(service, D, Filters(locality="Nowhere"))
    assert counts(frame) == (0, 0) and frame["value"].isna().all()
