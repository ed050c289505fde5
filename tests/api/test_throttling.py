"""Request limits per token and per address answer 429 with Retry-After."""

import pytest
from rest_framework.test import APIClient

from api.services import api_token_create

pytestmark = pytest.mark.django_db


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
