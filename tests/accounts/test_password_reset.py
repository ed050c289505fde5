"""Asking for a new password: the same answer, as fast, for any address; a few times an hour."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts import forms
from audit.models import AuditAction, AuditEntry
from mail.models import OutboxKind, OutboxMessage, OutboxStatus
from tests.steps import counting_steps

RESET = reverse("password_reset")
NOON = datetime(2026, 3, 2, 12, 0, 30, tzinfo=UTC)
LIMIT_MESSAGE = "A new password was asked for too often, for this address or from here."


@pytest.fixture
def queued(monkeypatch):
    """Record the tasks queued to send a reset mail instead of running them."""
    calls = []
    monkeypatch.setattr(forms.password_reset_send_task, "delay", lambda *args: calls.append(args))
    return calls


def _ask(browser, email: str, address: str = "192.0.2.1"):
    return browser.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_the_page_does_the_same_work_for_a_known_and_an_unknown_address(org, queued):
    browser = Client()
    known, unknown = org.contact.email, "nobody-at-all@example.org"

    def steps(email: str, budget: int | None = None) -> int:
        _ask(browser, email)  # Once uncounted, for the caches.
        with counting_steps(budget=budget) as count:
            response = _ask(browser, email)
        assert response.status_code == 302
        return count.steps

    unknown_steps = steps(unknown)
    known_steps = steps(known, budget=int(unknown_steps * 1.05))

    assert known_steps <= unknown_steps * 1.05
    assert [email for email, _language in queued] == [unknown] * 2 + [known] * 2


def test_the_task_mails_the_link_in_the_language_of_the_page(org, mailoutbox):
    browser = Client(headers={"accept-language": "nl"})
    browser.cookies["django_language"] = "nl"
    _ask(browser, org.contact.email.upper())
    (message,) = mailoutbox
    assert message.to == [org.contact.email]
    assert message.subject == "Kies een nieuw wachtwoord voor PAQT Support"


def test_an_unknown_address_gets_no_mail_and_the_same_answer(db, mailoutbox):
    response = _ask(Client(), "nobody-at-all@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_an_address_is_sent_a_link_a_few_times_an_hour(org, queued, settings):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 3
    browser = Client()
    with time_machine.travel(NOON, tick=False):
        answers = [_ask(browser, org.contact.email, f"192.0.2.{n}") for n in range(4)]
    assert [a.status_code for a in answers] == [302, 302, 302, 200]
    assert LIMIT_MESSAGE in answers[-1].text
    assert "Try again in 60 minutes." in answers[-1].text
    assert len(queued) == 3
    with time_machine.travel(NOON.replace(hour=13), tick=False):
        assert _ask(browser, org.contact.email).status_code == 302


def test_one_client_address_asks_a_limited_number_of_times(db, queued, settings):
    settings.PASSWORD_RESET_LIMIT_PER_IP = 2
    browser = Client()
    with time_machine.travel(NOON, tick=False):
        answers = [_ask(browser, f"person{n}@example.org") for n in range(3)]
        elsewhere = _ask(browser, "person9@example.org", address="198.51.100.1")
    assert [a.status_code for a in answers] == [302, 302, 200]
    assert LIMIT_MESSAGE in answers[-1].text
    assert elsewhere.status_code == 302
    assert len(queued) == 3


def test_the_request_only_queues_the_lookup_and_sends_nothing_itself(org, queued, mailoutbox):
    _ask(Client(), org.contact.email)
    assert queued and mailoutbox == []
    assert not OutboxMessage.objects.exists()


def test_the_reset_mail_leaves_through_the_outbox_and_is_logged_when_delivered(org, mailoutbox):
    _ask(Client(), org.contact.email)
    (row,) = OutboxMessage.objects.all()
    assert row.kind == OutboxKind.PASSWORD_RESET and row.status == OutboxStatus.DELIVERED
    assert mailoutbox[0].extra_headers["Message-ID"] == row.message_id
    assert AuditEntry.objects.filter(action=AuditAction.SEND, user=org.contact).exists()
