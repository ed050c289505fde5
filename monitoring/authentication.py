"""Who sends a webhook: a monitoring source, by bearer secret or by Sentry's signature."""

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions, permissions

from api.authentication import bearer_secret
from api.parsers import JSONTooDeepError, json_loads_bounded
from monitoring.models import MonitoringSource
from monitoring.services import (
    SourceSecretInvalidError,
    monitoring_source_authenticate,
    monitoring_source_verify_sentry,
)
from ops.error_mail import authentication_refused_mark


class MonitoringSourceAuthentication(authentication.BaseAuthentication):
    """Set ``request.auth`` to the ``MonitoringSource`` whose secret the request carries.

    ``Authorization: Bearer <secret>`` works for every kind. A Sentry webhook may come
    signed instead (``Sentry-Hook-Signature``), its source named by the installation
    UUID in the body. The user stays anonymous: a source is no person.
    """

    def authenticate(self, request):
        try:
            return self._authenticate(request)
        except Exception:
            authentication_refused_mark(request)
            raise

    def _authenticate(self, request):
        try:
            secret = bearer_secret(request)
            if secret is not None:
                return AnonymousUser(), monitoring_source_authenticate(secret=secret)
            signature = request.headers.get("Sentry-Hook-Signature")
            if signature:
                # The signature covers the raw bytes, not DRF's parsed data.
                body = request._request.body
                return AnonymousUser(), monitoring_source_verify_sentry(
                    installation_id=_installation_id(body), body=body, signature=signature
                )
        except SourceSecretInvalidError as exc:
            raise exceptions.AuthenticationFailed(exc.message) from None
        return None

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="monitoring"'


def _installation_id(body: bytes) -> str:
    try:
        payload = json_loads_bounded(body)
    except JSONTooDeepError as exc:
        raise exceptions.ParseError(str(exc)) from None
    except (ValueError, UnicodeDecodeError):
        return ""
    installation = payload.get("installation") if isinstance(payload, dict) else None
    uuid = installation.get("uuid") if isinstance(installation, dict) else None
    return uuid if isinstance(uuid, str) else ""


class IsMonitoringSource(permissions.BasePermission):
    """Let in a request that a monitoring source authenticated."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, MonitoringSource)
