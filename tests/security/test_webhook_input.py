"""Text that monitoring webhooks bring in is as untrusted as a contact's: it stays text."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from monitoring.models import SourceKind
from monitoring.services import monitoring_source_create
from tests.monitoring.conftest import payload
from tests.portal.helpers import log_in
from tests.security.test_xss import CASES, PAYLOADS, _admin_pages, assert_inert
from tests.two_factor import login_with_second_factor
from tickets.models import Issue


@pytest.fixture
def team_browser(org):
    return login_with_second_factor(Client(), org.staff)


def _fire(org, text: str) -> Issue:
    _source, secret = monitoring_source_create(
        client=org.client, kind=SourceKind.ALERTMANAGER, name="prod", default_priority="P3"
    )
    body = payload("alertmanager_firing")
    alert = body["alerts"][0]
    alert["annotations"] = {"summary": text, "description": text}
    alert["labels"] = {"alertname": "HighErrorRate", "service": text[:100], "note": text}
    response = APIClient().post(
        "/api/v1/monitoring/alertmanager",
        body,
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    return Issue.objects.get()


@pytest.mark.parametrize("name", CASES)
def test_an_alert_with_markup_shows_as_text_in_the_portal_and_the_admin(
    client, team_browser, org, name
):
    issue = _fire(org, PAYLOADS[name])
    log_in(client, org.contact)

    portal = client.get(reverse("portal:issue-detail", args=[issue.reference])).text
    for page in (portal, *_admin_pages(team_browser, issue)):
        assert_inert(page, issue.title)
