"""Celery tasks of the outbox: deliver the rows just queued, and sweep for what is due."""

from celery import shared_task
from django.utils import timezone

from mail.delivery import outbox_deliver, outbox_due


# Safe to run twice: every row is claimed by a conditional update before it is sent.
@shared_task(name="mail.deliver", acks_late=True)
def outbox_deliver_task(message_ids: list[int]) -> int:
    return outbox_deliver(message_ids=message_ids)


# Retries with their waits, and rows whose worker died, are found here in the database.
@shared_task(name="mail.deliver_due", acks_late=True)
def outbox_deliver_due_task() -> int:
    return outbox_deliver(message_ids=outbox_due(now=timezone.now()))
