"""Acknowledge an escalation: by the signed link in a page, or in the admin."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from oncall.models import ENDED_UNANSWERED, Escalation, EscalationState, Page
from oncall.services.moves import escalation_end, escalation_lock, event_record
from paqt_support.exceptions import ApplicationError
from tickets.models import EventKind
from tickets.services import issue_assign

ACK_SALT = "oncall.acknowledge"
DEFAULT_ACK_MAX_AGE = timedelta(hours=24)


class AcknowledgeLinkError(ApplicationError):
    """The acknowledge link is malformed, tampered with or for a page that does not exist."""

    code = "acknowledge-link-invalid"
    status = 400


class AcknowledgeLinkExpiredError(AcknowledgeLinkError):
    code = "acknowledge-link-expired"
    status = 410


class EscalationEndedError(ApplicationError):
    """The escalation was acknowledged or stopped already; ``escalation`` says by whom."""

    code = "escalation-ended"
    status = 409

    def __init__(self, escalation: Escalation):
        if escalation.state == EscalationState.ACKNOWLEDGED:
            message = _("%(name)s acknowledged this escalation already.") % {
                "name": escalation.acknowledged_by or _("Someone")
            }
        else:
            message = _("This escalation has ended: %(state)s.") % {
                "state": escalation.get_state_display().lower()
            }
        super().__init__(message)
        self.escalation = escalation


def _ack_max_age() -> timedelta:
    hours = getattr(settings, "ONCALL_ACK_LINK_HOURS", None)
    return timedelta(hours=hours) if hours else DEFAULT_ACK_MAX_AGE


def acknowledge_url(*, page: Page) -> str:
    """Return the signed link by which the recipient of ``page`` acknowledges it."""
    token = signing.dumps({"page": page.pk, "user": page.recipient_id}, salt=ACK_SALT)
    return f"{settings.SITE_URL}{reverse('oncall:acknowledge', args=[token])}"


def page_for_acknowledge_token(*, token: str) -> Page:
    """Return the page a signed acknowledge token names, with its escalation and issue.

    Raise ``AcknowledgeLinkExpiredError`` after the link's lifetime (24 hours by default,
    ``ONCALL_ACK_LINK_HOURS``) and ``AcknowledgeLinkError`` when it was tampered with.
    """
    try:
        data = signing.loads(token, salt=ACK_SALT, max_age=_ack_max_age())
    except signing.SignatureExpired:
        raise AcknowledgeLinkExpiredError(
            _("This acknowledge link has expired. Log in and acknowledge in the admin.")
        ) from None
    except signing.BadSignature:
        raise AcknowledgeLinkError(_("This acknowledge link is not valid.")) from None
    page = (
        Page.objects.select_related(
            "recipient", "escalation", "escalation__issue", "escalation__issue__client"
        )
        .filter(pk=data.get("page"), recipient_id=data.get("user"))
        .first()
    )
    if page is None or page.recipient is None or not page.recipient.is_active:
        raise AcknowledgeLinkError(_("This acknowledge link is not valid."))
    return page


def escalation_acknowledge(
    *, escalation: Escalation, user: User, channel: str, now: datetime | None = None
) -> Escalation:
    """Stop ``escalation`` because ``user`` takes the issue, and assign the issue to them.

    An escalation that ran out unacknowledged or undeliverable can still be acknowledged,
    so that the issue gets its owner. The assignment uses ``tickets.services.issue_assign``,
    which accepts a member of the client's team or an engineer who was paged for the issue;
    anyone else
    acknowledges without becoming the assignee, and the timeline says so. Raise
    ``EscalationEndedError`` when it was acknowledged or stopped already.
    """
    now = now or timezone.now()
    if not user.is_staff or not user.is_active:
        raise ApplicationError(_("Only active staff can acknowledge an escalation."))
    with transaction.atomic():
        locked = escalation_lock(escalation.pk)
        if locked is None or locked.state not in (EscalationState.ACTIVE, *ENDED_UNANSWERED):
            raise EscalationEndedError(locked or escalation)
        ended_before = locked.state in ENDED_UNANSWERED
        escalation_end(
            escalation=locked,
            state=EscalationState.ACKNOWLEDGED,
            now=now,
            acknowledged_by=user,
        )
        assigned, reason = True, ""
        try:
            with transaction.atomic():
                issue_assign(
                    issue=locked.issue, actor=user, assignee=user, channel=channel, now=now
                )
        except ApplicationError as exc:
            assigned, reason = False, exc.message
        event_record(
            issue_id=locked.issue_id,
            kind=EventKind.ESCALATION_ACKNOWLEDGED,
            actor=user,
            channel=channel,
            now=now,
            data={
                "escalation": locked.pk,
                "name": str(user),
                "after_exhausted": ended_before,
                "assigned": assigned,
                "not_assigned_because": reason,
            },
        )
    return locked
