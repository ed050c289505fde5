"""Logging in and out, password reset by email, and the language of the pages."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.portal.helpers import log_in

PASSWORD = "correct horse battery"


def test_pages_are_dutch_by_default(client, db, settings):
    settings.LANGUAGE_CODE = "nl"
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="nl">' in response.content.decode()


def test_the_language_switcher_chooses_english(client, db, settings):
    settings.LANGUAGE_CODE = "nl"
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="nl">' in html
    assert f'action="{reverse("set_language")}"' in html
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )
    assert '<html lang="en">' in response.content.decode()
    assert response.client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_a_contact_logs_in_and_lands_on_the_issue_list(client, org):
    response = client.post(
        reverse("login"), {"username": org.contact.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(response.url, follow=True).redirect_chain[-1][0] == reverse(
        "portal:issue-list"
    )


def test_a_wrong_password_answers_with_a_message(client, org):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("login"), {"username": org.contact.username, "password": "x"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_the_user_menu_logs_out_with_a_post(client, org):
    log_in(client, org.contact)
    html = client.get(reverse("portal:issue-list")).content.decode()
    assert re.search(rf'<form action="{reverse("logout")}" method="post">', html)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("portal:issue-list")).status_code == 302


def test_the_local_mailbox_is_linked_when_mail_stays_local(client, org, settings):
    settings.EMAIL_BACKEND = "ops.mail.LocalMailboxBackend"
    assert (
        "/dev/mail/"
        in log_in(client, org.contact).get(reverse("portal:issue-list")).content.decode()
    )


def test_the_local_mailbox_is_not_linked_when_mail_goes_out(client, org):
    assert (
        "/dev/mail/"
        not in log_in(client, org.contact).get(reverse("portal:issue-list")).content.decode()
    )


@pytest.mark.parametrize("language", ["en", "nl"])
def test_password_reset_by_email(client, org, mailoutbox, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("password_reset"), {"email": org.contact.email}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("password_reset_done")
    (message,) = mailoutbox
    if language == "en":
        assert message.subject == "Choose a new password for PAQT Support"
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form = client.get(path, follow=True)
    assert form.context["validlink"]
    new = "Een heel nieuw wachtwoord"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert client.login(username=org.contact.username, password=new)
    # The link works once.
    assert not client.get(path, follow=True).context["validlink"]


def test_a_weak_new_password_answers_with_a_message(client, org, mailoutbox):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(reverse("password_reset"), {"email": org.contact.email})
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mailoutbox[0].body).group(0)
    form = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "kort", "new_password2": "kort"}
    )
    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()


def test_pages_of_the_login_flow_render(client, db):
    for name in ("login", "password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(name)).status_code == 200, name
