"""Fixtures of the live paging tests: a 24/7 client out of hours, an SMTP sink, workers."""

from collections import Counter
from dataclasses import dataclass

import pytest
from django.conf import settings

from accounts.models import User
from oncall.demo import seed_oncall_demo
from oncall.models import EscalationPolicy, EscalationStep, OncallSettings
from sla.models import Agreement, Tier
from tests.factories import ContactFactory, StaffFactory, TeamFactory, agreement_with_targets
from tests.oncall.smtp import SmtpSink
from tickets import services as ticket_services
from tickets.choices import Priority

# The sweep runs every 15 s; a step it finds is sent within a few seconds more.
SWEEP_SLACK = 45


@dataclass
class RoundTheClock:
    agreement: Agreement
    contact: User


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    sink.handler.faults_for = {f"{name}@example.org" for name in ("eva", "frank", "chantal")}
    yield sink
    sink.stop()


@pytest.fixture
def round_the_clock(transactional_db):
    """Seed a 24/7 client, the demo rota and policy, and treat the office as closed."""
    staff = {name: StaffFactory(username=name) for name in ("eva", "frank", "chantal")}
    # The on-call people are not on the team, so the new-issue notice never reaches them
    # and faults injected for their addresses hit pages only.
    team = TeamFactory()
    agreement = agreement_with_targets(team.client, tier=Tier.ROUND_THE_CLOCK)
    agreement.targets.filter(priority=Priority.P1).update(is_round_the_clock=True)
    contact = ContactFactory(client=team.client)
    seed_oncall_demo(staff=staff)
    # The worker reads the real clock, so the drill switch makes any moment out of hours.
    OncallSettings.objects.update(office_closed=True)
    return RoundTheClock(agreement=agreement, contact=contact)


@pytest.fixture
def setup(round_the_clock):
    """Return a function that files an urgent issue of the 24/7 client through the service."""

    def file_issue(title: str = "Burgerportaal onbereikbaar"):
        return ticket_services.issue_create(
            client=round_the_clock.agreement.client,
            requester=round_the_clock.contact,
            title=title,
            description="Het burgerportaal geeft een 502 voor alle bezoekers.",
            priority=Priority.P1,
        )

    return file_issue


def fast_policy() -> None:
    """Page the primary, the secondary and the duty manager back to back, once."""
    EscalationPolicy.objects.update(repeat=0)
    EscalationStep.objects.update(wait_minutes=0)


def start_worker(worker_process, smtp, *, extra_env=None, **options):
    """Start a worker with beat that mails through ``smtp``; ``options`` go to WorkerProcess."""
    # The worker signs the acknowledge links that this process checks: one key for both.
    env = {"EMAIL_URL": smtp.url, "SECRET_KEY": settings.SECRET_KEY, **(extra_env or {})}
    worker = worker_process(beat=True, extra_env=env, **options)
    worker.start()
    return worker


def pages_per_step(smtp) -> Counter:
    return Counter(m.page for m in smtp.handler.pages())
