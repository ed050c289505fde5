"""The issue page: conversation, Markdown, replies, files, close and reopen, watchers, history."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.factories import ContactFactory
from tests.portal.helpers import PNG, issue_file, log_in, pdf, png
from tests.security.test_xss import executable_parts
from tickets import services
from tickets.choices import Status
from tickets.models import Attachment, Comment, Issue


@pytest.fixture
def issue(org):
    return issue_file(org, files=[pdf("logboek.pdf")])


@pytest.fixture
def logged_in(client, org):
    return log_in(client, org.contact)


def _url(name: str, issue: Issue) -> str:
    return reverse(f"portal:{name}", args=[issue.reference])


def _page(client, issue) -> str:
    response = client.get(_url("issue-detail", issue))
    assert response.status_code == 200
    return response.content.decode()


def test_page_shows_the_issue_its_files_and_its_sla(logged_in, issue):
    html = _page(logged_in, issue)
    assert issue.title in html
    assert "logboek.pdf" in html
    for clock in issue.sla_clocks.all():
        assert f'datetime="{clock.due_at.isoformat()}"' in html


def test_description_is_rendered_as_sanitised_markdown(logged_in, org):
    issue = issue_file(
        org,
        description="**vet** <script>alert('x')</script> [klik](javascript:alert(1)) "
        "[docs](https://example.org) <img src=x onerror=alert(1)>",
    )
    html = _page(logged_in, issue)
    assert "<strong>vet</strong>" in html
    assert executable_parts(html) == []
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">docs</a>' in html


def test_internal_notes_and_files_are_never_shown_to_the_client(logged_in, org, issue):
    services.comment_create(
        issue=issue,
        author=org.staff,
        body="Geheime notitie",
        is_internal=True,
        files=[png("x.png")],
    )
    services.comment_create(issue=issue, author=org.staff, body="Publiek antwoord")
    html = _page(logged_in, issue)
    assert "Publiek antwoord" in html
    assert "Geheime notitie" not in html
    assert "x.png" not in html


def test_a_reply_is_added_with_its_files_and_mails_the_watchers(
    logged_in, org, issue, mailoutbox, django_capture_on_commit_callbacks
):
    colleague = ContactFactory(client=org.client, username="collega")
    services.issue_watch(issue=issue, actor=colleague, watcher=colleague)
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            _url("issue-reply", issue), {"body": "Het gebeurt weer", "attachments": [png("nu.png")]}
        )
    assert response.status_code == 302
    comment = Comment.objects.get(issue=issue)
    assert comment.author == org.contact and not comment.is_internal
    assert comment.attachments.get().original_name == "nu.png"
    assert [m.to for m in mailoutbox] == [[colleague.email]]
    assert "Het gebeurt weer" in _page(logged_in, issue)


def test_an_empty_reply_is_refused_with_a_message(logged_in, issue):
    response = logged_in.post(_url("issue-reply", issue), {"body": "  "})
    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"] == ["Write a reply or choose a file."]
    assert not Comment.objects.exists()


def test_a_huge_reply_is_refused_with_a_message(logged_in, issue):
    response = logged_in.post(_url("issue-reply", issue), {"body": "x" * 20001})
    assert response.status_code == 400
    assert "at most 20000 characters" in response.context["reply_form"].errors["body"][0]


def test_a_reply_with_a_bad_file_is_refused_and_keeps_nothing(logged_in, issue):
    fake = SimpleUploadedFile("echt.pdf", PNG)
    response = logged_in.post(
        _url("issue-reply", issue), {"body": "Zie bijlage", "attachments": [fake]}
    )
    assert response.status_code == 400
    assert "does not match its file type" in response.context["reply_form"].errors["attachments"][0]
    assert not Comment.objects.exists()


def test_a_reply_to_a_closed_issue_is_refused_with_a_message(logged_in, org, issue):
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.CLOSED)
    response = logged_in.post(_url("issue-reply", issue), {"body": "Nog een vraag"})
    assert response.status_code == 400
    assert "Reopen it to reply" in response.context["reply_form"].errors["body"][0]


def test_files_can_be_added_without_a_message(logged_in, issue):
    response = logged_in.post(_url("issue-attach", issue), {"attachments": [png("extra.png")]})
    assert response.status_code == 302
    assert issue.attachments.filter(original_name="extra.png", comment=None).exists()


def test_adding_no_files_is_refused_with_a_message(logged_in, issue):
    response = logged_in.post(_url("issue-attach", issue), {})
    assert response.status_code == 400
    assert response.context["attachment_form"].errors["attachments"] == [
        "Choose at least one file."
    ]


def test_too_many_files_are_refused(logged_in, issue, settings):
    settings.ATTACHMENT_MAX_FILES = 1
    response = logged_in.post(
        _url("issue-attach", issue), {"attachments": [png("a.png"), png("b.png")]}
    )
    assert response.status_code == 400
    assert Attachment.objects.filter(issue=issue).count() == 1


def test_files_for_a_resolved_issue_are_refused_as_replies_are(logged_in, org, issue):
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.RESOLVED)
    # The page hides the form; posting it anyway changes nothing.
    response = logged_in.post(_url("issue-attach", issue), {"attachments": [png("late.png")]})
    assert response.status_code == 400
    assert "Reopen it to add files" in response.context["attachment_form"].errors["attachments"][0]
    assert not issue.attachments.filter(original_name="late.png").exists()


def test_an_issue_takes_no_more_files_than_its_limit(logged_in, issue, settings):
    settings.ATTACHMENT_MAX_PER_ISSUE = 3  # The issue holds logboek.pdf already.
    added = logged_in.post(_url("issue-attach", issue), {"attachments": [png("a.png"), png()]})
    refused = logged_in.post(_url("issue-attach", issue), {"attachments": [png("c.png")]})
    replied = logged_in.post(_url("issue-reply", issue), {"body": "Nog", "attachments": [png()]})

    assert added.status_code == 302
    assert refused.status_code == 400
    errors = refused.context["attachment_form"].errors["attachments"]
    assert errors == ["This issue holds 3 files; it takes at most 3."]
    assert replied.status_code == 400
    assert issue.attachments.count() == 3
    assert not issue.comments.exists()


def test_the_client_closes_an_issue(logged_in, issue):
    html = _page(logged_in, issue)
    assert _url("issue-close", issue) in html
    assert _url("issue-reopen", issue) not in html
    response = logged_in.post(_url("issue-close", issue), {"version": issue.version}, follow=True)
    issue.refresh_from_db()
    assert issue.status == Status.CLOSED
    assert "The issue has been closed." in response.content.decode()


def test_a_stale_page_cannot_overwrite_a_newer_change(logged_in, org, issue):
    stale = issue.version
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.IN_PROGRESS)
    response = logged_in.post(_url("issue-close", issue), {"version": stale}, follow=True)
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS
    assert "Someone else changed this issue" in response.content.decode()


def test_a_status_form_without_version_answers_with_a_message(logged_in, issue):
    response = logged_in.post(_url("issue-close", issue), {}, follow=True)
    assert "Reload the page and try again." in response.content.decode()


def test_reopen_is_offered_within_the_window(logged_in, org, issue):
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.RESOLVED)
    issue.refresh_from_db()
    html = _page(logged_in, issue)
    assert _url("issue-reopen", issue) in html
    logged_in.post(_url("issue-reopen", issue), {"version": issue.version})
    issue.refresh_from_db()
    assert issue.status == Status.IN_PROGRESS


def test_reopen_is_neither_offered_nor_accepted_after_the_window(logged_in, org, issue, settings):
    long_ago = timezone.now() - timedelta(days=settings.ISSUE_REOPEN_DAYS + 1)
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.RESOLVED, now=long_ago)
    issue.refresh_from_db()
    html = _page(logged_in, issue)
    assert _url("issue-reopen", issue) not in html
    assert "Please file a new issue." in html
    response = logged_in.post(_url("issue-reopen", issue), {"version": issue.version}, follow=True)
    issue.refresh_from_db()
    assert issue.status == Status.RESOLVED
    assert "can no longer be reopened" in response.content.decode()


def test_history_shows_status_and_priority_changes_but_not_internal_events(logged_in, org, issue):
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.IN_PROGRESS)
    services.issue_change_priority(
        issue=issue, actor=org.staff, priority="P2", reason="Breder probleem"
    )
    services.issue_assign(issue=issue, actor=org.staff, assignee=org.staff)
    html = _page(logged_in, issue)
    assert "Status New → In progress" in html
    assert "Priority P3 normal → P2 high" in html
    assert "Breder probleem" in html
    assert "Assignee changed" not in html


def test_watchers_are_listed_and_a_contact_can_follow_and_unfollow(client, org, issue):
    log_in(client, org.admin)
    assert escape(org.contact) in _page(client, issue)
    client.post(_url("issue-watch", issue), {"watch": "1"})
    assert issue.watchers.filter(pk=org.admin.pk).exists()
    client.post(_url("issue-watch", issue), {"watch": "0"})
    assert not issue.watchers.filter(pk=org.admin.pk).exists()


def test_actions_answer_only_to_post(logged_in, issue):
    for name in ("issue-reply", "issue-attach", "issue-close", "issue-reopen", "issue-watch"):
        assert logged_in.get(_url(name, issue)).status_code == 405


def test_a_deactivated_colleague_cannot_be_followed_in_the_list(logged_in, org, issue):
    gone = ContactFactory(client=org.client, username="weg", first_name="Weg", last_name="Persoon")
    services.issue_watch(issue=issue, actor=gone, watcher=gone)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert "Weg Persoon" not in _page(logged_in, issue)


def test_the_page_has_one_upload_form(logged_in, issue):
    html = _page(logged_in, issue)

    assert html.count('id="id_attachments"') == 1
    assert html.count('type="file"') == 1


def test_files_without_a_message_go_through_the_one_form(logged_in, issue):
    response = logged_in.post(_url("issue-reply", issue), {"attachments": [png("los.png")]})

    assert response.status_code == 302
    assert issue.attachments.filter(original_name="los.png", comment__isnull=True).exists()
    assert not issue.comments.exists()


def test_a_file_lists_who_added_it_and_when(logged_in, issue, org):
    html = _page(logged_in, issue)

    assert f"added by {org.contact}" in html
