"""The issue services: numbering, validation, events, optimistic locking and notifications."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from paqt_support.exceptions import ApplicationError, ConflictError, NotAllowedError
from tests.factories import ContactFactory, StaffFactory, TeamFactory, agreement_with_targets
from tickets import services
from tickets.choices import Priority, Status
from tickets.models import EventKind, Issue

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def setup(db):
    agreement = agreement_with_targets()
    client = agreement.client
    lead = StaffFactory(username="lead")
    member = StaffFactory(username="member")
    TeamFactory(client=client, lead=lead, members=[member])
    contact = ContactFactory(client=client, username="contact")
    return client, contact, lead, member


def _file(client, contact, **kwargs):
    defaults = {
        "title": "Zaaksysteem traag",
        "description": "Het **zaaksysteem** reageert traag.",
        "priority": Priority.P3,
        "now": NOW,
    }
    return services.issue_create(client=client, requester=contact, **{**defaults, **kwargs})


def test_references_count_up_per_client_and_year(setup):
    client, contact, *_ = setup
    first = _file(client, contact)
    second = _file(client, contact)
    next_year = _file(client, contact, now=NOW.replace(year=2027))
    assert first.reference == f"{client.code}-2026-0001"
    assert second.reference == f"{client.code}-2026-0002"
    assert next_year.reference == f"{client.code}-2027-0001"


def test_reference_year_is_the_local_year_in_amsterdam(setup):
    client, contact, *_ = setup
    new_years_eve_utc = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January locally
    issue = _file(client, contact, now=new_years_eve_utc)
    assert issue.reference.endswith("-2027-0001")


@pytest.mark.django_db(transaction=True)
def test_issues_filed_at_the_same_moment_get_different_references():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers itself; the race needs a server database")
    agreement = agreement_with_targets()
    client = agreement.client
    TeamFactory(client=client)
    contact = ContactFactory(client=client)
    barrier = threading.Barrier(6)
    references, errors = [], []

    def file_one():
        try:
            barrier.wait()
            references.append(_file(client, contact).reference)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(references) == [f"{client.code}-2026-{n:04d}" for n in range(1, 7)]


def test_filing_records_the_event_and_the_requested_priority(setup):
    client, contact, *_ = setup
    issue = _file(client, contact, priority=Priority.P2)
    assert issue.requested_priority == Priority.P2
    assert list(issue.events.values_list("kind", flat=True))[:1] == [EventKind.CREATED]
    assert list(issue.watchers.all()) == [contact]


def test_filing_emails_the_whole_team(setup, mailoutbox, django_capture_on_commit_callbacks):
    client, contact, lead, member = setup
    with django_capture_on_commit_callbacks(execute=True):
        issue = _file(client, contact)
    recipients = sorted(addr for m in mailoutbox for addr in m.to)
    assert recipients == sorted([lead.email, member.email])
    assert issue.reference in mailoutbox[0].subject


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": ""}, "description"),
        ({"priority": "P9"}, "priority"),
        ({"category": "gossip"}, "category"),
    ],
    ids=["blank-title", "huge-title", "empty-description", "unknown-priority", "bad-category"],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(setup, kwargs, field):
    client, contact, *_ = setup
    with pytest.raises(ApplicationError) as info:
        _file(client, contact, **kwargs)
    assert info.value.field == field
    assert Issue.objects.count() == 0


def test_a_priority_the_agreement_does_not_offer_is_refused(setup):
    client, contact, *_ = setup
    client.agreements.get().targets.filter(priority=Priority.P1).delete()
    with pytest.raises(ApplicationError, match="does not offer priority P1"):
        _file(client, contact, priority=Priority.P1)


def test_a_client_without_an_agreement_in_force_cannot_file(setup):
    client, contact, *_ = setup
    client.agreements.update(valid_until=NOW.date() - timedelta(days=1))
    with pytest.raises(ApplicationError, match="no service agreement in force"):
        _file(client, contact)


def test_a_contact_cannot_file_for_another_client(setup):
    client, *_ = setup
    stranger = ContactFactory(username="stranger")
    with pytest.raises(NotAllowedError):
        _file(client, stranger)


def test_a_file_whose_content_is_not_its_type_is_refused_and_nothing_written(setup):
    client, contact, *_ = setup
    fake_pdf = SimpleUploadedFile("rapport.pdf", b"<html>not a pdf</html>", "application/pdf")
    with pytest.raises(ApplicationError, match="does not match its file type"):
        _file(client, contact, files=[fake_pdf])
    assert Issue.objects.count() == 0


def test_attachments_are_stored_with_a_safe_name(setup):
    client, contact, *_ = setup
    upload = SimpleUploadedFile("../../etc/log<script>.txt", b"regel 1\nregel 2\n", "text/plain")
    issue = _file(client, contact, files=[upload])
    attachment = issue.attachments.get()
    assert attachment.original_name == "log_script_.txt"
    assert attachment.content_type == "text/plain"
    assert ".." not in attachment.file.name


def test_contacts_cannot_write_internal_notes(setup):
    client, contact, *_ = setup
    issue = _file(client, contact)
    with pytest.raises(NotAllowedError):
        services.comment_create(issue=issue, author=contact, body="geheim", is_internal=True)


def test_client_reply_ends_waiting_on_client(setup):
    client, contact, lead, _ = setup
    issue = _file(client, contact)
    services.issue_change_status(issue=issue, actor=lead, status=Status.WAITING_ON_CLIENT)
    services.comment_create(issue=issue, author=contact, body="Hier is de informatie.")
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS


def test_clients_cannot_reply_to_a_closed_issue(setup):
    client, contact, lead, _ = setup
    issue = _file(client, contact)
    services.issue_change_status(issue=issue, actor=lead, status=Status.CLOSED)
    issue.refresh_from_db()
    with pytest.raises(ApplicationError, match="Reopen it to reply"):
        services.comment_create(issue=issue, author=contact, body="Nog een vraag")


def test_public_reply_emails_requester_and_watchers_but_not_the_author(
    setup, mailoutbox, django_capture_on_commit_callbacks
):
    client, contact, lead, _ = setup
    issue = _file(client, contact)
    colleague = ContactFactory(client=client, username="colleague")
    services.issue_watch(issue=issue, actor=contact, watcher=colleague)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(issue=issue, author=lead, body="We kijken ernaar.")
    assert sorted(a for m in mailoutbox for a in m.to) == sorted([contact.email, colleague.email])


def test_internal_notes_email_nobody(setup, mailoutbox, django_capture_on_commit_callbacks):
    client, contact, lead, _ = setup
    issue = _file(client, contact)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(issue=issue, author=lead, body="intern", is_internal=True)
    assert mailoutbox == []


def test_priority_change_keeps_the_clients_choice_and_records_the_reason(setup):
    client, contact, lead, _ = setup
    issue = _file(client, contact, priority=Priority.P3)
    services.issue_change_priority(
        issue=issue, actor=lead, priority=Priority.P1, reason="Productie ligt stil"
    )
    issue.refresh_from_db()
    assert (issue.priority, issue.requested_priority) == (Priority.P1, Priority.P3)
    event = issue.events.get(kind=EventKind.PRIORITY_CHANGED)
    assert event.data == {"from": "P3", "to": "P1", "reason": "Productie ligt stil"}


def test_priority_change_needs_a_reason(setup):
    client, contact, lead, _ = setup
    issue = _file(client, contact)
    with pytest.raises(ApplicationError) as info:
        services.issue_change_priority(issue=issue, actor=lead, priority=Priority.P2, reason=" ")
    assert info.value.field == "reason"


def test_a_stale_version_is_refused_instead_of_overwriting(setup):
    client, contact, lead, member = setup
    issue = _file(client, contact)
    seen = issue.version
    services.issue_assign(issue=issue, actor=lead, assignee=lead, expected_version=seen)
    with pytest.raises(ConflictError, match="Someone else changed this issue"):
        services.issue_assign(issue=issue, actor=member, assignee=member, expected_version=seen)
    issue.refresh_from_db()
    assert issue.assignee == lead


def test_only_team_members_can_be_assigned(setup):
    client, contact, lead, _ = setup
    issue = _file(client, contact)
    outsider = StaffFactory(username="outsider")
    with pytest.raises(ApplicationError, match="not on the team"):
        services.issue_assign(issue=issue, actor=lead, assignee=outsider)


def test_resolving_and_reopening_sets_and_clears_the_done_times(setup):
    client, contact, lead, _ = setup
    issue = _file(client, contact)
    services.issue_change_status(issue=issue, actor=lead, status=Status.RESOLVED, now=NOW)
    issue.refresh_from_db()
    assert issue.resolved_at == NOW
    services.issue_change_status(
        issue=issue, actor=contact, status=Status.IN_PROGRESS, now=NOW + timedelta(days=1)
    )
    issue.refresh_from_db()
    assert (issue.status, issue.resolved_at, issue.closed_at) == (Status.IN_PROGRESS, None, None)


def test_filing_succeeds_when_the_broker_is_down(
    setup, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from tickets import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.issue_created_notify_task, "delay", broker_down)
    client, contact, *_ = setup
    with django_capture_on_commit_callbacks(execute=True):
        issue = _file(client, contact)
    assert Issue.objects.filter(pk=issue.pk).exists()
