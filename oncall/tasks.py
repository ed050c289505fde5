"""Celery tasks of the escalation: one step, the sweep that beat runs, and the watchdog."""

from celery import shared_task
from django.utils import timezone

from oncall.services import (
    escalation_reconcile_sweep,
    escalation_step_run,
    escalation_sweep,
    escalation_watchdog,
)
from oncall.services.handoff import handoff_notices_send

# A step's send is killed after this long, so it can never outlive its claim
# (``oncall.services.claim_timeout``, 45 s by default). The prefork pool enforces it.
STEP_TIME_LIMIT = 30


# acks_late is safe: the claim in the database lets one run of a step send it, and
# a redelivered message finds its token stale or its page claimed or sent.
@shared_task(
    name="oncall.escalation_step",
    acks_late=True,
    soft_time_limit=STEP_TIME_LIMIT - 5,
    time_limit=STEP_TIME_LIMIT,
)
def escalation_step_task(escalation_id: int, token: str | None = None) -> str:
    return escalation_step_run(escalation_id=escalation_id, token=token).value


@shared_task(name="oncall.sweep", acks_late=True)
def escalation_sweep_task() -> int:
    return escalation_sweep(now=timezone.now())


@shared_task(name="oncall.watchdog", acks_late=True)
def escalation_watchdog_task() -> int:
    return escalation_watchdog(now=timezone.now())


# Safe to run twice: the paging rule gives the same answer, and starting or ending an
# escalation locks the issue first.
@shared_task(name="oncall.reconcile", acks_late=True)
def escalation_reconcile_task() -> int:
    return escalation_reconcile_sweep(now=timezone.now())


# Safe to run twice: a row per shift, claimed before sending, lets one run send the notice.
@shared_task(name="oncall.handoff_notices", acks_late=True)
def handoff_notices_task() -> int:
    return handoff_notices_send(now=timezone.now())
