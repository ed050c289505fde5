"""Unlock links: offered when an account is locked, mailed to its owner, spent once."""

import hashlib
import secrets
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import UnlockLink, User
from audit.models import AuditAction
from audit.services import audit_record
from mail.models import OutboxKind
from mail.outbox import MailTemplates, Recipient, outbox_compose, outbox_queue
from paqt_support.exceptions import ApplicationError
from paqt_support.ratelimit import first_in_period


class UnlockLinkInvalidError(ApplicationError):
    """The link is unknown, spent already, or past its time."""

    code = "unlock-link-invalid"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unlock_link_offer(*, username: str) -> None:
    """Have a link mailed to the owner of ``username``, which django-axes just locked.

    Called for every refused try; a task is queued once per lockout period, and it decides
    whether the account is locked itself (not only the address) and whom to mail.
    """
    from accounts.tasks import unlock_link_send_task

    if first_in_period(
        scope="unlock-offer",
        key=username,
        period=int(settings.AXES_COOLOFF_TIME.total_seconds()),
    ):
        transaction.on_commit(lambda: unlock_link_send_task.delay(username), robust=True)


def _account_is_locked(*, username: str, now: datetime) -> bool:
    failures = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now - settings.AXES_COOLOFF_TIME
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return (failures or 0) >= settings.AXES_FAILURE_LIMIT


def unlock_link_send(*, username: str, now: datetime | None = None) -> UnlockLink | None:
    """Mail the owner of the locked account ``username`` a link to log in before the lock ends.

    Nothing is sent for an unknown, inactive or mail-less account, when only the address that
    guessed is locked, or when a link went out during this lockout already. Return the link.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Locked, so that two tasks for one lockout send one link.
        user = (
            User.objects.select_for_update()
            .filter(username=username, is_active=True)
            .exclude(email="")
            .first()
        )
        if user is None or not _account_is_locked(username=username, now=now):
            return None
        if UnlockLink.objects.filter(
            user=user, created_at__gt=now - settings.AXES_COOLOFF_TIME
        ).exists():
            return None
        token = secrets.token_urlsafe(32)
        link = UnlockLink.objects.create(
            user=user,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + settings.AXES_COOLOFF_TIME,
        )
    context = {
        "user": user,
        "url": settings.SITE_URL + reverse("account-unlock", args=[token]),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    outbox_queue(
        messages=outbox_compose(
            kind=OutboxKind.UNLOCK_LINK,
            key=f"{link.pk}",
            templates=MailTemplates(
                subject="accounts/email/unlock_subject.txt", text="accounts/email/unlock.txt"
            ),
            context=context,
            recipients=[Recipient.of_user(user)],
        )
    )
    return link


def unlock_link_redeem(*, token: str, now: datetime | None = None) -> User:
    """Spend the unlock link with ``token`` and return its user, with the failed logins of the
    account forgotten. Raise ``UnlockLinkInvalidError`` for a link unknown, spent or expired."""
    now = now or timezone.now()
    with transaction.atomic():
        spent = UnlockLink.objects.filter(
            token_hash=_hash(token), used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not spent:
            raise UnlockLinkInvalidError(
                _(
                    "This link has been used or has expired. If logging in is still blocked, "
                    "wait until the time on the blocked page, or choose a new password."
                )
            )
        user = UnlockLink.objects.select_related("user").get(token_hash=_hash(token)).user
        axes_reset(username=user.username)
        audit_record(action=AuditAction.CHANGE, obj=user, detail={"lockout": "lifted by link"})
    return user
