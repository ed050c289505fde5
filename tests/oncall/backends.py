"""An email backend for tests that fails on purpose, then delivers to Django's test outbox."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FaultyBackend(EmailBackend):
    """Raise an SMTP error for the next ``failures`` sends and for addresses in ``refuse``.

    ``script``, when not empty, decides each next send instead: "ok", "down" (the server
    drops the connection) or "refused" (it refuses the recipient with 550).
    """

    failures = 0
    refuse: set[str] = set()
    script: list[str] = []

    def send_messages(self, messages):
        if FaultyBackend.script:
            outcome = FaultyBackend.script.pop(0)
            if outcome == "down":
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if outcome == "refused":
                refused = {a for m in messages for a in m.to}
                raise smtplib.SMTPRecipientsRefused({a: (550, b"No such user") for a in refused})
            return super().send_messages(messages)
        if FaultyBackend.failures > 0:
            FaultyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        for message in messages:
            refused = set(message.to) & FaultyBackend.refuse
            if refused:
                raise smtplib.SMTPRecipientsRefused({a: (550, b"No such user") for a in refused})
        return super().send_messages(messages)
