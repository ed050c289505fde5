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


def test_the_text_parts_links_are_real_links(admin_client, settings):
    settings.EMAIL_BACKEND = "ops.mail.LocalMailboxBackend"
    message = EmailMultiAlternatives(
        subject="Oproep", body="Bevestig: http://testserver/oncall/acknowledge/abc/", to=["a@b.nl"]
    )
    get_connection("ops.mail.LocalMailboxBackend").send_messages([message])
    name = next(settings.MAIL_DIR.glob("*.eml")).name

    content = admin_client.get(f"/dev/mail/{name}").content.decode()

    assert '<a href="http://testserver/oncall/acknowledge/abc/"' in content


def test_the_html_part_opens_in_its_own_tab_sandboxed(admin_client, settings):
    settings.EMAIL_BACKEND = "ops.mail.LocalMailboxBackend"
    _send_local("Met opmaak")
    name = next(settings.MAIL_DIR.glob("*.eml")).name

    page = admin_client.get(f"/dev/mail/{name}").content.decode()
    response = admin_client.get(f"/dev/mail/{name}/html")

    assert f'href="/dev/mail/{name}/html" target="_blank"' in page
    assert response.content.startswith(b"<p>HTML</p>")
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox") and "frame-ancestors" not in policy
