"""The yearly evaluation as a page, CSV and PDF: for the client's team and its contacts only."""

import csv
import io

import pytest
from django.urls import reverse

from tests.portal.helpers import log_in
from tests.sla.test_evaluation import year  # noqa: F401 - the seeded year

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_member(year):  # noqa: F811
    from tests.factories import StaffFactory, TeamFactory
    from tests.organisations import give_role

    client, _issues = year
    staff = give_role(StaffFactory(username="evaluator"), "Team members")
    TeamFactory(client=client, members=[staff])
    return staff


@pytest.fixture
def contact(year):  # noqa: F811
    from tests.factories import ContactFactory

    client, _issues = year
    return ContactFactory(client=client, username="lezer")


def _staff_url(name, year):  # noqa: F811
    client, _issues = year
    return reverse(f"sla:{name}", args=[client.code, "2025"])


def test_staff_read_the_charts_each_with_its_table(client, team_member, year):  # noqa: F811
    log_in(client, team_member)

    response = client.get(_staff_url("evaluation", year))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') == 5
    assert html.count("<table") >= 5
    assert "Productie geraakt" in html
    assert "January 2025" in html


def test_a_contact_reads_its_own_organisations_evaluation(client, contact, year):  # noqa: F811
    _client, issues = year
    log_in(client, contact)

    response = client.get(reverse("portal:evaluation", args=[2025]))

    assert response.status_code == 200
    assert issues["B"].reference in response.content.decode()
    assert reverse("portal:issue-detail", args=[issues["B"].reference]) in response.content.decode()


def test_staff_of_another_team_get_404(client, year, other_org):  # noqa: F811
    log_in(client, other_org.staff)

    assert client.get(_staff_url("evaluation", year)).status_code == 404


def test_the_csv_holds_the_figures_per_month_and_every_breach(client, team_member, year):  # noqa: F811
    _client, issues = year
    log_in(client, team_member)

    response = client.get(_staff_url("evaluation-csv", year))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Month", "January 2025", "2", "1", "1", "2", "0"] in rows
    breach = next(row for row in rows if row[:2] == ["Breach", issues["B"].reference])
    assert breach[4] == "P3 → P2: Productie geraakt"


def test_the_pdf_is_a_pdf(client, team_member, year):  # noqa: F811
    log_in(client, team_member)

    response = client.get(_staff_url("evaluation-pdf", year))

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-06-01", "2025-01-01", "The period ends before it starts."),
        ("0001-01-01", "0001-01-02", "Choose a period from the year 2000 up to 2999."),
    ],
)
def test_a_bad_period_is_refused_with_a_message(
    client,
    team_member,
    year,  # noqa: F811
    start,
    end,
    message,
):
    log_in(client, team_member)

    response = client.get(_staff_url("evaluation", year), {"start": start, "end": end})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_chosen_period_narrows_the_report(client, team_member, year):  # noqa: F811
    log_in(client, team_member)

    response = client.get(
        _staff_url("evaluation", year), {"start": "2025-03-01", "end": "2025-03-31"}
    )

    assert response.status_code == 200
    assert response.context["evaluation"].total.issues == 1
