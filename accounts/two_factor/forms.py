"""Forms of the two-factor pages: a code from the app or a recovery code, and a client's rule."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from tickets.forms import ServiceErrorsMixin

SIX_DIGITS = RegexValidator(r"^[0-9]{6}$", _("Enter the 6 digits your app shows."))


def _code_input(*, numeric: bool) -> forms.TextInput:
    attrs = {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
    if numeric:
        attrs["inputmode"] = "numeric"
    return forms.TextInput(attrs=attrs)


class AppCodeForm(ServiceErrorsMixin, forms.Form):
    """The 6 digits an authenticator app shows, to confirm that it was set up right."""

    code = forms.CharField(
        label=_("Code from your app"),
        max_length=12,
        widget=_code_input(numeric=True),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        SIX_DIGITS(code)
        return code


class CodeForm(ServiceErrorsMixin, forms.Form):
    """A code from the app or, without the phone at hand, one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=_code_input(numeric=False),
    )


class ClientTwoFactorForm(forms.Form):
    """A client admin's switch: every colleague must use two-factor authentication."""

    requires_two_factor = forms.BooleanField(
        label=_("Everyone in your organisation must use two-factor authentication"),
        required=False,
    )
