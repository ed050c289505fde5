"""Admin for issues: staff see the issues of their own teams' clients."""

from django.contrib import admin

from tickets.models import Comment, Issue, IssueEvent
from tickets.selectors import issue_list_for_user


class CommentInline(admin.TabularInline):
    model = Comment
    fields = ("created_at", "author", "is_internal", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = IssueEvent
    fields = ("created_at", "actor", "kind", "data", "channel")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    """Issues change only through the services, so that clocks, events and emails follow."""

    list_display = ("reference", "client", "title", "priority", "status", "assignee", "created_at")
    list_filter = ("status", "priority", "category", "client")
    list_select_related = ("client", "assignee")
    search_fields = ("reference", "title", "description", "requester__username")
    readonly_fields = (
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
        "agreement",
        "channel",
        "created_at",
        "updated_at",
        "resolved_at",
        "closed_at",
    )
    exclude = ("watchers",)
    inlines = [CommentInline, EventInline]

    def get_queryset(self, request):
        return issue_list_for_user(user=request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
