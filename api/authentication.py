"""Who is calling: a personal API token (``Token`` or ``Bearer``) or the browser's session."""

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from api.services import TokenInvalidError, api_token_authenticate

SCHEMES = {"token", "bearer"}


def bearer_secret(request) -> str | None:
    """Return the secret of ``Authorization: Token|Bearer <secret>``, or None without one.

    Raise ``AuthenticationFailed`` for a header of either scheme that is malformed.
    """
    header = authentication.get_authorization_header(request).split()
    if not header or header[0].decode("latin-1").lower() not in SCHEMES:
        return None
    if len(header) != 2:
        raise exceptions.AuthenticationFailed(
            _("Send the header as 'Authorization: Bearer <secret>'.")
        )
    try:
        return header[1].decode("ascii")
    except UnicodeDecodeError:
        raise exceptions.AuthenticationFailed(
            _("The secret contains invalid characters.")
        ) from None


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate with a personal API token; ``request.auth`` is the ``ApiToken``."""

    def authenticate(self, request):
        secret = bearer_secret(request)
        if secret is None:
            return None
        try:
            token = api_token_authenticate(secret=secret)
        except TokenInvalidError as exc:
            raise exceptions.AuthenticationFailed(exc.message) from None
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
