"""Take in one RFC 5322 message from standard input, for a mail server's pipe."""

import sys

from django.core.management.base import BaseCommand, CommandError

from mail.inbound import mail_receive
from paqt_support.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Read one email message from standard input and file an issue or add a reply."

    def handle(self, *args, **options):
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("No message on standard input.")
        try:
            received = mail_receive(raw=raw)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        issue = received.issue.reference if received.issue else "-"
        note = " (seen before)" if received.duplicate else ""
        self.stdout.write(f"{received.outcome} {issue}{note}")
