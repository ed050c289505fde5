"""Identity providers (OpenID Connect) that log people in, and who they logged in as there."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class IdentityProvider(models.Model):
    """An OpenID Connect provider: a client's own, for its contacts, or the provider's, for staff.

    The endpoints are read from the issuer's discovery document when the record is saved in
    the admin, so a login never waits on discovery.
    """

    name = models.CharField(
        _("organisation name"),
        max_length=200,
        help_text=_('Shown on the login button: "Log in with <organisation name>".'),
    )
    client = models.ForeignKey(
        "clients.Client",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="identity_providers",
        help_text=_("The client whose contacts log in here; empty for the provider's own staff."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    issuer = models.URLField(
        _("issuer"),
        max_length=500,
        help_text=_(
            "The provider's issuer URL, exactly as its tokens name it, for example "
            "https://login.microsoftonline.com/<tenant>/v2.0."
        ),
    )
    oidc_client_id = models.CharField(
        _("client ID"),
        max_length=255,
        help_text=_("What the identity provider calls this application."),
    )
    oidc_client_secret = models.CharField(_("client secret"), max_length=500)
    email_domains = models.JSONField(
        _("email domains"),
        default=list,
        help_text=_("The addresses this provider is for, by their part after the @."),
    )
    creates_contacts = models.BooleanField(
        _("creates contacts at first login"),
        default=False,
        help_text=_(
            "Someone of this organisation without an account gets one as a contact at their "
            "first login. Never used for staff."
        ),
    )
    trusts_second_factor = models.BooleanField(
        _("second factor left to the provider"),
        default=False,
        help_text=_(
            "When the provider's token says more than one factor was used (amr), no code is "
            "asked for here."
        ),
    )
    authorization_endpoint = models.URLField(_("authorization endpoint"), max_length=500)
    token_endpoint = models.URLField(_("token endpoint"), max_length=500)
    userinfo_endpoint = models.URLField(_("userinfo endpoint"), max_length=500)
    jwks_uri = models.URLField(_("JWKS URI"), max_length=500)
    end_session_endpoint = models.URLField(_("end session endpoint"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        ordering = ["name"]
        constraints = [
            # One staff provider: the admin's login page offers exactly one button.
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(client__isnull=True, is_active=True),
                name="sso_identityprovider_one_active_staff_provider",
                violation_error_message=_("Another identity provider for staff is active already."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def for_staff(self) -> bool:
        return self.client_id is None


class ExternalIdentity(models.Model):
    """Who someone is at an identity provider (its ``sub``), linked at their first login.

    Later logins find the person by this, so a changed email address at the provider does
    not lose or move the account.
    """

    provider = models.ForeignKey(
        IdentityProvider,
        verbose_name=_("identity provider"),
        on_delete=models.CASCADE,
        related_name="identities",
    )
    subject = models.CharField(_("subject"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="external_identities",
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="sso_externalidentity_one_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.subject}"


class ProviderSecondFactor(Device):
    """The second factor an identity provider checked, standing in for a code asked here.

    It verifies no code of its own: a session is marked verified with it only right after a
    login whose token says more than one factor was used.
    """

    provider = models.ForeignKey(
        IdentityProvider,
        verbose_name=_("identity provider"),
        on_delete=models.CASCADE,
        related_name="second_factors",
    )

    class Meta:
        verbose_name = _("second factor at an identity provider")
        verbose_name_plural = _("second factors at identity providers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider"], name="sso_providersecondfactor_one_per_provider"
            )
        ]
