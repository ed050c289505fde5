"""Emails that tell an issue's assignee and team lead an SLA target is at risk or breached."""

from datetime import datetime

from celery import shared_task

from accounts.models import User
from mail.models import OutboxKind
from mail.outbox import MailTemplates, outbox_compose, outbox_queue
from sla.models import ClockKind
from tickets.models import EventKind, IssueEvent
from tickets.notifications import issue_recipient

TEMPLATES = MailTemplates.named("sla/email/clock_alert")


def sla_clock_alerts_queue(*, notices: list[tuple[int, int]]) -> int:
    """Queue the at-risk and breach notices ``(event id, user id)`` in one outbox insert.

    People who are no longer active or have no address get nothing. Each notice is
    rendered once per language and link. Return how many messages were queued.
    """
    events = IssueEvent.objects.select_related("issue", "issue__client").in_bulk(
        {event_id for event_id, _user in notices}
    )
    users = (
        User.objects.filter(pk__in={user_id for _event, user_id in notices}, is_active=True)
        .exclude(email="")
        .in_bulk()
    )
    messages = []
    for event_id, user_ids in _by_event(notices).items():
        event = events.get(event_id)
        recipients = [users[pk] for pk in user_ids if pk in users]
        if event is None or not recipients:
            continue
        messages += outbox_compose(
            kind=OutboxKind.SLA_NOTICE,
            key=f"{event.issue_id}:{event.pk}",
            templates=TEMPLATES,
            context=_context(event),
            recipients=[issue_recipient(user=user, issue=event.issue) for user in recipients],
            issue=event.issue,
        )
    outbox_queue(messages=messages)
    return len(messages)


def _by_event(notices: list[tuple[int, int]]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for event_id, user_id in notices:
        grouped.setdefault(event_id, []).append(user_id)
    return grouped


def _context(event: IssueEvent) -> dict:
    issue = event.issue
    due_at = event.data.get("due_at")
    return {
        "issue": issue,
        "is_breach": event.kind == EventKind.SLA_BREACHED,
        "clock": ClockKind(event.data["clock"]).label,
        "priority": event.data.get("priority", issue.priority),
        "due_at": datetime.fromisoformat(due_at) if due_at else None,
    }


# Safe to run twice: each notice's rows are keyed by event and recipient in the outbox.
@shared_task(name="sla.notify_clock_alerts", acks_late=True)
def sla_clock_notices_task(notices: list[list[int]]) -> int:
    """Hand the at-risk and breach notices of one sweep batch to the outbox, in bulk."""
    return sla_clock_alerts_queue(notices=[(event_id, user_id) for event_id, user_id in notices])
