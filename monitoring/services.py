"""Intake of monitoring signals: open an issue per alert, add to it, resolve it; and sources."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit import context as audit_context
from clients.models import Client
from monitoring.alerts import Alert
from monitoring.models import MonitoringAlert, MonitoringSource
from paqt_support.exceptions import ApplicationError
from sla.selectors import agreement_applying, target_for
from tickets import services as ticket_services
from tickets.choices import Category, Status
from tickets.models import Channel, Issue
from tickets.workflow import TransitionError

KEY_LABEL = "mon"
DESCRIPTION_MAX = 20000


class SourceSecretInvalidError(ApplicationError):
    """The webhook secret or signature is unknown, or its source is switched off."""

    code = "monitoring-secret-invalid"
    status = 401


class MonitoringUserError(ApplicationError):
    """The client's monitoring user exists but cannot file issues (deactivated, moved)."""

    code = "monitoring-user-unavailable"
    status = 409


@dataclass(frozen=True)
class AlertOutcome:
    """What one alert did: ``result`` is opened, reopened, updated, repeated, resolved
    or ignored; ``issue`` is the issue it concerned, if any."""

    fingerprint: str
    result: str
    issue: Issue | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def monitoring_source_create(
    *,
    client: Client,
    kind: str,
    name: str,
    default_priority: str,
    auto_resolve: bool = True,
    now: datetime | None = None,
) -> tuple[MonitoringSource, str]:
    """Make a source for ``client`` and return it with its secret, which is not kept."""
    now = now or timezone.now()
    prefix = secrets.token_hex(6)
    secret = f"{KEY_LABEL}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        source = MonitoringSource.objects.create(
            client=client,
            kind=kind,
            name=name.strip()[:100] or kind,
            prefix=prefix,
            secret_hash=_hash(secret),
            default_priority=default_priority,
            auto_resolve=auto_resolve,
            created_at=now,
        )
    return source, secret


def monitoring_source_rotate(*, source: MonitoringSource) -> str:
    """Give ``source`` a new secret and return it; the old one stops working at once."""
    prefix = secrets.token_hex(6)
    secret = f"{KEY_LABEL}_{prefix}_{secrets.token_urlsafe(32)}"
    MonitoringSource.objects.filter(pk=source.pk).update(prefix=prefix, secret_hash=_hash(secret))
    source.refresh_from_db(fields=["prefix", "secret_hash"])
    return secret


def monitoring_source_authenticate(*, secret: str) -> MonitoringSource:
    """Return the active source whose bearer secret is ``secret``; raise otherwise."""
    scheme, _sep, rest = secret.partition("_")
    prefix = rest.partition("_")[0]
    source = None
    if scheme == KEY_LABEL and prefix:
        source = MonitoringSource.objects.select_related("client").filter(prefix=prefix).first()
    if (
        source is None
        or not hmac.compare_digest(source.secret_hash, _hash(secret))
        or not source.is_active
    ):
        raise SourceSecretInvalidError(_("The monitoring secret is invalid."))
    return source


def monitoring_source_verify_sentry(
    *, installation_id: str, body: bytes, signature: str
) -> MonitoringSource:
    """Return the active Sentry source of ``installation_id`` if ``signature`` signs ``body``.

    Sentry signs with HMAC-SHA256 of the raw body under the integration's client secret,
    in hex, sent as ``Sentry-Hook-Signature``.
    """
    source = None
    if installation_id:
        source = (
            MonitoringSource.objects.select_related("client")
            .filter(sentry_installation_id=installation_id, is_active=True)
            .exclude(sentry_client_secret="")
            .first()
        )
    if source is not None:
        expected = hmac.new(source.sentry_client_secret.encode(), body, hashlib.sha256)
        if hmac.compare_digest(expected.hexdigest(), signature.strip().lower()):
            return source
    raise SourceSecretInvalidError(_("The Sentry signature is invalid."))


def monitoring_user_for(*, client: Client) -> User:
    """Return the client's "monitoring" user, who files its alerts; make it on first use.

    It is a contact of the client that cannot log in (no usable password).
    """
    username = f"monitoring-{client.code.lower()}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            client=client,
            first_name="Monitoring",
            last_name=client.code,
            preferred_language=settings.LANGUAGE_CODE[:2],
            is_service_account=True,
        )
        user.set_unusable_password()
        user.save()
    if user.client_id != client.pk or not user.is_active:
        raise MonitoringUserError(
            _("The monitoring user %(name)s is deactivated or belongs to another client.")
            % {"name": username}
        )
    return user


def _priority(*, source: MonitoringSource, alert: Alert, now: datetime) -> str:
    agreement = agreement_applying(client_id=source.client_id, at=now)
    if (
        agreement is not None
        and alert.priority
        and target_for(agreement=agreement, priority=alert.priority) is not None
    ):
        return alert.priority
    return source.default_priority


def _when(now: datetime) -> str:
    return formats.date_format(timezone.localtime(now), "DATETIME_FORMAT")


