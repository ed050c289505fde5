"""Request limits per token and per address answer 429 with Retry-After."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import time_machine
from rest_framework.test import APIClient, APIRequestFactory

from api.services import api_token_create
from api.throttling import IpRateThrottle
from tests.slow_cache import slow_cache_settings

pytestmark = pytest.mark.django_db

# Limits count per fixed window: in the middle of a minute, every request of a test counts in
# the same one.
MID_MINUTE = datetime(2026, 3, 2, 10, 0, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _one_window():
    with time_machine.travel(MID_MINUTE, tick=False):
        yield


@pytest.fixture
def limits(settings):
    def set_limits(token=None, ip=None):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"token": token, "ip": ip},
        }

    return set_limits


def _client(secret: str, address: str = "192.0.2.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_each_token_has_its_own_limit(org, limits):
    limits(token="3/min")
    _first, secret = api_token_create(user=org.contact, name="a")
    _second, other = api_token_create(user=org.contact, name="b")
    api = _client(secret)

    statuses = [api.get("/api/v1/issues").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert _client(other).get("/api/v1/issues").status_code == 200
    refused = api.get("/api/v1/issues")
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0


def test_each_address_has_its_own_limit_even_without_a_login(limits):
    limits(ip="2/min")
    here, there = APIClient(REMOTE_ADDR="192.0.2.1"), APIClient(REMOTE_ADDR="192.0.2.2")

    statuses = [here.get("/api/v1/issues").status_code for _ in range(3)]

    assert statuses == [401, 401, 429]
    assert there.get("/api/v1/issues").status_code == 401


def test_monitoring_webhooks_are_limited_per_address(limits, db):
    limits(ip="1/min")
    caller = APIClient(REMOTE_ADDR="192.0.2.9")

    first = caller.post("/api/v1/monitoring/alertmanager", {}, format="json")
    second = caller.post("/api/v1/monitoring/alertmanager", {}, format="json")

    assert first.status_code == 401
    assert second.status_code == 429


def test_parallel_requests_never_pass_the_address_limit(settings, limits):
    limits(ip="50/min")
    settings.CACHES = slow_cache_settings(settings.CACHES["default"])
    request = APIRequestFactory().get("/api/v1/issues", REMOTE_ADDR="192.0.2.7")
    threads, each = 20, 10
    start = threading.Barrier(threads)

    def send(_thread: int) -> list[bool]:
        start.wait()
        return [IpRateThrottle().allow_request(request, None) for _ in range(each)]

    with ThreadPoolExecutor(threads) as pool:
        allowed = [ok for batch in pool.map(send, range(threads)) for ok in batch]

    assert allowed.count(True) == 50
