"""Where incoming mail comes from: a folder of .eml files (local mode) and IMAP mailboxes."""

import logging
import shutil
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from imap_tools import AND, MailBox, MailBoxUnencrypted

from clients.models import Client
from mail.inbound import mail_receive
from paqt_support.exceptions import ApplicationError

logger = logging.getLogger(__name__)


def mail_folder_read(*, folder: Path) -> int:
    """Take in every ``*.eml`` file in ``folder``, oldest name first; return how many.

    A file taken in moves to ``done/``, one that is no message to ``failed/``, so that
    each is read once.
    """
    if not folder.is_dir():
        return 0
    handled = 0
    for path in sorted(folder.glob("*.eml")):
        try:
            mail_receive(raw=path.read_bytes())
        except ApplicationError as error:
            logger.warning("Mail file %s not taken in: %s", path.name, error.message)
            aside = folder / "failed"
        else:
            aside = folder / "done"
            handled += 1
        aside.mkdir(exist_ok=True)
        shutil.move(path, aside / path.name)
    return handled


def _mailbox(url: str):
    """Return an unopened mailbox, its user, password, folder and client id, for ``url``."""
    parts = urlsplit(url)
    secure = parts.scheme == "imaps"
    box = (MailBox if secure else MailBoxUnencrypted)(
        parts.hostname, parts.port or (993 if secure else 143)
    )
    code = parse_qs(parts.query).get("client", [""])[0]
    client_id = (
        Client.objects.filter(code=code).values_list("pk", flat=True).first() if code else None
    )
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return box, unquote(parts.username or ""), unquote(parts.password or ""), folder, client_id


def mail_imap_poll(*, url: str) -> int:
    """Take in the unseen messages of the IMAP mailbox at ``url``; return how many.

    A message is marked seen once handled; one handled twice (a poll that died before
    marking it) changes nothing, by its Message-ID.
    """
    box, user, password, folder, client_id = _mailbox(url)
    handled = 0
    with box.login(user, password, initial_folder=folder) as mailbox:
        for message in mailbox.fetch(AND(seen=False), mark_seen=False, bulk=20):
            try:
                mail_receive(raw=message.obj.as_bytes(), client_id=client_id)
            except ApplicationError as error:
                logger.warning("IMAP message %s not taken in: %s", message.uid, error.message)
            handled += 1
            mailbox.flag(message.uid, "\\Seen", True)
    return handled
