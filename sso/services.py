"""Single sign-on: reading a provider's configuration, and who a login at a provider is here."""

import logging

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from accounts.models import User
from sso.models import ExternalIdentity, IdentityProvider, ProviderSecondFactor
from sso.selectors import email_domain

logger = logging.getLogger(__name__)

# What the session keeps of a login through a provider, for the provider's logout.
SESSION_KEY = "sso"

ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
)

# RFC 8176's methods by kind of factor: something known, something held, something one is.
# A login used more than one factor when its amr says "mfa" or names two kinds.
_FACTOR_KINDS = {
    "pwd": "known",
    "pin": "known",
    "kba": "known",
    "otp": "held",
    "hwk": "held",
    "swk": "held",
    "sms": "held",
    "tel": "held",
    "sc": "held",
    "fpt": "inherent",
    "face": "inherent",
    "iris": "inherent",
    "retina": "inherent",
    "vbm": "inherent",
}


class ConfigurationError(Exception):
    """The issuer's discovery document could not be read or does not fit."""


class SignInRefused(Exception):
    """A login at an identity provider that does not let anyone in here; says why."""


def identity_provider_configuration(*, issuer: str) -> dict[str, str]:
    """Read ``issuer``'s OpenID Connect discovery document and return its endpoints.

    The document must name the same issuer, or tokens would be checked against another.
    """
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ConfigurationError(
            _("Could not read the configuration at %(url)s: %(reason)s")
            % {"url": url, "reason": exc}
        ) from exc
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        raise ConfigurationError(
            _("The configuration at %(url)s names another issuer: %(issuer)s")
            % {"url": url, "issuer": document.get("issuer") if isinstance(document, dict) else ""}
        )
    missing = [name for name in ENDPOINTS[:4] if not document.get(name)]
    if missing:
        raise ConfigurationError(
            _("The configuration at %(url)s lacks %(names)s.")
            % {"url": url, "names": ", ".join(missing)}
        )
    return {name: str(document.get(name) or "") for name in ENDPOINTS}


def used_more_than_one_factor(amr) -> bool:
    """Return whether an ID token's ``amr`` says the person proved more than one factor."""
    if not isinstance(amr, list):
        return False
    methods = {str(method).lower() for method in amr}
    if "mfa" in methods:
        return True
    return len({_FACTOR_KINDS[m] for m in methods if m in _FACTOR_KINDS}) > 1


def _claimed_email(*, provider: IdentityProvider, claims: dict) -> str:
    email = str(claims.get("email") or "").strip()
    if not email:
        raise SignInRefused(_("Your organisation's login did not give an email address."))
    if claims.get("email_verified") is False:
        raise SignInRefused(
            _("Your organisation has not verified the email address %(email)s.") % {"email": email}
        )
    if email_domain(email) not in provider.email_domains:
        raise SignInRefused(
            _("%(provider)s may not log in %(email)s: that address is not of its domains.")
            % {"provider": provider.name, "email": email}
        )
    return email


def _may_log_in_through(*, provider: IdentityProvider, user: User) -> bool:
    if not user.is_active or user.is_service_account or user.anonymised_at is not None:
        return False
    if provider.for_staff:
        return user.is_staff
    return not user.is_staff and user.client_id == provider.client_id


def _refused_account(provider: IdentityProvider, email: str) -> SignInRefused:
    return SignInRefused(
        _("There is no account for %(email)s that %(provider)s may log in.")
        % {"email": email, "provider": provider.name}
    )


@transaction.atomic
def user_for_login(*, provider: IdentityProvider, claims: dict) -> User:
    """Return the account that a login at ``provider`` with these userinfo ``claims`` is.

    The person is found by the provider's ``sub`` once linked. At the first login they are
    linked to the one account with the verified email address, when it is a contact of the
    provider's client (or staff, for the staff's provider); never to another client's
    account, and a client's provider never to staff. Without an account a contact is created
    when the provider allows it. Anything else is refused with the reason.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused(_("Your organisation's login did not say who you are."))
    email = _claimed_email(provider=provider, claims=claims)
    identity = (
        ExternalIdentity.objects.select_related("user")
        .select_for_update()
        .filter(provider=provider, subject=subject)
        .first()
    )
    if identity is not None:
        if not _may_log_in_through(provider=provider, user=identity.user):
            raise _refused_account(provider, email)
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        return identity.user
    matches = list(User.objects.filter(email__iexact=email)[:2])
    if len(matches) > 1:
        raise SignInRefused(
            _("More than one account has the address %(email)s; ask your administrator.")
            % {"email": email}
        )
    if matches:
        user = matches[0]
        if not _may_log_in_through(provider=provider, user=user):
            logger.warning(
                "Login of %s at %s refused: the account is not the provider's to log in",
                user.pk,
                provider.pk,
            )
            raise _refused_account(provider, email)
    elif provider.creates_contacts and not provider.for_staff:
        user = _contact_create(provider=provider, email=email, claims=claims)
    else:
        raise _refused_account(provider, email)
    try:
        with transaction.atomic():
            ExternalIdentity.objects.create(
                provider=provider, subject=subject, user=user, last_login_at=timezone.now()
            )
    except IntegrityError:
        # A second tab linked the same person a moment ago: the link is there either way.
        pass
    return user


def _contact_create(*, provider: IdentityProvider, email: str, claims: dict) -> User:
    username = email.lower()[:150]
    if User.objects.filter(username=username).exists():
        username = f"{username[:140]}-{get_random_string(8).lower()}"
    user = User(
        username=username,
        email=email,
        first_name=str(claims.get("given_name") or "")[:150],
        last_name=str(claims.get("family_name") or "")[:150],
        client_id=provider.client_id,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def provider_second_factor(*, provider: IdentityProvider, user: User) -> ProviderSecondFactor:
    """Return the device that stands for ``provider``'s check of ``user``'s second factor."""
    device, _created = ProviderSecondFactor.objects.get_or_create(
        user=user,
        provider=provider,
        defaults={"name": provider.name[:64], "confirmed": True},
    )
    return device
