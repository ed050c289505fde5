"""Take in mail: from one RFC 5322 message, file an issue or add a reply, as the portal would.

Every message is handled once (by its Message-ID) and logged with channel email. Automatic
mail (auto-replies, bounces, lists) is ignored without an answer. A message from an address
no active account has is kept in quarantine for staff, and its sender gets one polite
answer a day that names the portal and nothing else.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from email_reply_parser import EmailReplyParser

from accounts.models import User
from audit import context as audit_context
from audit.models import AuditAction, AuditChannel
from audit.services import audit_record
from mail.models import InboundMessage, InboundOutcome, OutboxKind, OutboxMessage
from mail.outbox import MailTemplates, Recipient, outbox_compose, outbox_queue
from paqt_support.exceptions import ApplicationError
from paqt_support.ratelimit import first_in_period
from sla.selectors import agreement_applying
from tickets import services
from tickets.attachments import AttachmentRejected, attachment_check
from tickets.choices import Status
from tickets.models import Channel, Issue
from tickets.selectors import issue_visible_to

REFERENCE = re.compile(r"\b([A-Z0-9]{2,12}-\d{4}-\d{3,})\b")
THREAD = re.compile(r"^<issue-(\d+)@")
MESSAGE_IDS = re.compile(r"<[^<>\s]+>")
# Where mail programs start the quoted message below a reply written on top.
QUOTE_START = re.compile(
    r"^\s*(_{20,}|-{3,}\s*(Original Message|Oorspronkelijk bericht|Ursprüngliche Nachricht)"
    r"\s*-{3,})\s*$",
    re.IGNORECASE | re.MULTILINE,
)
NOT_ANSWERED = {"bulk", "list", "junk"}
AUTOMATIC_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id")
# One answer to an address we take no mail from, per this many seconds.
REFUSAL_PERIOD = 24 * 60 * 60


class MailUnreadableError(ApplicationError):
    """The input is not a message we can read: no sender."""

    code = "mail-unreadable"


@dataclass(frozen=True)
class Received:
    """What became of a message: its outcome, the issue concerned, and why."""

    outcome: str
    issue: Issue | None = None
    reason: str = ""
    duplicate: bool = False


class _TextOfHtml(HTMLParser):
    """Collect the text of an HTML mail, one line per block; scripts and styles dropped."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table"}
    SKIPPED = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "hr":
            self.parts.append("\n" + "_" * 32 + "\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Return the readable text of ``html``, without markup."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return parser.text()


def mail_parse(raw: bytes) -> EmailMessage:
    """Parse ``raw`` as an RFC 5322 message; raise ``MailUnreadableError`` without a sender."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    try:
        sender = parseaddr(str(message.get("From") or ""))[1]
    except (TypeError, ValueError):
        sender = ""
    if "@" not in sender:
        raise MailUnreadableError(_("The message has no sender address."))
    return message


def _automatic(message: EmailMessage) -> str:
    """Return why ``message`` was sent by a machine (an auto-reply, a bounce, a list), or ''."""
    auto = str(message.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return "Auto-Submitted"
    if str(message.get("Precedence") or "").strip().lower() in NOT_ANSWERED:
        return "Precedence"
    for header in AUTOMATIC_HEADERS:
        if message.get(header) is not None:
            return header
    return_path = message.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("", "<>"):
        return "Return-Path"
    if message.get_content_type() == "multipart/report":
        return "multipart/report"
    return ""


def mail_text(message: EmailMessage) -> str:
    """Return what the sender wrote: the text part (or the HTML made text), quotes cut."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_type() == "text/html":
        content = html_to_text(content)
    content = content.replace("\r\n", "\n")
    cut = QUOTE_START.search(content)
    if cut:
        content = content[: cut.start()]
    return EmailReplyParser.parse_reply(content).strip()


def _attachments(message: EmailMessage) -> tuple[list[SimpleUploadedFile], list[str]]:
    """Return the attachments that pass the upload checks, and why the others were refused."""
    accepted, refused = [], []
    for part in message.iter_attachments():
        name = part.get_filename() or _("attachment")
        upload = SimpleUploadedFile(
            name, part.get_payload(decode=True) or b"", content_type=part.get_content_type()
        )
        if len(accepted) >= settings.ATTACHMENT_MAX_FILES:
            refused.append(
                _("%(name)s: at most %(count)d files are taken from one message.")
                % {"name": name, "count": settings.ATTACHMENT_MAX_FILES}
            )
            continue
        try:
            attachment_check(upload)
        except AttachmentRejected as error:
            refused.append(error.message)
        else:
            accepted.append(upload)
    return accepted, refused


def _issue_referred(message: EmailMessage, subject: str) -> Issue | None:
    """Return the issue the message answers: by our Message-IDs, else by the subject."""
    ids = " ".join(str(message.get(h) or "") for h in ("In-Reply-To", "References"))
    for message_id in reversed(MESSAGE_IDS.findall(ids)):
        thread = THREAD.match(message_id)
        if thread:
            issue = Issue.objects.filter(pk=int(thread.group(1))).first()
        else:
            sent = OutboxMessage.objects.filter(message_id=message_id, issue__isnull=False).first()
            issue = sent.issue if sent is not None else None
        if issue is not None:
            return issue
    for reference in REFERENCE.findall(subject):
        issue = Issue.objects.filter(reference=reference).first()
        if issue is not None:
            return issue
    return None


def _sender(address: str) -> User | None:
    return (
        User.objects.filter(email__iexact=address, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .first()
    )


def _mail_priority(*, client_id: int, now: datetime) -> str:
    """Return the priority of an issue filed by mail: ``MAIL_DEFAULT_PRIORITY`` when the
    agreement offers it, else the least urgent priority it offers."""
    agreement = agreement_applying(client_id=client_id, at=now)
    offered = sorted(t.priority for t in agreement.targets.all()) if agreement else []
    if not offered or settings.MAIL_DEFAULT_PRIORITY in offered:
        return settings.MAIL_DEFAULT_PRIORITY
    return offered[-1]


def _reply(*, issue: Issue, author: User, body: str, files, now: datetime) -> None:
    """Add a reply by mail, as the portal would: a client's reply reopens a done issue
    within the reopen window (and so resumes its clocks)."""
    if not author.is_staff and issue.status in (Status.RESOLVED, Status.CLOSED):
        services.issue_change_status(
            issue=issue, actor=author, status=Status.IN_PROGRESS, channel=Channel.EMAIL, now=now
        )
        issue.refresh_from_db()
    services.comment_create(
        issue=issue, author=author, body=body, files=files, channel=Channel.EMAIL, now=now
    )


def _answer(*, kind: str, key: str, template: str, address: str, context: dict) -> None:
    outbox_queue(
        messages=outbox_compose(
            kind=kind,
            key=key,
            templates=MailTemplates(subject=f"{template}_subject.txt", text=f"{template}.txt"),
            context={"portal_url": settings.SITE_URL, **context},
            recipients=[
                Recipient(
                    key=f"address:{address}", address=address, language=settings.LANGUAGE_CODE
                )
            ],
        )
    )


def _refusal(*, user: User | None, issue: Issue | None, client_id: int | None) -> str:
    """Return why mail from ``user`` about ``issue`` is not taken in, or ''."""
    if user is None:
        return "unknown sender"
    if user.is_staff:
        if issue is None or not issue_visible_to(issue=issue, user=user):
            return "staff mail about no issue of theirs"
        return ""
    if client_id is not None and user.client_id != client_id:
        return "contact of another client"
    if issue is not None and issue.client_id != user.client_id:
        return "issue of another client"
    return ""


def _take_in(
    *,
    message: EmailMessage,
    sender: str,
    subject: str,
    message_id: str,
    client_id: int | None,
    now: datetime,
) -> tuple[Received, User | None]:
    """Decide what ``message`` becomes and do it; return the outcome and the sender's account."""
    automatic = _automatic(message)
    if automatic:
        return Received(InboundOutcome.IGNORED, reason=automatic), None
    user = _sender(sender)
    issue = _issue_referred(message, subject)
    refusal = _refusal(user=user, issue=issue, client_id=client_id)
    if refusal:
        return Received(InboundOutcome.QUARANTINED, reason=refusal), user
    files, refused = _attachments(message)
    body = mail_text(message)
    if not body and files:
        body = _("(See the attached files.)")
    try:
        if issue is not None:
            if not body:
                return Received(InboundOutcome.IGNORED, issue=issue, reason="empty"), user
            _reply(issue=issue, author=user, body=body, files=files, now=now)
            received = Received(InboundOutcome.REPLIED, issue=issue)
        else:
            filed = services.issue_create(
                client=user.client,
                requester=user,
                title=subject or _("Issue by email"),
                description=body or subject or _("Issue by email"),
                priority=_mail_priority(client_id=user.client_id, now=now),
                files=files,
                channel=Channel.EMAIL,
                now=now,
            )
            received = Received(InboundOutcome.FILED, issue=filed)
    except ApplicationError as error:
        return Received(InboundOutcome.QUARANTINED, issue=issue, reason=error.message), user
    if refused:
        _answer(
            kind=OutboxKind.MAIL_RECEIVED,
            key=message_id,
            template="mail/email/received",
            address=user.email,
            context={"issue": received.issue, "refused": refused},
        )
    return received, user


def mail_receive(
    *, raw: bytes, client_id: int | None = None, now: datetime | None = None
) -> Received:
    """Handle one RFC 5322 message ``raw``; return what became of it.

    ``client_id`` names the client whose own mailbox the message came to: only its
    contacts (and staff) are taken in from there.

    Raise ``MailUnreadableError`` for input that is no message with a sender. The same
    Message-ID a second time changes nothing.
    """
    now = now or timezone.now()
    message = mail_parse(raw)
    sender = parseaddr(str(message["From"]))[1].strip().lower()
    subject = " ".join(str(message.get("Subject") or "").split())[:255]
    message_id = str(message.get("Message-ID") or "").strip()[:255]
    if not message_id:
        message_id = f"<{hashlib.sha256(raw).hexdigest()}@received>"
    with transaction.atomic():
        record, created = InboundMessage.objects.get_or_create(
            message_id=message_id,
            defaults={
                "sender": sender,
                "subject": subject,
                "received_at": now,
                "outcome": InboundOutcome.IGNORED,
            },
        )
        if not created:
            return Received(record.outcome, issue=record.issue, duplicate=True)
        received, user = _take_in(
            message=message,
            sender=sender,
            subject=subject,
            message_id=message_id,
            client_id=client_id,
            now=now,
        )
        record.outcome, record.issue, record.reason = (
            received.outcome,
            received.issue,
            received.reason,
        )
        fields = ["outcome", "issue", "reason"]
        if received.outcome == InboundOutcome.QUARANTINED:
            record.raw = raw
            fields.append("raw")
            # Staff are not answered: they know the portal.
            answered = user is None or not user.is_staff
            if answered and first_in_period(
                scope="mail-refused", key=sender, period=REFUSAL_PERIOD
            ):
                _answer(
                    kind=OutboxKind.MAIL_REFUSED,
                    key=message_id,
                    template="mail/email/refused",
                    address=sender,
                    context={},
                )
        record.save(update_fields=fields)
        with audit_context.acting(channel=AuditChannel.EMAIL, user=user):
            audit_record(
                action=AuditAction.RECEIVE,
                obj=received.issue,
                user=user,
                detail={"message_id": message_id, "outcome": received.outcome},
            )
    return received
