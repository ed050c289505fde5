"""Celery tasks of the SLA engine: the sweeps that beat runs.

The notice email task lives in ``sla.notifications``, so that the services can queue it
without importing this module, which imports the services; it is listed here for Celery.
"""

from celery import shared_task
from django.utils import timezone

from sla.notifications import sla_clock_notices_task
from sla.services import sla_agreements_roll_over, sla_clocks_sweep

__all__ = [
    "sla_agreements_roll_over_task",
    "sla_clock_notices_task",
    "sla_sweep_task",
]


# acks_late is safe: a sweep that runs again after a crash sends nothing twice, because
# every notice is claimed by a conditional update.
@shared_task(name="sla.sweep", acks_late=True)
def sla_sweep_task() -> int:
    return sla_clocks_sweep(now=timezone.now())


# Safe to run twice: an issue already on the agreement in force is left alone.
@shared_task(name="sla.agreements_roll_over", acks_late=True)
def sla_agreements_roll_over_task() -> int:
    return sla_agreements_roll_over(now=timezone.now())
