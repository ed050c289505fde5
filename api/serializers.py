"""The API's representations and the validation of its input; the services do the writing."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
)
from clients.models import Client, Team
from clients.selectors import client_list_for_user
from oncall.models import Escalation, Page
from sla.models import Agreement, ClockKind, PriorityTarget
from sla.policy import Health
from tickets.choices import Category, Priority, Status
from tickets.models import Attachment, Comment, EventKind, Issue, IssueEvent


class UserRefSerializer(serializers.Serializer):
    """A person as the API names them: the login name and the display name."""

    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return str(user)


class IssueSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requester = UserRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Issue
        fields = (
            "reference",
            "client",
            "title",
            "description",
            "category",
            "component",
            "priority",
            "requested_priority",
            "status",
            "requester",
            "assignee",
            "channel",
            "version",
            "created_at",
            "updated_at",
            "last_activity_at",
            "resolved_at",
            "closed_at",
        )
        read_only_fields = fields


class IssueCreateSerializer(serializers.Serializer):
    """What filing an issue takes; a contact files for its own client, staff name one."""

    client = StrictCharField(
        required=False,
        max_length=6,
        help_text=_("The client's code. Staff must give it; a contact may leave it out."),
    )
    title = StrictCharField(max_length=200)
    description = StrictCharField(max_length=20000)
    priority = serializers.ChoiceField(choices=Priority.choices)
    category = serializers.ChoiceField(choices=Category.choices, default=Category.INCIDENT)
    component = StrictCharField(max_length=200, required=False, default="", allow_blank=True)
    submission_token = StrictUUIDField(
        required=False,
        help_text=_(
            "Optional random UUID: sending the same one again files nothing and answers 409."
        ),
    )

    def validate_client(self, code: str) -> Client:
        user = self.context["request"].user
        client = client_list_for_user(user=user).filter(code=code, is_active=True).first()
        if client is None:
            raise serializers.ValidationError(_("Unknown client."))
        return client

    def validate(self, attrs):
        user = self.context["request"].user
        if "client" not in attrs:
            if not user.client_id:
                raise serializers.ValidationError({"client": _("Name the client.")})
            attrs["client"] = user.client
        return attrs


class IssueUpdateSerializer(serializers.Serializer):
    """The changes an issue takes; each is applied only when given."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    priority_reason = StrictCharField(
        max_length=500,
        required=False,
        help_text=_("Why the priority changes; required with ``priority``."),
    )
    assignee = StrictCharField(
        max_length=150,
        required=False,
        allow_null=True,
        help_text=_("The username of a member of the client's team, or null for nobody."),
    )
    version = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("The version you read; the ETag in If-Match does the same."),
    )

    def validate(self, attrs):
        if not {"status", "priority", "assignee"} & attrs.keys():
            raise serializers.ValidationError(_("Give at least one of status, priority, assignee."))
        if "priority" in attrs and not attrs.get("priority_reason", "").strip():
            raise serializers.ValidationError(
                {"priority_reason": _("Say why the priority changes.")}
            )
        return attrs


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = UserRefSerializer(read_only=True)
    content_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id",
            "name",
            "content_type",
            "size",
            "is_internal",
            "comment",
            "uploaded_by",
            "created_at",
            "content_url",
        )
        read_only_fields = fields

    def get_content_url(self, attachment) -> str:
        # The view names the issue, so that a list of files costs no query per file.
        return reverse(
            "api:attachment-content",
            kwargs={"reference": self.context["reference"], "pk": attachment.pk},
        )


class CommentSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = ("id", "author", "body", "is_internal", "channel", "created_at", "attachments")
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    """One line of an issue's timeline."""

    kind = serializers.ChoiceField(choices=EventKind.choices, read_only=True)
    actor = UserRefSerializer(read_only=True, allow_null=True)
    data = serializers.JSONField(
        read_only=True, help_text=_("What changed, by kind: old and new values, names, ids.")
    )

    class Meta:
        model = IssueEvent
        fields = ("id", "kind", "actor", "data", "is_internal", "channel", "created_at")
        read_only_fields = fields


