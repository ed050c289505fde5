"""The audit trail in the admin: read-only, for administrators, filterable, exportable as CSV."""

import csv
import json
from datetime import datetime

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone

from audit.models import PUBLISHED_FIELDS, AuditAction, AuditEntry
from audit.selectors import audit_entry_list
from audit.services import audit_record
from paqt_support.admin_readonly import AdministratorsReadOnlyAdmin

# Users and clients by id: the CSV keeps the trail's own values, not today's names.
CSV_COLUMNS = tuple(AuditEntry._meta.get_field(name).attname for name in PUBLISHED_FIELDS)

# A cell starting with one of these is a formula to a spreadsheet; user agents and names
# are typed by outsiders, so they are defused with a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """Return ``value`` as a CSV cell that no spreadsheet runs as a formula."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class Echo:
    """A file that hands back what is written, so that csv.writer feeds a stream."""

    def write(self, value):
        return value


@admin.register(AuditEntry)
class AuditEntryAdmin(AdministratorsReadOnlyAdmin):
    """Nobody changes or deletes an entry here; only administrators read the trail."""

    change_list_template = "admin/audit/auditentry/change_list.html"
    date_hierarchy = "occurred_at"
    list_display = (
        "occurred_at",
        "action",
        "user_label",
        "role",
        "on_behalf_of",
        "channel",
        "ip_address",
        "object_type",
        "object_repr",
        "client",
    )
    list_filter = ("action", "channel", "role", "object_type", "client")
    list_select_related = ("client",)
    search_fields = ("user_label", "object_repr", "object_id", "ip_address", "on_behalf_of")
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request):
        return audit_entry_list()

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditEntry._meta.fields]

    def get_actions(self, request):
        return {}

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="audit_auditentry_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request):
        """Answer the entries the list's filters select, all of them, as a CSV download."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        entries = changelist.get_queryset(request)
        audit_record(
            action=AuditAction.EXPORT,
            detail={"what": "audit trail", "query": dict(request.GET.lists())},
        )
        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow(CSV_COLUMNS)
            for entry in entries.iterator(chunk_size=2000):
                yield writer.writerow([csv_cell(getattr(entry, column)) for column in CSV_COLUMNS])

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
        return response
