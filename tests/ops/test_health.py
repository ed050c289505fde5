"""Tests for /healthz, /readyz and /metrics."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ops.models import WorkerHeartbeat
from ops.tasks import heartbeat_task
from sla.models import SlaClock
from tests.factories import ContactFactory, StaffFactory
from tests.live import unreachable_redis_url
from tests.portal.helpers import issue_file
from tests.two_factor import login_with_second_factor

pytestmark = pytest.mark.django_db

TOKEN = "monitoring-secret"


@pytest.fixture
def monitoring(settings):
    """Return the headers with which monitoring reads the details."""
    settings.READYZ_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def test_healthz_answers_ok_without_touching_services(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_unavailable_until_a_worker_has_run_the_heartbeat(client, monitoring):
    response = client.get("/readyz", **monitoring)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert body["checks"]["worker"] == {
        "ok": False,
        "detail": "no worker has run the heartbeat task yet",
    }


def test_readyz_is_ok_after_the_heartbeat_task_ran(client):
    heartbeat_task()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_tells_an_anonymous_caller_only_which_checks_pass(client):
    heartbeat_task()
    body = client.get("/readyz").json()
    assert body == {
        "status": "ok",
        "checks": {
            name: {"ok": True}
            for name in (
                "database",
                "broker",
                "cache",
                "worker",
                "escalations",
                "paging_channels",
                "sla",
            )
        },
    }


def test_readyz_gives_monitoring_the_age_of_each_workers_heartbeat(client, monitoring):
    now = timezone.now()
    WorkerHeartbeat.objects.create(hostname="celery@a", beat_at=now - timedelta(seconds=12))
    WorkerHeartbeat.objects.create(hostname="celery@b", beat_at=now - timedelta(seconds=70))
    worker = client.get("/readyz", **monitoring).json()["checks"]["worker"]
    assert worker["ok"] is True
    assert worker["heartbeat_age_seconds"] in (12, 13)
    assert set(worker["workers"]) == {"celery@a", "celery@b"}
    assert worker["workers"]["celery@b"] in (70, 71)


def test_readyz_reports_a_stale_heartbeat_as_a_dead_worker(client, settings, monitoring):
    WorkerHeartbeat.objects.create(
        hostname="old", beat_at=timezone.now() - settings.HEARTBEAT_MAX_AGE - timedelta(seconds=5)
    )
    response = client.get("/readyz", **monitoring)
    assert response.status_code == 503
    assert "s ago" in response.json()["checks"]["worker"]["detail"]


def test_readyz_reports_an_unreachable_broker_without_its_address_to_strangers(
    client, monkeypatch, monitoring
):
    from paqt_support.celery import app

    heartbeat_task()
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_transport_options", {})
    anonymous = client.get("/readyz")
    assert anonymous.status_code == 503
    assert anonymous.json()["checks"]["broker"] == {"ok": False}
    assert "127.0.0.1" not in anonymous.content.decode()
    detailed = client.get("/readyz", **monitoring).json()["checks"]["broker"]
    assert detailed["ok"] is False and "127.0.0.1" in detailed["detail"]


def test_a_wrong_token_reads_no_details(client, monitoring):
    response = client.get("/readyz", HTTP_AUTHORIZATION="Bearer guessed")
    assert response.json()["checks"]["worker"] == {"ok": False}


def test_staff_who_entered_their_second_factor_read_the_details(client, settings):
    settings.TWO_FACTOR_ENFORCED = True
    login_with_second_factor(client, StaffFactory())
    assert "detail" in client.get("/readyz").json()["checks"]["worker"]


def test_staff_halfway_through_logging_in_and_contacts_read_no_details(client, settings):
    settings.TWO_FACTOR_ENFORCED = True
    client.force_login(StaffFactory())
    assert client.get("/readyz").json()["checks"]["worker"] == {"ok": False}
    client.force_login(ContactFactory())
    assert client.get("/readyz").json()["checks"]["worker"] == {"ok": False}


def test_an_unreachable_cache_degrades_readiness_without_failing_it(client, settings, monitoring):
    heartbeat_task()
    settings.CACHES = {
        "default": {
            "BACKEND": "paqt_support.cache.FailOpenRedisCache",
            "LOCATION": unreachable_redis_url(),
        }
    }
    response = client.get("/readyz", **monitoring)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["ok"] is False
    assert "own memory" in body["checks"]["cache"]["detail"]


def test_a_clock_the_sweep_left_behind_degrades_readiness(client, org, monitoring):
    heartbeat_task()
    issue = issue_file(org)
    SlaClock.objects.filter(issue=issue).update(
        next_check_at=timezone.now() - timedelta(minutes=10)
    )
    response = client.get("/readyz", **monitoring)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    sla = body["checks"]["sla"]
    assert sla["ok"] is False
    assert sla["overdue_clocks"] == SlaClock.objects.filter(issue=issue).count()
    assert sla["oldest_overdue_seconds"] in (600, 601)


def test_metrics_are_refused_without_the_token(client):
    assert client.get("/metrics").status_code == 403


def test_metrics_give_the_heartbeat_age_and_the_oldest_overdue_step(client, monitoring):
    WorkerHeartbeat.objects.create(
        hostname="celery@a", beat_at=timezone.now() - timedelta(seconds=40)
    )
    response = client.get("/metrics", **monitoring)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert 'paqt_check_ok{check="worker"} 1.0' in lines
    assert any(
        line.startswith('paqt_worker_heartbeat_age_seconds{worker="celery@a"} 4') for line in lines
    )
    assert "paqt_escalation_oldest_overdue_seconds 0.0" in lines
    assert "paqt_sla_oldest_overdue_seconds 0.0" in lines


def test_heartbeat_task_keeps_one_row_per_host():
    heartbeat_task()
    heartbeat_task()
    assert WorkerHeartbeat.objects.count() == 1
