"""Readiness checks behind /readyz and /metrics: the services, the workers, overdue work."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection


@dataclass(frozen=True)
class CheckResult:
    """One check: whether it passed, why, and figures for monitoring (seconds, counts)."""

    ok: bool
    detail: str
    values: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "detail": self.detail, **self.values}


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


def check_cache() -> CheckResult:
    """Return whether the cache's Redis answers; without Redis the cache is in memory anyway."""
    from django.core.cache import caches

    from paqt_support.cache import FailOpenRedisCache

    cache = caches["default"]
    if not isinstance(cache, FailOpenRedisCache):
        return CheckResult(True, "in this process's memory")
    try:
        cache.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        return CheckResult(
            False,
            f"Redis unreachable ({type(exc).__name__}: {exc}); each process counts the API's "
            "requests in its own memory",
        )
    return CheckResult(True, "redis")


def heartbeat_age(*, worker: str, now: datetime) -> float | None:
    """Return the seconds between ``now`` and the last heartbeat of ``worker`` (its node name).

    None when that worker never ran one.
    """
    from ops.models import WorkerHeartbeat

    beat_at = WorkerHeartbeat.objects.filter(hostname=worker).values_list("beat_at", flat=True)
    beat_at = beat_at.first()
    return None if beat_at is None else (now - beat_at).total_seconds()


def check_worker(*, now: datetime) -> CheckResult:
    """Return whether a worker ran the heartbeat that beat sends, within HEARTBEAT_MAX_AGE.

    ``values`` hold the age in seconds of the newest heartbeat and of each worker's.
    """
    from ops.models import WorkerHeartbeat

    try:
        beats = list(WorkerHeartbeat.objects.order_by("-beat_at"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        return CheckResult(False, f"{type(exc).__name__}: {exc}")
    if not beats:
        return CheckResult(False, "no worker has run the heartbeat task yet")
    ages = {beat.hostname: max(0, int((now - beat.beat_at).total_seconds())) for beat in beats}
    latest = beats[0]
    age = ages[latest.hostname]
    values = {"heartbeat_age_seconds": age, "workers": ages}
    if now - latest.beat_at > settings.HEARTBEAT_MAX_AGE:
        return CheckResult(False, f"last heartbeat {age} s ago", values)
    return CheckResult(True, f"{latest.hostname}, {age} s ago", values)


def check_sla_sweep(*, now: datetime) -> CheckResult:
    """Return a readiness check that fails while a clock waits for the sweep too long at ``now``.

    The sweep runs every 30 s; a clock still due for a look ``SLA_OVERDUE_SECONDS`` after its
    ``next_check_at`` means no at-risk or breach notice goes out. ``values`` hold how many
    clocks wait and for how many seconds the oldest does.
    """
    from sla.selectors import sla_clocks_due

    try:
        due = sla_clocks_due(now=now - timedelta(seconds=settings.SLA_OVERDUE_SECONDS))
        oldest = due.first()
        count = due.count() if oldest else 0
    except Exception as exc:  # noqa: BLE001 - a readiness check reports, never raises
        return CheckResult(False, f"{type(exc).__name__}: {exc}")
    if oldest is None:
        values = {"overdue_clocks": 0, "oldest_overdue_seconds": 0}
        return CheckResult(True, "no clock waits for the sweep", values)
    waited = int((now - oldest[0]).total_seconds())
    return CheckResult(
        False,
        f"{count} clock(s) wait for the sweep, the oldest for {waited} s",
        {"overdue_clocks": count, "oldest_overdue_seconds": waited},
    )


# A failing check of these takes the status to "unavailable" (503); of the others, to
# "degraded" (200): taking the web servers out of rotation would not send an overdue page
# or bring Redis back, and would stop people filing issues as well.
REQUIRED = ("database", "broker", "worker")


def readiness(*, now: datetime) -> tuple[str, dict[str, CheckResult]]:
    """Return the status ("ok", "degraded" or "unavailable") and each check by name at ``now``."""
    from oncall.selectors import check_channels, check_escalations

    checks = {
        "database": check_database(),
        "broker": check_broker(),
        "cache": check_cache(),
        "worker": check_worker(now=now),
    }
    if checks["database"].ok:
        checks["escalations"] = check_escalations(now=now)
        checks["paging_channels"] = check_channels(now=now)
        checks["sla"] = check_sla_sweep(now=now)
    if not all(checks[name].ok for name in REQUIRED):
        return "unavailable", checks
    if not all(check.ok for check in checks.values()):
        return "degraded", checks
    return "ok", checks
