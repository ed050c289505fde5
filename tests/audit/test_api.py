"""The API reads the trail for administrators, filtered, and offers no way to change it."""

import pytest

from audit.models import AuditAction, AuditEntry
from audit.services import audit_record
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-entries"


def test_an_administrator_reads_the_trail_filtered_by_client_and_action(org, administrator):
    audit_record(action=AuditAction.VIEW, obj=org.client, user=org.contact)
    audit_record(action=AuditAction.EXPORT, detail={"what": "test"}, user=org.admin)

    response = token_client(administrator).get(URL, {"client": org.client.code, "action": "view"})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["user_label"], row["client"], row["object_type"]) == (
        org.contact.username,
        org.client.code,
        "clients.client",
    )


def test_reading_the_trail_through_the_api_is_itself_logged(org, administrator):
    token_client(administrator).get(URL, {"user": "jansen"})

    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert (entry.user, entry.detail["query"]) == (administrator, {"user": ["jansen"]})


@pytest.mark.parametrize("who", ["contact", "admin", "staff"])
def test_nobody_but_an_administrator_reads_the_trail(org, who):
    response = token_client(getattr(org, who)).get(URL)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_trail_cannot_be_written_through_the_api(org, administrator, method):
    audit_record(action=AuditAction.VIEW, obj=org.client, user=org.contact)
    count = AuditEntry.objects.count()

    response = getattr(token_client(administrator), method)(URL, {}, format="json")

    assert response.status_code == 405
    assert AuditEntry.objects.count() == count
