"""The API's endpoints: thin edges that validate, call a service or a selector, and answer."""

import re
from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from api import selectors
from api.exceptions import PreconditionFailed, PreconditionRequired
from api.filters import EscalationFilter, IssueFilter
from api.parsers import BoundedJSONParser
from api.permissions import IsStaff, StaffModelPermissions
from api.renderers import AnyMediaRenderer
from api.serializers import (
    AgreementSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    ClientSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    EscalationSerializer,
    EvaluationQuerySerializer,
    EventSerializer,
    FollowerAddSerializer,
    FollowerSerializer,
    IssueCreateSerializer,
    IssueMergeSerializer,
    IssueSerializer,
    IssueSlaSerializer,
    IssueUpdateSerializer,
    OnCallQuerySerializer,
    OnCallSerializer,
    RotaScheduleQuerySerializer,
    RotaScheduleSerializer,
    RotaSerializer,
    SlaEvaluationSerializer,
    SlaReportSerializer,
    TeamSerializer,
)
from api.throttling import AddressLimitMixin
from clients.models import Client
from oncall.models import Escalation
from oncall.selectors import office_is_open, rota_list, rota_timeline, rota_who_is_on_call
from oncall.services import escalation_acknowledge
from paqt_support.exceptions import ApplicationError, ConflictError
from sla.evaluation import Evaluation, evaluation_period_check, sla_evaluation
from sla.selectors import (
    sla_evaluation_client_for_user,
    sla_report,
    sla_report_client_for_user,
)
from tickets import selectors as ticket_selectors
from tickets import services as ticket_services
from tickets.attachments import attachment_response
from tickets.choices import Category, Priority
from tickets.models import Attachment, Channel, Comment, Issue, IssueEvent

# One entity tag of If-Match, as RFC 9110 writes it; weak tags never match If-Match.
ETAG_PATTERN = re.compile(r'\s*(W/)?"([^"]*)"\s*')


def issue_etag(issue: Issue) -> str:
    return f'"{issue.version}"'


def _if_match_versions(header: str) -> set[str] | None:
    """Return the versions an If-Match header accepts, None for ``*`` (any)."""
    if header.strip() == "*":
        return None
    versions = set()
    for part in header.split(","):
        match = ETAG_PATTERN.fullmatch(part)
        if match and not match.group(1):
            versions.add(match.group(2))
    return versions


class IssueMixin:
    """Find the issue of the URL among those the user may see; 404 for any other."""

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "reference": self.kwargs["reference"]}

    def get_issue(self, queryset=None) -> Issue:
        issues = (
            queryset
            if queryset is not None
            else selectors.issue_list_for_api(user=self.request.user)
        )
        try:
            return issues.get(reference=self.kwargs["reference"])
        except Issue.DoesNotExist:
            raise NotFound(_("There is no such issue.")) from None


