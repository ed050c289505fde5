"""How a person is paged (their channels in order) and how each channel is doing."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelName(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Chat webhook")
    SMS = "sms", _("SMS")


DEFAULT_CHANNELS = [ChannelName.EMAIL.value]

phone_validator = RegexValidator(
    r"^\+[1-9][0-9]{7,14}$",
    _("Enter the number in international form, such as +31612345678."),
)


def validate_channel_order(value) -> None:
    """Refuse anything but a non-empty list of known channel names, each at most once."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one channel."))
    known = set(ChannelName.values)
    unknown = [name for name in value if name not in known]
    if unknown:
        raise ValidationError(
            _("Unknown channel: %(names)s.") % {"names": ", ".join(map(str, unknown))}
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Name each channel once."))


class PagingProfile(models.Model):
    """The channels through which an engineer is paged, in the order they are tried."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.CASCADE,
        related_name="paging_profile",
        limit_choices_to={"is_staff": True},
    )
    channels = models.JSONField(
        _("channels in order"),
        default=list,
        validators=[validate_channel_order],
        help_text=_(
            "A page goes through the first channel that accepts it, then the next on failure."
        ),
    )
    phone = models.CharField(
        _("mobile number"), max_length=16, blank=True, validators=[phone_validator]
    )
    webhook_url = models.URLField(
        _("chat webhook"),
        max_length=500,
        blank=True,
        help_text=_("An incoming webhook of Mattermost, Slack or Microsoft Teams."),
    )

    class Meta:
        verbose_name = _("paging profile")
        verbose_name_plural = _("paging profiles")

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        """Require the number for SMS and the webhook's address for the chat webhook."""
        super().clean()
        channels = self.channels if isinstance(self.channels, list) else []
        errors = {}
        if ChannelName.SMS in channels and not self.phone:
            errors["phone"] = _("SMS needs a mobile number.")
        if ChannelName.WEBHOOK in channels and not self.webhook_url:
            errors["webhook_url"] = _("The chat webhook needs its address.")
        if errors:
            raise ValidationError(errors)


class ChannelHealth(models.Model):
    """How a paging channel did lately: failing since when, with which error.

    Only failures of the channel itself count (a server that refuses, a gateway that
    answers 500); a refused address says nothing about the channel.
    """

    channel = models.CharField(
        _("channel"), max_length=16, choices=ChannelName.choices, unique=True
    )
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("channel health")
        verbose_name_plural = _("channel health")
        ordering = ["channel"]

    def __str__(self) -> str:
        return self.get_channel_display()
