"""Where monitoring signals come from, per client, and which issue each alert opened."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.choices import Priority


class SourceKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    SENTRY = "sentry", _("Sentry")


class MonitoringSource(models.Model):
    """A monitoring system that files issues for one client through a webhook.

    It authenticates with a bearer secret, shown once and stored as its SHA-256 hash;
    ``prefix`` finds the row. A Sentry integration may instead sign its webhooks: then
    ``sentry_installation_id`` names the source and ``sentry_client_secret`` checks the
    signature, which needs the secret itself.
    """

    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="monitoring_sources",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("secret prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("hash of the secret"), max_length=64, editable=False)
    default_priority = models.CharField(
        _("default priority"),
        max_length=2,
        choices=Priority.choices,
        default=Priority.P2,
        help_text=_(
            "For alerts that name no priority of their own, or one the agreement does not offer."
        ),
    )
    auto_resolve = models.BooleanField(
        _("resolve automatically"),
        default=True,
        help_text=_("Resolve the issue when the alert that opened it is resolved."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sentry_installation_id = models.CharField(
        _("Sentry installation UUID"),
        max_length=64,
        blank=True,
        help_text=_("For signed Sentry webhooks: the installation's UUID."),
    )
    sentry_client_secret = models.CharField(
        _("Sentry client secret"),
        max_length=128,
        blank=True,
        help_text=_("For signed Sentry webhooks: the integration's client secret."),
    )
    created_at = models.DateTimeField(_("created at"), editable=False)
    last_received_at = models.DateTimeField(
        _("last signal at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("monitoring source")
        verbose_name_plural = _("monitoring sources")
        ordering = ["client", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["sentry_installation_id"],
                condition=~Q(sentry_installation_id=""),
                name="monitoring_monitoringsource_unique_installation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class MonitoringAlert(models.Model):
    """The issue an alert (by fingerprint) opened, and whether the alert fires now.

    ``is_open`` marks the link that repeats of the alert add to; once the issue is
    closed a new link (and issue) takes over, hence unique among open links only.
    """

    source = models.ForeignKey(
        MonitoringSource, verbose_name=_("source"), on_delete=models.CASCADE, related_name="alerts"
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    issue = models.ForeignKey(
        "tickets.Issue",
        verbose_name=_("issue"),
        on_delete=models.CASCADE,
        related_name="monitoring_alerts",
    )
    is_open = models.BooleanField(_("current"), default=True)
    is_firing = models.BooleanField(_("firing"), default=True)
    fire_count = models.PositiveIntegerField(_("times fired"), default=1)
    first_fired_at = models.DateTimeField(_("first fired at"))
    last_fired_at = models.DateTimeField(_("last fired at"))
    last_received_at = models.DateTimeField(_("last signal at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("monitoring alert")
        verbose_name_plural = _("monitoring alerts")
        ordering = ["-last_received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "fingerprint"],
                condition=Q(is_open=True),
                name="monitoring_monitoringalert_one_open_per_fingerprint",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.fingerprint}"