class IssueListView(AddressLimitMixin, generics.ListCreateAPIView):
    """List the issues you may see, or file one."""

    permission_classes = [StaffModelPermissions]
    staff_permissions = {"GET": ("tickets.view_issue",)}
    problem_statuses = {"POST": (409,)}
    serializer_class = IssueSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = IssueFilter
    ordering_fields = ["created_at", "updated_at", "priority", "reference"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.issue_list_for_api(user=self.request.user)

    @extend_schema(request=IssueCreateSerializer, responses={201: IssueSerializer})
    def post(self, request):
        serializer = IssueCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        issue = ticket_services.issue_create(
            client=data["client"],
            requester=request.user,
            title=data["title"],
            description=data["description"],
            priority=data["priority"],
            category=data["category"],
            component=data["component"],
            submission_token=data.get("submission_token"),
            channel=Channel.API,
        )
        issue = selectors.issue_list_for_api(user=request.user).get(pk=issue.pk)
        headers = {
            "Location": reverse("api:issue-detail", kwargs={"reference": issue.reference}),
            "ETag": issue_etag(issue),
        }
        return Response(
            IssueSerializer(issue).data, status=status.HTTP_201_CREATED, headers=headers
        )


class IssueDetailView(AddressLimitMixin, IssueMixin, APIView):
    """Read an issue, or change its status, priority or assignee."""

    permission_classes = [StaffModelPermissions]
    staff_permissions = {"GET": ("tickets.view_issue",), "PATCH": ("tickets.change_issue",)}
    problem_statuses = {"PATCH": (409, 412, 428)}
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: IssueSerializer})
    def get(self, request, reference: str):
        issue = self.get_issue()
        return Response(IssueSerializer(issue).data, headers={"ETag": issue_etag(issue)})

    @extend_schema(
        request=IssueUpdateSerializer,
        responses={200: IssueSerializer},
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description=_(
                    "The ETag of the issue as you read it. Without it, give 'version' in "
                    "the body; with neither the change is refused (428)."
                ),
            )
        ],
    )
    def patch(self, request, reference: str):
        """Change status, priority (with a reason) or assignee; contacts only close or reopen.

        Guard against overwriting someone else's change with If-Match (the ETag) or the
        issue's ``version``; a stale one answers 412.
        """
        issue = self.get_issue()
        serializer = IssueUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expected = self._expected_version(request, issue, data.get("version"))
        changes = {}
        if "assignee" in data:
            changes["assignee"] = self._assignee(data["assignee"])
        try:
            issue = ticket_services.issue_update(
                issue=issue,
                actor=request.user,
                status=data.get("status"),
                priority=data.get("priority"),
                priority_reason=data.get("priority_reason", ""),
                channel=Channel.API,
                expected_version=expected,
                **changes,
            )
        except ConflictError:
            raise PreconditionFailed() from None
        issue = self.get_issue()
        return Response(IssueSerializer(issue).data, headers={"ETag": issue_etag(issue)})

    def _expected_version(self, request, issue: Issue, version: int | None) -> int | None:
        header = request.headers.get("If-Match")
        if header is None:
            if version is None:
                raise PreconditionRequired()
            return version
        versions = _if_match_versions(header)
        if versions is None:
            return version
        if str(issue.version) not in versions:
            raise PreconditionFailed()
        return issue.version

    def _assignee(self, username: str | None) -> User | None:
        if username is None:
            return None
        user = User.objects.filter(username=username, is_staff=True, is_active=True).first()
        if user is None:
            raise ValidationError({"assignee": [_("There is no such team member.")]})
        return user


class IssueSlaView(AddressLimitMixin, IssueMixin, APIView):
    """How the SLA clocks of an issue stand now: on track, at risk, breached, met or paused."""

    permission_classes = [StaffModelPermissions]
    staff_permissions = {"GET": ("tickets.view_issue",)}

    @extend_schema(responses={200: IssueSlaSerializer})
    def get(self, request, reference: str):
        issue = self.get_issue(
            selectors.issue_list_for_api(user=request.user).prefetch_related("sla_clocks")
        )
        now = timezone.now()
        clocks = []
        for clock in sorted(issue.sla_clocks.all(), key=lambda c: c.kind):
            health = clock.health(now)
            clocks.append(
                {
                    "kind": clock.kind,
                    "health": health.status.value,
                    "target_seconds": int(health.target.total_seconds()),
                    "used_seconds": int(health.used.total_seconds()),
                    "remaining_seconds": int(health.remaining.total_seconds()),
                    "started_at": clock.started_at,
                    "due_at": health.due_at,
                    "stopped_at": clock.stopped_at,
                }
            )
        body = {"reference": issue.reference, "priority": issue.priority, "at": now}
        return Response(IssueSlaSerializer({**body, "clocks": clocks}).data)


