"""Sentry webhooks: issue and issue-alert resources, bearer secrets and signed bodies."""

import hashlib
import hmac
import json

import pytest
from rest_framework.test import APIClient

from tests.monitoring.conftest import payload
from tickets.choices import Status
from tickets.models import Issue

pytestmark = pytest.mark.django_db

INSTALLATION = "7a485448-a9e2-4c85-8a3c-4f44175783c9"


def _post(post, name, secret, resource):
    return post("sentry", payload(name), secret=secret, headers={"Sentry-Hook-Resource": resource})


def test_a_new_sentry_issue_opens_an_issue(post, sentry, client_):
    response = _post(post, "sentry_issue_created", sentry[1], "issue")

    assert response.status_code == 200
    [result] = response.json()["alerts"]
    assert result["fingerprint"] == "sentry-issue:1170820242"
    issue = Issue.objects.get(reference=result["issue"])
    assert issue.client == client_
    assert issue.title == "KeyError: 'zaaktype'"
    assert issue.component == "zaaksysteem"
    assert "https://sentry.io/organizations/paqt/issues/1170820242/" in issue.description
    assert issue.priority == "P3"


def test_an_issue_alert_about_the_same_sentry_issue_adds_to_the_same_issue(post, sentry):
    _post(post, "sentry_issue_created", sentry[1], "issue")

    response = _post(post, "sentry_event_alert", sentry[1], "event_alert")

    assert response.json()["alerts"][0]["result"] == "repeated"
    assert Issue.objects.count() == 1


def test_an_issue_alert_alone_opens_an_issue(post, sentry):
    response = _post(post, "sentry_event_alert", sentry[1], "event_alert")

    issue = Issue.objects.get(reference=response.json()["alerts"][0]["issue"])
    assert "- rule: Errors in production" in issue.description


def test_a_resolved_sentry_issue_resolves_ours(post, sentry):
    _post(post, "sentry_issue_created", sentry[1], "issue")

    response = _post(post, "sentry_issue_resolved", sentry[1], "issue")

    assert response.json()["alerts"][0]["result"] == "resolved"
    assert Issue.objects.get().status == Status.RESOLVED


def test_other_actions_and_resources_change_nothing(post, sentry):
    body = payload("sentry_issue_created")
    body["action"] = "assigned"
    assigned = post("sentry", body, secret=sentry[1], headers={"Sentry-Hook-Resource": "issue"})
    installation = post(
        "sentry",
        {"action": "created", "installation": {"uuid": INSTALLATION}, "data": {}},
        secret=sentry[1],
        headers={"Sentry-Hook-Resource": "installation"},
    )

    assert assigned.json() == {"alerts": []}
    assert installation.json() == {"alerts": []}
    assert Issue.objects.count() == 0


def test_an_unknown_resource_answers_400(post, sentry):
    response = _post(post, "sentry_issue_created", sentry[1], "bogus")

    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == "Sentry-Hook-Resource"


def test_an_issue_webhook_without_an_issue_answers_400(post, sentry):
    body = payload("sentry_issue_created")
    del body["data"]["issue"]

    response = post("sentry", body, secret=sentry[1], headers={"Sentry-Hook-Resource": "issue"})

    assert response.status_code == 400
    assert response.json()["invalid-params"] == [
        {"name": "data", "reason": "Sentry's issue webhook carries data.issue."}
    ]


def _signed(body: bytes, secret: str, *, signature: str | None = None):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return APIClient().generic(
        "POST",
        "/api/v1/monitoring/sentry",
        body,
        content_type="application/json",
        HTTP_SENTRY_HOOK_RESOURCE="issue",
        HTTP_SENTRY_HOOK_SIGNATURE=signature or digest,
    )


@pytest.fixture
def signed_source(sentry):
    source, _secret = sentry
    source.sentry_installation_id = INSTALLATION
    source.sentry_client_secret = "sentry-client-secret"
    source.save()
    return source


def test_a_webhook_signed_with_the_client_secret_is_accepted(signed_source):
    body = json.dumps(payload("sentry_issue_created")).encode()

    response = _signed(body, "sentry-client-secret")

    assert response.status_code == 200
    assert Issue.objects.get().client == signed_source.client


def test_a_wrong_signature_answers_401(signed_source):
    body = json.dumps(payload("sentry_issue_created")).encode()

    assert _signed(body, "another-secret").status_code == 401
    assert _signed(body, "sentry-client-secret", signature="00" * 32).status_code == 401
    assert Issue.objects.count() == 0


def test_a_signature_for_an_unknown_installation_answers_401(signed_source):
    body = payload("sentry_issue_created")
    body["installation"]["uuid"] = "00000000-0000-0000-0000-000000000000"

    assert _signed(json.dumps(body).encode(), "sentry-client-secret").status_code == 401
