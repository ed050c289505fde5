"""Operational Celery tasks."""

import socket

from celery import shared_task
from django.utils import timezone

from ops.models import WorkerHeartbeat


@shared_task(bind=True, name="ops.heartbeat", ignore_result=True)
def heartbeat_task(self) -> None:
    """Record that this worker (by its node name, e.g. worker@host) ran a task that beat sent."""
    WorkerHeartbeat.objects.update_or_create(
        hostname=self.request.hostname or socket.gethostname(),
        defaults={"beat_at": timezone.now()},
    )
