"""Validation of the webhook payloads of Alertmanager (version 4) and Sentry."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

SHORT = 200
LONG = 10000


class LabelsField(serializers.DictField):
    """A flat map of names to text, as Alertmanager's labels and annotations are."""

    child = serializers.CharField(allow_blank=True, max_length=LONG)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(value) > 100:
            raise serializers.ValidationError(_("At most 100 entries."))
        for key in value:
            if not key or len(key) > SHORT or "\x00" in key:
                raise serializers.ValidationError(_("Names are 1 to 200 characters."))
        return value


class AlertmanagerAlertSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    labels = LabelsField()
    annotations = LabelsField(required=False, default=dict)
    startsAt = serializers.CharField(required=False, allow_blank=True, max_length=64)
    endsAt = serializers.CharField(required=False, allow_blank=True, max_length=64)
    generatorURL = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    fingerprint = serializers.CharField(required=False, allow_blank=True, max_length=SHORT)


class AlertmanagerWebhookSerializer(serializers.Serializer):
    """Alertmanager's webhook body, version 4; the alerts of one notification."""

    version = serializers.ChoiceField(choices=["4"])
    groupKey = serializers.CharField(allow_blank=True, max_length=LONG)
    truncatedAlerts = serializers.IntegerField(required=False, min_value=0)
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    receiver = serializers.CharField(allow_blank=True, max_length=SHORT)
    groupLabels = LabelsField(required=False, default=dict)
    commonLabels = LabelsField(required=False, default=dict)
    commonAnnotations = LabelsField(required=False, default=dict)
    externalURL = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    alerts = AlertmanagerAlertSerializer(many=True, min_length=1, max_length=100)


class SentryProjectSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, max_length=64)
    name = serializers.CharField(required=False, allow_blank=True, max_length=SHORT)
    slug = serializers.CharField(required=False, allow_blank=True, max_length=SHORT)


class SentryIssueSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    shortId = serializers.CharField(required=False, allow_blank=True, max_length=SHORT)
    title = serializers.CharField(required=False, allow_blank=True, max_length=LONG)
    culprit = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=LONG
    )
    level = serializers.CharField(required=False, allow_blank=True, max_length=64)
    status = serializers.CharField(required=False, allow_blank=True, max_length=64)
    permalink = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=2000
    )
    web_url = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    project = SentryProjectSerializer(required=False)


class SentryEventSerializer(serializers.Serializer):
    issue_id = serializers.CharField(max_length=64)
    event_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    title = serializers.CharField(required=False, allow_blank=True, max_length=LONG)
    message = serializers.CharField(required=False, allow_blank=True, max_length=LONG)
    level = serializers.CharField(required=False, allow_blank=True, max_length=64)
    culprit = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=LONG
    )
    environment = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=SHORT
    )
    release = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=SHORT
    )
    url = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    web_url = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    issue_url = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SentryDataSerializer(serializers.Serializer):
    issue = SentryIssueSerializer(required=False)
    event = SentryEventSerializer(required=False)
    triggered_rule = serializers.CharField(required=False, allow_blank=True, max_length=SHORT)


class SentryInstallationSerializer(serializers.Serializer):
    uuid = serializers.CharField(max_length=64)


class SentryWebhookSerializer(serializers.Serializer):
    """A Sentry integration webhook: an ``issue`` or an ``event_alert`` resource.

    Which one is said by the ``Sentry-Hook-Resource`` header (``context["resource"]``),
    or else by whether ``data`` holds an ``issue`` or an ``event``.
    """

    action = serializers.CharField(max_length=64)
    installation = SentryInstallationSerializer(required=False)
    data = SentryDataSerializer()

    def validate(self, attrs):
        resource = self.context.get("resource") or (
            "event_alert" if "event" in attrs["data"] else "issue"
        )
        needed = {"issue": "issue", "event_alert": "event"}.get(resource)
        if needed is not None and needed not in attrs["data"]:
            raise serializers.ValidationError(
                {
                    "data": [
                        _("A %(resource)s webhook carries data.%(key)s.")
                        % {"resource": resource, "key": needed}
                    ]
                }
            )
        attrs["resource"] = resource
        return attrs


class AlertResultSerializer(serializers.Serializer):
    fingerprint = serializers.CharField()
    result = serializers.ChoiceField(
        choices=["opened", "reopened", "updated", "repeated", "resolved", "ignored"]
    )
    issue = serializers.CharField(allow_null=True, help_text=_("The issue's reference."))


class WebhookResultSerializer(serializers.Serializer):
    alerts = AlertResultSerializer(many=True)
