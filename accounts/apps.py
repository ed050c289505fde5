"""App configuration for user accounts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from axes.signals import user_locked_out

        from accounts.lockout.receivers import account_locked_out

        user_locked_out.connect(account_locked_out, dispatch_uid="accounts-unlock-link")
