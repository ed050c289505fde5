"""Reads of the access log, for administrators."""

from django.db.models import QuerySet

from audit.models import AuditEntry


def audit_entry_list() -> QuerySet[AuditEntry]:
    """Return the whole trail, newest first, with each entry's client joined."""
    return AuditEntry.objects.select_related("client").order_by("-id")
