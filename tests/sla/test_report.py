"""The monthly SLA compliance report: its numbers, its CSV and who may read it."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from sla.policy import Verdict
from sla.selectors import sla_report
from tests.audit.helpers import audit_inserts
from tests.factories import (
    ClientFactory,
    ContactFactory,
    StaffFactory,
    TeamFactory,
)
from tests.sla.conftest import ams
from tickets import services as ticket_services
from tickets.choices import Priority, Status

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.sla.urls")]

REPORT_NOW = ams(2026, 3, 31, 12, 0)


@pytest.fixture
def month(file_issue, engineer):
    """File a month of issues: two in time, two late, one still running, and two outside."""

    def reply(issue, at):
        ticket_services.comment_create(issue=issue, author=engineer, body="Opgepakt.", now=at)

    def resolve(issue, at):
        ticket_services.issue_change_status(
            issue=issue, actor=engineer, status=Status.RESOLVED, now=at
        )

    in_time = file_issue(priority=Priority.P3, now=ams(2026, 3, 2, 10, 0))
    reply(in_time, ams(2026, 3, 2, 11, 0))
    resolve(in_time, ams(2026, 3, 4, 10, 0))
    late_reply = file_issue(priority=Priority.P1, now=ams(2026, 3, 2, 10, 0))
    reply(late_reply, ams(2026, 3, 2, 12, 0))
    resolve(late_reply, ams(2026, 3, 2, 13, 0))
    unanswered = file_issue(priority=Priority.P4, now=ams(2026, 3, 3, 10, 0))
    running = file_issue(priority=Priority.P2, now=ams(2026, 3, 30, 10, 0))
    reply(running, ams(2026, 3, 30, 10, 30))
    file_issue(priority=Priority.P1, now=ams(2026, 2, 27, 10, 0))
    file_issue(priority=Priority.P1, now=ams(2026, 4, 1, 0, 0))
    return {
        "in_time": in_time,
        "late_reply": late_reply,
        "unanswered": unanswered,
        "running": running,
    }


def report_url(client, *, csv_format=False, year=2026, month=3):
    name = "sla:report-csv" if csv_format else "sla:report"
    return reverse(name, args=[client.code, f"{year:04d}", f"{month:02d}"])


def test_report_counts_the_issues_filed_in_the_local_month(month, client_org):
    report = sla_report(client=client_org, year=2026, month=3, now=REPORT_NOW)

    assert [row.issue for row in report.rows] == [
        month["in_time"],
        month["late_reply"],
        month["unanswered"],
        month["running"],
    ]
    assert report.starts_at == ams(2026, 3, 1, 0, 0)
    assert report.ends_at == ams(2026, 4, 1, 0, 0)


def test_report_gives_the_share_of_targets_met(month, client_org):
    report = sla_report(client=client_org, year=2026, month=3, now=REPORT_NOW)

    assert report.total.issues == 4
    assert (report.total.response.met, report.total.response.breached) == (2, 2)
    assert report.total.response.met_percentage == 50
    assert (report.total.resolution.met, report.total.resolution.pending) == (2, 1)
    assert report.total.resolution.met_percentage == 100
    by_priority = {line.label: line for line in report.by_priority}
    assert by_priority[str(Priority.P1.label)].response.met_percentage == 0
    assert by_priority[str(Priority.P4.label)].resolution.judged == 0
    assert by_priority[str(Priority.P4.label)].resolution.met_percentage is None


def test_report_lists_the_breaches(month, client_org):
    report = sla_report(client=client_org, year=2026, month=3, now=REPORT_NOW)

    breaches = {row.issue: [clock.kind for clock in row.breached] for row in report.breaches}
    assert breaches == {month["late_reply"]: ["response"], month["unanswered"]: ["response"]}


def test_a_clock_still_running_before_its_due_time_is_pending(month, client_org):
    report = sla_report(client=client_org, year=2026, month=3, now=ams(2026, 3, 3, 11, 0))

    row = next(row for row in report.rows if row.issue == month["unanswered"])
    assert row.response.verdict == Verdict.PENDING
    assert row.resolution is None


def test_report_reads_the_same_queries_for_any_number_of_issues(
    month, client_org, django_assert_num_queries
):
    listed = len(month)
    # The issues, their clocks, the agreement with its targets, and the access log of the
    # issues the report lists.
    with django_assert_num_queries(4 + audit_inserts(listed)):
        report = sla_report(client=client_org, year=2026, month=3, now=REPORT_NOW)

    assert len(report.rows) == listed


def test_report_page_shows_numbers_and_links_the_breaches(month, client, engineer, client_org):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"  # the engineer reads Dutch by profile

    with time_machine.travel(REPORT_NOW, tick=False):
        response = client.get(report_url(client_org))

    assert response.status_code == 200
    page = response.content.decode()
    assert "50.0%" in page or "50,0%" in page
    assert reverse("admin:tickets_issue_change", args=[month["late_reply"].pk]) in page
    assert reverse("admin:tickets_issue_change", args=[month["in_time"].pk]) not in page
    assert report_url(client_org, csv_format=True) in page
    assert "no target" in page  # P4 has no resolution target


def test_report_page_draws_its_figures_per_priority_as_an_accessible_chart(
    month, client, engineer, client_org
):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"

    with time_machine.travel(REPORT_NOW, tick=False):
        page = client.get(report_url(client_org)).content.decode()

    assert 'role="img" aria-labelledby="chart-month-priorities-title' in page
    assert '<title id="chart-month-priorities-title">Targets met per priority</title>' in page


def test_report_csv_has_a_row_per_issue_with_its_verdicts(month, client, engineer, client_org):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"  # the engineer reads Dutch by profile

    with time_machine.travel(REPORT_NOW, tick=False):
        response = client.get(report_url(client_org, csv_format=True))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"sla-{client_org.code}-2026-03.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 4
    by_reference = {row[0]: row for row in rows[1:]}
    late = by_reference[month["late_reply"].reference]
    header = rows[0]
    assert (late[8], late[13]) == ("Breached", "Met")
    assert late[6] == "02-03-2026 11:00"
    assert late[header.index("First response missed at")] == "02-03-2026 11:00"
    assert late[header.index("Resolution missed at")] == ""
    assert late[header.index("Re-prioritised")] == "no"
    unanswered = by_reference[month["unanswered"].reference]
    assert unanswered[header.index("Resolution target (business minutes)")] == "no target"
    assert late[-1].endswith(f"/admin/tickets/issue/{month['late_reply'].pk}/change/")


def test_report_csv_keeps_formulas_from_running_in_a_spreadsheet(
    agreement, contact, client, engineer, client_org
):
    ticket_services.issue_create(
        client=client_org,
        requester=contact,
        title='=HYPERLINK("http://evil.example")',
        description="Test",
        priority=Priority.P3,
        now=ams(2026, 3, 2, 10, 0),
    )
    client.force_login(engineer)
    client.cookies["django_language"] = "en"  # the engineer reads Dutch by profile

    with time_machine.travel(REPORT_NOW, tick=False):
        response = client.get(report_url(client_org, csv_format=True))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=")


@pytest.mark.parametrize("csv_format", [False, True])
def test_staff_of_another_client_get_404(month, client, client_org, csv_format):
    other_lead = StaffFactory()
    TeamFactory(client=ClientFactory(), lead=other_lead, members=[other_lead])
    client.force_login(other_lead)

    assert client.get(report_url(client_org, csv_format=csv_format)).status_code == 404


def test_a_clients_own_contact_gets_404(agreement, contact, client, client_org):
    client.force_login(contact)

    assert client.get(report_url(client_org)).status_code == 404


def test_an_administrator_sees_every_client(agreement, client, client_org):
    admin = StaffFactory()
    admin.groups.add(Group.objects.get_or_create(name="Administrators")[0])
    client.force_login(admin)

    with time_machine.travel(REPORT_NOW, tick=False):
        assert client.get(report_url(client_org)).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(agreement, client, client_org):
    response = client.get(report_url(client_org))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize(("code", "month_number"), [("ZZZZ", 3), (None, 13), (None, 0)])
def test_unknown_clients_and_months_are_404(
    agreement, client, engineer, client_org, code, month_number
):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"  # the engineer reads Dutch by profile
    url = reverse("sla:report", args=[code or client_org.code, "2026", f"{month_number:02d}"])

    assert client.get(url).status_code == 404


def test_report_page_links_the_months_around_it(agreement, client, engineer, client_org):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"  # the engineer reads Dutch by profile

    with time_machine.travel(REPORT_NOW, tick=False):
        page = client.get(report_url(client_org, month=1)).content.decode()

    assert report_url(client_org, year=2025, month=12) in page
    assert report_url(client_org, year=2026, month=2) in page


def test_december_ends_at_new_year(agreement, client_org):
    report = sla_report(client=client_org, year=2026, month=12, now=REPORT_NOW)

    assert report.ends_at == ams(2027, 1, 1, 0, 0)
    assert report.ends_at - report.starts_at == timedelta(days=31)
    assert report.total.response.met_percentage is None


def test_report_of_a_contact_without_a_client_of_their_own_is_404(client):
    outsider = ContactFactory()
    client.force_login(outsider)

    assert client.get(reverse("sla:report", args=["ABC", "2026", "03"])).status_code == 404
