"""Webhook endpoints registered per client, and every delivery made to them."""

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from webhooks.kinds import EventKind


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL of a client's own system that is told about the client's issues as they change."""

    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(
        _("URL"), max_length=500, help_text=_("Receives a POST with a JSON body per change.")
    )
    secret = models.CharField(
        _("secret"),
        max_length=128,
        default=new_secret,
        help_text=_("Signs every delivery (HMAC-SHA256); give it to the receiving system."),
    )
    event_kinds = models.JSONField(
        _("events"),
        default=list,
        help_text=_("The changes this endpoint is told about. Internal notes never are."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Switched off by itself after repeated failures; switch on to try again."),
    )
    consecutive_failures = models.PositiveIntegerField(
        _("failed deliveries in a row"), default=0, editable=False
    )
    disabled_at = models.DateTimeField(_("switched off at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["client", "url"]
        indexes = [
            models.Index(fields=["client", "is_active"], name="webhooks_endpoint_client"),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.url}"

    def listens_to(self, kind: str) -> bool:
        return kind in self.event_kinds


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Not sent: endpoint switched off")


class WebhookDelivery(models.Model):
    """One change told to one endpoint: the signed body, and how each attempt went."""

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    issue = models.ForeignKey(
        "tickets.Issue",
        verbose_name=_("issue"),
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
    )
    kind = models.CharField(_("event"), max_length=40, choices=EventKind.choices)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("answer status"), null=True, blank=True)
    response_body = models.TextField(_("answer"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhooks_delivery_due",
                condition=Q(status__in=["pending", "retrying"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.endpoint.url}"