class CommentListView(AddressLimitMixin, IssueMixin, generics.ListCreateAPIView):
    """The conversation of an issue; staff also read and write internal notes."""

    permission_classes = [StaffModelPermissions]
    staff_permissions = {"GET": ("tickets.view_comment",), "POST": ("tickets.add_comment",)}
    serializer_class = CommentSerializer
    parser_classes = [BoundedJSONParser, MultiPartParser]
    ordering = ["created_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        issue = self.get_issue()
        return ticket_selectors.comment_list_for_issue(issue=issue, user=self.request.user)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request, reference: str):
        issue = self.get_issue()
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        comment = ticket_services.comment_create(
            issue=issue,
            author=request.user,
            body=data["body"],
            is_internal=data["is_internal"],
            files=data["files"],
            channel=Channel.API,
        )
        comment = ticket_selectors.comment_list_for_issue(issue=issue, user=request.user).get(
            pk=comment.pk
        )
        location = reverse("api:comment-detail", kwargs={"reference": reference, "pk": comment.pk})
        return Response(
            CommentSerializer(comment, context={"reference": reference}).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class EventListView(AddressLimitMixin, IssueMixin, generics.ListAPIView):
    """The timeline of an issue, oldest first; staff also see its internal events."""

    permission_classes = [StaffModelPermissions]
    staff_permissions = {"GET": ("tickets.view_issue",)}
    serializer_class = EventSerializer
    ordering = ["created_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return IssueEvent.objects.none()
        issue = self.get_issue()
        return ticket_selectors.event_list_for_issue(issue=issue, user=self.request.user)


class FollowerMixin(AddressLimitMixin, IssueMixin):
    permission_classes = [StaffModelPermissions]
    staff_permissions = {
        "GET": ("tickets.view_issue",),
        "POST": ("tickets.change_issue",),
        "DELETE": ("tickets.change_issue",),
    }

    def followers(self, issue: Issue):
        return ticket_selectors.watcher_list_for_issue(issue=issue, user=self.request.user)

    def follow(self, issue: Issue, watcher: User, *, watch: bool) -> None:
        # The portal lets a contact follow only for themselves; so does the API.
        if not self.request.user.is_staff and watcher.pk != self.request.user.pk:
            raise PermissionDenied(_("You may only add or remove yourself."))
        ticket_services.issue_watch(
            issue=issue, actor=self.request.user, watcher=watcher, watch=watch, channel=Channel.API
        )


class FollowerListView(FollowerMixin, APIView):
    """Who follows an issue, and following it: those people are emailed its public changes."""

    @extend_schema(responses={200: FollowerSerializer(many=True)})
    def get(self, request, reference: str):
        issue = self.get_issue()
        return Response(FollowerSerializer(self.followers(issue), many=True).data)

    @extend_schema(request=FollowerAddSerializer, responses={200: FollowerSerializer(many=True)})
    def post(self, request, reference: str):
        issue = self.get_issue()
        serializer = FollowerAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        watcher = User.objects.filter(username=username, is_active=True).first()
        if watcher is None:
            # The same answer as for someone of another client: no way to probe for accounts.
            raise ApplicationError(
                _("%(name)s cannot follow this issue.") % {"name": username}, field="username"
            )
        self.follow(issue, watcher, watch=True)
        return Response(FollowerSerializer(self.followers(issue), many=True).data)


class FollowerDetailView(FollowerMixin, APIView):
    """One follower of an issue."""

    @extend_schema(responses={204: None})
    def delete(self, request, reference: str, pk: int):
        issue = self.get_issue()
        watcher = self.followers(issue).filter(pk=pk).first()
        if watcher is None:
            raise NotFound(_("That person does not follow this issue."))
        self.follow(issue, watcher, watch=False)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IssueMergeView(AddressLimitMixin, IssueMixin, APIView):
    """Merge duplicates into this issue (staff only); answers this issue as it is now."""

    permission_classes = [StaffModelPermissions]
    staff_permissions = {"POST": ("tickets.change_issue",)}

    @extend_schema(request=IssueMergeSerializer, responses={200: IssueSerializer})
    def post(self, request, reference: str):
        issues = selectors.issue_list_for_api(user=request.user)
        target = self.get_issue(issues)
        serializer = IssueMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        wanted = set(serializer.validated_data["duplicates"])
        sources = list(issues.filter(reference__in=wanted))
        missing = sorted(wanted - {source.reference for source in sources})
        if missing:
            raise ValidationError(
                {"duplicates": [_("There is no such issue: %(ref)s") % {"ref": ", ".join(missing)}]}
            )
        ticket_services.issue_merge(
            target=target, sources=sources, actor=request.user, channel=Channel.API
        )
        target = issues.get(pk=target.pk)
        return Response(IssueSerializer(target, context={"request": request}).data)


class SlaReportView(AddressLimitMixin, APIView):
    """How a client's issues of one month kept to their SLA targets (staff only).

    The same report as the SLA report page: every issue filed in the month with the verdict
    of its first-response and resolution clocks, and the tallies per priority.
    """

    # As the report page: any staff member, for the clients of their teams.
    permission_classes = [IsStaff]

    @extend_schema(responses={200: SlaReportSerializer})
    def get(self, request, code: str, month: str):
        try:
            client = sla_report_client_for_user(user=request.user, code=code)
        except Client.DoesNotExist:
            raise NotFound(_("There is no such client.")) from None
        year, number = (int(part) for part in month.split("-"))
        report = sla_report(client=client, year=year, month=number, now=timezone.now())
        return Response(SlaReportSerializer(report).data)


class SlaEvaluationView(AddressLimitMixin, APIView):
    """How the service to a client went over a calendar year, or over a chosen period.

    The same evaluation as the evaluation page: compliance with the SLA targets per month
    and per priority, volume per category and component, response and resolution times
    against the previous period, every breach with the issue's priority changes, paging
    and monitoring alerts. Staff read it for the clients of their teams, a client's
    contacts for their own organisation.
    """

    @extend_schema(
        parameters=[EvaluationQuerySerializer],
        responses={200: SlaEvaluationSerializer},
    )
    def get(self, request, code: str, year: int):
        try:
            client = sla_evaluation_client_for_user(user=request.user, code=code)
        except Client.DoesNotExist:
            raise NotFound(_("There is no such client.")) from None
        # A plain dict: from a QueryDict, DRF would take an empty date for no date.
        query = EvaluationQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        first_day = query.validated_data.get("starts_on", date(year, 1, 1))
        last_day = query.validated_data.get("ends_on", date(year, 12, 31))
        evaluation_period_check(first_day=first_day, last_day=last_day)
        evaluation = sla_evaluation(
            client=client,
            starts_on=first_day,
            ends_on=last_day + timedelta(days=1),
            now=timezone.now(),
        )
        return Response(SlaEvaluationSerializer(_evaluation_body(evaluation)).data)


def _evaluation_body(evaluation: Evaluation) -> dict:
    """Return the evaluation with codes where the page shows translated labels."""
    day = timedelta(days=1)
    month = evaluation.starts_on.replace(day=1)
    months = []
    for line in evaluation.months:
        months.append({"month": month.strftime("%Y-%m"), **vars(line)})
        month = (month + 31 * day).replace(day=1)
    # The evaluation names categories in the language of this request: map them back.
    categories = {str(label): value for value, label in Category.choices}
    return {
        "client": evaluation.client,
        "period": {"starts_on": evaluation.starts_on, "ends_on": evaluation.ends_on - day},
        "previous_period": {
            "starts_on": evaluation.previous_starts_on,
            "ends_on": evaluation.starts_on - day,
        },
        "total": evaluation.total,
        "months": months,
        # The evaluation lists the priorities in the order of their choices.
        "priorities": [
            {"priority": value, **vars(line)}
            for value, line in zip(Priority.values, evaluation.priorities, strict=True)
        ],
        "by_category": [
            {"category": categories[name], "issues": n} for name, n in evaluation.by_category
        ],
        "by_component": [{"component": name, "issues": n} for name, n in evaluation.by_component],
        "response_times": {
            "current": evaluation.response_times,
            "previous": evaluation.previous_response_times,
        },
        "resolution_times": {
            "current": evaluation.resolution_times,
            "previous": evaluation.previous_resolution_times,
        },
        "breaches": evaluation.breaches,
        "reprioritised": evaluation.reprioritised,
        "paging": evaluation.paging,
        "acknowledge_times": evaluation.acknowledge_times,
        "alerts": {
            "opened": evaluation.alerts_opened,
            "resolved": evaluation.alerts_resolved,
            "resolution_times": evaluation.alert_resolution_times,
        },
    }


class CommentDetailView(AddressLimitMixin, IssueMixin, generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    staff_permissions = {"GET": ("tickets.view_comment",)}
    serializer_class = CommentSerializer

    def get_object(self) -> Comment:
        issue = self.get_issue()
        comments = ticket_selectors.comment_list_for_issue(issue=issue, user=self.request.user)
        try:
            return comments.get(pk=self.kwargs["pk"])
        except Comment.DoesNotExist:
            raise NotFound(_("There is no such comment.")) from None


class AttachmentListView(AddressLimitMixin, IssueMixin, generics.ListCreateAPIView):
    """The files of an issue; upload more as multipart/form-data, one or more ``files``."""

    permission_classes = [StaffModelPermissions]
    staff_permissions = {"GET": ("tickets.view_attachment",), "POST": ("tickets.add_attachment",)}
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser]
    ordering = ["created_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        issue = self.get_issue()
        return ticket_selectors.attachment_list_for_issue(issue=issue, user=self.request.user)

    @extend_schema(
        request=AttachmentUploadSerializer,
        # A plain array: the list mechanics would describe a page of the GET's list.
        responses={201: {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}}},
    )
    def post(self, request, reference: str):
        issue = self.get_issue()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stored = ticket_services.attachment_add(
            issue=issue,
            uploaded_by=request.user,
            files=serializer.validated_data["files"],
            is_internal=serializer.validated_data["is_internal"],
            channel=Channel.API,
        )
        return Response(
            AttachmentSerializer(stored, many=True, context={"reference": reference}).data,
            status=status.HTTP_201_CREATED,
        )


class AttachmentMixin(IssueMixin):
    def get_attachment(self) -> Attachment:
        issue = self.get_issue()
        attachments = ticket_selectors.attachment_list_for_issue(
            issue=issue, user=self.request.user
        )
        try:
            attachment = attachments.get(pk=self.kwargs["pk"])
        except Attachment.DoesNotExist:
            raise NotFound(_("There is no such file.")) from None
        return attachment


class AttachmentDetailView(AddressLimitMixin, AttachmentMixin, APIView):
    permission_classes = [StaffModelPermissions]
    staff_permissions = {"GET": ("tickets.view_attachment",)}

    @extend_schema(responses={200: AttachmentSerializer})
    def get(self, request, reference: str, pk: int):
        return Response(
            AttachmentSerializer(self.get_attachment(), context={"reference": reference}).data
        )


class AttachmentContentView(AddressLimitMixin, AttachmentMixin, APIView):
    """Download a file, always as an attachment; only safe types keep their own type."""

    permission_classes = [StaffModelPermissions]
    staff_permissions = {"GET": ("tickets.view_attachment",)}
    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description=_("The file's content."))
        }
    )
    def get(self, request, reference: str, pk: int):
        attachment = self.get_attachment()
        try:
            return attachment_response(attachment)
        except FileNotFoundError:
            raise NotFound(_("The file is missing from storage.")) from None


