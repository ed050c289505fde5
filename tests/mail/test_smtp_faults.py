"""The outbox against a real SMTP server that refuses a recipient for a while."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mail.delivery import outbox_deliver, outbox_due
from mail.models import OutboxMessage, OutboxStatus
from tests.factories import ContactFactory
from tests.oncall.smtp import SmtpSink
from tests.portal.helpers import issue_file
from tickets import services


@pytest.fixture
def sink(settings):
    server = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


def test_a_recipient_refused_for_a_while_gets_one_copy_and_the_others_one_each(
    org, sink, django_capture_on_commit_callbacks
):
    issue = issue_file(org)
    colleagues = [ContactFactory(client=org.client) for _ in range(2)]
    for colleague in colleagues:
        services.issue_watch(issue=issue, actor=colleague, watcher=colleague, watch=True)
    refused = colleagues[0].email
    sink.handler.faults_for = {refused}
    sink.handler.refuse = 2

    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(issue=issue, author=org.staff, body="Opgelost in versie 2.")
    moment = timezone.now()
    for minutes in (5, 10, 15):
        later = moment + timedelta(minutes=minutes)
        outbox_deliver(message_ids=outbox_due(now=later), now=later)

    copies = [address for received in sink.handler.messages for address in received.to]
    addresses = [org.contact.email, *(c.email for c in colleagues)]
    assert sorted(copies) == sorted(addresses)
    row = OutboxMessage.objects.get(to_address=refused)
    assert row.status == OutboxStatus.DELIVERED and row.attempts == 3
    message_ids = {received.message_id for received in sink.handler.messages}
    assert len(message_ids) == 3
