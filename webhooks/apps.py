"""App configuration for the outgoing webhooks that tell a client's systems about its issues."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from tickets.events import registry
        from webhooks.handlers import webhooks_follow_change

        registry.subscribe("webhooks.deliveries", webhooks_follow_change)
