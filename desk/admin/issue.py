"""The issue queue and issue page of the admin, scoped to the staff member's teams."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Subquery, prefetch_related_objects
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditAction
from audit.services import audit_record
from desk.admin import actions as bulk
from desk.admin.display import EMPTY, age_text, clock_badge, labels
from desk.admin.export import queue_csv_response
from desk.admin.filters import (
    AssigneeFilter,
    ClientFilter,
    QueueStatusFilter,
    SlaFilter,
    TeamFilter,
)
from desk.admin.page import IssuePage
from desk.selectors import issue_get_for_staff, issue_queue_for_staff
from paqt_support.dates import when_long
from sla.models import ClockKind, SlaClock
from tickets import selectors
from tickets.attachments import attachment_response
from tickets.choices import OPEN_STATUSES, Priority, Status
from tickets.models import Attachment, Issue
from tickets.search import issue_filter_text


def _due_of(kind: str) -> Subquery:
    """Return the due time of the issue's clock of ``kind`` while it counts, for sorting."""
    return Subquery(
        SlaClock.objects.filter(issue=OuterRef("pk"), kind=kind, stopped_at__isnull=True).values(
            "due_at"
        )[:1]
    )


def _groups_cached(user) -> None:
    # Scoping asks "is this an administrator?" several times a request; one query
    # for the groups answers them all.
    if "groups" not in getattr(user, "_prefetched_objects_cache", {}):
        prefetch_related_objects([user], "groups")


class QueuePaginator(Paginator):
    """Count the rows of a queue up to ``cap`` only.

    Past a thousand issues the exact number tells a person nothing, while counting every
    match of a search over all clients costs a scan of the whole table.
    """

    cap = 1000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap


