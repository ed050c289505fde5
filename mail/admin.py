"""The outbox in the admin: what was sent to whom, and what happened to it; read-only."""

from django.contrib import admin

from clients.selectors import user_is_administrator
from mail.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "to_address", "subject", "status", "attempts")
    list_filter = ("status", "kind")
    search_fields = ("to_address", "subject", "message_id")
    date_hierarchy = "created_at"
    list_select_related = ("issue",)
    raw_id_fields = ("issue", "recipient")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    # The messages hold client data of every client: administrators only.
    def has_module_permission(self, request):
        return user_is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return user_is_administrator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
