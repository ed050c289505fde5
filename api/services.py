"""Writes of the API: personal tokens made, used and revoked."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.two_factor.selectors import second_factor_is_mandatory, second_factor_is_set_up
from api.models import ApiToken
from paqt_support.exceptions import ApplicationError

KEY_LABEL = "pqs"
# A token's last use is written at most this often, so that reads cost no write each.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenInvalidError(ApplicationError):
    """The secret is unknown, revoked, expired, or its user may no longer log in."""

    code = "token-invalid"
    status = 401


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a token for ``user`` and return it with its secret, which is not kept anywhere."""
    now = now or timezone.now()
    name = (name or "").strip()[:100]
    if not name:
        raise ApplicationError(_("Give the token a name."), field="name")
    if not user.is_active:
        raise ApplicationError(_("%(name)s cannot log in.") % {"name": user}, field="user")
    if expires_at is not None and expires_at <= now:
        raise ApplicationError(_("A token must expire in the future."), field="expires_at")
    if second_factor_is_mandatory(user=user) and not second_factor_is_set_up(user=user):
        # The token would be refused at every call (api.authentication).
        raise ApplicationError(
            _("%(name)s must set up two-factor authentication before getting a token.")
            % {"name": user},
            field="user",
        )
    prefix = secrets.token_hex(6)
    secret = f"{KEY_LABEL}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            key_hash=_hash(secret),
            created_at=now,
            expires_at=expires_at,
        )
    return token, secret


def api_token_revoke(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Revoke ``token``; return False when it was revoked already."""
    now = now or timezone.now()
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
    return bool(changed)


def api_token_authenticate(*, secret: str, now: datetime | None = None) -> ApiToken:
    """Return the usable token whose secret is ``secret``, its user loaded, noting the use.

    Raise ``TokenInvalidError`` otherwise; the message does not say which check failed.
    """
    now = now or timezone.now()
    scheme, _sep, rest = secret.partition("_")
    prefix = rest.partition("_")[0]
    token = None
    if scheme == KEY_LABEL and prefix:
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    # compare_digest keeps the comparison time independent of where the hashes differ.
    if (
        token is None
        or not hmac.compare_digest(token.key_hash, _hash(secret))
        or not token.is_usable(now)
        or not token.user.is_active
    ):
        raise TokenInvalidError(_("The API token is invalid, revoked or expired."))
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
