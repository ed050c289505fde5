"""Webhook receivers of Prometheus Alertmanager and Sentry."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.parsers import BoundedJSONParser
from api.throttling import AddressLimitMixin
from audit import context as audit_context
from monitoring.alerts import alerts_from_alertmanager, sentry_alert
from monitoring.authentication import IsMonitoringSource, MonitoringSourceAuthentication
from monitoring.models import MonitoringSource, SourceKind
from monitoring.serializers import (
    AlertmanagerWebhookSerializer,
    SentryWebhookSerializer,
    WebhookResultSerializer,
)
from monitoring.services import AlertOutcome, monitoring_alerts_receive

# What Sentry's integration platform posts; only issues and issue alerts open issues.
SENTRY_RESOURCES = ("issue", "event_alert", "installation", "metric_alert", "error", "comment")


def _result(outcomes: list[AlertOutcome]) -> dict:
    return {
        "alerts": [
            {
                "fingerprint": outcome.fingerprint,
                "result": outcome.result,
                "issue": outcome.issue.reference if outcome.issue else None,
            }
            for outcome in outcomes
        ]
    }


class WebhookView(AddressLimitMixin, APIView):
    authentication_classes = [MonitoringSourceAuthentication]
    permission_classes = [IsMonitoringSource]
    # The address limit of AddressLimitMixin is the one that applies.
    throttle_classes = []
    parser_classes = [BoundedJSONParser]
    kind: str

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        source = request.auth
        # The client's monitoring user acts (see monitoring_alerts_receive) for the
        # monitoring system that called: the access log names both.
        audit_context.current().on_behalf_of = f"{source.get_kind_display()}: {source.name}"

    def source(self, request) -> MonitoringSource:
        source = request.auth
        if source.kind != self.kind:
            raise PermissionDenied(
                _("This secret belongs to a %(kind)s source.") % {"kind": source.get_kind_display()}
            )
        return source


class AlertmanagerWebhookView(WebhookView):
    """Receive an Alertmanager notification (webhook version 4).

    Each firing alert opens an issue for the source's client, or adds to the open one of
    its fingerprint; each resolved alert adds a reply and, if the source says so,
    resolves the issue. Configure the receiver with ``http_config.authorization``
    (type Bearer, the source's secret) and ``max_alerts: 100``; one call holds at most
    100 alerts and is taken whole or not at all.
    """

    kind = SourceKind.ALERTMANAGER

    @extend_schema(request=AlertmanagerWebhookSerializer, responses={200: WebhookResultSerializer})
    def post(self, request):
        source = self.source(request)
        serializer = AlertmanagerWebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alerts = alerts_from_alertmanager(serializer.validated_data)
        outcomes = monitoring_alerts_receive(source=source, alerts=alerts)
        return Response(WebhookResultSerializer(_result(outcomes)).data)


class SentryWebhookView(WebhookView):
    """Receive a Sentry integration webhook: an ``issue`` or an ``event_alert`` resource.

    A created, unresolved or triggered issue fires; a resolved one resolves. Other
    resources and actions are answered with an empty result.
    """

    kind = SourceKind.SENTRY

    @extend_schema(
        request=SentryWebhookSerializer,
        responses={200: WebhookResultSerializer},
        parameters=[
            OpenApiParameter(
                "Sentry-Hook-Resource",
                str,
                OpenApiParameter.HEADER,
                enum=list(SENTRY_RESOURCES),
                description=_("What the webhook is about; Sentry always sends it."),
            )
        ],
    )
    def post(self, request):
        source = self.source(request)
        resource = request.headers.get("Sentry-Hook-Resource")
        if resource is not None and resource not in SENTRY_RESOURCES:
            raise ValidationError({"Sentry-Hook-Resource": [_("Unknown resource.")]})
        serializer = SentryWebhookSerializer(data=request.data, context={"resource": resource})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        alert = None
        if data["resource"] in ("issue", "event_alert"):
            alert = sentry_alert(
                resource=data["resource"], action=data["action"], data=data["data"]
            )
        outcomes = monitoring_alerts_receive(source=source, alerts=[alert]) if alert else []
        return Response(WebhookResultSerializer(_result(outcomes)).data)
