"""Forms of the client admin's pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tickets.forms import ServiceErrorsMixin


class InviteForm(ServiceErrorsMixin, forms.Form):
    """Invite a colleague of the same organisation."""

    email = forms.EmailField(label=_("Email address"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    language = forms.ChoiceField(
        label=_("Language of emails"),
        choices=User._meta.get_field("preferred_language").choices,
        initial="nl",
    )
    is_client_admin = forms.BooleanField(
        label=_("May also invite and deactivate colleagues"), required=False
    )