class ClientListView(AddressLimitMixin, generics.ListAPIView):
    """The clients you serve (staff only)."""

    permission_classes = [IsStaff, StaffModelPermissions]
    staff_permissions = {"GET": ("clients.view_client",)}
    serializer_class = ClientSerializer
    ordering = ["code"]

    def get_queryset(self):
        return selectors.client_list_for_api(user=self.request.user)


class ClientDetailView(AddressLimitMixin, generics.RetrieveAPIView):
    permission_classes = [IsStaff, StaffModelPermissions]
    staff_permissions = {"GET": ("clients.view_client",)}
    serializer_class = ClientSerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.client_list_for_api(user=self.request.user)


class TeamListView(AddressLimitMixin, generics.ListAPIView):
    """The teams of the clients you serve (staff only)."""

    permission_classes = [IsStaff, StaffModelPermissions]
    staff_permissions = {"GET": ("clients.view_team",)}
    serializer_class = TeamSerializer
    ordering = ["id"]

    def get_queryset(self):
        return selectors.team_list_for_api(user=self.request.user)


class TeamDetailView(AddressLimitMixin, generics.RetrieveAPIView):
    permission_classes = [IsStaff, StaffModelPermissions]
    staff_permissions = {"GET": ("clients.view_team",)}
    serializer_class = TeamSerializer

    def get_queryset(self):
        return selectors.team_list_for_api(user=self.request.user)


