"""The outbox: each recipient gets one copy, logged when delivered, only while they may read."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from audit.models import AuditAction, AuditChannel, AuditEntry
from mail.delivery import claim_duration, outbox_deliver, outbox_due
from mail.models import OutboxMessage, OutboxStatus
from mail.outbox import issue_thread_id
from tests.factories import ClientFactory, ContactFactory
from tests.portal.helpers import issue_file
from tickets import services
from tickets.models import EventKind


class RefusingBackend(EmailBackend):
    """The local backend, refusing the addresses in ``refused`` with the code given."""

    refused: dict[str, int] = {}

    def send_messages(self, messages):
        for message in messages:
            for address in message.to:
                if address in self.refused:
                    code = self.refused[address]
                    raise smtplib.SMTPRecipientsRefused({address: (code, b"try later")})
        return super().send_messages(messages)


@pytest.fixture
def refusing(settings):
    settings.EMAIL_BACKEND = "tests.mail.test_outbox.RefusingBackend"
    RefusingBackend.refused = {}
    yield RefusingBackend.refused
    RefusingBackend.refused = {}


@pytest.fixture
def followed(org):
    """An issue of the client that two colleagues of the requester follow."""
    issue = issue_file(org)
    colleagues = [ContactFactory(client=org.client) for _ in range(2)]
    for colleague in colleagues:
        services.issue_watch(issue=issue, actor=colleague, watcher=colleague, watch=True)
    mail.outbox.clear()
    return issue, colleagues


_commit = None


@pytest.fixture(autouse=True)
def _committing(django_capture_on_commit_callbacks):
    """Let each step run what it queues for after the commit, as a real commit would."""
    global _commit
    _commit = django_capture_on_commit_callbacks
    yield
    _commit = None


def committed(step, /, **kwargs):
    with _commit(execute=True):
        return step(**kwargs)


def _copies(address: str) -> int:
    return sum(address in message.to for message in mail.outbox)


def _reply(org, issue):
    committed(services.comment_create, issue=issue, author=org.staff, body="Opgelost in versie 2.")


def test_a_retry_sends_only_to_the_recipients_not_yet_reached(org, followed, refusing):
    issue, colleagues = followed
    refusing[colleagues[1].email] = 451
    _reply(org, issue)
    assert _copies(org.contact.email) == 1 and _copies(colleagues[0].email) == 1
    assert _copies(colleagues[1].email) == 0
    waiting = OutboxMessage.objects.get(to_address=colleagues[1].email)
    assert waiting.status == OutboxStatus.QUEUED and "451" in waiting.reason

    refusing.clear()
    later = timezone.now() + timedelta(hours=2)
    outbox_deliver(message_ids=outbox_due(now=later), now=later)

    for address in (org.contact.email, colleagues[0].email, colleagues[1].email):
        assert _copies(address) == 1
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists()


def test_handing_the_same_message_over_twice_sends_it_once(org, followed):
    issue, _colleagues = followed
    _reply(org, issue)
    event = issue.events.filter(kind=EventKind.COMMENTED).get()
    from tickets.tasks import issue_update_notify_task

    issue_update_notify_task(event.pk)
    assert _copies(org.contact.email) == 1


def test_send_is_logged_only_when_delivered_and_a_refusal_as_a_failure(
    org,
    followed,
    refusing,
):
    issue, colleagues = followed
    refusing[colleagues[0].email] = 550
    _reply(org, issue)

    sent = AuditEntry.objects.filter(action=AuditAction.SEND, object_id=str(issue.pk))
    assert {entry.user_id for entry in sent} == {org.contact.pk, colleagues[1].pk}
    assert {entry.channel for entry in sent} == {AuditChannel.EMAIL}
    (failure,) = AuditEntry.objects.filter(action=AuditAction.SEND_FAILED)
    assert failure.user_id == colleagues[0].pk
    assert OutboxMessage.objects.get(to_address=colleagues[0].email).status == (
        OutboxStatus.BOUNCED
    )


def test_a_contact_moved_to_another_client_gets_nothing_and_stops_following(org, followed):
    issue, colleagues = followed
    moved = colleagues[0]
    moved.client = ClientFactory()
    moved.save(update_fields=["client"])
    _reply(org, issue)
    assert _copies(moved.email) == 0
    assert _copies(colleagues[1].email) == 1
    assert not issue.watchers.filter(pk=moved.pk).exists()
    row = OutboxMessage.objects.get(to_address=moved.email)
    assert row.status == OutboxStatus.WITHHELD


def test_a_staff_member_taken_off_the_team_gets_nothing_and_stops_following(org, followed):
    issue, _colleagues = followed
    services.issue_watch(issue=issue, actor=org.staff, watcher=org.staff, watch=True)
    org.client.team.members.remove(org.staff)
    committed(services.comment_create, issue=issue, author=org.contact, body="Nog steeds kapot.")
    assert _copies(org.staff.email) == 0
    assert not issue.watchers.filter(pk=org.staff.pk).exists()


def test_every_message_about_an_issue_is_in_its_thread_and_says_it_is_automatic(org, followed):
    issue, _colleagues = followed
    _reply(org, issue)
    message = mail.outbox[0].message()
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["In-Reply-To"] == issue_thread_id(issue.pk)
    assert message["References"] == issue_thread_id(issue.pk)
    assert (
        message["Message-ID"]
        == OutboxMessage.objects.get(to_address=mail.outbox[0].to[0]).message_id
    )


def test_the_new_issue_mail_is_rendered_once_per_language_and_audience(org, monkeypatch):
    from mail import outbox

    for _ in range(3):
        org.client.team.members.add(give_staff())
    renders = []
    original = outbox.mail_render
    monkeypatch.setattr(
        outbox, "mail_render", lambda *args: renders.append(args[2]) or original(*args)
    )
    committed(issue_file, org=org)
    members = org.client.team.members.count()
    assert members >= 4
    assert len(mail.outbox) >= members
    # One text for the staff in each language among them, one for the team address.
    languages = set(org.client.team.members.values_list("preferred_language", flat=True))
    assert len(renders) <= len(languages) + 1


def give_staff():
    from tests.factories import StaffFactory

    return StaffFactory(preferred_language="nl")


def test_rows_a_dead_worker_claimed_go_out_once_when_its_claim_runs_out(org, followed):
    issue, _colleagues = followed
    now = timezone.now()
    # A worker claimed the rows and died before sending.
    from mail import outbox

    messages = outbox.outbox_compose(
        kind="issue_updated",
        key="dead-worker",
        templates=outbox.MailTemplates.named("tickets/email/issue_created"),
        context={"issue": issue},
        recipients=[
            outbox.Recipient(key=f"user:{u.pk}", address=u.email, language="nl", user=u)
            for u in issue.watchers.all()
        ],
        issue=issue,
        now=now,
    )
    OutboxMessage.objects.bulk_create(messages)
    OutboxMessage.objects.update(claimed_until=now + claim_duration(), attempts=1)
    assert outbox_due(now=now) == []
    later = now + claim_duration() + timedelta(seconds=1)
    ids = outbox_due(now=later)
    outbox_deliver(message_ids=ids, now=later)
    outbox_deliver(message_ids=ids, now=later)
    for user in issue.watchers.all():
        assert _copies(user.email) == 1
