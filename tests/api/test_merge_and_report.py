"""Merging duplicates and the monthly SLA report through the API."""

import pytest
from django.utils import timezone

from tests.portal.helpers import issue_file
from tickets.choices import Status

pytestmark = pytest.mark.django_db


def _month(issue) -> str:
    return timezone.localtime(issue.created_at).strftime("%Y-%m")


def test_staff_merge_a_duplicate_into_an_issue(staff_api, org, issue):
    duplicate = issue_file(org, title="Zaaksysteem geeft weer een foutmelding")

    response = staff_api.post(
        f"/api/v1/issues/{issue.reference}/merge",
        {"duplicates": [duplicate.reference]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["reference"] == issue.reference
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED
    assert duplicate.merged_into_id == issue.pk


def test_a_contact_cannot_merge(contact_api, org, issue):
    duplicate = issue_file(org, title="Nog een keer")
    response = contact_api.post(
        f"/api/v1/issues/{issue.reference}/merge",
        {"duplicates": [duplicate.reference]},
        format="json",
    )
    assert response.status_code == 403
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None


def test_another_clients_issue_is_no_such_issue_to_merge(staff_api, issue, other_issue):
    response = staff_api.post(
        f"/api/v1/issues/{issue.reference}/merge",
        {"duplicates": [other_issue.reference]},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert other_issue.reference in response.content.decode()
    other_issue.refresh_from_db()
    assert other_issue.merged_into_id is None


def test_staff_read_a_clients_sla_report_for_a_month(staff_api, org, issue):
    response = staff_api.get(f"/api/v1/clients/VRB/sla-reports/{_month(issue)}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["client"] == "VRB"
    assert [row["issue"] for row in body["rows"]] == [issue.reference]
    assert body["total"]["issues"] == 1
    assert body["rows"][0]["response"]["verdict"] == "pending"


def test_the_report_of_another_teams_client_is_not_found(staff_api, other_issue):
    response = staff_api.get(f"/api/v1/clients/ZWL/sla-reports/{_month(other_issue)}")
    assert response.status_code == 404


def test_contacts_do_not_read_sla_reports(contact_api, issue):
    response = contact_api.get(f"/api/v1/clients/VRB/sla-reports/{_month(issue)}")
    assert response.status_code == 403