class FollowerSerializer(UserRefSerializer):
    """A person who follows an issue and is emailed about its public changes."""

    id = serializers.IntegerField(read_only=True)


class FollowerAddSerializer(serializers.Serializer):
    username = StrictCharField(
        max_length=150,
        help_text=_(
            "Who is to follow: a contact of the issue's client or a member of its team. "
            "A contact may only add themselves."
        ),
    )


class IssueMergeSerializer(serializers.Serializer):
    duplicates = serializers.ListField(
        child=StrictCharField(max_length=20),
        min_length=1,
        max_length=50,
        help_text=_(
            "References of the issues to merge into this one: the same client's, not closed. "
            "Their conversation, files and followers move here and they are closed."
        ),
    )


class ReportClockSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=["met", "breached", "pending"], help_text=_("Pending clocks are not judged yet.")
    )
    target_minutes = serializers.IntegerField(help_text=_("The target in business minutes."))
    due_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    missed_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When a breached clock ran out of its target.")
    )


class ReportRowSerializer(serializers.Serializer):
    issue = serializers.CharField(source="issue.reference", help_text=_("The issue's reference."))
    priority = serializers.CharField(source="issue.priority")
    response = ReportClockSerializer(allow_null=True)
    resolution = ReportClockSerializer(allow_null=True)
    reprioritised = serializers.BooleanField()
    merged = serializers.BooleanField(
        help_text=_("Merged into another issue: counted neither as met nor as breached.")
    )


class ReportTallySerializer(serializers.Serializer):
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    pending = serializers.IntegerField()
    met_percentage = serializers.FloatField(
        allow_null=True, help_text=_("Met of the judged clocks, in percent; null when none.")
    )


class ReportLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    issues = serializers.IntegerField()
    response = ReportTallySerializer()
    resolution = ReportTallySerializer()


class SlaReportSerializer(serializers.Serializer):
    """How a client's issues of one month kept to their SLA targets."""

    client = serializers.CharField(source="client.code")
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    total = ReportLineSerializer()
    by_priority = ReportLineSerializer(many=True)
    rows = ReportRowSerializer(many=True)


class EvaluationQuerySerializer(serializers.Serializer):
    starts_on = serializers.DateField(
        required=False,
        help_text=_("The first day of a chosen period; the calendar year when left out."),
    )
    ends_on = serializers.DateField(
        required=False,
        help_text=_("The last day of a chosen period, included; give it with starts_on."),
    )

    def validate(self, data):
        if ("starts_on" in data) != ("ends_on" in data):
            raise serializers.ValidationError(_("Give both dates of the period, or neither."))
        return data


class PeriodSerializer(serializers.Serializer):
    starts_on = serializers.DateField(help_text=_("The first day of the period."))
    ends_on = serializers.DateField(help_text=_("The last day of the period, included."))


class DistributionSerializer(serializers.Serializer):
    """Durations in minutes of wall-clock time."""

    count = serializers.IntegerField()
    median_minutes = serializers.FloatField(source="median", allow_null=True)
    p90_minutes = serializers.FloatField(
        source="p90", allow_null=True, help_text=_("The 90th percentile, by nearest rank.")
    )


class EvaluationTimesSerializer(serializers.Serializer):
    current = DistributionSerializer(help_text=_("Clocks stopped of the issues of this period."))
    previous = DistributionSerializer(
        help_text=_("The same for the previous period, as long as this one and just before it.")
    )


class MonthLineSerializer(ReportLineSerializer):
    month = serializers.CharField(help_text=_("The month as yyyy-mm."))


class PriorityLineSerializer(ReportLineSerializer):
    priority = serializers.ChoiceField(choices=Priority.choices)


class CategoryCountSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    issues = serializers.IntegerField()


class ComponentCountSerializer(serializers.Serializer):
    component = serializers.CharField(
        help_text=_("As filed; issues without a component under one translated name.")
    )
    issues = serializers.IntegerField()


class ReprioritisationSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    old = serializers.CharField(help_text=_("The priority before the change."))
    new = serializers.CharField(help_text=_("The priority after the change."))
    reason = serializers.CharField()


class BreachSerializer(serializers.Serializer):
    issue = serializers.CharField(source="issue.reference", help_text=_("The issue's reference."))
    priority = serializers.CharField(source="issue.priority")
    kind = serializers.ChoiceField(choices=ClockKind.choices)
    missed_at = serializers.DateTimeField(help_text=_("When the clock ran out of its target."))
    reprioritisations = ReprioritisationSerializer(
        many=True, help_text=_("The priority changes of the issue, oldest first.")
    )


class PagingLineSerializer(serializers.Serializer):
    issue = serializers.CharField(source="issue.reference", help_text=_("The issue's reference."))
    started_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    minutes_to_acknowledge = serializers.FloatField(allow_null=True)
    end_reason = serializers.CharField(
        help_text=_("Why the escalation ended, as a code; empty while it runs.")
    )


class AlertsSerializer(serializers.Serializer):
    opened = serializers.IntegerField(help_text=_("Monitoring alerts that fired in the period."))
    resolved = serializers.IntegerField(help_text=_("Of those, the ones resolved in the period."))
    resolution_times = DistributionSerializer()


class SlaEvaluationSerializer(serializers.Serializer):
    """How the service to a client went over a year, or a chosen period.

    Issues count in the period they were filed in; merged duplicates count nowhere.
    """

    client = serializers.CharField(source="client.code")
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    total = ReportLineSerializer()
    months = MonthLineSerializer(many=True)
    priorities = PriorityLineSerializer(many=True)
    by_category = CategoryCountSerializer(many=True)
    by_component = ComponentCountSerializer(many=True, help_text=_("The most issues first."))
    response_times = EvaluationTimesSerializer(help_text=_("Filing to first response."))
    resolution_times = EvaluationTimesSerializer(help_text=_("Filing to resolution."))
    breaches = BreachSerializer(many=True, help_text=_("Every clock that missed its target."))
    reprioritised = serializers.IntegerField(
        help_text=_("Issues of the period whose priority changed after filing.")
    )
    paging = PagingLineSerializer(many=True)
    acknowledge_times = DistributionSerializer(help_text=_("Start of a page to acknowledgement."))
    alerts = AlertsSerializer()


class OnCallQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        required=False,
        help_text=_("The moment to ask about (ISO 8601); now when left out."),
    )


class CommentCreateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=20000)
    is_internal = StrictBooleanField(
        default=False, help_text=_("An internal note, for staff only; clients never see it.")
    )
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=20
    )


class AttachmentUploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), min_length=1, max_length=20)
    is_internal = StrictBooleanField(
        default=False, help_text=_("Visible to staff only; for staff.")
    )


class SlaClockSerializer(serializers.Serializer):
    """One SLA clock of an issue as it stands now."""

    kind = serializers.ChoiceField(choices=ClockKind.choices)
    health = serializers.ChoiceField(choices=[(h.value, h.value) for h in Health])
    target_seconds = serializers.IntegerField()
    used_seconds = serializers.IntegerField()
    remaining_seconds = serializers.IntegerField(
        help_text=_("Business seconds left; negative once the target is exceeded.")
    )
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)


class IssueSlaSerializer(serializers.Serializer):
    reference = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    at = serializers.DateTimeField(help_text=_("The moment the clocks were read."))
    clocks = SlaClockSerializer(many=True)


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ("id", "name")
        read_only_fields = fields


class ClientSerializer(serializers.ModelSerializer):
    team = TeamRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Client
        fields = ("code", "name", "is_active", "created_at", "team")
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)
    email = serializers.CharField(read_only=True, help_text=_("Empty when the team has none."))
    lead = UserRefSerializer(read_only=True, allow_null=True)
    members = UserRefSerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ("id", "client", "name", "email", "lead", "members")
        read_only_fields = fields


class PriorityTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriorityTarget
        fields = (
            "priority",
            "first_response_minutes",
            "resolution_minutes",
            "is_round_the_clock",
            "description",
        )
        read_only_fields = fields


class AgreementSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True)
    calendar = serializers.CharField(source="calendar.name", read_only=True)
    targets = PriorityTargetSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = (
            "id",
            "client",
            "name",
            "tier",
            "calendar",
            "valid_from",
            "valid_until",
            "targets",
        )
        read_only_fields = fields


class ShiftSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    layer = serializers.CharField()
    user = UserRefSerializer(allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    is_override = serializers.BooleanField()


class RotaNowSerializer(serializers.Serializer):
    rota = serializers.CharField()
    shifts = ShiftSerializer(many=True)


class OnCallSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    office_open = serializers.BooleanField(
        help_text=_("Whether the provider's office is open; urgent issues page only if not.")
    )
    rotas = RotaNowSerializer(many=True)


class RotaLayerSerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text=_("1 for the primary, 2 for the secondary ..."))
    name = serializers.CharField()
    members = UserRefSerializer(many=True, help_text=_("In the order they take turns."))


class RotaSerializer(serializers.Serializer):
    """An on-call rota of the provider: its layers and who takes turns in each."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    timezone = serializers.CharField(help_text=_("The time zone in which its handoffs fall."))
    layers = RotaLayerSerializer(many=True)


class LayerScheduleSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    layer = serializers.CharField()
    shifts = ShiftSerializer(many=True)


class RotaScheduleSerializer(serializers.Serializer):
    """Who is on call in each layer of a rota, shift by shift, over a period."""

    rota = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    layers = LayerScheduleSerializer(many=True)


class RotaScheduleQuerySerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(
        required=False, help_text=_("The start of the period (ISO 8601); now when left out.")
    )
    days = serializers.IntegerField(
        required=False, default=14, min_value=1, max_value=62, help_text=_("Its length in days.")
    )


class EscalationStepSerializer(serializers.Serializer):
    """A step of the plan the escalation took from its policy when it started."""

    index = serializers.IntegerField(help_text=_("The step's place in the plan, from 0."))
    round = serializers.IntegerField(help_text=_("0 for the first pass, 1 for the repeat."))
    label = serializers.CharField(help_text=_("Whom the step pages, in words."))
    wait_minutes = serializers.IntegerField(
        help_text=_("Minutes the step waits for an acknowledgement before the next.")
    )


class PageSerializer(serializers.ModelSerializer):
    """A page sent, or being sent, to one person for one step."""

    recipient = UserRefSerializer(read_only=True)

    class Meta:
        model = Page
        fields = ("step_index", "recipient", "channel", "attempts", "sent_at", "failed_at")
        read_only_fields = fields


class EscalationSerializer(serializers.ModelSerializer):
    issue = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    acknowledged_by = UserRefSerializer(read_only=True, allow_null=True)
    steps = EscalationStepSerializer(source="snapshot.steps", many=True, read_only=True)
    pages = PageSerializer(many=True, read_only=True)

    class Meta:
        model = Escalation
        fields = (
            "id",
            "issue",
            "state",
            "step_index",
            "started_at",
            "ended_at",
            "acknowledged_by",
            "steps",
            "pages",
        )
        read_only_fields = fields


class InvalidParamSerializer(serializers.Serializer):
    name = serializers.CharField()
    reason = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type = serializers.CharField(help_text=_("A URI naming the kind of problem."))
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text=_("The path of the request that failed."))
    code = serializers.CharField(help_text=_("The kind of problem as a short stable code."))

    def get_fields(self):
        fields = super().get_fields()
        # Not a Python name, so it cannot be declared as a class attribute.
        fields["invalid-params"] = InvalidParamSerializer(
            many=True, required=False, help_text=_("The input that was wrong, on a 400.")
        )
        return fields
