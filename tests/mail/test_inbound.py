"""Mail in: issues and replies by email, as in the portal; noise and strangers kept out."""

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from audit.models import AuditAction, AuditChannel, AuditEntry
from mail.inbound import html_to_text, mail_receive
from mail.models import InboundMessage, InboundOutcome, OutboxMessage
from mail.transports import mail_folder_read
from tests.mail.messages import BOUNCE, OUTLOOK_HTML, PNG, message
from tests.portal.helpers import issue_file
from tickets import services
from tickets.choices import Status
from tickets.models import Channel, Issue


def _receive(raw: bytes, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return mail_receive(raw=raw, **kwargs)


def test_a_contact_files_an_issue_by_mail_at_the_default_priority(
    org,
    django_capture_on_commit_callbacks,
):
    received = _receive(message(sender=org.contact.email), django_capture_on_commit_callbacks)
    assert received.outcome == InboundOutcome.FILED
    issue = received.issue
    assert issue.client == org.client and issue.requester == org.contact
    assert issue.channel == Channel.EMAIL
    assert issue.priority == "P3"
    assert issue.title == "Zaaksysteem geeft een foutmelding"
    assert "fout 500" in issue.description
    assert mail.outbox, "the team is told of the new issue"


def test_every_message_received_is_in_the_access_log_with_channel_email(
    org,
    django_capture_on_commit_callbacks,
):
    _receive(message(sender=org.contact.email), django_capture_on_commit_callbacks)
    _receive(message(sender="vreemde@elders.example"), django_capture_on_commit_callbacks)
    entries = AuditEntry.objects.filter(action=AuditAction.RECEIVE)
    assert entries.count() == 2
    assert {entry.channel for entry in entries} == {AuditChannel.EMAIL}


def test_the_same_message_twice_does_nothing_the_second_time(
    org,
    django_capture_on_commit_callbacks,
):
    raw = message(sender=org.contact.email)
    first = _receive(raw, django_capture_on_commit_callbacks)
    second = _receive(raw, django_capture_on_commit_callbacks)
    assert second.duplicate and second.issue == first.issue
    assert Issue.objects.count() == 1


def test_a_reply_by_subject_reference_strips_the_quoted_history(
    org,
    django_capture_on_commit_callbacks,
):
    issue = issue_file(org)
    text = (
        "Het werkt weer, dank!\n\nOn Mon, 2 Mar 2026 at 10:00, PAQT Support wrote:\n"
        "> Wij hebben het opgelost.\n> Groet\n"
    )
    received = _receive(
        message(sender=org.contact.email, subject=f"Re: [{issue.reference}] Opgelost", text=text),
        django_capture_on_commit_callbacks,
    )
    assert received.outcome == InboundOutcome.REPLIED and received.issue == issue
    comment = issue.comments.get()
    assert comment.body == "Het werkt weer, dank!"
    assert comment.author == org.contact


def test_a_reply_is_matched_by_in_reply_to_against_the_mail_we_sent(
    org,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        issue = issue_file(org)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(issue=issue, author=org.staff, body="Kunt u het nog eens proberen?")
    sent = OutboxMessage.objects.filter(issue=issue, recipient=org.contact).latest("pk")
    received = _receive(
        message(
            sender=org.contact.email,
            subject="Re: uw melding",
            text="Nog steeds kapot.",
            headers={"In-Reply-To": sent.message_id, "References": sent.message_id},
        ),
        django_capture_on_commit_callbacks,
    )
    assert received.issue == issue
    assert issue.comments.filter(author=org.contact, body="Nog steeds kapot.").exists()


def test_a_client_reply_reopens_a_resolved_issue_within_the_reopen_window(
    org,
    django_capture_on_commit_callbacks,
):
    issue = issue_file(org)
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.RESOLVED)
    _receive(
        message(sender=org.contact.email, subject=f"Re: [{issue.reference}]", text="Weer kapot."),
        django_capture_on_commit_callbacks,
    )
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS


def test_a_staff_reply_from_their_mail_program_is_a_staff_reply(
    org,
    django_capture_on_commit_callbacks,
):
    issue = issue_file(org)
    _receive(
        message(sender=org.staff.email, subject=f"Re: [{issue.reference}]", text="Opgelost."),
        django_capture_on_commit_callbacks,
    )
    comment = issue.comments.get()
    assert comment.author == org.staff and not comment.is_internal


def test_an_html_only_message_becomes_clean_text_without_the_quoted_message(
    org,
    django_capture_on_commit_callbacks,
):
    received = _receive(
        message(sender=org.contact.email, text=None, html=OUTLOOK_HTML),
        django_capture_on_commit_callbacks,
    )
    description = received.issue.description
    assert "Het zaaksysteem is weer traag & geeft fouten." in description
    assert "alert" not in description and "<" not in description
    assert "Oude tekst" not in description
    assert "<script" not in received.issue.description_html


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X-Autoreply": "yes"},
        {"X-Auto-Response-Suppress": "All"},
        {"List-Id": "<nieuws.gemeente.example>"},
        {"Return-Path": "<>"},
    ],
)
def test_automatic_mail_files_nothing_and_gets_no_answer(
    org,
    django_capture_on_commit_callbacks,
    headers,
):
    received = _receive(
        message(sender=org.contact.email, subject="Afwezig", headers=headers),
        django_capture_on_commit_callbacks,
    )
    assert received.outcome == InboundOutcome.IGNORED
    assert not Issue.objects.exists() and not mail.outbox


