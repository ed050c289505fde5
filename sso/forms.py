"""Forms of single sign-on: the address that finds a login, and a provider in the admin."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from sso.models import IdentityProvider
from sso.services import ConfigurationError, identity_provider_configuration

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class IdentityProviderFindForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address at your organisation"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class EmailDomainsField(forms.CharField):
    """Domains, one per line or separated by commas, kept as a list in lower case."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        domains = []
        for part in re.split(r"[\s,;]+", text.strip().lower()):
            domain = part.lstrip("@")
            if not domain:
                continue
            if not DOMAIN.match(domain):
                raise forms.ValidationError(
                    _("%(domain)s is not a domain name."), params={"domain": part}
                )
            if domain not in domains:
                domains.append(domain)
        return domains


class IdentityProviderForm(forms.ModelForm):
    """Reads the issuer's configuration when saved, so a wrong issuer shows here, not at login."""

    issuer = forms.URLField(
        label=_("issuer"),
        max_length=500,
        assume_scheme="https",
        help_text=IdentityProvider._meta.get_field("issuer").help_text,
    )
    email_domains = EmailDomainsField(
        label=_("email domains"),
        help_text=_("One per line, for example gemeente-voorbeeld.nl."),
    )
    oidc_client_secret = forms.CharField(
        label=_("client secret"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the secret that is stored."),
    )

    class Meta:
        model = IdentityProvider
        fields = (
            "name",
            "client",
            "is_active",
            "issuer",
            "oidc_client_id",
            "oidc_client_secret",
            "email_domains",
            "creates_contacts",
            "trusts_second_factor",
        )

    def clean_oidc_client_secret(self):
        secret = self.cleaned_data.get("oidc_client_secret") or self.instance.oidc_client_secret
        if not secret:
            raise forms.ValidationError(_("Give the client secret that the provider issued."))
        return secret

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("creates_contacts") and not cleaned.get("client"):
            self.add_error(
                "creates_contacts",
                _("Only a client's provider creates accounts; staff accounts are made by hand."),
            )
        self._clean_domains_unique(cleaned)
        issuer = cleaned.get("issuer")
        if issuer and not self.errors:
            try:
                self.endpoints = identity_provider_configuration(issuer=issuer)
            except ConfigurationError as exc:
                self.add_error("issuer", str(exc))
        return cleaned

    def _clean_domains_unique(self, cleaned):
        domains = set(cleaned.get("email_domains") or [])
        if not domains or not cleaned.get("is_active"):
            return
        others = IdentityProvider.objects.filter(is_active=True).exclude(pk=self.instance.pk)
        for other in others.only("name", "email_domains"):
            shared = domains & set(other.email_domains)
            if shared:
                self.add_error(
                    "email_domains",
                    _("%(domains)s already log in with %(provider)s.")
                    % {"domains": ", ".join(sorted(shared)), "provider": other.name},
                )
                return

    def save(self, commit=True):
        for name, value in self.endpoints.items():
            setattr(self.instance, name, value)
        return super().save(commit=commit)
