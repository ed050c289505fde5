"""Paging through a real worker, Redis and SMTP server, with the worker and Redis killed."""

import os
import re
import signal
import subprocess
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from oncall.demo import seed_oncall_demo
from oncall.models import (
    Escalation,
    EscalationPolicy,
    EscalationState,
    EscalationStep,
    OncallSettings,
    Page,
)
from oncall.services import claim_timeout
from sla.models import Tier
from tests.factories import ContactFactory, StaffFactory, TeamFactory, agreement_with_targets
from tests.live import wait_for, worker_process  # noqa: F401 - a fixture
from tests.oncall.smtp import SmtpSink
from tickets import services as ticket_services
from tickets.choices import Priority
from tickets.models import EventKind, IssueEvent

pytestmark = [pytest.mark.live_services]

# The sweep runs every 15 s; a step it finds is sent within a few seconds more.
SWEEP_SLACK = 45


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    sink.handler.faults_for = {f"{name}@example.org" for name in ("eva", "frank", "chantal")}
    yield sink
    sink.stop()


@pytest.fixture
def setup(transactional_db):
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

    def file_issue(title: str = "Burgerportaal onbereikbaar"):
        return ticket_services.issue_create(
            client=agreement.client,
            requester=contact,
            title=title,
            description="Het burgerportaal geeft een 502 voor alle bezoekers.",
            priority=Priority.P1,
        )

    return file_issue


def fast_policy() -> None:
    """Page the primary, the secondary and the duty manager back to back, once."""
    EscalationPolicy.objects.update(repeat=0)
    EscalationStep.objects.update(wait_minutes=0)


def start_worker(worker_process, smtp):  # noqa: F811
    # The worker signs the acknowledge links that this process checks: one key for both.
    env = {"EMAIL_URL": smtp.url, "SECRET_KEY": settings.SECRET_KEY}
    worker = worker_process(beat=True, extra_env=env)
    worker.start()
    return worker


def pages_per_step(smtp) -> Counter:
    return Counter(m.page for m in smtp.handler.pages())


def test_an_urgent_issue_out_of_hours_pages_the_primary_who_acknowledges_by_the_link(
    setup,
    smtp,
    worker_process,  # noqa: F811
    client,
):
    worker = start_worker(worker_process, smtp)
    issue = setup()
    escalation = Escalation.objects.get(issue=issue)
    primary = escalation.snapshot["steps"][0]["recipient"]["username"]
    [page] = wait_for(smtp.handler.pages, timeout=60, message=worker.log)
    assert page.to == (f"{primary}@example.org",)
    assert issue.reference in page.subject
    link = re.search(r"https?://[^/\s]+(/oncall/acknowledge/[^/\s]+/)", page.body).group(1)
    assert client.post(link).status_code == 200
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.ACKNOWLEDGED
    issue.refresh_from_db()
    assert issue.assignee.username == primary
    assert len(smtp.handler.pages()) == 1


def test_a_worker_killed_mid_page_leaves_exactly_one_email_per_step(
    setup,
    smtp,
    worker_process,  # noqa: F811
):
    fast_policy()
    smtp.handler.stall = 1
    worker = start_worker(worker_process, smtp)
    issue = setup()
    escalation = Escalation.objects.get(issue=issue)
    assert smtp.handler.stalling.wait(timeout=60), worker.log()
    page = Page.objects.get(escalation=escalation, step_index=0)
    assert page.claimed_at is not None and page.sent_at is None
    worker.kill(signal.SIGKILL)
    assert smtp.handler.pages() == []

    restarted = start_worker(worker_process, smtp)

    def ended():
        escalation.refresh_from_db()
        return escalation.state == EscalationState.EXHAUSTED

    wait_for(ended, timeout=claim_timeout().total_seconds() + SWEEP_SLACK, message=restarted.log)
    # Give the sweep a few more runs to prove that nothing is sent again.
    time.sleep(20)
    counts = pages_per_step(smtp)
    assert sorted(counts.values()) == [1, 1, 1], counts
    assert sorted(m.to[0].split("@")[0] for m in smtp.handler.pages()) == [
        "chantal",
        "eva",
        "frank",
    ]
    page.refresh_from_db()
    assert page.attempts == 2 and page.sent_at is not None
    resent = IssueEvent.objects.get(issue=issue, kind=EventKind.PAGE_SENT, data__step=1)
    assert resent.data["resent_after_crash"] is True


@pytest.fixture
def redis_control():
    """Stop and start the Redis server of REDIS_URL; it is always running again afterwards."""
    url = urlsplit(os.environ["REDIS_URL"])
    host, port = url.hostname or "127.0.0.1", str(url.port or 6379)

    def is_up() -> bool:
        result = subprocess.run(  # noqa: S603
            ["redis-cli", "-h", host, "-p", port, "ping"],  # noqa: S607
            capture_output=True,
            check=False,
        )
        return result.stdout.strip() == b"PONG"

    def stop() -> None:
        subprocess.run(  # noqa: S603
            ["redis-cli", "-h", host, "-p", port, "shutdown", "nosave"],  # noqa: S607
            capture_output=True,
            check=False,
        )
        wait_for(lambda: not is_up(), timeout=10, message="Redis did not stop")

    def start() -> None:
        if is_up():
            return
        command = [
            "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
            "--port", port, "--save", "", "--appendonly", "no",
            "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
        ]  # fmt: skip
        subprocess.run(command, check=True)  # noqa: S603
        wait_for(is_up, timeout=30, message="Redis did not start again")

    try:
        yield stop, start
    finally:
        start()


def test_a_page_still_arrives_when_redis_restarted_between_filing_and_paging(
    setup,
    smtp,
    worker_process,  # noqa: F811
    redis_control,
):
    stop_redis, start_redis = redis_control
    # No worker runs yet: the first step's task waits in Redis, and Redis loses it.
    issue = setup()
    stop_redis()
    start_redis()
    worker = start_worker(worker_process, smtp)
    [page] = wait_for(smtp.handler.pages, timeout=SWEEP_SLACK + 30, message=worker.log)
    assert issue.reference in page.subject
    escalation = Escalation.objects.get(issue=issue)
    assert escalation.step_index == 1
    assert len(smtp.handler.pages()) == 1


def test_a_refusing_smtp_server_is_retried_and_the_page_sent_once(
    setup,
    smtp,
    worker_process,  # noqa: F811
):
    smtp.handler.refuse = 2
    worker = start_worker(worker_process, smtp)
    issue = setup()
    escalation = Escalation.objects.get(issue=issue)
    wait_for(smtp.handler.pages, timeout=90, message=worker.log)
    time.sleep(3)
    assert len(smtp.handler.pages()) == 1
    page = Page.objects.get(escalation=escalation, step_index=0)
    assert page.attempts == 3
    failed = IssueEvent.objects.filter(issue=issue, kind=EventKind.PAGE_FAILED)
    assert [e.data["attempt"] for e in failed.order_by("id")] == [1, 2]
    assert "451" in failed.first().data["error"]
