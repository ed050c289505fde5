"""Operational state kept in the database: the last heartbeat of the Celery workers."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a worker ran the heartbeat task that beat sends.

    One row per worker: ``hostname`` is the worker's Celery node name (``worker@host``).
    """

    hostname = models.CharField(max_length=255, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
