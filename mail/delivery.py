"""Deliver the outbox: claim a row, check its recipient may still read it, send, record.

A row is claimed by a conditional update that also counts the attempt, so two workers
never send it at once. A worker that dies after claiming leaves the claim to run out, and
the sweep tries the row again; only a worker killed between the mail server's answer and
the next statement can send a copy twice.
"""

import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import context as audit_context
from audit.models import AuditAction, AuditChannel
from audit.services import audit_record
from mail.models import OutboxMessage, OutboxStatus
from mail.outbox import Rendered
from tickets.models import Channel
from tickets.selectors import issue_visible_to

# Waits between attempts double from the first, up to the last.
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
SWEEP_LIMIT = 500


def _wait(attempts: int) -> timedelta:
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def claim_duration() -> timedelta:
    """Return how long a claim holds: longer than a send takes, short enough that a row a
    dead worker held goes out again within minutes."""
    return timedelta(seconds=settings.MAIL_CLAIM_SECONDS)


def _claim(*, pk: int, now: datetime) -> OutboxMessage | None:
    claimed = (
        OutboxMessage.objects.filter(pk=pk, status=OutboxStatus.QUEUED, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + claim_duration(), attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return OutboxMessage.objects.select_related("issue", "recipient").get(pk=pk)


def _may_receive(row: OutboxMessage) -> bool:
    if row.recipient_id is None:
        return True
    user = row.recipient
    if not user.is_active or not user.email:
        return False
    return row.issue is None or issue_visible_to(issue=row.issue, user=user)


def _withhold(row: OutboxMessage, *, now: datetime) -> None:
    """Send nothing to a recipient who lost access to the issue, and stop their follow."""
    # Imported here: the issue services send their own mail through the outbox.
    from tickets.services import issue_watch

    _finish(
        row,
        status=OutboxStatus.WITHHELD,
        reason=_("The recipient may no longer read this issue."),
        now=now,
    )
    if row.issue is not None and row.issue.watchers.filter(pk=row.recipient_id).exists():
        issue_watch(
            issue=row.issue,
            actor=None,
            watcher=row.recipient,
            watch=False,
            channel=Channel.SYSTEM,
            now=now,
        )


def _finish(row: OutboxMessage, *, status: str, reason: str, now: datetime) -> None:
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=status, reason=reason, finished_at=now, claimed_until=None
    )


def _log(row: OutboxMessage, *, action: str, reason: str = "") -> None:
    detail = {"kind": row.kind, "message_id": row.message_id}
    if row.recipient_id is None:
        detail["to"] = row.to_address
    if reason:
        detail["reason"] = reason
    with audit_context.acting(channel=AuditChannel.EMAIL):
        audit_record(
            action=action, obj=row.issue or row.recipient, user=row.recipient, detail=detail
        )


def mail_message(
    *, rendered: Rendered, to: str, message_id: str, headers: dict | None = None, connection=None
) -> EmailMultiAlternatives:
    """Return the email of ``rendered`` to ``to``, with the headers every message carries."""
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=[to],
        headers={
            "Message-ID": message_id,
            # Tells mail programs and servers not to answer this message automatically.
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            **(headers or {}),
        },
        connection=connection,
    )
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    return message


def _email(row: OutboxMessage, connection) -> EmailMultiAlternatives:
    return mail_message(
        rendered=Rendered(subject=row.subject, text=row.text, html=row.html),
        to=row.to_address,
        message_id=row.message_id,
        headers=row.headers,
        connection=connection,
    )


def _answer(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _refusal(error: Exception) -> tuple[bool, str]:
    """Return whether ``error`` is final (the server said no for good) and why, in one line."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (0, b""))
        return code >= 500, _answer(code, text)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500, _answer(error.smtp_code, error.smtp_error)
    return False, f"{type(error).__name__}: {error}"


def _attempt(row: OutboxMessage, *, connection, now: datetime) -> bool:
    """Send ``row`` once; record the outcome. Return whether it was delivered."""
    try:
        _email(row, connection).send()
    except (smtplib.SMTPException, OSError) as error:
        connection.close()
        final, reason = _refusal(error)
        if final or row.attempts >= settings.MAIL_MAX_ATTEMPTS:
            status = OutboxStatus.BOUNCED if final else OutboxStatus.FAILED
            _finish(row, status=status, reason=reason, now=now)
            _log(row, action=AuditAction.SEND_FAILED, reason=reason)
        else:
            OutboxMessage.objects.filter(pk=row.pk).update(
                reason=reason, claimed_until=None, next_attempt_at=now + _wait(row.attempts)
            )
        return False
    _finish(row, status=OutboxStatus.DELIVERED, reason="", now=now)
    _log(row, action=AuditAction.SEND)
    return True


def outbox_deliver(*, message_ids: list[int], now: datetime | None = None) -> int:
    """Send the outbox rows ``message_ids`` that are due and unclaimed; return how many went.

    A row sent already, or claimed by another worker, is skipped. A temporary refusal is
    tried again after a wait that doubles, up to ``MAIL_MAX_ATTEMPTS`` attempts; a final
    one (a 5xx answer) marks the row bounced.
    """
    connection = get_connection()
    delivered = 0
    try:
        for pk in message_ids:
            at = now or timezone.now()
            row = _claim(pk=pk, now=at)
            if row is None:
                continue
            if not _may_receive(row):
                _withhold(row, now=at)
                continue
            delivered += _attempt(row, connection=connection, now=at)
    finally:
        connection.close()
    return delivered


def outbox_due(*, now: datetime, limit: int = SWEEP_LIMIT) -> list[int]:
    """Return the ids of queued rows whose attempt is due and that nobody holds, oldest first."""
    return list(
        OutboxMessage.objects.filter(status=OutboxStatus.QUEUED, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
