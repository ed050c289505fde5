"""Paging channels: how a page reaches a person. Email, a chat webhook and SMS."""

import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from audit import context as audit_context
from audit.models import AuditAction, AuditChannel
from audit.services import audit_record
from mail.delivery import mail_message
from mail.outbox import MailTemplates, mail_render
from ops.mail import local_message_record

TEMPLATE = "oncall/email/page"
SHORT_TEMPLATE = "oncall/page_short.txt"


@dataclass(frozen=True)
class PageRequest:
    """Everything a channel needs to deliver one page; ``page_id`` is stable across attempts.

    ``phone`` and ``webhook_url`` come from the recipient's paging profile (empty when none).
    """

    page_id: int
    escalation_id: int
    recipient: object
    issue: object
    agreement: object
    step: dict
    next_step: dict | None
    issue_url: str
    acknowledge_url: str
    attempt: int
    phone: str = ""
    webhook_url: str = ""


class PagingChannel(Protocol):
    """Deliver a page, or raise. Raising any exception counts as a failed attempt."""

    name: str

    def send(self, request: PageRequest) -> str:
        """Deliver ``request`` and return the channel's id for the message sent."""


class ChannelError(Exception):
    """A channel did not deliver a page.

    ``permanent`` says the fault lies with the recipient's address (refused, not set), so
    that trying again through this channel will not help; otherwise the channel itself
    failed (a server down or answering an error) and may work again later.
    """

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def failure_is_permanent(exc: BaseException) -> bool:
    """Return whether ``exc`` refused the recipient rather than showed the channel failing.

    An SMTP server that refuses every recipient with a 5xx code refuses the address; a
    4xx code, a lost connection or a timeout is the channel's own trouble.
    """
    if isinstance(exc, ChannelError):
        return exc.permanent
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        return all(code >= 500 for code, _message in exc.recipients.values())
    return False


def page_message_id(page_id: int) -> str:
    """Return the Message-ID of every email for page ``page_id``: the same on each attempt.

    A page sent again after a crash left its outcome unknown carries the same Message-ID,
    so a mail client that drops duplicates shows it once.
    """
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<oncall-page-{page_id}@{domain}>"


def page_short_text(request: PageRequest) -> str:
    """Return the page as a short text with its acknowledge link, in the recipient's language."""
    context = {"issue": request.issue, "acknowledge_url": request.acknowledge_url}
    with translation.override(request.recipient.preferred_language):
        return render_to_string(SHORT_TEMPLATE, context).strip()


def _audit_sent(request: PageRequest, *, channel: str) -> None:
    with audit_context.acting(channel=AuditChannel.SYSTEM):
        audit_record(
            action=AuditAction.SEND,
            obj=request.issue,
            user=request.recipient,
            detail={"page": request.page_id, "channel": channel},
        )


class EmailChannel:
    """Page by email through Django's email backend, in the recipient's language."""

    name = "email"

    def send(self, request: PageRequest) -> str:
        if not request.recipient.email:
            raise ChannelError("no email address", permanent=True)
        context = {
            "issue": request.issue,
            "agreement": request.agreement,
            "recipient": request.recipient,
            "step": request.step,
            "next_step": request.next_step,
            "issue_url": request.issue_url,
            "acknowledge_url": request.acknowledge_url,
        }
        rendered = mail_render(
            MailTemplates.named(TEMPLATE), context, request.recipient.preferred_language
        )
        message_id = page_message_id(request.page_id)
        message = mail_message(
            rendered=rendered,
            to=request.recipient.email,
            message_id=message_id,
            headers={
                "Importance": "high",
                "X-Priority": "1",
                "X-PAQT-Page": f"{request.escalation_id}/{request.page_id}",
            },
        )
        message.send(fail_silently=False)
        with audit_context.acting(channel=AuditChannel.EMAIL):
            audit_record(
                action=AuditAction.SEND,
                obj=request.issue,
                user=request.recipient,
                detail={"page": request.page_id},
            )
        return message_id


def http_post_json(*, url: str, body: dict, headers: dict | None = None) -> int:
    """POST ``body`` as JSON to ``url`` and return the status; raise ``ChannelError`` on failure.

    A 4xx answer other than 408 and 429 refuses the request for good (``permanent``); a
    5xx answer, a refused connection or a timeout (``PAGING_HTTP_TIMEOUT`` seconds) is the
    other side's trouble.
    """
    data = json.dumps(body).encode()
    http_request = urllib.request.Request(  # noqa: S310 - the URL is an http(s) setting
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            http_request, timeout=settings.PAGING_HTTP_TIMEOUT
        ) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise ChannelError(f"HTTP {exc.code} from {_host(url)}", permanent=permanent) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ChannelError(f"{_host(url)} unreachable: {reason}") from None


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


class WebhookChannel:
    """Page through the engineer's chat webhook with ``{"text": ...}``.

    That one shape is what the incoming webhooks of Mattermost, Slack and Microsoft Teams
    all accept; the text carries the acknowledge link.
    """

    name = "webhook"

    def send(self, request: PageRequest) -> str:
        if not request.webhook_url:
            raise ChannelError("no chat webhook", permanent=True)
        http_post_json(url=request.webhook_url, body={"text": page_short_text(request)})
        _audit_sent(request, channel=self.name)
        return f"webhook-page-{request.page_id}"


def sms_send(*, to: str, text: str, reference: str) -> None:
    """Send ``text`` to the number ``to`` through the SMS gateway; raise ``ChannelError``.

    ``SMS_GATEWAY_URL`` takes MessageBird's JSON shape, with ``SMS_GATEWAY_KEY`` sent as
    ``Authorization: AccessKey``. Without a URL, local mode keeps the message for the local
    mailbox page and production fails.
    """
    if not settings.SMS_GATEWAY_URL:
        if settings.IS_PRODUCTION:
            raise ChannelError("SMS_GATEWAY_URL is not set")
        local_message_record(kind="sms", to=to, text=text, reference=reference)
        return
    body = {"originator": settings.SMS_ORIGINATOR, "recipients": [to], "body": text}
    if reference:
        body["reference"] = reference
    http_post_json(
        url=settings.SMS_GATEWAY_URL,
        headers={"Authorization": f"AccessKey {settings.SMS_GATEWAY_KEY}"},
        body=body,
    )


class SmsChannel:
    """Page by SMS through the HTTP gateway (``sms_send``) with the acknowledge link.

    ``reference`` is the same on every attempt of a page, so a gateway that drops repeated
    references sends it once.
    """

    name = "sms"

    def send(self, request: PageRequest) -> str:
        if not request.phone:
            raise ChannelError("no mobile number", permanent=True)
        reference = f"page-{request.page_id}"
        sms_send(to=request.phone, text=page_short_text(request), reference=reference)
        _audit_sent(request, channel=self.name)
        return reference


CHANNELS: dict[str, PagingChannel] = {
    "email": EmailChannel(),
    "webhook": WebhookChannel(),
    "sms": SmsChannel(),
}


def channel_for(name: str) -> PagingChannel:
    """Return the channel registered under ``name``; raise KeyError for an unknown one."""
    return CHANNELS[name]
