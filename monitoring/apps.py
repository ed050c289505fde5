"""App configuration for the monitoring webhooks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # Registers the OpenAPI description of the webhook secret with drf-spectacular.
        from monitoring import schema  # noqa: F401
