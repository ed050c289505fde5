"""App configuration for issues."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Issues")

    def ready(self) -> None:
        from tickets.events import registry
        from tickets.search import search_follow_change

        registry.subscribe("tickets.search", search_follow_change)
