"""The client admin's pages: list, invite, deactivate and reactivate colleagues."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts import services
from accounts.models import User
from paqt_support.exceptions import NotAllowedError
from tests.factories import ContactFactory
from tests.portal.helpers import log_in

LIST = reverse("accounts:colleague-list")
INVITE = reverse("accounts:colleague-invite")


def _invite_data(**overrides) -> dict:
    data = {
        "email": "Nieuwe.Collega@Vreeburg.nl",
        "first_name": "Noor",
        "last_name": "Jansen",
        "language": "nl",
    }
    data.update(overrides)
    return data


@pytest.fixture
def as_admin(client, org):
    return log_in(client, org.admin)


def test_the_list_shows_the_organisations_contacts_only(as_admin, org, other_org):
    html = as_admin.get(LIST).content.decode()
    assert escape(org.contact) in html
    assert org.contact.email in html
    assert other_org.contact.email not in html
    assert org.staff.email not in html


def test_a_contact_who_is_no_admin_does_not_find_the_pages(client, org):
    log_in(client, org.contact)
    assert client.get(LIST).status_code == 404
    assert client.get(INVITE).status_code == 404
    url = reverse("accounts:colleague-deactivate", args=[org.admin.pk])
    assert client.post(url).status_code == 404
    org.admin.refresh_from_db()
    assert org.admin.is_active


def test_the_menu_links_to_colleagues_for_admins_only(client, org):
    assert LIST in log_in(client, org.admin).get(reverse("portal:issue-list")).content.decode()
    assert (
        LIST not in log_in(client, org.contact).get(reverse("portal:issue-list")).content.decode()
    )


def test_an_invitation_creates_the_colleague_and_mails_a_link_to_choose_a_password(
    as_admin, client, org, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(INVITE, _invite_data(language="en"), follow=True)
    assert "Noor Jansen has been invited" in response.content.decode()
    user = User.objects.get(email="nieuwe.collega@vreeburg.nl")
    assert user.client == org.client
    assert user.username == "nieuwe.collega@vreeburg.nl"
    assert not user.has_usable_password()
    assert not user.is_client_admin and not user.is_staff

    (message,) = mailoutbox
    assert message.to == [user.email]
    assert message.subject == f"You have been invited to PAQT Support for {org.client.name}"
    assert str(org.admin) in message.body
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    assert f'href="{link}"' in message.alternatives[0][0]

    # The link is Django's set-password page; afterwards the colleague logs in.
    client.logout()
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(f"/{path}", follow=True)
    assert form_page.context["validlink"]
    password = "Drie losse woorden hier"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )
    assert done.status_code == 200
    assert client.login(username="nieuwe.collega@vreeburg.nl", password=password)


def test_the_invitation_is_written_in_the_colleagues_language(
    as_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(INVITE, _invite_data(language="nl"))
    (message,) = mailoutbox
    assert '<html lang="nl">' in message.alternatives[0][0]


def test_an_admin_can_invite_another_admin(as_admin):
    as_admin.post(INVITE, _invite_data(is_client_admin="on"))
    assert User.objects.get(email="nieuwe.collega@vreeburg.nl").is_client_admin


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": ""}, "email", "This field is required."),
        ({"email": "geen-adres"}, "email", "Enter a valid email address."),
        ({"first_name": ""}, "first_name", "This field is required."),
        ({"last_name": "x" * 151}, "last_name", "at most 150 characters"),
        ({"language": "de"}, "language", "Select a valid choice."),
    ],
)
def test_bad_invitations_answer_with_a_message(as_admin, overrides, field, message):
    users_before = User.objects.count()
    response = as_admin.post(INVITE, _invite_data(**overrides))
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    # By count: factories give the organisation's people random names, Noor among them.
    assert User.objects.count() == users_before


def test_a_colleagues_address_is_refused_with_a_message(as_admin, org, mailoutbox):
    response = as_admin.post(INVITE, _invite_data(email=org.contact.email.upper()))
    assert response.context["form"].errors["email"] == [
        "Someone in your organisation has this email address already."
    ]
    assert mailoutbox == []


def _invited(as_admin, email: str, capture) -> tuple[int, str, str]:
    """Invite ``email``; return the answer's status, where it leads and what it says there."""
    with capture(execute=True):
        response = as_admin.post(INVITE, _invite_data(email=email))
    page = as_admin.get(response["Location"]).content.decode()
    said = re.search(r"Noor Jansen has been invited[^<]*", page).group(0)
    return response.status_code, response["Location"], said.replace(email.lower(), "<email>")


