"""Tests for the local mailbox: the email backend and the pages that list sent mail."""

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection

pytestmark = pytest.mark.django_db


def _send_local(subject="Hallo", to="jan@example.org"):
    message = EmailMultiAlternatives(subject=subject, body="Tekst", to=[to])
    message.attach_alternative("<p>HTML</p>", "text/html")
    connection = get_connection("ops.mail.LocalMailboxBackend")
    return connection.send_messages([message])


def test_local_backend_keeps_each_message_as_its_own_file(settings):
    assert _send_local("Eerste") == 1
    assert _send_local("Tweede") == 1
    files = sorted(settings.MAIL_DIR.glob("*.eml"))
    assert len(files) == 2
    assert b"Subject: Eerste" in files[0].read_bytes()


def test_mailbox_page_lists_sent_messages_newest_first(admin_client, settings):
    settings.EMAIL_BACKEND = "ops.mail.LocalMailboxBackend"
    _send_local("Eerste")
    _send_local("Tweede")
    response = admin_client.get("/dev/mail/")
    assert response.status_code == 200
    content = response.content.decode()
    assert content.index("Tweede") < content.index("Eerste")


def test_mailbox_message_page_shows_text_and_html_parts(admin_client, settings):
    settings.EMAIL_BACKEND = "ops.mail.LocalMailboxBackend"
    _send_local("Met inhoud")
    name = next(settings.MAIL_DIR.glob("*.eml")).name
    response = admin_client.get(f"/dev/mail/{name}")
    assert response.status_code == 200
    assert "Tekst" in response.content.decode()


def test_mailbox_refuses_paths_outside_the_mail_folder(admin_client, settings):
    settings.EMAIL_BACKEND = "ops.mail.LocalMailboxBackend"
    assert admin_client.get("/dev/mail/..%2Fsecret_key").status_code == 404
    assert admin_client.get("/dev/mail/nothing.eml").status_code == 404


def test_mailbox_is_hidden_when_real_email_is_configured(admin_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert admin_client.get("/dev/mail/").status_code == 404
