"""User accounts: client contacts and provider staff share one user model; unlock links."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in: a client's contact (``client`` set) or a provider's staff member.

    Staff (``is_staff``) belong to no client; they serve clients through the teams they are on.
    """

    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        help_text=_("Set for a client's contacts; empty for the provider's staff."),
    )
    is_client_admin = models.BooleanField(
        _("client admin"),
        default=False,
        help_text=_("May invite and deactivate colleagues of the same client."),
    )
    is_service_account = models.BooleanField(
        _("service account"),
        default=False,
        editable=False,
        help_text=_("Acts for a system, such as a client's monitoring; never logs in."),
    )
    preferred_language = models.CharField(
        _("language"),
        max_length=8,
        choices=[("nl", _("Dutch")), ("en", _("English"))],
        default="nl",
    )
    anonymised_at = models.DateTimeField(
        _("anonymised at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the person's name and email address were removed after they left."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="accounts_user_staff_has_no_client",
                condition=Q(is_staff=False) | Q(client__isnull=True),
            ),
            models.CheckConstraint(
                name="accounts_user_client_admin_has_client",
                condition=Q(is_client_admin=False) | Q(client__isnull=False),
            ),
        ]

    @property
    def is_contact(self) -> bool:
        return self.client_id is not None

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class UnlockLink(models.Model):
    """A single-use link, mailed to the owner of a locked account, to log in before the lock ends.

    Only a hash of its secret is kept; the mail holds the secret itself.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="unlock_links"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent at"), editable=False)
    expires_at = models.DateTimeField(_("expires at"), editable=False)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("unlock link")
        verbose_name_plural = _("unlock links")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="accounts_unlocklink_user_sent")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
