"""Mail in the admin: what was sent and received, and what became of it; read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mail.models import InboundMessage, OutboxMessage
from paqt_support.admin_readonly import AdministratorsReadOnlyAdmin


@admin.register(OutboxMessage)
class OutboxMessageAdmin(AdministratorsReadOnlyAdmin):
    list_display = ("created_at", "kind", "to_address", "subject", "status", "attempts")
    list_filter = ("status", "kind")
    search_fields = ("to_address", "subject", "message_id")
    date_hierarchy = "created_at"
    list_select_related = ("issue",)
    raw_id_fields = ("issue", "recipient")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(InboundMessage)
class InboundMessageAdmin(AdministratorsReadOnlyAdmin):
    """Incoming mail; filter on quarantined for the messages from unknown senders."""

    list_display = ("received_at", "sender", "subject", "outcome", "issue")
    list_filter = ("outcome",)
    search_fields = ("sender", "subject", "message_id")
    date_hierarchy = "received_at"
    list_select_related = ("issue",)
    exclude = ("raw",)
    readonly_fields = (
        "message_id",
        "sender",
        "subject",
        "received_at",
        "outcome",
        "reason",
        "issue",
        "message_text",
    )

    @admin.display(description=_("message"))
    def message_text(self, obj):
        return bytes(obj.raw).decode("utf-8", errors="replace")
