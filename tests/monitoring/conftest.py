"""Fixtures of the monitoring tests: a 24/7 client with sources, and real webhook payloads."""

import copy
import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from monitoring.models import SourceKind
from monitoring.services import monitoring_source_create
from sla.models import Tier
from tests.factories import StaffFactory, TeamFactory, agreement_with_targets
from tickets.choices import Priority

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> dict:
    """Return a fresh copy of the documented example payload ``name``.json."""
    return copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text()))


@pytest.fixture
def agreement(db):
    """A 24/7 agreement: P1 round the clock, the rest in office hours."""
    team = TeamFactory(members=[StaffFactory(username="eva")])
    agreement = agreement_with_targets(team.client, tier=Tier.ROUND_THE_CLOCK)
    agreement.targets.filter(priority=Priority.P1).update(is_round_the_clock=True)
    return agreement


@pytest.fixture
def client_(agreement):
    return agreement.client


def _source(client, kind, **kwargs):
    source, secret = monitoring_source_create(
        client=client, kind=kind, name=f"{kind} of {client.code}", default_priority="P3", **kwargs
    )
    return source, secret


@pytest.fixture
def alertmanager(client_):
    return _source(client_, SourceKind.ALERTMANAGER)


@pytest.fixture
def sentry(client_):
    return _source(client_, SourceKind.SENTRY)


@pytest.fixture
def post():
    """Return a function that posts a payload as a webhook with a bearer secret."""

    def post(path: str, body: dict, *, secret: str | None = None, headers: dict | None = None):
        client = APIClient()
        extra = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        return client.post(f"/api/v1/monitoring/{path}", body, format="json", **extra)

    return post