def test_a_bounce_files_nothing(django_capture_on_commit_callbacks, db):
    assert _receive(BOUNCE, django_capture_on_commit_callbacks).outcome == InboundOutcome.IGNORED


def test_an_unknown_sender_gets_one_polite_answer_and_the_message_is_quarantined(
    db, django_capture_on_commit_callbacks
):
    for _ in range(2):
        received = _receive(
            message(sender="vreemde@elders.example"), django_capture_on_commit_callbacks
        )
        assert received.outcome == InboundOutcome.QUARANTINED
    assert not Issue.objects.exists()
    (answer,) = mail.outbox
    assert answer.to == ["vreemde@elders.example"]
    assert "http" in answer.body
    kept = InboundMessage.objects.filter(outcome=InboundOutcome.QUARANTINED)
    assert kept.count() == 2 and all(bytes(m.raw) for m in kept)


def test_a_contact_of_another_client_learns_nothing_of_the_issue(
    org,
    other_org,
    django_capture_on_commit_callbacks,
):
    issue = issue_file(org)
    received = _receive(
        message(sender=other_org.contact.email, subject=f"Re: [{issue.reference}]"),
        django_capture_on_commit_callbacks,
    )
    assert received.outcome == InboundOutcome.QUARANTINED and received.issue is None
    assert not issue.comments.exists()
    (answer,) = mail.outbox
    assert issue.reference not in answer.subject + answer.body


def test_a_refused_attachment_is_named_in_the_answer_and_the_rest_is_taken_in(
    org,
    django_capture_on_commit_callbacks,
):
    received = _receive(
        message(
            sender=org.contact.email,
            attachments=(
                ("scherm.png", PNG, "image/png"),
                ("virus.exe", b"MZ\x90\x00", "application/octet-stream"),
            ),
        ),
        django_capture_on_commit_callbacks,
    )
    assert [a.original_name for a in received.issue.attachments.all()] == ["scherm.png"]
    (answer,) = [m for m in mail.outbox if m.to == [org.contact.email]]
    assert "virus.exe" in answer.body


def test_html_to_text_keeps_the_words_and_drops_the_markup():
    assert html_to_text("<p>Een &lt;b&gt; <b>twee</b></p><p>drie</p>") == "Een <b> twee\n\ndrie"


def test_the_command_reads_a_message_from_standard_input(
    org,
    monkeypatch,
):
    out = io.StringIO()
    monkeypatch.setattr(
        "sys.stdin", io.TextIOWrapper(io.BytesIO(message(sender=org.contact.email)))
    )
    call_command("mail_receive", stdout=out)
    assert out.getvalue().startswith("filed ")


def test_the_command_refuses_input_that_is_no_message_in_one_line(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"hallo\n")))
    with pytest.raises(CommandError, match="no sender"):
        call_command("mail_receive")


def test_a_file_dropped_in_the_mail_in_folder_becomes_an_issue(org, tmp_path):
    (tmp_path / "melding.eml").write_bytes(message(sender=org.contact.email))
    (tmp_path / "kapot.eml").write_bytes(b"geen bericht")
    assert mail_folder_read(folder=tmp_path) == 1
    assert Issue.objects.filter(requester=org.contact).exists()
    assert (tmp_path / "done" / "melding.eml").exists()
    assert (tmp_path / "failed" / "kapot.eml").exists()
    assert not list(tmp_path.glob("*.eml"))
