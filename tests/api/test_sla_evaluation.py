"""The yearly SLA evaluation through the API: the figures of the evaluation, scoped as its pages."""

from datetime import date

import pytest

from sla.evaluation import sla_evaluation
from sla.models import ClockKind
from tests.api.conftest import token_client
from tests.factories import ContactFactory, IssueFactory, StaffFactory, TeamFactory
from tests.organisations import give_role
from tests.sla.test_evaluation import (  # noqa: F401 - the seeded year
    NOW,
    at,
    clock,
    seeded_year,
    year,
)

pytestmark = pytest.mark.django_db

PATH = "/api/v1/clients/EVA/sla-evaluations/2025"


@pytest.fixture
def team_member(year):  # noqa: F811
    client, _issues = year
    staff = give_role(StaffFactory(username="evaluator"), "Team members")
    TeamFactory(client=client, members=[staff])
    return token_client(staff)


@pytest.fixture
def own_contact(year):  # noqa: F811
    client, _issues = year
    return token_client(ContactFactory(client=client, username="lezer"))


def test_staff_read_the_figures_of_the_evaluation(team_member, year):  # noqa: F811
    client, issues = year
    # Every clock of the seeded year has stopped: the moment of asking changes nothing.
    expected = sla_evaluation(
        client=client, starts_on=date(2025, 1, 1), ends_on=date(2026, 1, 1), now=NOW
    )

    response = team_member.get(PATH)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["client"] == "EVA"
    assert body["period"] == {"starts_on": "2025-01-01", "ends_on": "2025-12-31"}
    # As long as the period: 365 days, and 2024 had 366.
    assert body["previous_period"] == {"starts_on": "2024-01-02", "ends_on": "2024-12-31"}
    months = {line["month"]: line for line in body["months"]}
    assert len(months) == 12
    for line, month in zip(expected.months, body["months"], strict=True):
        assert (month["issues"], month["response"]["met"]) == (line.issues, line.response.met)
        assert month["resolution"]["breached"] == line.resolution.breached
    assert (months["2025-01"]["issues"], months["2025-01"]["response"]["breached"]) == (2, 1)
    assert [(p["priority"], p["issues"]) for p in body["priorities"]] == [
        ("P1", 1),
        ("P2", 1),
        ("P3", 1),
        ("P4", 0),
    ]
    assert body["total"]["issues"] == expected.total.issues == 3
    assert body["total"]["response"]["met_percentage"] == pytest.approx(200 / 3)
    assert body["by_category"] == [
        {"category": "incident", "issues": 1},
        {"category": "question", "issues": 1},
        {"category": "change_request", "issues": 1},
    ]
    assert body["by_component"] == [
        {"component": "Zaaksysteem", "issues": 2},
        {"component": "Portaal", "issues": 1},
    ]
    assert body["response_times"] == {
        "current": {"count": 3, "median_minutes": 60, "p90_minutes": 300},
        "previous": {"count": 1, "median_minutes": 90, "p90_minutes": 90},
    }
    assert body["resolution_times"]["current"] == {
        "count": 3,
        "median_minutes": 600,
        "p90_minutes": 3000,
    }
    assert [(b["issue"], b["kind"]) for b in body["breaches"]] == [
        (issues["B"].reference, "response"),
        (issues["C"].reference, "resolution"),
    ]
    [change] = body["breaches"][0]["reprioritisations"]
    assert (change["old"], change["new"], change["reason"]) == ("P3", "P2", "Productie geraakt")
    assert body["reprioritised"] == 1
    [page] = body["paging"]
    assert (page["issue"], page["minutes_to_acknowledge"]) == (issues["A"].reference, 12)
    assert page["end_reason"] == "acknowledged"
    assert body["acknowledge_times"] == {"count": 1, "median_minutes": 12, "p90_minutes": 12}
    assert body["alerts"] == {
        "opened": 2,
        "resolved": 1,
        "resolution_times": {"count": 1, "median_minutes": 45, "p90_minutes": 45},
    }


def test_a_chosen_period_narrows_the_evaluation(team_member, year):  # noqa: F811
    response = team_member.get(PATH, {"starts_on": "2025-03-01", "ends_on": "2025-03-31"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {"starts_on": "2025-03-01", "ends_on": "2025-03-31"}
    assert body["previous_period"] == {"starts_on": "2025-01-29", "ends_on": "2025-02-28"}
    assert [line["month"] for line in body["months"]] == ["2025-03"]
    assert body["total"]["issues"] == 1


def test_a_contact_reads_its_own_organisations_evaluation(own_contact, year):  # noqa: F811
    response = own_contact.get(PATH)

    assert response.status_code == 200, response.content
    assert response.json()["total"]["issues"] == 3


def _refusal(api, path: str = PATH):
    response = api.get(path)
    assert response["Content-Type"] == "application/problem+json"
    return response.status_code, response.json()["detail"]


def test_another_client_and_another_team_are_refused_as_an_unknown_client(
    year,  # noqa: F811
    org,
    other_org,
):
    unknown = _refusal(token_client(org.staff), "/api/v1/clients/NOPE/sla-evaluations/2025")

    assert unknown[0] == 404
    assert _refusal(token_client(org.contact)) == unknown
    assert _refusal(token_client(other_org.staff)) == unknown


@pytest.mark.parametrize(
    "query",
    [
        {"starts_on": "2025-06-01", "ends_on": "2025-01-01"},
        {"starts_on": "2025-01-01"},
        {"starts_on": "2025-02-30", "ends_on": "2025-03-01"},
        {"starts_on": "2020-01-01", "ends_on": "2024-01-01"},
        {"starts_on": "0001-01-01", "ends_on": "0001-01-02"},
        {"starts_on": "2999-01-01", "ends_on": "9999-12-31"},
        {"starts_on": "", "ends_on": ""},
    ],
)
def test_a_bad_period_is_a_400_problem(team_member, query):
    response = team_member.get(PATH, query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]


def test_the_reason_of_a_bad_period_is_in_the_callers_language(team_member, settings):
    query = {"starts_on": "2025-06-01", "ends_on": "2025-01-01"}
    english = team_member.get(PATH, query)
    team_member.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"

    dutch = team_member.get(PATH, query)

    assert english.json()["detail"] == "The period ends before it starts."
    assert dutch.json()["detail"] == "De periode eindigt voordat hij begint."


def test_reads_in_a_fixed_number_of_queries(
    administrator,
    year,  # noqa: F811
    django_assert_max_num_queries,
):
    api = token_client(administrator)
    bigger, _issues = seeded_year("MORE")
    for minutes in range(10, 60, 10):
        issue = IssueFactory(client=bigger, created_at=at(2025, 5, 5, 9, minutes))
        clock(issue, ClockKind.RESPONSE, minutes=minutes, breached=True)
        clock(issue, ClockKind.RESOLUTION, minutes=minutes * 10)

    with django_assert_max_num_queries(20) as small:
        assert api.get(PATH).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = api.get(PATH.replace("EVA", "MORE"))

    assert response.json()["total"]["issues"] == 8