class AgreementListView(AddressLimitMixin, generics.ListAPIView):
    """Service-level agreements: a contact's own client's, or those of the clients staff serve."""

    serializer_class = AgreementSerializer
    ordering = ["-valid_from", "-id"]

    def get_queryset(self):
        return selectors.agreement_list_for_api(user=self.request.user)


class AgreementDetailView(AddressLimitMixin, generics.RetrieveAPIView):
    serializer_class = AgreementSerializer

    def get_queryset(self):
        return selectors.agreement_list_for_api(user=self.request.user)


# The rota is computed shift by shift from its start: a moment centuries away would take long.
ON_CALL_HORIZON = timedelta(days=3653)


def _shift_body(layer, shift, users: dict) -> dict:
    """Return one shift of ``layer`` as the on-call and schedule answers give it."""
    return {
        "level": layer.level,
        "layer": layer.name,
        "user": users.get(shift.user),
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "is_override": shift.is_override,
    }


class OnCallView(AddressLimitMixin, APIView):
    """Who is on call now, per rota and layer (staff only)."""

    permission_classes = [IsStaff, StaffModelPermissions]
    staff_permissions = {"GET": ("oncall.view_rota",)}

    @extend_schema(
        parameters=[OnCallQuerySerializer],
        responses={200: OnCallSerializer, 400: OpenApiResponse(description="A bad ``at``.")},
    )
    def get(self, request):
        # A plain dict: from a QueryDict, DRF would take an empty ``at=`` for no ``at``.
        query = OnCallQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        now = _moment_near_now(query.validated_data.get("at") or timezone.now(), field="at")
        rotas = [(rota, rota_who_is_on_call(rota=rota, at=now)) for rota in rota_list()]
        user_ids = {shift.user for _rota, shifts in rotas for _layer, shift in shifts}
        users = User.objects.in_bulk(user_ids - {None})
        body = {
            "at": now,
            "office_open": office_is_open(at=now),
            "rotas": [
                {
                    "rota": rota.name,
                    "shifts": [_shift_body(layer, shift, users) for layer, shift in shifts],
                }
                for rota, shifts in rotas
            ],
        }
        return Response(OnCallSerializer(body).data)


