"""Which channels page a person, how each channel did, and alerts that avoid a failing one."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import mail_admins
from django.utils import timezone

from accounts.models import User
from oncall.channels import ChannelError, http_post_json, sms_send
from oncall.models import DEFAULT_CHANNELS, ChannelHealth, ChannelName, PagingProfile
from oncall.selectors import channel_is_failing

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contact:
    """Whom a page reaches and how: the channels to try in order, with their addresses."""

    channels: tuple[str, ...]
    phone: str
    webhook_url: str


def paging_contact(*, user: User) -> Contact:
    """Return the channels that can page ``user``, in the order of their paging profile.

    Without a profile, email. A channel whose address the person has not given is left
    out; an empty ``channels`` means the person cannot be paged at all.
    """
    profile = PagingProfile.objects.filter(user=user).first()
    order = profile.channels if profile is not None and profile.channels else DEFAULT_CHANNELS
    phone = profile.phone if profile is not None else ""
    webhook_url = profile.webhook_url if profile is not None else ""
    address = {
        ChannelName.EMAIL: user.email,
        ChannelName.SMS: phone,
        ChannelName.WEBHOOK: webhook_url,
    }
    usable = tuple(name for name in order if address.get(name))
    return Contact(channels=usable, phone=phone, webhook_url=webhook_url)


def channel_health_note(*, channel: str, error: str | None, now: datetime) -> None:
    """Record that ``channel`` delivered (``error`` None) or failed itself at ``now``."""
    if error is None:
        updated = ChannelHealth.objects.filter(channel=channel).update(
            failing_since=None, last_success_at=now
        )
        if not updated:
            ChannelHealth.objects.get_or_create(channel=channel, defaults={"last_success_at": now})
        return
    health, _created = ChannelHealth.objects.get_or_create(channel=channel)
    ChannelHealth.objects.filter(pk=health.pk, failing_since__isnull=True).update(failing_since=now)
    ChannelHealth.objects.filter(pk=health.pk).update(last_failure_at=now, last_error=error[:500])


def ops_alert_send(subject: str, message: str) -> list[str]:
    """Tell the administrators ``subject`` and ``message``; return the channels that took it.

    By email to ADMIN_EMAILS while email works. When email is failing, or fails now, the
    alert goes to OPS_ALERT_WEBHOOK_URL and OPS_ALERT_SMS_NUMBERS instead, so that an
    outage of the mail server is not reported only by mail. Never raises.
    """
    now = timezone.now()
    delivered = []
    if settings.ADMINS and not channel_is_failing(channel=ChannelName.EMAIL, now=now):
        try:
            mail_admins(subject, message, fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - a failed alert falls back, never raises
            logger.warning("Alert to the administrators by email failed: %s", exc)
            channel_health_note(
                channel=ChannelName.EMAIL, error=f"{type(exc).__name__}: {exc}", now=now
            )
        else:
            return [ChannelName.EMAIL.value]
    text = f"{subject}\n{message}"
    if settings.OPS_ALERT_WEBHOOK_URL:
        try:
            http_post_json(url=settings.OPS_ALERT_WEBHOOK_URL, body={"text": text})
            delivered.append(ChannelName.WEBHOOK.value)
        except ChannelError as exc:
            logger.error("Alert to the administrators by webhook failed: %s", exc)
    for number in settings.OPS_ALERT_SMS_NUMBERS:
        try:
            sms_send(to=number, text=text[:600], reference="")
        except ChannelError as exc:
            logger.error("Alert to the administrators by SMS failed: %s", exc)
        else:
            if ChannelName.SMS.value not in delivered:
                delivered.append(ChannelName.SMS.value)
    if not delivered:
        logger.error("No channel took the alert to the administrators: %s", subject)
    return delivered
