"""Mail in from a real IMAP mailbox (Dovecot): every kind of message a desk receives."""

import pytest
from django.core import mail

from mail.models import InboundMessage, InboundOutcome
from mail.transports import mail_imap_poll
from sla.models import ClockState
from tests.mail import dovecot
from tests.mail.messages import BOUNCE, OUTLOOK_HTML, PNG, message
from tests.portal.helpers import issue_file
from tickets import services
from tickets.choices import Status
from tickets.models import Issue

pytestmark = pytest.mark.skipif(
    not dovecot.available(), reason="Dovecot (dovecot-imapd) is not installed, or not root"
)


@pytest.fixture
def imap():
    server = dovecot.Dovecot().start()
    yield server
    server.stop()


def _poll(imap, capture) -> int:
    with capture(execute=True):
        return mail_imap_poll(url=imap.url("support"))


def test_a_mailbox_of_every_kind_of_message_is_taken_in_once(
    org, imap, django_capture_on_commit_callbacks
):
    waiting = issue_file(org, title="Wacht op u")
    services.issue_change_status(issue=waiting, actor=org.staff, status=Status.WAITING_ON_CLIENT)
    new = message(sender=org.contact.email, subject="Nieuwe storing")
    reply = message(
        sender=org.contact.email,
        subject=f"RE: [{waiting.reference}] Wacht op u",
        text="Hier is de informatie.\n\nOn Mon, 2 Mar 2026, PAQT wrote:\n> Welke versie?\n",
    )
    outlook = message(sender=org.contact.email, subject="Alleen HTML", text=None, html=OUTLOOK_HTML)
    auto = message(
        sender=org.contact.email, subject="Afwezig", headers={"Auto-Submitted": "auto-replied"}
    )
    stranger = message(sender="onbekend@elders.example", subject="Hallo")
    refused = message(
        sender=org.contact.email,
        subject="Met bijlagen",
        attachments=(
            ("scherm.png", PNG, "image/png"),
            ("run.exe", b"MZ", "application/x-msdos-program"),
        ),
    )
    for raw in (new, reply, outlook, auto, BOUNCE, stranger, refused, new):
        imap.deliver("support", raw)

    assert _poll(imap, django_capture_on_commit_callbacks) == 8
    assert _poll(imap, django_capture_on_commit_callbacks) == 0

    outcomes = dict(InboundMessage.objects.values_list("subject", "outcome"))
    assert outcomes == {
        "Nieuwe storing": InboundOutcome.FILED,
        f"RE: [{waiting.reference}] Wacht op u": InboundOutcome.REPLIED,
        "Alleen HTML": InboundOutcome.FILED,
        "Afwezig": InboundOutcome.IGNORED,
        "Undelivered": InboundOutcome.IGNORED,
        "Hallo": InboundOutcome.QUARANTINED,
        "Met bijlagen": InboundOutcome.FILED,
    }
    assert Issue.objects.filter(title="Nieuwe storing").count() == 1
    waiting.refresh_from_db()
    assert waiting.status == Status.IN_PROGRESS
    assert waiting.comments.get().body == "Hier is de informatie."
    resolution = waiting.sla_clocks.get(kind="resolution")
    assert resolution.state == ClockState.RUNNING
    answers = {tuple(m.to): m for m in mail.outbox if "run.exe" in m.body or "portal" in m.body}
    assert ("onbekend@elders.example",) in answers
    assert "run.exe" in answers[(org.contact.email,)].body
