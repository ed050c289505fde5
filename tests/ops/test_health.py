"""Tests for /healthz and /readyz."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ops.models import WorkerHeartbeat
from ops.tasks import heartbeat_task

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_touching_services(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_unavailable_until_a_worker_has_run_the_heartbeat(client):
    response = client.get("/readyz")
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
    assert response.json()["checks"]["worker"]["ok"] is True


def test_readyz_reports_a_stale_heartbeat_as_a_dead_worker(client, settings):
    WorkerHeartbeat.objects.create(
        hostname="old", beat_at=timezone.now() - settings.HEARTBEAT_MAX_AGE - timedelta(seconds=5)
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "s ago" in response.json()["checks"]["worker"]["detail"]


def test_readyz_reports_an_unreachable_broker(client, monkeypatch):
    from paqt_support.celery import app

    heartbeat_task()
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_transport_options", {})
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_heartbeat_task_keeps_one_row_per_host():
    heartbeat_task()
    heartbeat_task()
    assert WorkerHeartbeat.objects.count() == 1
