"""Validation of the webhook payloads of Alertmanager (version 4) and Sentry."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.fields import StrictCharField, StrictIntegerField

SHORT = 200
LONG = 10000


class LabelsField(serializers.DictField):
    """A flat map of names to text, as Alertmanager's labels and annotations are."""

    child = StrictCharField(allow_blank=True, max_length=LONG)

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
    startsAt = StrictCharField(required=False, allow_blank=True, max_length=64)
    endsAt = StrictCharField(required=False, allow_blank=True, max_length=64)
    generatorURL = StrictCharField(required=False, allow_blank=True, max_length=2000)
    fingerprint = StrictCharField(required=False, allow_blank=True, max_length=SHORT)


class AlertmanagerWebhookSerializer(serializers.Serializer):
    """Alertmanager's webhook body, version 4; the alerts of one notification."""

    version = serializers.ChoiceField(choices=["4"])
    groupKey = StrictCharField(allow_blank=True, max_length=LONG)
    truncatedAlerts = StrictIntegerField(required=False, min_value=0)
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    receiver = StrictCharField(allow_blank=True, max_length=SHORT)
    groupLabels = LabelsField(required=False, default=dict)
    commonLabels = LabelsField(required=False, default=dict)
    commonAnnotations = LabelsField(required=False, default=dict)
    externalURL = StrictCharField(required=False, allow_blank=True, max_length=2000)
    alerts = AlertmanagerAlertSerializer(many=True, min_length=1, max_length=100)


class SentryProjectSerializer(serializers.Serializer):
    id = StrictCharField(required=False, max_length=64)
    name = StrictCharField(required=False, allow_blank=True, max_length=SHORT)
    slug = StrictCharField(required=False, allow_blank=True, max_length=SHORT)


class SentryIssueSerializer(serializers.Serializer):
    id = StrictCharField(max_length=64)
    shortId = StrictCharField(required=False, allow_blank=True, max_length=SHORT)
    title = StrictCharField(required=False, allow_blank=True, max_length=LONG)
    culprit = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=LONG)
    level = StrictCharField(required=False, allow_blank=True, max_length=64)
    status = StrictCharField(required=False, allow_blank=True, max_length=64)
    permalink = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=2000)
    web_url = StrictCharField(required=False, allow_blank=True, max_length=2000)
    project = SentryProjectSerializer(required=False)


class SentryEventSerializer(serializers.Serializer):
    issue_id = StrictCharField(max_length=64)
    event_id = StrictCharField(required=False, allow_blank=True, max_length=64)
    title = StrictCharField(required=False, allow_blank=True, max_length=LONG)
    message = StrictCharField(required=False, allow_blank=True, max_length=LONG)
    level = StrictCharField(required=False, allow_blank=True, max_length=64)
    culprit = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=LONG)
    environment = StrictCharField(
        required=False, allow_blank=True, allow_null=True, max_length=SHORT
    )
    release = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=SHORT)
    url = StrictCharField(required=False, allow_blank=True, max_length=2000)
    web_url = StrictCharField(required=False, allow_blank=True, max_length=2000)
    issue_url = StrictCharField(required=False, allow_blank=True, max_length=2000)


class SentryDataSerializer(serializers.Serializer):
    issue = SentryIssueSerializer(required=False)
    event = SentryEventSerializer(required=False)
    triggered_rule = StrictCharField(required=False, allow_blank=True, max_length=SHORT)


class SentryInstallationSerializer(serializers.Serializer):
    uuid = StrictCharField(max_length=64)


class SentryWebhookSerializer(serializers.Serializer):
    """A Sentry integration webhook: an ``issue`` or an ``event_alert`` resource.

    Which one is said by the ``Sentry-Hook-Resource`` header (``context["resource"]``),
    or else by whether ``data`` holds an ``issue`` or an ``event``.
    """

    action = StrictCharField(max_length=64)
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
                        _("Sentry's %(resource)s webhook carries data.%(key)s.")
                        % {"resource": resource, "key": needed}
                    ]
                }
            )
        attrs["resource"] = resource
        return attrs


class AlertResultSerializer(serializers.Serializer):
    fingerprint = StrictCharField()
    result = serializers.ChoiceField(
        choices=["opened", "reopened", "updated", "repeated", "resolved", "ignored"]
    )
    issue = StrictCharField(allow_null=True, help_text=_("The issue's reference."))


class WebhookResultSerializer(serializers.Serializer):
    alerts = AlertResultSerializer(many=True)
