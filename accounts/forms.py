"""Forms of the client admin's pages and of asking for a new password."""

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.tasks import password_reset_send_task
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


class PasswordResetRequestForm(PasswordResetForm):
    """Ask for a new password; a task looks the address up and sends the mail.

    Looking up and sending here would make the page answer later for a known address than
    for an unknown one, and so tell which addresses have an account.
    """

    def save(self, **kwargs) -> None:
        password_reset_send_task.delay(self.cleaned_data["email"], translation.get_language())
