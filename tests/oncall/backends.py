"""An email backend for tests that fails on purpose, then delivers to Django's test outbox."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FaultyBackend(EmailBackend):
    """Raise an SMTP error for the next ``failures`` sends and for addresses in ``refuse``."""

    failures = 0
    refuse: set[str] = set()

    def send_messages(self, messages):
        if FaultyBackend.failures > 0:
            FaultyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        for message in messages:
            refused = set(message.to) & FaultyBackend.refuse
            if refused:
                raise smtplib.SMTPRecipientsRefused({a: (550, b"No such user") for a in refused})
        return super().send_messages(messages)