@pytest.mark.parametrize("outsider", ["other_client_contact", "staff_member", "other_admin"])
def test_an_address_outside_the_organisation_is_answered_as_a_new_one_and_the_team_told(
    as_admin, org, other_org, mailoutbox, django_capture_on_commit_callbacks, outsider
):
    address = {
        "other_client_contact": other_org.contact.email,
        "staff_member": org.staff.email,
        "other_admin": other_org.admin.email.upper(),
    }[outsider]
    users_before = User.objects.count()

    outside = _invited(as_admin, address, django_capture_on_commit_callbacks)
    told = [m for m in mailoutbox if m.to == [org.staff.email]]
    mailoutbox.clear()
    fresh = _invited(as_admin, "noor@vreeburg.nl", django_capture_on_commit_callbacks)

    assert outside == fresh
    assert User.objects.count() == users_before + 1
    assert not User.objects.filter(client=org.client, email__iexact=address).exists()
    assert [m.subject for m in told] == [f"An invitation at {org.client.name} was not sent"]
    assert address.lower() in told[0].body
    assert str(org.admin) in told[0].body


def test_without_a_team_the_administrators_are_told(org, other_org, mailoutbox, settings):
    settings.ADMINS = [("Beheer", "beheer@example.org")]
    org.client.team.delete()

    services.invitation_refused_notify(admin=org.admin, email=other_org.contact.email, key="1")

    assert [m.to for m in mailoutbox] == [["beheer@example.org"]]


def test_deactivate_and_reactivate_a_colleague(as_admin, client, org):
    deactivate = reverse("accounts:colleague-deactivate", args=[org.contact.pk])
    response = as_admin.post(deactivate, follow=True)
    assert f"{escape(org.contact)} can no longer log in." in response.content.decode()
    org.contact.refresh_from_db()
    assert not org.contact.is_active
    assert not client.login(username=org.contact.username, password="correct horse battery")

    log_in(client, org.admin)
    client.post(reverse("accounts:colleague-reactivate", args=[org.contact.pk]))
    org.contact.refresh_from_db()
    assert org.contact.is_active


def test_a_deactivated_colleague_is_logged_out_of_open_sessions(client, org):
    log_in(client, org.contact)
    services.colleague_deactivate(admin=org.admin, colleague=org.contact)
    response = client.get(reverse("portal:issue-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_admin_cannot_deactivate_itself(as_admin, org):
    response = as_admin.post(
        reverse("accounts:colleague-deactivate", args=[org.admin.pk]), follow=True
    )
    assert "You cannot deactivate your own account." in response.content.decode()
    org.admin.refresh_from_db()
    assert org.admin.is_active


@pytest.mark.parametrize("target", ["other_contact", "staff"])
def test_users_of_another_client_and_staff_answer_404(as_admin, org, other_org, target):
    user = other_org.contact if target == "other_contact" else org.staff
    for name in ("accounts:colleague-deactivate", "accounts:colleague-reactivate"):
        assert as_admin.post(reverse(name, args=[user.pk])).status_code == 404
    user.refresh_from_db()
    assert user.is_active


def test_the_services_refuse_what_the_pages_never_offer(org, other_org):
    with pytest.raises(NotAllowedError):
        services.colleague_deactivate(admin=org.admin, colleague=other_org.contact)
    with pytest.raises(NotAllowedError):
        services.colleague_deactivate(admin=org.admin, colleague=org.staff)
    with pytest.raises(NotAllowedError):
        services.colleague_deactivate(admin=org.contact, colleague=org.admin)
    with pytest.raises(NotAllowedError):
        services.colleague_invite(
            admin=org.contact, email="x@example.org", first_name="X", last_name="Y"
        )
    inactive_admin = ContactFactory(client=org.client, is_client_admin=True, is_active=False)
    with pytest.raises(NotAllowedError):
        services.colleague_reactivate(admin=inactive_admin, colleague=org.contact)


def test_an_invitation_is_not_sent_again_once_a_password_was_chosen(org, mailoutbox):
    from accounts.tasks import invitation_send_task

    user = services.colleague_invite(
        admin=org.admin, email="later@example.org", first_name="La", last_name="Ter"
    )
    user.set_password("Een gekozen wachtwoord")
    user.save(update_fields=["password"])
    invitation_send_task(user.pk, org.admin.pk)
    assert mailoutbox == []


def test_the_monitoring_user_is_no_colleague_and_cannot_be_deactivated(as_admin, org):
    from monitoring.services import monitoring_user_for

    robot = monitoring_user_for(client=org.client)
    assert robot.is_service_account
    assert robot.username not in as_admin.get(LIST).content.decode()
    url = reverse("accounts:colleague-deactivate", args=[robot.pk])
    assert as_admin.post(url).status_code == 404
    robot.refresh_from_db()
    assert robot.is_active
