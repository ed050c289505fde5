"""Deliveries of webhooks: create them with a change, send each signed, retry, switch off."""

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from tickets.events import IssueChange
from tickets.models import Issue
from webhooks import signing
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.payloads import delivery_body

# Seconds to wait before the 2nd, 3rd, ... attempt. Each stays far below Redis's visibility
# timeout of an hour, which would otherwise hand a waiting task out twice.
BACKOFF_SECONDS = (10, 60, 300, 900, 1800)
# An attempt in flight is not picked up by the sweep for this long; above the HTTP timeout.
CLAIM_SECONDS = 120
# The sweep leaves a new delivery this long to the task queued when its change committed.
FIRST_ATTEMPT_GRACE = timedelta(seconds=60)
ANSWER_LIMIT = 2000
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


def webhook_deliveries_create(
    *, change: IssueChange, kind: str, issue: Issue, endpoints: list[WebhookEndpoint]
) -> list[WebhookDelivery]:
    """Record one delivery of ``change`` per endpoint and queue each once the change commits."""
    from webhooks.tasks import webhook_deliver_task

    body = delivery_body(change=change, kind=kind, issue=issue, client_code=issue.client.code)
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            issue_id=issue.pk,
            kind=kind,
            body=body,
            created_at=change.at,
            next_attempt_at=change.at + FIRST_ATTEMPT_GRACE,
        )
        for endpoint in endpoints
    )
    for delivery in deliveries:
        transaction.on_commit(lambda pk=delivery.pk: webhook_deliver_task.delay(pk))
    return deliveries


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would resend the signed body somewhere the administrator never registered.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class Answer:
    status: int | None
    body: str
    error: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _post(*, delivery: WebhookDelivery, now: datetime) -> Answer:
    body = delivery.body.encode()
    timestamp = int(now.timestamp())
    request = urllib.request.Request(  # noqa: S310 - an http(s) URL checked by the URLField
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "PAQT-Support-Webhooks/1",
            signing.EVENT_HEADER: delivery.kind,
            signing.DELIVERY_HEADER: str(delivery.uuid),
            signing.TIMESTAMP_HEADER: str(timestamp),
            signing.SIGNATURE_HEADER: signing.signature(
                secret=delivery.endpoint.secret, timestamp=timestamp, body=body
            ),
        },
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            text = response.read(ANSWER_LIMIT).decode(errors="replace")
            return Answer(status=response.status, body=text, error="")
    except urllib.error.HTTPError as exc:
        text = exc.read(ANSWER_LIMIT).decode(errors="replace")
        return Answer(status=exc.code, body=text, error=f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Answer(status=None, body="", error=str(getattr(exc, "reason", exc))[:500])


@dataclass(frozen=True)
class Attempt:
    status: DeliveryStatus | None
    retry_in: int | None = None


def webhook_delivery_attempt(*, delivery_id: int, now: datetime) -> Attempt:
    """Send delivery ``delivery_id`` once, if it is still open, and record how it went.

    Safe to run twice: each attempt is claimed with a conditional update of ``attempts``, so
    a second run of the same attempt sends nothing. Returns the delivery's new status, with
    the seconds to wait when it is to be tried again; ``status`` is None when nothing was sent.
    """
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, status__in=OPEN)
        .first()
    )
    if delivery is None:
        return Attempt(status=None)
    if not delivery.endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk, status__in=OPEN).update(
            status=DeliveryStatus.CANCELLED, next_attempt_at=None
        )
        return Attempt(status=DeliveryStatus.CANCELLED)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status__in=OPEN, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return Attempt(status=None)
    attempt = delivery.attempts + 1
    answer = _post(delivery=delivery, now=now)
    return _record(delivery=delivery, attempt=attempt, answer=answer, now=now)


def _record(*, delivery: WebhookDelivery, attempt: int, answer: Answer, now: datetime) -> Attempt:
    recorded = {
        "response_status": answer.status,
        "response_body": answer.body,
        "error": answer.error,
    }
    rows = WebhookDelivery.objects.filter(pk=delivery.pk)
    endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    with transaction.atomic():
        if answer.ok:
            rows.update(
                status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None, **recorded
            )
            endpoints.filter(consecutive_failures__gt=0).update(consecutive_failures=0)
            return Attempt(status=DeliveryStatus.SUCCEEDED)
        if attempt < settings.WEBHOOK_MAX_ATTEMPTS:
            wait = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]
            rows.update(
                status=DeliveryStatus.RETRYING,
                next_attempt_at=now + timedelta(seconds=wait),
                **recorded,
            )
            return Attempt(status=DeliveryStatus.RETRYING, retry_in=wait)
        rows.update(status=DeliveryStatus.FAILED, next_attempt_at=None, **recorded)
        endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
        _switch_off_when_failing(endpoint_id=delivery.endpoint_id, now=now)
        return Attempt(status=DeliveryStatus.FAILED)


def _switch_off_when_failing(*, endpoint_id: int, now: datetime) -> None:
    from webhooks.tasks import webhook_endpoint_disabled_notify_task

    switched_off = WebhookEndpoint.objects.filter(
        pk=endpoint_id,
        is_active=True,
        consecutive_failures__gte=settings.WEBHOOK_DISABLE_AFTER_FAILURES,
    ).update(is_active=False, disabled_at=now)
    # Only the run that switched it off tells the client admins, once.
    if switched_off:
        transaction.on_commit(lambda: webhook_endpoint_disabled_notify_task.delay(endpoint_id))


def webhook_deliveries_due(*, now: datetime) -> list[int]:
    """Return the ids of open deliveries whose next attempt is due at ``now``."""
    return list(
        WebhookDelivery.objects.filter(status__in=OPEN, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )


def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> None:
    """Switch ``endpoint`` on again, with its count of failures started afresh."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, consecutive_failures=0, disabled_at=None
    )
