"""Routes of /api/v1: plural nouns, no trailing slashes, the issue's reference as its id."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, register_converter

from api import views
from audit.api import AuditEntryListView


class ReferenceConverter:
    """An issue reference such as VRB-2026-0042."""

    regex = r"[A-Z]{2,6}-[0-9]{4}-[0-9]{1,9}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ClientCodeConverter(ReferenceConverter):
    regex = r"[A-Z]{2,6}"


class IdConverter:
    """A database id; bounded so that a huge number answers 404, not a database error."""

    regex = r"[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class MonthConverter:
    """A month as yyyy-mm, from 2000 to 2999."""

    regex = r"2[0-9]{3}-(?:0[1-9]|1[0-2])"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class YearConverter(IdConverter):
    """A year from 2000 to 2999."""

    regex = r"2[0-9]{3}"


register_converter(ReferenceConverter, "api_reference")
register_converter(YearConverter, "api_year")
register_converter(MonthConverter, "api_month")
register_converter(ClientCodeConverter, "api_client_code")
register_converter(IdConverter, "api_id")

app_name = "api"

urlpatterns = [
    path("openapi.json", views.SchemaView.as_view(), name="schema"),
    # Redoc styles itself with injected <style> elements, draws its icons as data: images and
    # parses the schema in a worker.
    path(
        "docs",
        csp_update(
            {
                "style-src": [UNSAFE_INLINE],
                "img-src": [SELF, "data:"],
                "worker-src": [SELF, "blob:"],
            }
        )(views.DocsView.as_view()),
        name="docs",
    ),
    path("issues", views.IssueListView.as_view(), name="issue-list"),
    path("issues/<api_reference:reference>", views.IssueDetailView.as_view(), name="issue-detail"),
    path("issues/<api_reference:reference>/sla", views.IssueSlaView.as_view(), name="issue-sla"),
    path(
        "issues/<api_reference:reference>/comments",
        views.CommentListView.as_view(),
        name="comment-list",
    ),
    path(
        "issues/<api_reference:reference>/comments/<api_id:pk>",
        views.CommentDetailView.as_view(),
        name="comment-detail",
    ),
    path(
        "issues/<api_reference:reference>/merge",
        views.IssueMergeView.as_view(),
        name="issue-merge",
    ),
    path(
        "issues/<api_reference:reference>/events",
        views.EventListView.as_view(),
        name="event-list",
    ),
    path(
        "issues/<api_reference:reference>/followers",
        views.FollowerListView.as_view(),
        name="follower-list",
    ),
    path(
        "issues/<api_reference:reference>/followers/<api_id:pk>",
        views.FollowerDetailView.as_view(),
        name="follower-detail",
    ),
    path(
        "issues/<api_reference:reference>/attachments",
        views.AttachmentListView.as_view(),
        name="attachment-list",
    ),
    path(
        "issues/<api_reference:reference>/attachments/<api_id:pk>",
        views.AttachmentDetailView.as_view(),
        name="attachment-detail",
    ),
    path(
        "issues/<api_reference:reference>/attachments/<api_id:pk>/content",
        views.AttachmentContentView.as_view(),
        name="attachment-content",
    ),
    path("clients", views.ClientListView.as_view(), name="client-list"),
    path("clients/<api_client_code:code>", views.ClientDetailView.as_view(), name="client-detail"),
    path(
        "clients/<api_client_code:code>/sla-reports/<api_month:month>",
        views.SlaReportView.as_view(),
        name="sla-report",
    ),
    path(
        "clients/<api_client_code:code>/sla-evaluations/<api_year:year>",
        views.SlaEvaluationView.as_view(),
        name="sla-evaluation",
    ),
    path("teams", views.TeamListView.as_view(), name="team-list"),
    path("teams/<api_id:pk>", views.TeamDetailView.as_view(), name="team-detail"),
    path("agreements", views.AgreementListView.as_view(), name="agreement-list"),
    path("agreements/<api_id:pk>", views.AgreementDetailView.as_view(), name="agreement-detail"),
    path("on-call", views.OnCallView.as_view(), name="on-call"),
    path("rotas", views.RotaListView.as_view(), name="rota-list"),
    path(
        "rotas/<api_id:pk>/schedule",
        views.RotaScheduleView.as_view(),
        name="rota-schedule",
    ),
    path("audit-entries", AuditEntryListView.as_view(), name="audit-entry-list"),
    path("escalations", views.EscalationListView.as_view(), name="escalation-list"),
    path("escalations/<api_id:pk>", views.EscalationDetailView.as_view(), name="escalation-detail"),
    path(
        "escalations/<api_id:pk>/acknowledge",
        views.EscalationAcknowledgeView.as_view(),
        name="escalation-acknowledge",
    ),
    path("monitoring/", include("monitoring.urls")),
]
