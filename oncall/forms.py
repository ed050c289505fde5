"""The form of an engineer's paging profile: channels in order, with their addresses."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from oncall.models import ChannelName, PagingProfile
from oncall.models.contact import validate_channel_order


class ChannelOrderField(forms.CharField):
    """Channel names separated by commas, in the order they are tried: "sms, email"."""

    def to_python(self, value) -> list[str]:
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        return [name.strip().lower() for name in text.split(",") if name.strip()]

    def prepare_value(self, value) -> str:
        return ", ".join(value) if isinstance(value, list) else (value or "")

    def validate(self, value) -> None:
        if not value:
            raise ValidationError(_("Choose at least one channel."))
        validate_channel_order(value)


class PagingProfileForm(forms.ModelForm):
    channels = ChannelOrderField(
        label=_("channels in order"),
        help_text=_("Separated by commas, tried in this order: %(names)s. For example: sms, email.")
        % {"names": ", ".join(ChannelName.values)},
    )

    webhook_url = forms.URLField(
        label=_("chat webhook"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("An incoming webhook of Mattermost, Slack or Microsoft Teams."),
    )

    class Meta:
        model = PagingProfile
        fields = ("channels", "phone", "webhook_url")
