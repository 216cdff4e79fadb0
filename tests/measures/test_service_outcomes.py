"""Service-level outcomes from statutory returns, on small returns worked by hand.

D = 2024-03-31, so the year to D is (2023-03-31, 2024-03-31].

SSDA903 episodes:
- A1: open at the start of the year (S, 2023-01-01), then P on 2023-06-01 and T on 2023-09-01,
  still open: 1 + 2 = 3 placements, unstable.
- B1: S on 2023-05-01, then L (legal status only) on 2023-08-01, still open: 1 placement.
- C1: S on 2023-04-01, left care 2023-10-01: not looked after at D.
- D1: S on 2023-06-01, L on 2023-07-01, P on 2023-09-01, still open: 2 placements (L is not one).
Placement stability: 1 of 3.
Reviews: A1 PN1 (2023-10-01) and PN7 (2024-02-01); B1 PN0 (2023-12-01, under 4: left out) and
PN2 (2023-03-01, before the year). Participation: 1 of 2.
OC3: L1 YES F1 B1 (in touch, suitable, EET); L2 YES G4 B2 (in touch only); L3 NO; L4 DIED.
In touch 2 of 3 (L4 left out); suitable 1 of 2; EET 1 of 2.

CIN census: X referred 2023-05-01 and 2023-12-01 (214 days: a re-referral); Y referred
2022-06-01 and 2023-08-01 (426 days: not). Referrals in the year: 3, re-referrals: 1.
CP plans: X 2023-06-01 (no previous), X 2024-01-10 (earlier plan in the data: repeat),
Y 2023-09-01 with NumberOfPreviousCPP 1 (repeat). Repeat plans: 2 of 3.
"""

from datetime import date

import pytest

from workbench.measures.service_outcomes import service_outcomes
from workbench.store.loading import import_statutory

EPISODES = """CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
A1,01/01/2023,S,C2,N1,U1,PR1,01/06/2023,X1,,,,
A1,01/06/2023,P,C2,N1,U1,PR1,01/09/2023,X1,,,,
A1,01/09/2023,T,C2,N1,U1,PR1,,,,,,
B1,01/05/2023,S,C2,N1,U1,PR1,01/08/2023,X1,,,,
B1,01/08/2023,L,C2,N1,U1,PR1,,,,,,
C1,01/04/2023,S,C2,N1,U1,PR1,01/10/2023,E11,,,,
D1,01/06/2023,S,C2,N1,U1,PR1,01/07/2023,X1,,,,
D1,01/07/2023,L,C1,N1,U1,PR1,01/09/2023,X1,,,,
D1,01/09/2023,P,C1,N1,U1,PR1,,,,,,
"""
REVIEWS = """CHILD,DOB,REVIEW,REVIEW_CODE
A1,01/01/2010,01/10/2023,PN1
A1,01/01/2010,01/02/2024,PN7
B1,01/01/2021,01/12/2023,PN0
B1,01/01/2021,01/03/2023,PN2
"""
OC3 = """CHILD,DOB,IN_TOUCH,ACTIV,ACCOM
L1,01/01/2005,YES,F1,B1
L2,01/01/2005,YES,G4,B2
L3,01/01/2005,NO,,
L4,01/01/2005,DIED,,
"""


def _child(child_id, referrals):
    details = "".join(
        f"<CINdetails><CINreferralDate>{referral}</CINreferralDate><ReferralSource>1A</ReferralSource>"
        f"<PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>false</ReferralNFA>{plans}</CINdetails>"
        for referral, plans in referrals
    )
    return (
        f"<Child><ChildIdentifiers><LAchildID>{child_id}</LAchildID><PersonBirthDate>2012-01-01</PersonBirthDate>"
        f"<GenderCurrent>1</GenderCurrent></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity>"
        f"</ChildCharacteristics>{details}</Child>"
    )


def _plan(start, previous):
    return (f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate><InitialCategoryOfAbuse>NEG"
            f"</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>"
            f"<NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP></ChildProtectionPlans>")


CENSUS = (
    "<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2024</Year>"
    "<ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails></Header><Children>"
    + _child("X", [("2023-05-01", _plan("2023-06-01", 0)), ("2023-12-01", _plan("2024-01-10", 0))])
    + _child("Y", [("2022-06-01", ""), ("2023-08-01", _plan("2023-09-01", 1))])
    + "</Children></Message>"
)


@pytest.fixture
def figures(store, tmp_path):
    for name, text in (("episodes.csv", EPISODES), ("reviews.csv", REVIEWS), ("oc3.csv", OC3)):
        (tmp_path / name).write_text(text)
    (tmp_path / "census.xml").write_text(CENSUS)
    outcomes = import_statutory(store, "ssda903", [tmp_path / n for n in ("episodes.csv", "reviews.csv", "oc3.csv")])
    outcomes += import_statutory(store, "cin", [tmp_path / "census.xml"])
    for outcome in outcomes:
        assert outcome.status == "imported"
        assert not outcome.parsed.rejections_frame()["row"].notna().any(), outcome.parsed.rejections
    table = service_outcomes(store, date(2024, 3, 31)).set_index("measure")
    return {name: (int(row.numerator), int(row.denominator)) for name, row in table.iterrows()}


def test_every_service_outcome_matches_the_hand_worked_figures(figures):
    assert figures == {
        "placement_stability": (1, 3),
        "repeat_cp_plans": (2, 3),
        "re_referrals": (1, 3),
        "care_leavers_in_touch": (2, 3),
        "care_leavers_suitable_accommodation": (1, 2),
        "care_leavers_eet": (1, 2),
        "review_participation": (1, 2),
    }


def test_importing_a_return_twice_does_not_double_count(store, figures, tmp_path):
    copy = tmp_path / "episodes-again.csv"
    copy.write_text(EPISODES + "\n")  # a different file (another sha256) with the same events
    import_statutory(store, "ssda903", [copy])
    again = service_outcomes(store, date(2024, 3, 31)).set_index("measure").loc["placement_stability"]
    assert (again["numerator"], again["denominator"]) == (1, 3)


def test_measures_cli_adds_service_outcomes_when_returns_are_imported(store, figures, handworked_dir):
    import json

    from click.testing import CliRunner

    from workbench.cli.app import main
    from workbench.store.loading import load_extract

    load_extract(store, handworked_dir)
    result = CliRunner().invoke(main, ["measures", "--at", "2024-03-31", "--json", "--store", store.url])
    assert result.exit_code == 0, result.output
    records = {r["measure"]: r for r in json.loads(result.stdout)}
    assert (records["re_referrals"]["numerator"], records["re_referrals"]["denominator"]) == (1, 3)
    assert "clear" in records
