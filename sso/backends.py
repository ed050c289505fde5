"""The OpenID Connect login of one identity provider, on mozilla-django-oidc's code flow.

mozilla-django-oidc reads one provider from the settings; here each login names its
provider, so the backend takes its endpoints and client from that record instead. It also
checks what the library leaves out: the token's issuer and audience.
"""

import logging

import jwt
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from sso.models import IdentityProvider
from sso.services import SignInRefused, user_for_login

logger = logging.getLogger(__name__)

# What identity providers sign ID tokens with; HS256 would make the client secret the key.
SIGNING_ALGORITHM = "RS256"


class IdentityProviderBackend(OIDCAuthenticationBackend):
    """Log in through the :class:`IdentityProvider` given to ``authenticate``.

    Without one (a password login, say) it answers None and leaves the login to others.
    After a login, ``id_token`` and ``id_token_claims`` hold what the provider said.
    """

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()
        self.provider = None
        self.id_token = ""
        self.id_token_claims = {}

    def authenticate(self, request, identity_provider: IdentityProvider | None = None, **kwargs):
        if identity_provider is None or request is None:
            return None
        self.provider = identity_provider
        self.OIDC_OP_TOKEN_ENDPOINT = identity_provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = identity_provider.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = identity_provider.jwks_uri
        self.OIDC_RP_CLIENT_ID = identity_provider.oidc_client_id
        self.OIDC_RP_CLIENT_SECRET = identity_provider.oidc_client_secret
        self.OIDC_RP_SIGN_ALGO = SIGNING_ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException as exc:
            logger.warning("Identity provider %s failed: %s", identity_provider.pk, exc)
            raise SignInRefused(
                _("%(provider)s did not answer as expected; try again later.")
                % {"provider": identity_provider.name}
            ) from exc
        except (SuspiciousOperation, jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
            # A token, key set or userinfo that is not what the standard says it is.
            logger.warning(
                "Login from identity provider %s not verified", identity_provider.pk, exc_info=True
            )
            raise SignInRefused(
                _("The login from %(provider)s could not be verified.")
                % {"provider": identity_provider.name}
            ) from exc

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if payload.get("iss") != self.provider.issuer:
            raise SignInRefused(
                _("The login came from another issuer than %(provider)s.")
                % {"provider": self.provider.name}
            )
        if self.OIDC_RP_CLIENT_ID not in audiences or "exp" not in payload:
            raise SuspiciousOperation("The ID token is not meant for this client.")
        if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("The ID token was issued to another party.")
        return payload

    def store_tokens(self, access_token, id_token):
        self.id_token = id_token or ""

    def get_or_create_user(self, access_token, id_token, payload):
        self.id_token_claims = payload
        claims = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(claims, dict) or str(claims.get("sub")) != str(payload.get("sub")):
            raise SuspiciousOperation("The userinfo is of someone else than the ID token.")
        return user_for_login(provider=self.provider, claims=claims)

    def get_user(self, user_id):
        # Django's rule, which the library drops: a deactivated account's session ends.
        return ModelBackend.get_user(self, user_id)
