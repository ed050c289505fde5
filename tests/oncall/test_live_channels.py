"""Paging through a real worker while a channel is down: mail refused, webhook, SMS gateway."""

import time
from collections import Counter

import pytest

from accounts.models import User
from oncall.models import Escalation, EscalationState, PagingProfile
from tests.live import free_port, wait_for, worker_process  # noqa: F401 - fixtures
from tests.oncall.http import RecordingServer
from tests.oncall.live import SWEEP_SLACK, fast_policy, pages_per_step, start_worker
from tickets.models import EventKind, IssueEvent

pytestmark = [pytest.mark.live_services]

ON_CALL = ("eva", "frank", "chantal")
OUTAGE_SECONDS = 120


@pytest.fixture
def http_server():
    server = RecordingServer().start()
    yield server
    server.stop()


def states(issues) -> list[str]:
    return list(
        Escalation.objects.filter(issue__in=issues)
        .order_by("issue_id")
        .values_list("state", flat=True)
    )


def test_pages_refused_by_the_mail_server_for_two_minutes_all_arrive_once_it_is_back(
    setup,
    smtp,
    worker_process,  # noqa: F811
):
    fast_policy()
    smtp.handler.refuse_until = time.monotonic() + OUTAGE_SECONDS
    worker = start_worker(worker_process, smtp)
    issues = [setup(title=f"Storing {number}") for number in range(3)]
    time.sleep(OUTAGE_SECONDS / 2)
    # The outage is not mistaken for engineers who do not answer: nobody got past step 1.
    assert smtp.handler.pages() == []
    assert set(states(issues)) == {EscalationState.ACTIVE}
    assert set(Escalation.objects.values_list("step_index", flat=True)) == {0}

    def all_ran_out():
        return set(states(issues)) == {EscalationState.EXHAUSTED}

    wait_for(all_ran_out, timeout=OUTAGE_SECONDS / 2 + 60 + SWEEP_SLACK, message=worker.log)
    counts = pages_per_step(smtp)
    assert len(counts) == 9 and set(counts.values()) == {1}, counts
    for event in IssueEvent.objects.filter(kind=EventKind.ESCALATION_EXHAUSTED):
        assert event.data["pages_sent"] == 3


def test_with_the_mail_server_down_the_page_arrives_through_the_webhook_within_seconds(
    setup,
    worker_process,  # noqa: F811
    http_server,
):
    for username in ON_CALL:
        PagingProfile.objects.create(
            user=User.objects.get(username=username),
            channels=["email", "webhook"],
            webhook_url=http_server.url(f"/{username}"),
        )
    worker = worker_process(beat=True, extra_env={"EMAIL_URL": f"smtp://127.0.0.1:{free_port()}"})
    worker.start()
    # The first filing waits for the worker to start; the second shows the time to page.
    setup(title="Opwarmen")
    wait_for(http_server.received, timeout=60, message=worker.log)
    started = time.monotonic()
    issue = setup()
    wait_for(
        lambda: [r for r in http_server.received() if issue.reference in r.body["text"]],
        timeout=10,
        message=worker.log,
    )
    assert time.monotonic() - started < 10
    sent = IssueEvent.objects.filter(issue=issue, kind=EventKind.PAGE_SENT)
    wait_for(sent.exists, timeout=10)
    assert sent.get().data["channel"] == "webhook"


def test_an_sms_gateway_answering_500_for_a_while_sends_one_sms_per_step(
    setup,
    smtp,
    worker_process,  # noqa: F811
    http_server,
):
    fast_policy()
    for number, username in enumerate(ON_CALL):
        PagingProfile.objects.create(
            user=User.objects.get(username=username),
            channels=["sms"],
            phone=f"+3161234567{number}",
        )
    http_server.failures = None
    worker = start_worker(
        worker_process,
        smtp,
        extra_env={"SMS_GATEWAY_URL": http_server.url("/messages"), "SMS_GATEWAY_KEY": "k"},
    )
    issue = setup()
    time.sleep(30)
    assert http_server.received() == []
    http_server.failures = 0
    escalation = Escalation.objects.get(issue=issue)

    def ran_out():
        escalation.refresh_from_db()
        return escalation.state == EscalationState.EXHAUSTED

    wait_for(ran_out, timeout=60 + SWEEP_SLACK, message=worker.log)
    time.sleep(5)
    references = Counter(r.body["reference"] for r in http_server.received())
    assert len(references) == 3 and set(references.values()) == {1}, references
    assert sorted(r.body["recipients"][0] for r in http_server.received()) == [
        "+31612345670",
        "+31612345671",
        "+31612345672",
    ]
