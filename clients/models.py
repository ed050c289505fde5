"""Clients (public bodies) and the dedicated team at the provider that serves each one."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

client_code_validator = RegexValidator(
    r"^[A-Z]{2,6}$", _("A client code is 2 to 6 capital letters, for example VRB.")
)


class Client(models.Model):
    """A public body, usually a municipality, whose contacts file issues."""

    code = models.CharField(
        _("code"),
        max_length=6,
        unique=True,
        validators=[client_code_validator],
        help_text=_("2 to 6 capital letters; the first part of every issue reference."),
    )
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    requires_two_factor = models.BooleanField(
        _("requires two-factor authentication"),
        default=False,
        help_text=_(
            "Every contact must set up an authenticator app before using the portal; "
            "the client's admins switch this."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Team(models.Model):
    """The provider's team dedicated to one client; new issues of the client land here."""

    client = models.OneToOneField(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="team"
    )
    name = models.CharField(_("name"), max_length=200)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        limit_choices_to={"is_staff": True},
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        related_name="teams",
        blank=True,
        limit_choices_to={"is_staff": True},
    )
    email = models.EmailField(
        _("team email"),
        blank=True,
        help_text=_("Optional shared address that receives new issues besides the members."),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
