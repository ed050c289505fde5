"""The admin of webhooks: administrators register endpoints; deliveries can only be read."""

import pytest
from django.test import Client as Browser
from django.urls import reverse

from tests.factories import IssueFactory
from tests.organisations import give_role
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Browser(headers={"accept-language": "en"})


def test_an_administrator_registers_an_endpoint_with_its_events(browser, administrator, agreement):
    browser.force_login(administrator)
    response = browser.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {
            "client": agreement.client.pk,
            "url": "https://zaken.example.org/hook",
            "secret": "een-lang-geheim",
            "event_kinds": ["issue.filed", "issue.commented"],
            "is_active": "on",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_kinds == ["issue.filed", "issue.commented"]


def test_a_team_lead_cannot_reach_the_webhook_admin(browser, org, endpoint):
    lead = give_role(org.staff, "Team leads")
    browser.force_login(lead)
    assert browser.get(reverse("admin:webhooks_webhookendpoint_changelist")).status_code == 403
    assert browser.get(reverse("admin:webhooks_webhookdelivery_changelist")).status_code == 403


def test_switching_an_endpoint_on_again_starts_its_failures_afresh(
    browser, administrator, endpoint
):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, consecutive_failures=5)
    browser.force_login(administrator)
    response = browser.post(
        reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
        {
            "client": endpoint.client_id,
            "url": endpoint.url,
            "secret": endpoint.secret,
            "event_kinds": ["issue.filed"],
            "is_active": "on",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


def test_a_delivery_is_shown_read_only_with_its_answer(browser, administrator, endpoint, contact):
    issue = IssueFactory(client=endpoint.client, requester=contact)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        issue=issue,
        kind="issue.filed",
        body="{}",
        created_at=issue.created_at,
        response_status=503,
        response_body="onderhoud",
    )
    browser.force_login(administrator)
    page = browser.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    assert b"onderhoud" in page.content
    assert b'name="_save"' not in page.content
