"""/metrics: Prometheus's format, only for the token or the configured addresses, with the
product's gauges, the requests and the Celery tasks."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from mail.models import OutboxKind, OutboxMessage, OutboxStatus
from oncall.models import EscalationState
from ops.tasks import heartbeat_task
from tests.factories import EscalationFactory, IssueFactory, StaffFactory
from tickets.choices import Priority, Status

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def token(settings):
    settings.READYZ_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def _lines(response) -> list[str]:
    assert response.status_code == 200, response.content
    return response.content.decode().splitlines()


def test_metrics_are_refused_to_anybody_else(client, settings):
    settings.READYZ_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


def test_metrics_are_refused_to_staff_without_the_token(client):
    client.force_login(StaffFactory())
    assert client.get("/metrics").status_code == 403


def test_metrics_answer_the_token(client, token):
    response = client.get("/metrics", **token)
    # The text format every Prometheus release reads.
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert _lines(response)


def test_metrics_answer_an_allowed_network_and_refuse_the_rest(client, settings):
    from ipaddress import ip_network

    settings.METRICS_ALLOWED_NETWORKS = [ip_network("10.1.0.0/16")]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 403


def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(client, settings):
    from ipaddress import ip_network

    settings.METRICS_ALLOWED_NETWORKS = [ip_network("10.1.0.0/16")]
    forged = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "10.1.2.3"}
    assert client.get("/metrics", **forged).status_code == 403


def test_metrics_count_requests_and_their_latency(client, token):
    client.get("/healthz")
    text = client.get("/metrics", **token).content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text


def test_metrics_give_open_issues_per_priority_and_clocks_at_risk_and_breached(client, token):
    now = timezone.now()
    IssueFactory(priority=Priority.P1)
    IssueFactory(priority=Priority.P1, sla_warn_at=now - timedelta(minutes=5))
    IssueFactory(priority=Priority.P2, sla_missed=True)
    IssueFactory(priority=Priority.P2, status=Status.CLOSED, sla_missed=True)

    lines = _lines(client.get("/metrics", **token))

    assert 'paqt_open_issues{priority="P1"} 2.0' in lines
    assert 'paqt_open_issues{priority="P2"} 1.0' in lines
    assert 'paqt_open_issues{priority="P4"} 0.0' in lines
    assert "paqt_sla_at_risk_issues 1.0" in lines
    assert "paqt_sla_breached_issues 1.0" in lines


def test_metrics_give_the_escalations_running(client, token):
    later = timezone.now() + timedelta(minutes=10)
    EscalationFactory(state=EscalationState.ACTIVE, due_at=later, step_due_at=later)
    EscalationFactory(state=EscalationState.ACKNOWLEDGED)
    assert "paqt_escalations_running 1.0" in _lines(client.get("/metrics", **token))


def test_metrics_give_the_escalations_whose_pages_no_channel_took(client, token):
    later = timezone.now() + timedelta(minutes=10)
    EscalationFactory(
        state=EscalationState.ACTIVE,
        due_at=later,
        step_due_at=later,
        undeliverable_since=timezone.now(),
    )
    EscalationFactory(state=EscalationState.UNDELIVERABLE)
    EscalationFactory(state=EscalationState.UNDELIVERABLE, released_at=timezone.now())
    EscalationFactory(state=EscalationState.ACTIVE, due_at=later, step_due_at=later)

    assert "paqt_escalations_undeliverable 2.0" in _lines(client.get("/metrics", **token))


def test_metrics_give_the_outbox_backlog_and_how_long_its_oldest_email_waited(client, token):
    now = timezone.now()
    for minutes, status in ((10, OutboxStatus.QUEUED), (2, OutboxStatus.QUEUED), (30, "delivered")):
        OutboxMessage.objects.create(
            kind=OutboxKind.INVITATION,
            idempotency_key=f"metrics:{minutes}",
            message_id=f"<metrics-{minutes}@example.org>",
            to_address="someone@example.org",
            language="en",
            subject="Hello",
            text="Hello",
            status=status,
            created_at=now - timedelta(minutes=minutes),
            next_attempt_at=now,
        )

    lines = _lines(client.get("/metrics", **token))

    assert "paqt_outbox_backlog 2.0" in lines
    [oldest] = [line for line in lines if line.startswith("paqt_outbox_oldest_queued_seconds ")]
    assert 600 <= float(oldest.split()[1]) < 700


def test_metrics_count_celery_tasks_by_outcome(client, token):
    cache.clear()
    heartbeat_task.delay()
    heartbeat_task.delay()
    lines = _lines(client.get("/metrics", **token))
    assert 'paqt_celery_tasks_total{state="succeeded",task="ops.heartbeat"} 2.0' in lines
    assert 'paqt_celery_tasks_total{state="failed",task="ops.heartbeat"} 0.0' in lines


def test_a_bad_allowed_network_stops_the_settings(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import paqt_support.settings

    monkeypatch.setenv("METRICS_ALLOWED_IPS", "10.0.0.0/33")
    with pytest.raises(ImproperlyConfigured, match="METRICS_ALLOWED_IPS"):
        importlib.reload(paqt_support.settings)
    monkeypatch.delenv("METRICS_ALLOWED_IPS")
    importlib.reload(paqt_support.settings)
