"""Celery tasks of mail: deliver the outbox and sweep it; read the mail-in folder and IMAP."""

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from mail.delivery import outbox_deliver, outbox_due
from mail.transports import mail_folder_read, mail_imap_poll


# Safe to run twice: every row is claimed by a conditional update before it is sent.
@shared_task(name="mail.deliver", acks_late=True)
def outbox_deliver_task(message_ids: list[int]) -> int:
    return outbox_deliver(message_ids=message_ids)


# Retries with their waits, and rows whose worker died, are found here in the database.
@shared_task(name="mail.deliver_due", acks_late=True)
def outbox_deliver_due_task() -> int:
    return outbox_deliver(message_ids=outbox_due(now=timezone.now()))


# Safe to run twice: each file moves aside once read, and a message is taken in once.
@shared_task(name="mail.read_folder")
def mail_folder_read_task() -> int:
    return mail_folder_read(folder=Path(settings.MAIL_IN_DIR))


# Safe to run twice: a message handled twice changes nothing, by its Message-ID.
@shared_task(name="mail.poll_imap", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def mail_imap_poll_task() -> int:
    return sum(mail_imap_poll(url=url) for url in settings.MAIL_IMAP_URLS)