# The queue's quick links: (label, query parameters). The queue shows open issues by default.
QUICK_LINKS = (
    (gettext_lazy("Open issues of my teams"), {}),
    (gettext_lazy("My open issues"), {AssigneeFilter.parameter_name: AssigneeFilter.MINE}),
    (
        gettext_lazy("Unassigned in my teams"),
        {AssigneeFilter.parameter_name: AssigneeFilter.NOBODY},
    ),
    (gettext_lazy("Breaching within 1 hour"), {SlaFilter.parameter_name: SlaFilter.DUE_SOON}),
)


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    """Issues change only through the services, so that clocks, events and emails follow.

    The queue lists the issues of ``tickets.selectors.issue_list_for_staff`` and nothing
    else: every list, search, filter, action and object URL goes through ``get_queryset``.
    """

    list_display = (
        "reference",
        "client_code",
        "short_title",
        "priority_badge",
        "status_label",
        "response_sla",
        "resolution_sla",
        "assignee_name",
        "age",
    )
    list_display_links = ("reference",)
    list_filter = (
        QueueStatusFilter,
        AssigneeFilter,
        SlaFilter,
        "priority",
        "category",
        ClientFilter,
        TeamFilter,
        ("created_at", admin.DateFieldListFilter),
        ("last_activity_at", admin.DateFieldListFilter),
        ("resolved_at", admin.DateFieldListFilter),
    )
    # Shows the search box; get_search_results does the searching.
    search_fields = ("reference",)
    search_help_text = gettext_lazy("Reference, title, description or requester.")
    actions = (
        bulk.assign_to_me,
        bulk.assign_to_member,
        bulk.change_status,
        bulk.change_priority,
        bulk.merge_duplicates,
    )
    list_per_page = 50
    list_max_show_all = bulk.BULK_LIMIT
    # Counting every issue a second time for "N total" costs a scan per page view.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = QueuePaginator

    def get_queryset(self, request):
        _groups_cached(request.user)
        return issue_queue_for_staff(user=request.user)

    def get_ordering(self, request):
        # Open issues nearest to a breach first, those whose clocks all stopped after them.
        # Closed issues have no clock running, so a list that holds them goes newest first
        # rather than computing every issue's next due time to sort on.
        status = request.GET.get(QueueStatusFilter.parameter_name)
        if status in (None, QueueStatusFilter.OPEN, *OPEN_STATUSES):
            return (F("sla_due_at").asc(nulls_last=True), "-created_at")
        return ("-created_at",)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return issue_filter_text(queryset, text=search_term), False

    def get_object(self, request, object_id, from_field=None):
        _groups_cached(request.user)
        try:
            return issue_get_for_staff(user=request.user, pk=int(object_id))
        except (ValueError, Issue.DoesNotExist):
            return None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.is_staff and super().has_change_permission(request, obj)

    # The queue's columns.

    @admin.display(description=gettext_lazy("client"), ordering="client__code")
    def client_code(self, issue: Issue) -> str:
        return format_html('<span title="{}">{}</span>', issue.client.name, issue.client.code)

    @admin.display(description=gettext_lazy("title"), ordering="title")
    def short_title(self, issue: Issue) -> str:
        return Truncator(issue.title).chars(70)

    @admin.display(description=gettext_lazy("priority"), ordering="priority")
    def priority_badge(self, issue: Issue) -> str:
        return format_html(
            '<span class="prio prio--{}" title="{}">{}</span>',
            issue.priority,
            labels(Priority)[issue.priority],
            issue.priority,
        )

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_label(self, issue: Issue) -> str:
        return format_html(
            '<span class="status status--{}">{}</span>', issue.status, labels(Status)[issue.status]
        )

    @admin.display(description=gettext_lazy("assignee"), ordering="assignee__first_name")
    def assignee_name(self, issue: Issue) -> str:
        return str(issue.assignee) if issue.assignee else EMPTY

    @admin.display(description=gettext_lazy("age"), ordering="created_at")
    def age(self, issue: Issue) -> str:
        return format_html(
            '<span title="{}">{}</span>',
            when_long(issue.created_at),
            age_text(timezone.now() - issue.created_at),
        )

    @admin.display(description=gettext_lazy("first response"), ordering=_due_of(ClockKind.RESPONSE))
    def response_sla(self, issue: Issue) -> str:
        return self._sla(issue, ClockKind.RESPONSE)

    @admin.display(description=gettext_lazy("resolution"), ordering=_due_of(ClockKind.RESOLUTION))
    def resolution_sla(self, issue: Issue) -> str:
        return self._sla(issue, ClockKind.RESOLUTION)

    def _sla(self, issue: Issue, kind: str) -> str:
        clock = next((c for c in issue.sla_clocks.all() if c.kind == kind), None)
        return clock_badge(clock, now=timezone.now())

    # Pages.

    def _queue_row(self, issue: Issue, url: str) -> str:
        """Return the cells of one queue row, as the admin would, at a fraction of its cost.

        The admin builds each cell through several layers of lookups and templates; with
        fifty rows of ten columns that was most of the page's time.
        """
        checkbox = format_html(
            '<td class="action-checkbox"><input type="checkbox" name="{}" value="{}" '
            'class="action-select" aria-label="{}"></td>',
            helpers.ACTION_CHECKBOX_NAME,
            issue.pk,
            format_html(_("Select this object for an action - {}"), issue.reference),
        )
        link = format_html(
            '<th class="field-reference"><a href="{}">{}</a></th>', url, issue.reference
        )
        cells = (
            format_html('<td class="field-{}">{}</td>', name, getattr(self, name)(issue))
            for name in self.list_display[1:]
        )
        return mark_safe(checkbox + link + "".join(cells))  # noqa: S308 - built by format_html

    def changelist_view(self, request, extra_context=None):
        current = {k: v for k, v in request.GET.items() if k not in ("p", "o", "q")}
        links = [
            {
                "label": label,
                "url": f"?{urlencode(params)}" if params else "?",
                "active": current == params,
            }
            for label, params in QUICK_LINKS
        ]
        context = {"title": _("Issue queue"), "quick_links": links, **(extra_context or {})}
        response = super().changelist_view(request, context)
        cl = getattr(response, "context_data", {}).get("cl")
        if cl is not None:
            # The change URL differs per issue in its id alone; reversing it once is enough.
            url = reverse("admin:tickets_issue_change", args=[0]).replace("/0/", "/{}/")
            headers = list(result_headers(cl))
            response.context_data.update(
                queue_headers=headers,
                queue_sorted_fields=sum(1 for h in headers if h["sortable"] and h["sorted"]),
                queue_rows=[self._queue_row(i, url.format(i.pk)) for i in cl.result_list],
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, issue):
            raise PermissionDenied
        return IssuePage(self, request, issue).response()

    def get_urls(self):
        return [
            path(
                "attachments/<int:pk>/",
                self.admin_site.admin_view(self.attachment_download),
                name="tickets_issue_attachment",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="tickets_issue_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """Answer the issues the queue's filters and search select, as a CSV download."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        issues = self.get_changelist_instance(request).get_queryset(request)
        audit_record(
            action=AuditAction.EXPORT, detail={"what": "issues", "query": dict(request.GET.lists())}
        )
        return queue_csv_response(issues)

    def attachment_download(self, request, pk: int):
        """Send a file of an issue the staff member works on, always as a download."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            attachment = selectors.attachment_get_for_staff(user=request.user, pk=pk)
        except Attachment.DoesNotExist:
            raise Http404 from None
        try:
            return attachment_response(attachment)
        except FileNotFoundError:
            raise Http404 from None
