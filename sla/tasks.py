"""Celery tasks of the SLA engine: the sweep that beat runs, and the notice emails."""

from celery import shared_task
from django.utils import timezone

from accounts.models import User
from sla.notifications import sla_clock_alert_send
from sla.services import sla_clocks_sweep
from tickets.models import IssueEvent


# acks_late is safe: a sweep that runs again after a crash sends nothing twice, because
# every notice is claimed by a conditional update.
@shared_task(name="sla.sweep", acks_late=True)
def sla_sweep_task() -> int:
    return sla_clocks_sweep(now=timezone.now())


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
