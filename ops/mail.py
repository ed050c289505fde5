"""A local email backend that keeps each sent message as an .eml file under var/mail."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesParser

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class LocalMailboxBackend(BaseEmailBackend):
    """Write every message to its own file, so the local mailbox page can list and show it."""

    def send_messages(self, email_messages) -> int:
        folder = settings.MAIL_DIR
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(message.message().as_bytes(linesep="\n"))
            sent += 1
        return sent


@dataclass(frozen=True)
class MailboxEntry:
    name: str
    subject: str
    to: str
    sent_at: datetime


def mailbox_messages(limit: int = 200) -> list[MailboxEntry]:
    """Return the newest kept messages first, with the headers the mailbox list shows."""
    folder = settings.MAIL_DIR
    if not folder.is_dir():
        return []
    parser = BytesParser(policy=policy.default)
    entries = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        with path.open("rb") as fh:
            headers = parser.parse(fh, headersonly=True)
        entries.append(
            MailboxEntry(
                name=path.name,
                subject=str(headers.get("Subject", "")),
                to=str(headers.get("To", "")),
                sent_at=datetime.fromtimestamp(
                    path.stat().st_mtime, tz=timezone.get_current_timezone()
                ),
            )
        )
    return entries
