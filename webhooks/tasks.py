"""Celery tasks of the webhooks: one attempt of a delivery, the sweep, the switch-off notice."""

from celery import shared_task
from django.utils import timezone

from webhooks.models import DeliveryStatus
from webhooks.notifications import webhook_endpoint_disabled_notify
from webhooks.services import webhook_deliveries_due, webhook_delivery_attempt

# The HTTP call is bounded by WEBHOOK_TIMEOUT_SECONDS; this only stops a run that hangs.
DELIVERY_TIME_LIMIT = 60


# acks_late is safe: each attempt is claimed in the database, so a redelivered message
# finds its attempt taken and sends nothing.
@shared_task(name="webhooks.deliver", acks_late=True, time_limit=DELIVERY_TIME_LIMIT)
def webhook_deliver_task(delivery_id: int) -> str | None:
    attempt = webhook_delivery_attempt(delivery_id=delivery_id, now=timezone.now())
    if attempt.status == DeliveryStatus.RETRYING:
        webhook_deliver_task.apply_async((delivery_id,), countdown=attempt.retry_in)
    return attempt.status


# Queues what a lost message (Redis restarted, no worker) left behind; a delivery queued
# twice is attempted once.
@shared_task(name="webhooks.sweep", acks_late=True)
def webhook_sweep_task() -> int:
    due = webhook_deliveries_due(now=timezone.now())
    for delivery_id in due:
        webhook_deliver_task.delay(delivery_id)
    return len(due)


@shared_task(
    name="webhooks.notify_endpoint_disabled",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def webhook_endpoint_disabled_notify_task(endpoint_id: int) -> int:
    return webhook_endpoint_disabled_notify(endpoint_id=endpoint_id)
