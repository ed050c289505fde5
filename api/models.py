"""Personal API tokens: a secret shown once, stored only as its SHA-256 hash."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A secret with which a script acts as ``user``; revocable and optionally expiring.

    The secret reads ``pqs_<prefix>_<random>``. ``prefix`` finds the row without a scan;
    ``key_hash`` (SHA-256 of the whole secret, hex) proves it. The secret itself is
    never stored: it is shown once, when the token is made.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for."))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("hash of the secret"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Empty for a token that never expires.")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="api_apitoken_expires_after_creation",
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("created_at")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def is_usable(self, now) -> bool:
        """Return whether the token may authenticate at the aware instant ``now``."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or now < self.expires_at