def _open(
    *, source: MonitoringSource, alert: Alert, requester: User, now: datetime
) -> AlertOutcome:
    issue = ticket_services.issue_create(
        client=source.client,
        requester=requester,
        title=alert.title,
        description=alert.description[:DESCRIPTION_MAX],
        priority=_priority(source=source, alert=alert, now=now),
        category=Category.INCIDENT,
        component=alert.component,
        channel=Channel.MONITORING,
        now=now,
    )
    MonitoringAlert.objects.create(
        source=source,
        fingerprint=alert.fingerprint,
        issue=issue,
        first_fired_at=now,
        last_fired_at=now,
        last_received_at=now,
    )
    return AlertOutcome(alert.fingerprint, "opened", issue)


def _current_link(*, source: MonitoringSource, fingerprint: str) -> MonitoringAlert | None:
    """Return the link repeats of the alert add to, retiring one whose issue was closed."""
    link = (
        MonitoringAlert.objects.select_related("issue")
        .filter(source=source, fingerprint=fingerprint, is_open=True)
        .first()
    )
    if link is not None and link.issue.status == Status.CLOSED:
        link.is_open = False
        link.save(update_fields=["is_open"])
        return None
    return link


def monitoring_alert_receive(
    *, source: MonitoringSource, alert: Alert, requester: User, now: datetime | None = None
) -> AlertOutcome:
    """Act on one alert of ``source``, filed by ``requester`` (the client's monitoring user).

    A firing alert opens an issue, or adds to the one its fingerprint opened before: a
    repeat of an alert still firing changes nothing but the time of the last signal, a
    renewed firing adds a reply and reopens a resolved issue. A resolved alert adds a
    reply and, when the source says so, resolves the issue. Once the issue is closed,
    or can no longer be reopened, the next firing opens a new issue.
    """
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        link = _current_link(source=source, fingerprint=alert.fingerprint)
        if alert.is_firing:
            if link is None:
                return _open(source=source, alert=alert, requester=requester, now=now)
            link.last_received_at = now
            if link.is_firing:
                link.save(update_fields=["last_received_at"])
                return AlertOutcome(alert.fingerprint, "repeated", link.issue)
            result = "updated"
            if not link.issue.is_open:
                try:
                    link.issue = ticket_services.issue_change_status(
                        issue=link.issue,
                        actor=requester,
                        status=Status.IN_PROGRESS,
                        channel=Channel.MONITORING,
                        now=now,
                    )
                except TransitionError:
                    link.is_open = False
                    link.save(update_fields=["is_open", "last_received_at"])
                    return _open(source=source, alert=alert, requester=requester, now=now)
                result = "reopened"
            ticket_services.comment_create(
                issue=link.issue,
                author=requester,
                body=_("The alert fires again since %(when)s.") % {"when": _when(now)},
                channel=Channel.MONITORING,
                now=now,
            )
            link.is_firing = True
            link.fire_count += 1
            link.last_fired_at = now
            link.resolved_at = None
            link.save(
                update_fields=[
                    "is_firing",
                    "fire_count",
                    "last_fired_at",
                    "resolved_at",
                    "last_received_at",
                ]
            )
            return AlertOutcome(alert.fingerprint, result, link.issue)

        if link is None or not link.is_firing:
            return AlertOutcome(alert.fingerprint, "ignored", link.issue if link else None)
        link.is_firing = False
        link.resolved_at = now
        link.last_received_at = now
        link.save(update_fields=["is_firing", "resolved_at", "last_received_at"])
        if not link.issue.is_open:
            return AlertOutcome(alert.fingerprint, "updated", link.issue)
        ticket_services.comment_create(
            issue=link.issue,
            author=requester,
            body=_("The alert was resolved at %(when)s.") % {"when": _when(now)},
            channel=Channel.MONITORING,
            now=now,
        )
        if not source.auto_resolve:
            return AlertOutcome(alert.fingerprint, "updated", link.issue)
        ticket_services.issue_resolve_automatically(
            issue=link.issue,
            actor=requester,
            reason=_("%(source)s reported the alert resolved.") % {"source": source.name},
            channel=Channel.MONITORING,
            now=now,
        )
        return AlertOutcome(alert.fingerprint, "resolved", link.issue)


def monitoring_alerts_receive(
    *, source: MonitoringSource, alerts: list[Alert], now: datetime | None = None
) -> list[AlertOutcome]:
    """Act on the alerts of one webhook call in one transaction: all of them or none.

    Calls of one source wait for each other (a row lock on the source), so that two
    deliveries of the same alert cannot both open an issue.
    """
    now = now or timezone.now()
    with transaction.atomic():
        source = (
            MonitoringSource.objects.select_for_update(of=("self",))
            .select_related("client")
            .get(pk=source.pk)
        )
        requester = monitoring_user_for(client=source.client)
        with audit_context.acting(user=requester):
            outcomes = [
                monitoring_alert_receive(source=source, alert=alert, requester=requester, now=now)
                for alert in alerts
            ]
        MonitoringSource.objects.filter(pk=source.pk).update(last_received_at=now)
    return outcomes
