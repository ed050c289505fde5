"""Paging channels: how a page reaches a person. Email now; SMS, chat or a webhook can follow."""

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from audit import context as audit_context
from audit.models import AuditAction, AuditChannel
from audit.services import audit_record

TEMPLATE = "oncall/email/page"


@dataclass(frozen=True)
class PageRequest:
    """Everything a channel needs to deliver one page; ``page_id`` is stable across attempts."""

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


class PagingChannel(Protocol):
    """Deliver a page, or raise. Raising any exception counts as a failed attempt."""

    name: str

    def send(self, request: PageRequest) -> str:
        """Deliver ``request`` and return the channel's id for the message sent."""


def page_message_id(page_id: int) -> str:
    """Return the Message-ID of every email for page ``page_id``: the same on each attempt.

    A page sent again after a crash left its outcome unknown carries the same Message-ID,
    so a mail client that drops duplicates shows it once.
    """
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<oncall-page-{page_id}@{domain}>"


class EmailChannel:
    """Page by email through Django's email backend, in the recipient's language."""

    name = "email"

    def send(self, request: PageRequest) -> str:
        context = {
            "issue": request.issue,
            "agreement": request.agreement,
            "recipient": request.recipient,
            "step": request.step,
            "next_step": request.next_step,
            "issue_url": request.issue_url,
            "acknowledge_url": request.acknowledge_url,
        }
        with translation.override(request.recipient.preferred_language):
            subject = " ".join(render_to_string(f"{TEMPLATE}_subject.txt", context).split())
            text = render_to_string(f"{TEMPLATE}.txt", context)
            html = render_to_string(f"{TEMPLATE}.html", context)
        message_id = page_message_id(request.page_id)
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[request.recipient.email],
            headers={
                "Message-ID": message_id,
                "Auto-Submitted": "auto-generated",
                "Importance": "high",
                "X-Priority": "1",
                "X-PAQT-Page": f"{request.escalation_id}/{request.page_id}",
            },
        )
        message.attach_alternative(html, "text/html")
        message.send(fail_silently=False)
        with audit_context.acting(channel=AuditChannel.EMAIL):
            audit_record(
                action=AuditAction.SEND,
                obj=request.issue,
                user=request.recipient,
                detail={"page": request.page_id},
            )
        return message_id


CHANNELS: dict[str, PagingChannel] = {"email": EmailChannel()}


def channel_for(name: str) -> PagingChannel:
    """Return the channel registered under ``name``; raise KeyError for an unknown one."""
    return CHANNELS[name]
