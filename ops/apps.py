"""App configuration for operations: health checks, worker heartbeat, local mailbox."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from ops.error_mail import login_refused

        user_login_failed.connect(login_refused, dispatch_uid="ops-login-refused")
