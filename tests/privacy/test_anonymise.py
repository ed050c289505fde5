"""An administrator anonymises a departed contact; the issue history stays, under a placeholder."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.services import user_anonymise
from api.models import ApiToken
from api.services import api_token_create
from audit.models import AuditAction, AuditEntry
from mail.inbound import mail_receive
from mail.models import InboundMessage, OutboxMessage
from monitoring.services import monitoring_user_for
from paqt_support.exceptions import ApplicationError, NotAllowedError
from tests.factories import ContactFactory, StaffFactory
from tests.mail.messages import message
from tests.portal.helpers import issue_file, log_in
from tickets import services
from tickets.models import Comment, EventKind, Issue, IssueEvent

PASSWORD = "correct horse battery"


@pytest.fixture
def departed(org):
    """The contact who leaves: an issue filed, a reply, a follow, a token, a phone app."""
    contact = org.contact
    issue = issue_file(org, title="Koppeling met BRP valt uit")
    services.comment_create(issue=issue, author=contact, body="Graag snel oppakken.")
    other = issue_file(org, requester=org.admin, title="Vraag over rechten")
    services.issue_watch(issue=other, actor=contact, watcher=contact)
    api_token_create(user=contact, name="Koppelscript")
    TOTPDevice.objects.create(user=contact, name="Telefoon", confirmed=True)
    StaticDevice.objects.create(user=contact, name="Herstelcodes")
    contact.identity = (contact.get_full_name(), contact.email, contact.username)
    contact.issue = issue
    return contact


def test_contact_gets_a_placeholder_and_loses_name_email_password_and_access(
    departed, administrator
):
    user = user_anonymise(user=departed, actor=administrator)

    user.refresh_from_db()
    assert user.pk == departed.pk
    assert user.username == f"former-contact-{user.pk}"
    assert (user.first_name, user.last_name, user.email) == ("", "", "")
    assert str(user) == f"former-contact-{user.pk}"
    assert not user.has_usable_password()
    assert not user.is_active
    assert not user.is_client_admin
    assert user.anonymised_at is not None


def test_issue_history_stays_with_the_same_row(departed, administrator):
    events_before = IssueEvent.objects.filter(issue=departed.issue).count()

    user_anonymise(user=departed, actor=administrator)

    departed.issue.refresh_from_db()
    assert departed.issue.requester_id == departed.pk
    assert Comment.objects.filter(author_id=departed.pk).count() == 1
    assert IssueEvent.objects.filter(issue=departed.issue).count() == events_before


def test_follows_tokens_second_factors_and_sessions_are_removed(departed, administrator):
    elsewhere = Client()
    elsewhere.force_login(departed)
    assert Session.objects.count() == 1

    user_anonymise(user=departed, actor=administrator)

    assert not departed.watched_issues.exists()
    assert not ApiToken.objects.filter(user_id=departed.pk).exists()
    assert not TOTPDevice.objects.filter(user_id=departed.pk).exists()
    assert not StaticDevice.objects.filter(user_id=departed.pk).exists()
    assert Session.objects.count() == 0
    response = elsewhere.get(reverse("portal:issue-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_names_copied_into_follow_events_are_replaced(departed, administrator):
    name = departed.identity[0]
    follows = IssueEvent.objects.filter(kind=EventKind.WATCHER_ADDED, data__user=departed.pk)
    assert [event.data["name"] for event in follows] == [name]

    user_anonymise(user=departed, actor=administrator)

    assert [event.data["name"] for event in follows.all()] == [f"former-contact-{departed.pk}"]


def test_anonymised_contact_cannot_log_in(departed, administrator):
    _name, _email, username = departed.identity

    user_anonymise(user=departed, actor=administrator)

    assert authenticate(username=username, password=PASSWORD) is None
    assert authenticate(username=f"former-contact-{departed.pk}", password=PASSWORD) is None


def test_colleague_sees_the_placeholder_on_the_portal_issue_page(
    client, org, departed, administrator
):
    name, email, _username = departed.identity
    user_anonymise(user=departed, actor=administrator)
    log_in(client, org.admin)

    response = client.get(reverse("portal:issue-detail", args=[departed.issue.reference]))

    text = response.content.decode()
    assert response.status_code == 200
    assert f"former-contact-{departed.pk}" in text
    assert "Graag snel oppakken." in text
    assert name not in text
    assert email not in text


def test_team_sees_the_placeholder_on_the_admin_issue_page(client, org, departed, administrator):
    name, email, _username = departed.identity
    user_anonymise(user=departed, actor=administrator)
    client.force_login(org.staff)

    for issue in departed.issue, Issue.objects.get(title="Vraag over rechten"):
        response = client.get(reverse("admin:tickets_issue_change", args=[issue.pk]))
        text = response.content.decode()
        assert response.status_code == 200
        assert name not in text
        assert email not in text
    assert (
        f"former-contact-{departed.pk}"
        in client.get(
            reverse("admin:tickets_issue_change", args=[departed.issue.pk])
        ).content.decode()
    )


def test_anonymising_is_recorded_in_the_access_log_without_the_old_identity(
    departed, administrator
):
    name, email, username = departed.identity

    user_anonymise(user=departed, actor=administrator)

    entry = AuditEntry.objects.get(action=AuditAction.ANONYMISE)
    assert entry.user == administrator
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(departed.pk)
    assert entry.object_repr == f"former-contact-{departed.pk}"
    assert entry.client_id == departed.client_id
    assert entry.detail == {
        "api_tokens": 1,
        "second_factors": 2,
        "sessions": 0,
        "follows": 2,
        "emails": 0,
        "single_sign_on_links": 0,
    }
    assert not {name, email, username} & {entry.object_repr, entry.user_label, str(entry.detail)}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda org: StaffFactory(username="oud-collega"), "is a staff member"),
        (lambda org: monitoring_user_for(client=org.client), "is a service account"),
        (
            lambda org: ContactFactory(client=org.client, username="root", is_superuser=True),
            "is a superuser",
        ),
    ],
    ids=["staff", "service account", "superuser"],
)
def test_only_a_clients_contacts_can_be_anonymised(org, administrator, make, message):
    user = make(org)

    with pytest.raises(ApplicationError, match=message):
        user_anonymise(user=user, actor=administrator)

    user.refresh_from_db()
    assert user.anonymised_at is None
    assert not AuditEntry.objects.filter(action=AuditAction.ANONYMISE).exists()


def test_a_contact_is_anonymised_once(departed, administrator):
    user_anonymise(user=departed, actor=administrator)

    with pytest.raises(ApplicationError, match="has already been anonymised"):
        user_anonymise(user=departed, actor=administrator)

    assert AuditEntry.objects.filter(action=AuditAction.ANONYMISE).count() == 1


def test_nobody_anonymises_themselves(administrator):
    with pytest.raises(ApplicationError, match="your own account"):
        user_anonymise(user=administrator, actor=administrator)


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_only_an_administrator_may_anonymise(org, departed, who):
    actor = getattr(org, who)

    with pytest.raises(NotAllowedError, match="Only an administrator"):
        user_anonymise(user=departed, actor=actor)

    departed.refresh_from_db()
    assert departed.anonymised_at is None


def _action(client, *users, apply: bool):
    data = {"action": "anonymise_departed_contacts", "_selected_action": [u.pk for u in users]}
    if apply:
        data["apply"] = "Anonymise"
    return client.post(reverse("admin:accounts_user_changelist"), data)


def test_admin_action_asks_for_confirmation_first(client, departed, administrator):
    client.force_login(administrator)

    response = _action(client, departed, apply=False)

    text = response.content.decode()
    assert response.status_code == 200
    assert "This cannot be undone." in text
    assert departed.identity[1] in text
    assert 'name="apply"' in text
    departed.refresh_from_db()
    assert departed.anonymised_at is None


def test_admin_action_anonymises_and_reports_each_refusal(client, org, departed, administrator):
    client.force_login(administrator)
    staff = org.staff
    _name, _email, username = departed.identity

    response = _action(client, departed, staff, apply=True)

    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(t.startswith("Anonymised 1 contact:") and username in t for t in texts)
    assert any(
        t.startswith(f"{staff} ({staff.username}) was not anonymised: ") and "staff member" in t
        for t in texts
    )
    assert User.objects.get(pk=departed.pk).anonymised_at is not None
    assert User.objects.get(pk=staff.pk).anonymised_at is None
    entry = AuditEntry.objects.get(action=AuditAction.ANONYMISE)
    assert entry.user == administrator
    assert entry.channel == "admin"


def test_the_mail_sent_to_and_received_from_the_contact_keeps_neither_address_nor_text(
    org, departed, administrator, django_capture_on_commit_callbacks
):
    _name, email, _username = departed.identity
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(issue=departed.issue, author=org.staff, body="Welke versie?")
    mail_receive(raw=message(sender=email, subject="Nieuwe vraag"))
    assert OutboxMessage.objects.filter(recipient=departed).exists()

    user_anonymise(user=departed, actor=administrator)

    assert not OutboxMessage.objects.filter(to_address__iexact=email).exists()
    assert not OutboxMessage.objects.filter(recipient=departed).exclude(text="").exists()
    assert not InboundMessage.objects.filter(sender__iexact=email).exists()
