"""App configuration for the on-call rota and out-of-hours escalation."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = _("On call")

    def ready(self) -> None:
        from oncall.handlers import PagedEngineerGrant, pager_follow_change
        from tickets.events import registry

        registry.subscribe("oncall.pager", pager_follow_change)
        registry.grant_access("oncall.paged_engineer", PagedEngineerGrant())
