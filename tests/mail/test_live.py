"""The outbox through a real worker and SMTP server, with the worker killed mid-batch."""

import signal
import time

import pytest

from mail.models import OutboxMessage, OutboxStatus
from mail.outbox import MailTemplates, Recipient, outbox_compose, outbox_queue
from tests.factories import ContactFactory, IssueFactory
from tests.live import wait_for, worker_process  # noqa: F401 - fixtures
from tests.oncall.smtp import SmtpSink

pytestmark = [pytest.mark.live_services]

CLAIM_SECONDS = 5


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def test_a_worker_killed_mid_batch_leaves_each_recipient_exactly_one_copy(
    smtp,
    worker_process,  # noqa: F811
):
    issue = IssueFactory()
    people = [ContactFactory(client=issue.client) for _ in range(3)]
    smtp.handler.stall = 1
    worker = worker_process(
        beat=True,
        extra_env={"EMAIL_URL": smtp.url, "MAIL_CLAIM_SECONDS": str(CLAIM_SECONDS)},
    )
    worker.start()
    outbox_queue(
        messages=outbox_compose(
            kind="issue_updated",
            key="live",
            templates=MailTemplates.named("tickets/email/issue_created"),
            context={"issue": issue},
            recipients=[
                Recipient(key=f"user:{p.pk}", address=p.email, language="nl", user=p)
                for p in people
            ],
            issue=issue,
        )
    )
    assert smtp.handler.stalling.wait(timeout=60), worker.log()
    worker.kill(signal.SIGKILL)
    assert smtp.handler.messages == []

    restarted = worker_process(
        beat=True,
        extra_env={"EMAIL_URL": smtp.url, "MAIL_CLAIM_SECONDS": str(CLAIM_SECONDS)},
    )
    restarted.start()

    def all_delivered():
        return not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists()

    wait_for(all_delivered, timeout=CLAIM_SECONDS + 90, message=restarted.log)
    # A few more sweeps prove that nothing goes out twice.
    time.sleep(35)
    copies = sorted(address for message in smtp.handler.messages for address in message.to)
    assert copies == sorted(p.email for p in people)
