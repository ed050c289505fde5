"""Operational Celery tasks."""

import socket

from celery import shared_task
from django.utils import timezone

from ops.models import WorkerHeartbeat


@shared_task(name="ops.heartbeat", ignore_result=True)
def heartbeat_task() -> None:
    """Record that a worker on this host ran a task that beat sent."""
    WorkerHeartbeat.objects.update_or_create(
        hostname=socket.gethostname(), defaults={"beat_at": timezone.now()}
    )
