"""Readiness checks behind /readyz: database, broker and a recent worker heartbeat."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str

    def as_dict(self) -> dict:
        return {"ok": self.ok, "detail": self.detail}


def check_database() -> CheckResult:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        return CheckResult(False, f"{type(exc).__name__}: {exc}")
    return CheckResult(True, connection.vendor)


def check_broker() -> CheckResult:
    from paqt_support.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport.driver_type
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        return CheckResult(False, f"{type(exc).__name__}: {exc}")
    return CheckResult(True, transport)


def check_worker(*, now: datetime) -> CheckResult:
    from ops.models import WorkerHeartbeat

    try:
        latest = WorkerHeartbeat.objects.order_by("-beat_at").first()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        return CheckResult(False, f"{type(exc).__name__}: {exc}")
    if latest is None:
        return CheckResult(False, "no worker has run the heartbeat task yet")
    age = now - latest.beat_at
    if age > settings.HEARTBEAT_MAX_AGE:
        return CheckResult(False, f"last heartbeat {int(age.total_seconds())} s ago")
    return CheckResult(True, f"{latest.hostname}, {int(age.total_seconds())} s ago")
