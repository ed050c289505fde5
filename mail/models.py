"""The outbox: one row per message and recipient, with what happened to it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxKind(models.TextChoices):
    ISSUE_CREATED = "issue_created", _("new issue")
    ISSUE_UPDATED = "issue_updated", _("issue update")
    SLA_NOTICE = "sla_notice", _("SLA notice")
    INVITATION = "invitation", _("invitation")
    INVITATION_REFUSED = "invitation_refused", _("invitation refused")
    PASSWORD_RESET = "password_reset", _("password reset")
    UNLOCK_LINK = "unlock_link", _("unlock link")
    MAIL_REFUSED = "mail_refused", _("answer to mail not taken in")
    MAIL_RECEIVED = "mail_received", _("answer to mail taken in")
    HANDOFF_NOTICE = "handoff_notice", _("on-call handoff notice")
    WEBHOOK_DISABLED = "webhook_disabled", _("webhook endpoint switched off")


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    BOUNCED = "bounced", _("bounced")
    WITHHELD = "withheld", _("withheld")


class OutboxMessage(models.Model):
    """One message to one recipient; its idempotency key makes queueing it twice a no-op."""

    kind = models.CharField(_("kind"), max_length=32, choices=OutboxKind.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    issue = models.ForeignKey(
        "tickets.Issue",
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_address = models.CharField(_("address"), max_length=254)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=255)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("queued at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # A worker that claimed the row and died leaves it claimed until this moment, after
    # which the sweep tries it again.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="mail_outboxmessage_due",
                condition=models.Q(status="queued"),
            ),
            models.Index(fields=["issue", "created_at"], name="mail_outboxmessage_issue"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_address}"


class InboundOutcome(models.TextChoices):
    FILED = "filed", _("filed as a new issue")
    REPLIED = "replied", _("added as a reply")
    IGNORED = "ignored", _("ignored: automatic or list mail")
    QUARANTINED = "quarantined", _("quarantined")


class InboundMessage(models.Model):
    """A message received by email, what became of it, and, when quarantined, the message.

    Its unique Message-ID makes handling the same message a second time do nothing.
    """

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=InboundOutcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    issue = models.ForeignKey(
        "tickets.Issue",
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept only for quarantined messages, which staff read to decide what to do.
    raw = models.BinaryField(_("message"), blank=True, default=b"")

    class Meta:
        verbose_name = _("incoming email")
        verbose_name_plural = _("incoming emails")
        ordering = ("-received_at", "-id")

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"
