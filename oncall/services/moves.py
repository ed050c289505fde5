"""How an escalation moves: lock it, point it at its next step, end it, queue the step."""

import logging
import uuid
from datetime import datetime, timedelta

from oncall.models import Escalation
from oncall.queue import step_task_queue_at
from oncall.services.channels import ops_alert_send
from paqt_support.transactions import after_commit
from tickets.models import Channel, Issue, IssueEvent

logger = logging.getLogger(__name__)

# A step due within this long is handed to a worker with a countdown as well; later ones
# are left to the sweep, so that no promise waits in the broker (Redis redelivers long
# countdowns after its visibility timeout, and loses them when it restarts).
SCHEDULE_AHEAD = timedelta(seconds=30)


def event_record(
    *, issue_id: int, kind: str, now: datetime, data: dict, actor=None, channel=Channel.SYSTEM
) -> IssueEvent:
    """Record an event of the escalation on the issue's timeline, hidden from the client."""
    # Paging is the team's business; clients see the assignment that follows, not this.
    return IssueEvent.objects.create(
        issue_id=issue_id,
        kind=kind,
        actor=actor,
        data=data,
        is_internal=True,
        channel=channel,
        created_at=now,
    )


def step_schedule(*, escalation_id: int, token: uuid.UUID, due_at: datetime, now: datetime) -> None:
    """Queue the step task on commit when the step is due soon; the sweep backs it up."""
    if (due_at - now) > SCHEDULE_AHEAD:
        return
    # A broker that is down must not fail the caller (an issue being filed); the sweep
    # finds the due step in the database.
    after_commit(
        step_task_queue_at, escalation_id=escalation_id, token=str(token), due_at=due_at, now=now
    )


def admins_alert(*, subject: str, message: str) -> None:
    """Log ``message`` as an error now and alert the administrators once committed.

    By email, or through the other channels while email fails (``ops_alert_send``).
    """
    logger.error("%s: %s", subject, message)
    after_commit(ops_alert_send, subject, message)


def escalation_lock(escalation_id: int) -> Escalation | None:
    """Lock the issue row, then the escalation row: the order every writer of both uses."""
    issue_id = (
        Escalation.objects.filter(pk=escalation_id).values_list("issue_id", flat=True).first()
    )
    if issue_id is None:
        return None
    list(Issue.objects.select_for_update().filter(pk=issue_id).values_list("pk", flat=True))
    return (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("issue", "issue__client", "issue__agreement")
        .filter(pk=escalation_id)
        .first()
    )


def escalation_move_on(*, escalation: Escalation, due_at: datetime, now: datetime) -> None:
    """Point ``escalation`` at its next step, due at ``due_at``, and queue it if due soon."""
    escalation.step_index += 1
    escalation.step_due_at = due_at
    escalation.due_at = due_at
    escalation.token = uuid.uuid4()
    escalation.overdue_reported_at = None
    escalation.undeliverable_since = None
    escalation.save(
        update_fields=[
            "step_index",
            "step_due_at",
            "due_at",
            "token",
            "overdue_reported_at",
            "undeliverable_since",
        ]
    )
    step_schedule(escalation_id=escalation.pk, token=escalation.token, due_at=due_at, now=now)


def escalation_end(*, escalation: Escalation, state: str, now: datetime, **fields) -> None:
    """End ``escalation`` in ``state`` at ``now``, saving ``fields`` with it; nothing is due."""
    escalation.state = state
    escalation.ended_at = now
    escalation.due_at = None
    escalation.step_due_at = None
    escalation.token = uuid.uuid4()
    for name, value in fields.items():
        setattr(escalation, name, value)
    escalation.save(update_fields=["state", "ended_at", "due_at", "step_due_at", "token", *fields])
