"""Fixtures of the on-call tests: the demo rota and policy, a 24/7 client, fixed instants."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from oncall.demo import seed_oncall_demo
from oncall.models import OncallSettings
from sla.models import Tier
from tests.factories import ContactFactory, StaffFactory, TeamFactory, agreement_with_targets
from tests.oncall.backends import FaultyBackend
from tests.oncall.live import round_the_clock, setup, smtp  # noqa: F401 - the live tests' fixtures
from tickets import services as ticket_services
from tickets.choices import Priority

AMS = ZoneInfo("Europe/Amsterdam")


def ams(*fields: int) -> datetime:
    """Return a Europe/Amsterdam wall-clock time as an aware datetime."""
    return datetime(*fields, tzinfo=AMS)


# Sunday 8 March 2026, 03:00: the office is closed; Eva is primary, Frank secondary.
SUNDAY_3AM = ams(2026, 3, 8, 3, 0)
# Monday 2 March 2026, 10:00: office hours.
MONDAY_10 = ams(2026, 3, 2, 10, 0)
# Koningsdag, Monday 27 April 2026, 10:00: a public holiday, so the office is closed.
KINGS_DAY_10 = ams(2026, 4, 27, 10, 0)


@pytest.fixture
def staff(db):
    """Return the demo's on-call people: Eva (on the client's team), Frank, Chantal."""
    return {
        "eva": StaffFactory(username="eva", first_name="Eva", last_name="Smit"),
        "frank": StaffFactory(username="frank", first_name="Frank", last_name="Mulder"),
        "chantal": StaffFactory(username="chantal", first_name="Chantal", last_name="Bakker"),
    }


@pytest.fixture
def team(staff):
    lead = StaffFactory(username="lead", first_name="Lotte", last_name="Leider")
    return TeamFactory(lead=lead, members=[staff["eva"]])


@pytest.fixture
def agreement(team):
    """Return a 24/7 agreement of the team's client: P1 round the clock, the rest not."""
    agreement = agreement_with_targets(team.client, tier=Tier.ROUND_THE_CLOCK)
    agreement.targets.filter(priority=Priority.P1).update(
        is_round_the_clock=True, first_response_minutes=30
    )
    return agreement


@pytest.fixture
def contact(agreement):
    return ContactFactory(client=agreement.client, username="sanne")


@pytest.fixture
def oncall(staff):
    """Seed the demo's rota, default policy and office hours; return the settings row."""
    seed_oncall_demo(staff=staff)
    return OncallSettings.objects.get()


@pytest.fixture
def file_issue(agreement, contact, oncall):
    """Return a function that files an issue through the service at an explicit instant."""

    def file(*, now: datetime = SUNDAY_3AM, priority: str = Priority.P1):
        return ticket_services.issue_create(
            client=agreement.client,
            requester=contact,
            title="Burgerportaal onbereikbaar",
            description="Het burgerportaal geeft een 502 voor alle bezoekers.",
            priority=priority,
            now=now,
        )

    return file


@pytest.fixture
def admins(settings):
    settings.ADMINS = [("Beheer", "beheer@example.org")]
    return settings.ADMINS


@pytest.fixture
def faulty_mail(settings):
    """Send mail through ``FaultyBackend``, which fails as a test tells it to."""
    settings.EMAIL_BACKEND = "tests.oncall.backends.FaultyBackend"
    FaultyBackend.failures = 0
    FaultyBackend.refuse = set()
    FaultyBackend.script = []
    yield FaultyBackend
    FaultyBackend.failures = 0
    FaultyBackend.refuse = set()
    FaultyBackend.script = []
