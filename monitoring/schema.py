"""The OpenAPI description of the webhook secret of a monitoring source."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class MonitoringSecretScheme(OpenApiAuthenticationExtension):
    target_class = "monitoring.authentication.MonitoringSourceAuthentication"
    name = "monitoringSecret"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "The secret of a monitoring source: 'Authorization: Bearer <secret>'. "
                    "Sentry may sign instead: 'Sentry-Hook-Signature' is the hex HMAC-SHA256 "
                    "of the body under the integration's client secret, and the body's "
                    "installation.uuid names the source."
                )
            ),
        }
