"""issue_merge: duplicates fold into one issue, and their requesters are told where it went."""

import pytest
from django.core import mail

from paqt_support.exceptions import ApplicationError, NotAllowedError
from tests.factories import ContactFactory
from tests.portal.helpers import issue_file, png
from tickets import services
from tickets.choices import Status
from tickets.models import EventKind


@pytest.fixture
def second_contact(org):
    return ContactFactory(client=org.client, username="tweede", preferred_language="nl")


def test_conversation_files_and_followers_move_to_the_target(staff, org, second_contact):
    keep = issue_file(org, title="Upload faalt")
    duplicate = issue_file(org, requester=second_contact, title="Upload kapot", files=[png()])
    services.comment_create(issue=duplicate, author=second_contact, body="Nog steeds kapot.")
    services.issue_watch(issue=duplicate, actor=staff, watcher=org.admin)

    services.issue_merge(target=keep, sources=[duplicate], actor=staff)

    assert list(keep.comments.filter(is_internal=False).values_list("body", flat=True)) == [
        "Nog steeds kapot."
    ]
    assert keep.attachments.count() == 1
    assert {second_contact, org.admin} <= set(keep.watchers.all())
    note = keep.comments.get(is_internal=True)
    assert duplicate.reference in note.body


def test_sources_are_closed_with_an_event_naming_the_target(staff, org):
    keep, first, second = issue_file(org), issue_file(org), issue_file(org)

    services.issue_merge(target=keep, sources=[first, second], actor=staff)

    for source in (first, second):
        source.refresh_from_db()
        assert source.status == Status.CLOSED
        event = source.events.get(kind=EventKind.STATUS_CHANGED)
        assert event.data["merged_into"] == keep.reference
        assert event.data["merged_into_id"] == keep.pk
        assert all(clock.stopped_at for clock in source.sla_clocks.all())
    keep.refresh_from_db()
    assert keep.status == Status.NEW


def test_source_requester_is_told_by_email_where_the_issue_went(
    staff, org, second_contact, django_capture_on_commit_callbacks
):
    keep = issue_file(org)
    duplicate = issue_file(org, requester=second_contact)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.issue_merge(target=keep, sources=[duplicate], actor=staff)

    reply = duplicate.comments.get()
    assert not reply.is_internal
    assert keep.reference in reply.body
    assert [m.to for m in mail.outbox] == [[second_contact.email]]
    assert keep.reference in mail.outbox[0].body


def test_issues_of_two_clients_do_not_merge(staff, org, other_org):
    keep, foreign = issue_file(org), issue_file(other_org)

    with pytest.raises(ApplicationError, match="belongs to another client"):
        services.issue_merge(target=keep, sources=[foreign], actor=staff)

    foreign.refresh_from_db()
    assert foreign.status == Status.NEW


def test_closed_issues_neither_merge_nor_receive(staff, org):
    keep, closed = issue_file(org), issue_file(org)
    services.issue_change_status(issue=closed, actor=staff, status=Status.CLOSED)

    with pytest.raises(ApplicationError, match="is closed already"):
        services.issue_merge(target=keep, sources=[closed], actor=staff)
    with pytest.raises(ApplicationError, match="reopen it before merging"):
        services.issue_merge(target=closed, sources=[keep], actor=staff)


def test_an_issue_does_not_merge_into_itself_or_nothing(staff, org):
    keep = issue_file(org)

    with pytest.raises(ApplicationError, match="into itself"):
        services.issue_merge(target=keep, sources=[keep], actor=staff)
    with pytest.raises(ApplicationError, match="at least one"):
        services.issue_merge(target=keep, sources=[], actor=staff)


def test_only_staff_merge(org):
    keep, duplicate = issue_file(org), issue_file(org)

    with pytest.raises(NotAllowedError):
        services.issue_merge(target=keep, sources=[duplicate], actor=org.contact)
