"""Handoff notices: tell the engineer going on call what they inherit, once per shift."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from accounts.models import User
from mail.models import OutboxKind
from mail.outbox import MailTemplates, Recipient, outbox_compose, outbox_queue
from oncall.models import Escalation, HandoffNotice, current_escalation_q
from oncall.selectors import rota_list, rota_who_is_on_call
from sla.models import PriorityTarget
from tickets.choices import OPEN_STATUSES
from tickets.models import Issue
from tickets.notifications import issue_url_for

# A shift that started longer ago than this gets no notice: beat was down, or the rota was
# just made, and the engineer is well into their shift.
NOTICE_WINDOW = timedelta(minutes=30)
LIST_LIMIT = 20
TEMPLATE = "oncall/email/handoff"


def handoff_inheritance(*, now: datetime) -> tuple[list[Escalation], list[Issue]]:
    """Return what an engineer going on call at ``now`` inherits.

    The escalations still current (paging, or ended unanswered while the issue needs a
    page), and the open issues of a priority some agreement covers round the clock whose
    SLA is at risk or breached at ``now``, the nearest deadline first.
    """
    escalations = list(
        Escalation.objects.filter(current_escalation_q())
        .select_related("issue", "issue__client")
        .order_by("started_at", "pk")[:LIST_LIMIT]
    )
    urgent = PriorityTarget.objects.filter(is_round_the_clock=True).values("priority")
    at_risk = list(
        Issue.objects.filter(status__in=OPEN_STATUSES, priority__in=urgent, sla_warn_at__lte=now)
        .select_related("client")
        .order_by("sla_due_at", "pk")[:LIST_LIMIT]
    )
    return escalations, at_risk


def _queue(
    *, notice: HandoffNotice, user: User, escalations: list, at_risk: list, shift_ends_at
) -> None:
    context = {
        "recipient": user,
        "shift_ends_at": shift_ends_at,
        "escalations": [(e, issue_url_for(user=user, issue=e.issue)) for e in escalations],
        "at_risk": [(issue, issue_url_for(user=user, issue=issue)) for issue in at_risk],
    }
    outbox_queue(
        messages=outbox_compose(
            kind=OutboxKind.HANDOFF_NOTICE,
            key=str(notice.pk),
            templates=MailTemplates(subject=f"{TEMPLATE}_subject.txt", text=f"{TEMPLATE}.txt"),
            context=context,
            recipients=[Recipient.of_user(user)],
        )
    )


def handoff_notices_send(*, now: datetime) -> int:
    """Queue for each engineer whose shift started in the last 30 minutes their handoff notice.

    Once per shift and layer: a row claims the shift in the transaction that hands the
    message to the outbox, which delivers it with its retries. Safe to run any number of
    times and concurrently. Return how many notices were queued.
    """
    sent = 0
    inheritance = None
    for rota in rota_list():
        for layer, shift in rota_who_is_on_call(rota=rota, at=now):
            if shift.user is None or now - shift.starts_at > NOTICE_WINDOW:
                continue
            user = User.objects.filter(pk=shift.user, is_active=True).exclude(email="").first()
            if user is None:
                continue
            if inheritance is None:
                inheritance = handoff_inheritance(now=now)
            try:
                with transaction.atomic():
                    notice = HandoffNotice.objects.create(
                        layer=layer, user=user, shift_starts_at=shift.starts_at, sent_at=now
                    )
                    _queue(
                        notice=notice,
                        user=user,
                        escalations=inheritance[0],
                        at_risk=inheritance[1],
                        shift_ends_at=shift.ends_at,
                    )
            except IntegrityError:
                continue
            sent += 1
    return sent
