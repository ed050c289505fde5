"""The queue as CSV: what the filters select, only the staff member's clients, bounded."""

import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from tests.portal.helpers import issue_file
from tickets.choices import Priority

pytestmark = pytest.mark.django_db

EXPORT = reverse("admin:tickets_issue_export")


def _rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_follows_the_queues_filters(staff_client, org):
    urgent = issue_file(org, priority=Priority.P1)
    issue_file(org)

    rows = _rows(staff_client.get(EXPORT, {"priority__exact": "P1"}))

    assert [row["reference"] for row in rows] == [urgent.reference]
    assert rows[0]["client"] == org.client.code
    assert rows[0]["priority"] == "P1"


def test_the_export_holds_only_the_clients_of_the_staff_members_teams(staff_client, org, other_org):
    mine = issue_file(org)
    issue_file(other_org, title="Niet van dit team")

    rows = _rows(staff_client.get(EXPORT))

    assert [row["reference"] for row in rows] == [mine.reference]


def test_the_export_is_bounded(staff_client, org, monkeypatch):
    monkeypatch.setattr("desk.admin.export.QUEUE_EXPORT_LIMIT", 2)
    for n in range(3):
        issue_file(org, title=f"Melding {n}")

    assert len(_rows(staff_client.get(EXPORT))) == 2


def test_a_title_that_looks_like_a_formula_is_defused(staff_client, org):
    issue_file(org, title='=HYPERLINK("http://evil.example")')
    [row] = _rows(staff_client.get(EXPORT))
    assert row["title"].startswith("'=")


def test_the_export_is_in_the_access_log(staff_client, org):
    issue_file(org)
    _rows(staff_client.get(EXPORT))
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_queue_links_to_the_export_with_its_filters(staff_client, org):
    page = staff_client.get(reverse("admin:tickets_issue_changelist"), {"priority__exact": "P1"})
    assert f"{EXPORT}?priority__exact=P1" in page.content.decode()


def test_anonymous_visitors_and_contacts_get_no_export(client, org):
    issue_file(org)
    assert client.get(EXPORT).status_code == 302
    client.force_login(org.contact)
    assert client.get(EXPORT).status_code == 302
