"""The emails about issues, as their recipients read them, in English and in Dutch."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from clients.models import Team
from tests.portal.helpers import issue_file
from tickets import services
from tickets.choices import Status

# Monday 30 November 2026, 10:00 in Amsterdam.
FILED_AT = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.fixture
def send_now(django_capture_on_commit_callbacks):
    """Run the notification tasks that services queue on commit."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def _html(message) -> str:
    ((body, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return body


def _to(mailoutbox, user):
    return [m for m in mailoutbox if m.to == [user.email]]


@pytest.mark.parametrize(
    ("language", "filed_on"), [("en", "30 November 2026, 10:00"), ("nl", "30 november 2026, 10:00")]
)
def test_new_issue_email_to_the_team_in_its_members_language(
    org, mailoutbox, send_now, language, filed_on
):
    org.staff.preferred_language = language
    org.staff.save(update_fields=["preferred_language"])
    issue = send_now(issue_file, org, priority="P2", component="Zaaksysteem", now=FILED_AT)
    (message,) = _to(mailoutbox, org.staff)
    admin_url = settings.SITE_URL + reverse("admin:tickets_issue_change", args=[issue.pk])
    assert message.subject == f"[{issue.reference}] New issue (P2): {issue.title}" or (
        language == "nl" and message.subject.startswith(f"[{issue.reference}]")
    )
    assert filed_on in message.body
    assert admin_url in message.body
    assert "Zaaksysteem" in message.body
    html = _html(message)
    assert f'<html lang="{language}">' in html
    assert f'href="{admin_url}"' in html
    assert "<strong>fout 500</strong>" in html


def test_new_issue_email_goes_to_the_teams_shared_address(org, mailoutbox, send_now):
    Team.objects.filter(client=org.client).update(email="team-vrb@example.org")
    issue = send_now(issue_file, org)
    shared = [m for m in mailoutbox if m.to == ["team-vrb@example.org"]]
    assert len(shared) == 1
    assert "Hello team," in shared[0].body or issue.reference in shared[0].subject


def test_user_input_is_escaped_in_html_and_plain_in_text(org, mailoutbox, send_now):
    org.staff.preferred_language = "en"
    org.staff.save(update_fields=["preferred_language"])
    send_now(
        issue_file,
        org,
        title="Fout <b>vet</b> & 'quote'",
        description="<img src=x onerror=alert(1)>",
    )
    (message,) = _to(mailoutbox, org.staff)
    assert "Fout <b>vet</b> & 'quote'" in message.subject
    assert "Fout <b>vet</b> & 'quote'" in message.body
    html = _html(message)
    assert "Fout &lt;b&gt;vet&lt;/b&gt; &amp;" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_public_reply_is_emailed_to_the_requester(org, mailoutbox, send_now, language):
    org.contact.preferred_language = language
    org.contact.save(update_fields=["preferred_language"])
    issue = issue_file(org)
    mailoutbox.clear()
    send_now(
        services.comment_create, issue=issue, author=org.staff, body="We hebben het **opgelost**."
    )
    (message,) = mailoutbox
    portal_url = settings.SITE_URL + reverse("portal:issue-detail", args=[issue.reference])
    assert message.to == [org.contact.email]
    assert message.subject.startswith(f"[{issue.reference}]")
    assert issue.title in message.subject
    assert "We hebben het **opgelost**." in message.body
    assert portal_url in message.body
    html = _html(message)
    assert "<strong>opgelost</strong>" in html
    assert f'<html lang="{language}">' in html
    if language == "en":
        assert message.subject == f"[{issue.reference}] New reply: {issue.title}"
        assert f"{org.staff} has replied to this issue:" in message.body


def test_a_status_change_is_emailed_to_requester_and_watchers_but_not_the_actor(
    org, mailoutbox, send_now
):
    issue = issue_file(org)
    services.issue_watch(issue=issue, actor=org.admin, watcher=org.admin)
    mailoutbox.clear()
    send_now(services.issue_change_status, issue=issue, actor=org.staff, status=Status.RESOLVED)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([org.contact.email, org.admin.email])
    message = mailoutbox[0]
    assert message.subject == f"[{issue.reference}] Resolved: {issue.title}"
    assert "The status of this issue has changed from New to Resolved." in message.body
    assert "reopen the issue from its page" in message.body

    mailoutbox.clear()
    issue.refresh_from_db()
    send_now(services.issue_change_status, issue=issue, actor=org.contact, status=Status.CLOSED)
    assert [m.to for m in mailoutbox] == [[org.admin.email]]


def test_a_priority_change_is_emailed_with_its_reason(org, mailoutbox, send_now):
    issue = issue_file(org)
    mailoutbox.clear()
    send_now(
        services.issue_change_priority,
        issue=issue,
        actor=org.staff,
        priority="P1",
        reason="Alle loketten liggen eruit",
    )
    (message,) = mailoutbox
    assert message.subject == f"[{issue.reference}] Priority P1 critical: {issue.title}"
    assert "from P3 normal to P1 critical" in message.body
    assert "Alle loketten liggen eruit" in message.body


def test_an_internal_note_sends_no_email(org, mailoutbox, send_now):
    issue = issue_file(org)
    mailoutbox.clear()
    send_now(
        services.comment_create, issue=issue, author=org.staff, body="Intern", is_internal=True
    )
    assert mailoutbox == []
