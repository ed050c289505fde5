"""Paging through a real worker, Redis and SMTP server, with the worker and Redis killed."""

import re
import signal
import time

import pytest

from oncall.models import Escalation, EscalationState, Page
from oncall.services import claim_timeout
from tests.live import own_redis, private_redis, wait_for, worker_process  # noqa: F401 - fixtures
from tests.oncall.live import SWEEP_SLACK, fast_policy, pages_per_step, start_worker
from tickets.models import EventKind, IssueEvent

pytestmark = [pytest.mark.live_services]


def test_an_urgent_issue_out_of_hours_pages_the_primary_who_acknowledges_by_the_link(
    setup,
    smtp,
    worker_process,  # noqa: F811
    client,
):
    worker = start_worker(worker_process, smtp)
    issue = setup()
    escalation = Escalation.objects.get(issue=issue)
    [page] = wait_for(smtp.handler.pages, timeout=60, message=worker.log)
    # Whom the first step pages is decided when it is sent: the rota's primary then.
    primary = wait_for(
        lambda: (
            Page.objects.filter(escalation=escalation, step_index=0, sent_at__isnull=False)
            .values_list("recipient__username", flat=True)
            .first()
        ),
        message=worker.log,
    )
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


def test_a_page_still_arrives_when_redis_restarted_between_filing_and_paging(
    setup,
    smtp,
    worker_process,  # noqa: F811
    own_redis,  # noqa: F811
):
    # No worker runs yet: the first step's task waits in Redis, and Redis loses it.
    issue = setup()
    own_redis.stop(lose_data=True)
    own_redis.start()
    worker = start_worker(worker_process, smtp, extra_env=own_redis.env())
    [page] = wait_for(smtp.handler.pages, timeout=SWEEP_SLACK + 30, message=worker.log)
    assert issue.reference in page.subject
    # The worker records the send just after the mail server took it.
    escalation = Escalation.objects.get(issue=issue)
    wait_for(lambda: Escalation.objects.get(pk=escalation.pk).step_index == 1, timeout=10)
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
