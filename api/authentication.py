"""Who is calling: a personal API token (``Token`` or ``Bearer``) or the browser's session."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import authentication, exceptions

from accounts.two_factor.selectors import second_factor_is_mandatory, second_factor_is_set_up
from api.services import TokenInvalidError, api_token_authenticate
from ops.error_mail import authentication_refused_mark

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


class SecondFactorMissing(exceptions.PermissionDenied):
    """The token is valid, but its user must have a second factor and has none."""

    default_detail = gettext_lazy(
        "This token's user has no second factor. Set up two-factor authentication, "
        "then use the token again."
    )
    default_code = "second-factor-required"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate with a personal API token; ``request.auth`` is the ``ApiToken``."""

    def authenticate(self, request):
        try:
            return self._authenticate(request)
        except Exception:
            authentication_refused_mark(request)
            raise

    def _authenticate(self, request):
        secret = bearer_secret(request)
        if secret is None:
            return None
        try:
            token = api_token_authenticate(secret=secret)
        except TokenInvalidError as exc:
            raise exceptions.AuthenticationFailed(exc.message) from None
        # A token stands in for a login, code included: where a second factor is mandatory
        # (staff), only someone who has set one up may use a token.
        user = token.user
        if second_factor_is_mandatory(user=user) and not second_factor_is_set_up(user=user):
            raise SecondFactorMissing()
        return user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
