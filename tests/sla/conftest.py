"""Fixtures for the SLA engine: a client with an agreement, its team, and fixed instants."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import (
    ContactFactory,
    StaffFactory,
    TeamFactory,
    agreement_with_targets,
)
from tickets import services as ticket_services
from tickets.choices import Priority

AMS = ZoneInfo("Europe/Amsterdam")


def ams(*fields: int) -> datetime:
    """Return a Europe/Amsterdam wall-clock time as an aware datetime."""
    return datetime(*fields, tzinfo=AMS)


# Monday 2 March 2026, 10:00: office hours (09:00-17:00), no holiday near.
MONDAY_10 = ams(2026, 3, 2, 10, 0)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The factories hash a password for every user; the real hasher takes most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def lead(db):
    return StaffFactory(username="lead", email="lead@example.org", preferred_language="en")


@pytest.fixture
def engineer(db):
    return StaffFactory(username="engineer", email="engineer@example.org", preferred_language="nl")


@pytest.fixture
def team(db, lead, engineer):
    return TeamFactory(lead=lead, members=[engineer])


@pytest.fixture
def client_org(team):
    return team.client


@pytest.fixture
def agreement(client_org):
    return agreement_with_targets(client_org)


@pytest.fixture
def contact(client_org):
    return ContactFactory(client=client_org, username="contact")


@pytest.fixture
def file_issue(agreement, contact):
    """Return a function that files an issue through the service, at an explicit instant."""

    def file(*, now: datetime = MONDAY_10, priority: str = Priority.P3):
        return ticket_services.issue_create(
            client=agreement.client,
            requester=contact,
            title="Zaaksysteem geeft foutmelding",
            description="Bij het openen van een zaak verschijnt een foutmelding.",
            priority=priority,
            now=now,
        )

    return file
