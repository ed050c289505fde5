"""Reads of identity providers: which one an email address logs in with."""

from sso.models import IdentityProvider


def email_domain(email: str) -> str:
    """Return the part of ``email`` after its last @, in lower case; empty when there is none."""
    local, at, domain = email.strip().rpartition("@")
    return domain.lower() if at and local else ""


def _usable():
    return IdentityProvider.objects.filter(is_active=True).exclude(client__is_active=False)


def identity_provider_for_email(*, email: str) -> IdentityProvider | None:
    """Return the active identity provider that ``email``'s domain logs in with, if any.

    Providers are few (one per client at most), so their domains are compared here rather
    than by a JSON lookup that SQLite cannot do.
    """
    domain = email_domain(email)
    if not domain:
        return None
    for provider in _usable().only("pk", "name", "client_id", "email_domains"):
        if domain in provider.email_domains:
            return provider
    return None


def identity_provider_usable(*, pk: int) -> IdentityProvider | None:
    """Return the active identity provider ``pk`` of an active client, or the staff's."""
    return _usable().select_related("client").filter(pk=pk).first()


def staff_identity_provider() -> IdentityProvider | None:
    """Return the provider's own identity provider for staff, when one is set up."""
    return _usable().filter(client__isnull=True).first()