def _moment_near_now(moment: datetime, *, field: str) -> datetime:
    if abs(moment - timezone.now()) > ON_CALL_HORIZON:
        raise ValidationError({field: [_("Ask about a moment within ten years from now.")]})
    return moment


class RotaMixin(AddressLimitMixin):
    permission_classes = [IsStaff, StaffModelPermissions]
    staff_permissions = {"GET": ("oncall.view_rota",)}


class RotaListView(RotaMixin, APIView):
    """The provider's on-call rotas with their layers and members (staff only)."""

    @extend_schema(responses={200: RotaSerializer(many=True)})
    def get(self, request):
        body = [
            {
                "id": rota.pk,
                "name": rota.name,
                "timezone": rota.timezone,
                "layers": [
                    {
                        "level": layer.level,
                        "name": layer.name,
                        "members": [member.user for member in layer.members.all()],
                    }
                    for layer in rota.layers.all()
                ],
            }
            for rota in rota_list()
        ]
        return Response(RotaSerializer(body, many=True).data)


class RotaScheduleView(RotaMixin, APIView):
    """Who is on call in each layer of a rota over a period, overrides included (staff only)."""

    @extend_schema(
        parameters=[RotaScheduleQuerySerializer],
        responses={200: RotaScheduleSerializer, 400: OpenApiResponse(description="A bad period.")},
    )
    def get(self, request, pk: int):
        rota = rota_list().filter(pk=pk).first()
        if rota is None:
            raise NotFound(_("There is no such rota."))
        query = RotaScheduleQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        starts_at = _moment_near_now(
            query.validated_data.get("starts_at") or timezone.now(), field="starts_at"
        )
        ends_at = starts_at + timedelta(days=query.validated_data["days"])
        layers = rota_timeline(rota=rota, starts_at=starts_at, ends_at=ends_at)
        user_ids = {shift.user for _layer, shifts in layers for shift in shifts}
        users = User.objects.in_bulk(user_ids - {None})
        body = {
            "rota": rota.name,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "layers": [
                {
                    "level": layer.level,
                    "layer": layer.name,
                    "shifts": [_shift_body(layer, shift, users) for shift in shifts],
                }
                for layer, shifts in layers
            ],
        }
        return Response(RotaScheduleSerializer(body).data)


