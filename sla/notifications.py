"""Emails that tell an issue's assignee and team lead an SLA target is at risk or breached."""

from datetime import datetime

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from sla.models import ClockKind
from tickets.models import EventKind, IssueEvent
from tickets.notifications import issue_url_for

TEMPLATE = "sla/email/clock_alert"


def sla_clock_alert_send(*, event: IssueEvent, user) -> None:
    """Email ``user`` the at-risk or breach notice that ``event`` recorded, in their language."""
    issue = event.issue
    due_at = event.data.get("due_at")
    context = {
        "issue": issue,
        "recipient": user,
        "is_breach": event.kind == EventKind.SLA_BREACHED,
        "clock": ClockKind(event.data["clock"]).label,
        "priority": event.data.get("priority", issue.priority),
        "due_at": datetime.fromisoformat(due_at) if due_at else None,
        "url": issue_url_for(user=user, issue=issue),
    }
    with translation.override(user.preferred_language):
        subject = " ".join(render_to_string(f"{TEMPLATE}_subject.txt", context).split())
        text = render_to_string(f"{TEMPLATE}.txt", context)
        html = render_to_string(f"{TEMPLATE}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()


@shared_task(
    name="sla.notify_clock_alert",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def sla_clock_notify_task(event_id: int, user_id: int) -> None:
    event = IssueEvent.objects.select_related("issue", "issue__client").filter(pk=event_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if event is not None and user is not None and user.email:
        sla_clock_alert_send(event=event, user=user)


@shared_task(name="sla.notify_clock_alerts")
def sla_clock_notices_task(notices: list[list[int]]) -> None:
    """Queue the email of each (event id, user id) notice of one sweep batch on its own.

    A notice that fails is retried by its own task, so nobody gets one twice.
    """
    for event_id, user_id in notices:
        sla_clock_notify_task.delay(event_id, user_id)
