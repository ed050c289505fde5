"""Queue mail: render once per language and audience, store one outbox row per recipient.

Every kind of email the product sends is composed here and delivered by ``mail.delivery``:
the row is the promise, so a retry sends only what was not delivered, and queueing the
same message twice (a task that ran again) adds nothing, by its idempotency key.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from mail.models import InboundMessage, OutboxMessage, OutboxStatus
from paqt_support.transactions import after_commit

# SQLite refuses statements with too many parameters; keys are looked up in slices.
_KEYS_PER_QUERY = 500


@dataclass(frozen=True)
class MailTemplates:
    """The names of a message's templates: a one-line subject, a text body, optional HTML."""

    subject: str
    text: str
    html: str | None = None

    @classmethod
    def named(cls, prefix: str) -> "MailTemplates":
        """Return the templates ``<prefix>_subject.txt``, ``<prefix>.txt`` and ``<prefix>.html``."""
        return cls(subject=f"{prefix}_subject.txt", text=f"{prefix}.txt", html=f"{prefix}.html")


@dataclass(frozen=True)
class Recipient:
    """Someone a message goes to.

    ``key`` names the recipient within the message's idempotency key; ``audience`` is what
    the text says differently to this kind of recipient (a staff link, a greeting to a
    team): the message is rendered once per language and audience.
    """

    key: str
    address: str
    language: str
    user: object | None = None
    audience: tuple[tuple[str, object], ...] = field(default=())

    @classmethod
    def of_user(cls, user, *, language: str | None = None) -> "Recipient":
        """Return ``user`` as a recipient, in ``language`` or else their own."""
        return cls(
            key=f"user:{user.pk}",
            address=user.email,
            language=language or user.preferred_language,
            user=user,
        )


@dataclass(frozen=True)
class Rendered:
    """A message rendered in one language: its subject, text and HTML (may be empty)."""

    subject: str
    text: str
    html: str


def _domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def message_id_for(key: str) -> str:
    """Return the stable Message-ID of the message with idempotency key ``key``."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{digest}@{_domain()}>"


def issue_thread_id(issue_id: int) -> str:
    """Return the Message-ID every email about issue ``issue_id`` refers to as its thread."""
    return f"<issue-{issue_id}@{_domain()}>"


def mail_render(templates: MailTemplates, context: dict, language: str) -> Rendered:
    """Render ``templates`` with ``context`` in ``language``; the subject on one line."""
    with translation.override(language):
        subject = " ".join(render_to_string(templates.subject, context).split())
        text = render_to_string(templates.text, context)
        html = render_to_string(templates.html, context) if templates.html else ""
    return Rendered(subject=subject[:255], text=text, html=html)


def outbox_compose(
    *,
    kind: str,
    key: str,
    templates: MailTemplates,
    context: dict,
    recipients: Iterable[Recipient],
    issue=None,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Return the unsaved outbox rows of one message to ``recipients``.

    ``key`` names the message (an issue and event, a reset token); with the kind and each
    recipient's key it makes the row's idempotency key. A message about ``issue`` joins
    the issue's thread.
    """
    now = now or timezone.now()
    rendered: dict[tuple, Rendered] = {}
    headers = {}
    if issue is not None:
        thread = issue_thread_id(issue.pk)
        headers = {"In-Reply-To": thread, "References": thread}
    rows = []
    for recipient in recipients:
        group = (recipient.language, recipient.audience)
        if group not in rendered:
            rendered[group] = mail_render(
                templates, {**context, **dict(recipient.audience)}, recipient.language
            )
        message = rendered[group]
        idempotency_key = f"{kind}:{key}:{recipient.key}"
        rows.append(
            OutboxMessage(
                kind=kind,
                idempotency_key=idempotency_key,
                message_id=message_id_for(idempotency_key),
                issue=issue,
                recipient=recipient.user,
                to_address=recipient.address,
                language=recipient.language,
                subject=message.subject,
                text=message.text,
                html=message.html,
                headers=headers,
                created_at=now,
                next_attempt_at=now,
            )
        )
    return rows


def outbox_queue(*, messages: list[OutboxMessage]) -> list[int]:
    """Store ``messages`` (rows already queued are left as they are) and, on commit, hand
    those still waiting to one delivery task. Return the ids of the rows waiting."""
    if not messages:
        return []
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    keys = [message.idempotency_key for message in messages]
    waiting = []
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        waiting += OutboxMessage.objects.filter(
            idempotency_key__in=keys[start : start + _KEYS_PER_QUERY], status=OutboxStatus.QUEUED
        ).values_list("pk", flat=True)
    if waiting:
        # Imported here: delivery stops a follow through the issue services, which send
        # their mail through this module.
        from mail.tasks import outbox_deliver_task

        after_commit(outbox_deliver_task.delay, sorted(waiting))
    return sorted(waiting)


def mail_forget(*, user_id: int, address: str) -> int:
    """Empty the address and text of every email sent to user ``user_id`` or to ``address``,
    and of the messages received from ``address``; return how many. What happened to
    each message stays, so that the outbox still shows it."""
    sent = OutboxMessage.objects.filter(recipient_id=user_id)
    received = InboundMessage.objects.none()
    if address:
        sent = sent | OutboxMessage.objects.filter(to_address__iexact=address)
        received = InboundMessage.objects.filter(sender__iexact=address)
    forgotten = sent.update(to_address="", subject="", text="", html="")
    return forgotten + received.update(sender="", subject="", raw=b"")