class EscalationListView(AddressLimitMixin, generics.ListAPIView):
    """The escalations of the issues you see (staff only); ``state=active`` for those paging."""

    permission_classes = [IsStaff, StaffModelPermissions]
    staff_permissions = {"GET": ("oncall.view_escalation",)}
    serializer_class = EscalationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = EscalationFilter
    ordering = ["-started_at", "-id"]

    def get_queryset(self):
        return selectors.escalation_list_for_api(user=self.request.user)


class EscalationDetailView(AddressLimitMixin, generics.RetrieveAPIView):
    permission_classes = [IsStaff, StaffModelPermissions]
    staff_permissions = {"GET": ("oncall.view_escalation",)}
    serializer_class = EscalationSerializer

    def get_queryset(self):
        return selectors.escalation_list_for_api(user=self.request.user)


class EscalationAcknowledgeView(AddressLimitMixin, APIView):
    """Acknowledge a page: stop the escalation and take the issue (the on-call engineer)."""

    permission_classes = [IsStaff]
    problem_statuses = {"POST": (409,)}

    @extend_schema(request=None, responses={200: EscalationSerializer})
    def post(self, request, pk: int):
        try:
            escalation = selectors.escalation_list_for_api(user=request.user).get(pk=pk)
        except Escalation.DoesNotExist:
            raise NotFound(_("There is no such escalation.")) from None
        escalation = escalation_acknowledge(
            escalation=escalation, user=request.user, channel=Channel.API
        )
        escalation = selectors.escalation_list_for_api(user=request.user).get(pk=escalation.pk)
        return Response(EscalationSerializer(escalation).data)


class SchemaView(AddressLimitMixin, SpectacularJSONAPIView):
    """The OpenAPI 3 document of this API, public."""

    authentication_classes = []
    permission_classes = [AllowAny]


class DocsView(AddressLimitMixin, SpectacularRedocView):
    """Browsable documentation of the API, served without any outside resource."""

    authentication_classes = []
    permission_classes = [AllowAny]
    template_name = "api/redoc.html"
    url_name = "api:schema"
