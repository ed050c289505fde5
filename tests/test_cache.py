"""The cache falls back to the process's memory while Redis is away, and says so once."""

import logging
import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse
from rest_framework.test import APIClient

from api.services import api_token_create
from paqt_support import cache as fail_open
from paqt_support.cache import FailOpenRedisCache
from tests.live import private_redis, unreachable_redis_url  # noqa: F401 - a fixture
from tests.portal.helpers import log_in
from tickets.models import Issue


@pytest.fixture(autouse=True)
def _no_outage_yet():
    """Start and end with Redis taken as reachable and nothing counted in memory."""
    fallback = LocMemCache(fail_open.FALLBACK_NAME, {})
    fail_open.health.outage = None
    fallback.clear()
    yield
    fail_open.health.outage = None
    fallback.clear()


@pytest.fixture
def redis_unreachable(settings):
    """Point the project's cache at a Redis that is not there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "paqt_support.cache.FailOpenRedisCache",
            "LOCATION": unreachable_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_cache_calls_answer_from_memory_while_redis_is_unreachable(caplog):
    cache = FailOpenRedisCache(unreachable_redis_url(), {"KEY_PREFIX": str(uuid.uuid4())})

    cache.set("a", 1)
    assert cache.add("b", 2) is True
    assert cache.incr("a") == 2
    assert cache.get_many(["a", "b"]) == {"a": 2, "b": 2}
    cache.delete("b")
    assert cache.get("b", "gone") == "gone"

    errors = [r for r in caplog.records if r.name == "paqt_support.cache"]
    assert [r.levelno for r in errors] == [logging.ERROR]
    assert "cannot be reached" in errors[0].getMessage()
    assert fail_open.health.outage is not None


def test_a_counter_of_an_absent_key_still_refuses_to_count(redis_unreachable):
    cache = FailOpenRedisCache(unreachable_redis_url(), {"KEY_PREFIX": str(uuid.uuid4())})
    with pytest.raises(ValueError):
        cache.incr("never-set")


def test_filing_through_the_api_and_the_portal_works_with_the_cache_unreachable(
    redis_unreachable, org, client
):
    _token, secret = api_token_create(user=org.contact, name="outage")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    fields = {"title": "BRP-koppeling faalt", "description": "Geen gegevens.", "priority": "P2"}
    filed = api.post("/api/v1/issues", {**fields, "category": "incident"}, format="json")
    assert filed.status_code == 201, filed.content

    portal = log_in(client, org.contact).post(
        reverse("portal:issue-create"),
        {**fields, "category": "incident", "submission_token": str(uuid.uuid4())},
    )
    assert portal.status_code == 302
    assert Issue.objects.count() == 2
    assert log_in(client, org.contact).get(reverse("portal:issue-list")).status_code == 200


def test_the_admin_works_with_the_cache_unreachable(redis_unreachable, org, client):
    log_in(client, org.staff)
    assert client.get(reverse("admin:tickets_issue_changelist")).status_code == 200


def test_the_api_limit_counts_in_memory_while_redis_is_unreachable(
    redis_unreachable, org, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "2/min", "ip": None},
    }
    _token, secret = api_token_create(user=org.contact, name="outage")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    statuses = [api.get("/api/v1/issues").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


@pytest.mark.live_services
def test_the_cache_uses_redis_again_once_it_answers(private_redis, monkeypatch, caplog):  # noqa: F811
    monkeypatch.setattr(fail_open, "RETRY_AFTER_SECONDS", 0)
    cache = FailOpenRedisCache(private_redis.url(), {"KEY_PREFIX": str(uuid.uuid4())})
    cache.set("kept", "in redis")

    private_redis.stop()
    cache.set("during", "in memory")
    assert cache.get("during") == "in memory"
    private_redis.start()

    assert cache.get("kept") == "in redis"
    assert cache.get("during") is None
    assert fail_open.health.outage is None
    assert "answers again" in caplog.text
