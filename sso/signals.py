"""Logging out ends the session at the identity provider too, whichever page logged out."""

from django.contrib.auth.signals import user_logged_out

from sso.models import IdentityProvider
from sso.services import SESSION_KEY


def _logged_out(sender, request, user, **kwargs):
    # Read before Django empties the session; RemoteLogoutMiddleware sends the browser on.
    login = request.session.get(SESSION_KEY) if request is not None else None
    if not isinstance(login, dict):
        return
    provider = (
        IdentityProvider.objects.filter(pk=login.get("provider"))
        .exclude(end_session_endpoint="")
        .only("name", "oidc_client_id", "end_session_endpoint")
        .first()
    )
    if provider is not None:
        request.identity_provider_logout = (provider, login.get("id_token") or "")


def connect() -> None:
    user_logged_out.connect(_logged_out, dispatch_uid="sso-remote-logout")
