"""App configuration for service-level agreements and their clocks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from sla.handlers import AgreementRule, sla_follow_change
        from tickets.events import registry

        registry.set_agreement_rule(AgreementRule())
        registry.subscribe("sla.clocks", sla_follow_change)
