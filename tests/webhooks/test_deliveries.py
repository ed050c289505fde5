"""Webhook deliveries to a real local HTTP server: signed, retried, recorded, switched off."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import ContactFactory, agreement_with_targets
from tickets import services as ticket_services
from tickets.choices import Priority, Status
from webhooks.kinds import EventKind
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_delivery_attempt
from webhooks.signing import signature_matches
from webhooks.tasks import webhook_sweep_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_issue(agreement, contact, django_capture_on_commit_callbacks):
    def file(title: str = "Burgerportaal onbereikbaar"):
        with django_capture_on_commit_callbacks(execute=True):
            return ticket_services.issue_create(
                client=agreement.client,
                requester=contact,
                title=title,
                description="Het burgerportaal geeft een 502 voor alle bezoekers.",
                priority=Priority.P2,
            )

    return file


@pytest.fixture
def file_issue_losing_tasks(agreement, contact, django_capture_on_commit_callbacks):
    """File an issue whose queued tasks never run, as when Redis lost them."""

    def file():
        with django_capture_on_commit_callbacks(execute=False):
            return ticket_services.issue_create(
                client=agreement.client,
                requester=contact,
                title="Koppeling stuk",
                description="De koppeling met het zaaksysteem geeft fouten.",
                priority=Priority.P3,
            )

    return file


def _mail_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def _events(receiver) -> list[str]:
    return [json.loads(r.body)["event"] for r in receiver.requests]


def test_a_filed_issue_is_posted_signed_with_hmac_sha256_over_timestamp_and_body(
    endpoint, receiver, file_issue
):
    issue = file_issue()

    [request] = receiver.requests
    timestamp = request.headers["X-PAQT-Timestamp"]
    expected = hmac.new(
        b"s3cret-for-tests", f"{timestamp}.".encode() + request.body, hashlib.sha256
    ).hexdigest()
    assert request.headers["X-PAQT-Signature"] == f"sha256={expected}"
    assert request.headers["X-PAQT-Event"] == "issue.filed"
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.body)
    assert body["issue"]["reference"] == issue.reference
    assert body["client"] == issue.client.code
    delivery = WebhookDelivery.objects.get()
    assert request.headers["X-PAQT-Delivery"] == str(delivery.uuid)
    assert (delivery.status, delivery.response_status, delivery.attempts) == (
        DeliveryStatus.SUCCEEDED,
        200,
        1,
    )
    assert delivery.response_body == '{"ok": true}'


def test_the_signature_verifies_with_the_secret_and_not_with_another(
    endpoint, receiver, file_issue
):
    file_issue()
    [request] = receiver.requests
    sent = {
        "timestamp": int(request.headers["X-PAQT-Timestamp"]),
        "body": request.body,
        "sent": request.headers["X-PAQT-Signature"],
    }
    assert signature_matches(secret="s3cret-for-tests", **sent)
    assert not signature_matches(secret="guess", **sent)
    assert not signature_matches(
        secret="s3cret-for-tests", **{**sent, "timestamp": sent["timestamp"] + 1}
    )


def test_an_internal_note_is_never_delivered_and_a_public_reply_is(
    endpoint, receiver, file_issue, engineer, django_capture_on_commit_callbacks
):
    issue = file_issue()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.comment_create(
            issue=issue, author=engineer, body="Intern: klant belt vaak.", is_internal=True
        )
        ticket_services.comment_create(
            issue=issue, author=engineer, body="We kijken ernaar.", is_internal=False
        )

    assert all(b"Intern" not in r.body for r in receiver.requests)
    replies = [json.loads(r.body) for r in receiver.requests if b"issue.commented" in r.body]
    assert [reply["change"]["body"] for reply in replies] == ["We kijken ernaar."]
    assert replies[0]["change"]["by_staff"] is True


def test_another_clients_endpoint_hears_nothing_of_this_clients_issues(
    endpoint, receiver, file_issue
):
    other = agreement_with_targets()
    WebhookEndpoint.objects.create(
        client=other.client, url=receiver.url + "/other", event_kinds=list(EventKind.values)
    )
    file_issue()
    assert [r.path for r in receiver.requests] == ["/hook"]
    assert not WebhookDelivery.objects.filter(endpoint__client=other.client).exists()


def test_an_endpoint_hears_only_the_kinds_it_chose(
    endpoint, receiver, file_issue, engineer, django_capture_on_commit_callbacks
):
    endpoint.event_kinds = [EventKind.STATUS_CHANGED]
    endpoint.save()
    issue = file_issue()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.issue_change_status(issue=issue, actor=engineer, status=Status.IN_PROGRESS)
    assert _events(receiver) == ["issue.status_changed"]
    change = json.loads(receiver.requests[0].body)["change"]
    assert change == {"from": Status.NEW, "to": Status.IN_PROGRESS}


def test_a_failing_endpoint_is_tried_again_until_it_answers(endpoint, receiver, file_issue):
    receiver.fail_next(2)
    file_issue()

    assert len(receiver.requests) == 3
    assert len({r.headers["X-PAQT-Delivery"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SUCCEEDED,
        3,
        200,
    )
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


def test_a_delivery_that_fails_every_attempt_is_recorded_with_the_last_answer(
    settings, endpoint, receiver, file_issue
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.fail_next(10, status=500)
    file_issue()

    assert len(receiver.requests) == 3
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.FAILED,
        3,
        500,
    )
    assert delivery.response_body == "busy, try later"
    assert delivery.next_attempt_at is None


def test_an_unreachable_endpoint_is_recorded_with_the_error(settings, endpoint, file_issue):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    endpoint.url = "http://127.0.0.1:9/closed"
    endpoint.save()
    file_issue()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.response_status is None
    assert delivery.error


def test_an_endpoint_that_keeps_failing_is_switched_off_and_the_client_admin_is_told(
    settings, endpoint, receiver, file_issue, client_admin
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    receiver.fail_next(100)
    file_issue("Eerste")
    endpoint.refresh_from_db()
    assert endpoint.is_active
    file_issue("Tweede")

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_at is not None
    [message] = _mail_to("jan@example.org")
    assert endpoint.url in message.body
    sent = len(receiver.requests)
    file_issue("Derde")
    assert len(receiver.requests) == sent
    assert len(_mail_to("jan@example.org")) == 1


def test_a_delivery_succeeding_starts_the_count_of_failures_afresh(
    settings, endpoint, receiver, file_issue
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.fail_next(1)
    file_issue("Eerste")
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1
    file_issue("Tweede")
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_an_attempt_run_twice_sends_once(endpoint, receiver, file_issue_losing_tasks):
    file_issue_losing_tasks()
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    assert webhook_delivery_attempt(delivery_id=delivery.pk, now=now).status == "succeeded"
    assert webhook_delivery_attempt(delivery_id=delivery.pk, now=now).status is None
    assert len(receiver.requests) == 1


def test_the_sweep_sends_a_delivery_whose_task_was_lost(
    endpoint, receiver, file_issue_losing_tasks, time_machine
):
    file_issue_losing_tasks()
    assert webhook_sweep_task() == 0
    time_machine.move_to(timezone.now() + timedelta(minutes=2), tick=False)
    assert webhook_sweep_task() == 1
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_a_switched_off_endpoint_is_not_told_of_new_changes(endpoint, receiver, file_issue):
    endpoint.is_active = False
    endpoint.save()
    file_issue()
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_a_contact_of_the_client_filing_creates_no_delivery_for_a_client_without_endpoints(
    receiver, file_issue
):
    ContactFactory()
    file_issue()
    assert not WebhookDelivery.objects.exists()
