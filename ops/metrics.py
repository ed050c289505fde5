"""The figures of /metrics: requests (django-prometheus), Celery tasks, and the product's gauges."""

import ipaddress
import os
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ops import health

TASK_STATES = ("succeeded", "failed", "retried")
# (check, its value, the gauge's name, what it measures), from the readiness checks.
FIGURES = (
    (
        "escalations",
        "overdue_steps",
        "paqt_escalation_overdue_steps",
        "Escalation steps that fell due and were neither sent nor given up.",
    ),
    (
        "escalations",
        "oldest_overdue_seconds",
        "paqt_escalation_oldest_overdue_seconds",
        "Seconds since the oldest overdue escalation step fell due (0: none is overdue).",
    ),
    (
        "sla",
        "overdue_clocks",
        "paqt_sla_overdue_clocks",
        "SLA clocks that have waited too long for the sweep.",
    ),
    (
        "sla",
        "oldest_overdue_seconds",
        "paqt_sla_oldest_overdue_seconds",
        "Seconds the oldest of those clocks has waited (0: none waits).",
    ),
)


def _task_key(name: str, state: str) -> str:
    return f"metrics:celery:{state}:{name}"


def task_outcome_count(*, name: str, state: str) -> None:
    """Count one run of task ``name`` that ended in ``state``, where every process can read it.

    The workers run apart from the web app that answers /metrics, so the counts live in the
    shared cache (Redis); a Redis restart starts them at 0, which Prometheus's ``rate`` reads
    as a counter reset.
    """
    key = _task_key(name, state)
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=None)


def _task_names() -> list[str]:
    from paqt_support.celery import app

    return sorted(name for name in app.tasks if not name.startswith("celery."))


class ProductCollector:
    """Read the product's own figures from the database and the cache at scrape time."""

    def __init__(self, *, now: datetime):
        self.now = now

    def collect(self):
        from mail.models import OutboxMessage, OutboxStatus
        from oncall.models import Escalation, EscalationState, current_escalation_q
        from tickets.choices import OPEN_STATUSES, Priority
        from tickets.models import Issue

        open_issues = Issue.objects.filter(status__in=OPEN_STATUSES)
        by_priority = dict(
            open_issues.values_list("priority").annotate(count=Count("pk")).order_by()
        )
        gauge = GaugeMetricFamily(
            "paqt_open_issues", "Issues not yet resolved or closed.", labels=["priority"]
        )
        for priority in Priority.values:
            gauge.add_metric([priority], by_priority.get(priority, 0))
        yield gauge
        yield GaugeMetricFamily(
            "paqt_sla_at_risk_issues",
            "Open issues past 75% of an SLA target that have not missed one.",
            value=open_issues.filter(sla_missed=False, sla_warn_at__lte=self.now).count(),
        )
        yield GaugeMetricFamily(
            "paqt_sla_breached_issues",
            "Open issues that missed an SLA target.",
            value=open_issues.filter(sla_missed=True).count(),
        )
        yield GaugeMetricFamily(
            "paqt_escalations_running",
            "Escalations paging now: nobody acknowledged them yet.",
            value=Escalation.objects.filter(state=EscalationState.ACTIVE).count(),
        )
        yield GaugeMetricFamily(
            "paqt_escalations_undeliverable",
            "Current escalations whose pages no channel took.",
            value=Escalation.objects.filter(current_escalation_q())
            .filter(
                Q(state=EscalationState.UNDELIVERABLE)
                | Q(state=EscalationState.ACTIVE, undeliverable_since__isnull=False)
            )
            .count(),
        )
        queued = OutboxMessage.objects.filter(status=OutboxStatus.QUEUED)
        oldest = queued.aggregate(oldest=Min("created_at"))["oldest"]
        yield GaugeMetricFamily(
            "paqt_outbox_backlog", "Emails queued and not yet delivered.", value=queued.count()
        )
        yield GaugeMetricFamily(
            "paqt_outbox_oldest_queued_seconds",
            "Seconds the oldest email not yet delivered has waited (0: none waits).",
            value=max(0.0, (self.now - oldest).total_seconds()) if oldest else 0.0,
        )
        yield from self._tasks()
        yield from self._readiness()

    def _tasks(self):
        names = _task_names()
        counts = cache.get_many([_task_key(n, s) for n in names for s in TASK_STATES])
        counter = CounterMetricFamily(
            "paqt_celery_tasks",
            "Celery task runs by task and outcome, counted by the workers.",
            labels=["task", "state"],
        )
        for name in names:
            for state in TASK_STATES:
                counter.add_metric([name, state], counts.get(_task_key(name, state), 0))
        yield counter

    def _readiness(self):
        _status, checks = health.readiness(now=self.now)
        gauge = GaugeMetricFamily(
            "paqt_check_ok",
            "Whether a readiness check of /readyz passes (1) or fails (0).",
            labels=["check"],
        )
        for name, check in checks.items():
            gauge.add_metric([name], int(check.ok))
        yield gauge
        workers = checks["worker"].values.get("workers", {})
        gauge = GaugeMetricFamily(
            "paqt_worker_heartbeat_age_seconds",
            "Seconds since each worker last ran the heartbeat task that beat sends.",
            labels=["worker"],
        )
        for worker, age in workers.items():
            gauge.add_metric([worker], age)
        yield gauge
        for check, key, name, help_text in FIGURES:
            values = checks[check].values if check in checks else {}
            if key in values:
                yield GaugeMetricFamily(name, help_text, value=values[key])


def exposition(*, now: datetime) -> bytes:
    """Return every metric in Prometheus's text format.

    With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn with several workers) the request
    figures are gathered from every worker's files, not only this process's.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    product = CollectorRegistry()
    product.register(ProductCollector(now=now))
    return generate_latest(registry) + generate_latest(product)


def address_may_read_metrics(address: str) -> bool:
    """Return whether ``address`` is in one of the networks of ``METRICS_ALLOWED_IPS``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.METRICS_ALLOWED_NETWORKS)
