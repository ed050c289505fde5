"""A local email backend that keeps each sent message as an .eml file under var/mail.

Chat-webhook and SMS messages of local mode are kept beside them as .json files, so the
local mailbox page shows everything the app sent.
"""

import json
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


def local_message_record(*, kind: str, to: str, text: str, reference: str = "") -> str:
    """Keep a chat-webhook or SMS message of local mode for the mailbox page; return its name.

    ``kind`` is "webhook" or "sms"; ``to`` is the number or the webhook it was meant for.
    """
    folder = settings.MAIL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    name = f"{stamp}-{uuid.uuid4().hex[:8]}.{kind}.json"
    record = {"kind": kind, "to": to, "text": text, "reference": reference}
    (folder / name).write_text(json.dumps(record, ensure_ascii=False))
    return name


@dataclass(frozen=True)
class MailboxEntry:
    name: str
    subject: str
    to: str
    sent_at: datetime
    kind: str = "email"
    text: str = ""


def _json_entry(path) -> MailboxEntry | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    text = str(record.get("text", ""))
    return MailboxEntry(
        name=path.name,
        subject=text.splitlines()[0] if text else "",
        to=str(record.get("to", "")),
        sent_at=datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.get_current_timezone()),
        kind=str(record.get("kind", "")),
        text=text,
    )


def mailbox_messages(limit: int = 200) -> list[MailboxEntry]:
    """Return the newest kept messages first (email, chat webhook, SMS) for the mailbox list."""
    folder = settings.MAIL_DIR
    if not folder.is_dir():
        return []
    parser = BytesParser(policy=policy.default)
    paths = sorted([*folder.glob("*.eml"), *folder.glob("*.json")], reverse=True)[:limit]
    entries = []
    for path in paths:
        if path.suffix == ".json":
            entry = _json_entry(path)
            if entry is not None:
                entries.append(entry)
            continue
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
