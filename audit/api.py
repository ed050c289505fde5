"""The access log in the API: read-only, for administrators, filterable like the admin's list."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, permissions, serializers

from api.filters import InstantFilter, StrictFilterSet
from api.throttling import AddressLimitMixin
from audit.models import PUBLISHED_FIELDS, AuditAction, AuditChannel, AuditEntry, AuditRole
from audit.selectors import audit_entry_list
from audit.services import audit_record
from clients.selectors import user_is_administrator


class IsAdministrator(permissions.BasePermission):
    message = _("Only administrators read the audit trail.")

    def has_permission(self, request, view) -> bool:
        return user_is_administrator(request.user)


class AuditEntrySerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = ("id", *PUBLISHED_FIELDS)
        read_only_fields = fields


class AuditEntryFilter(StrictFilterSet):
    action = django_filters.MultipleChoiceFilter(choices=AuditAction.choices)
    channel = django_filters.MultipleChoiceFilter(choices=AuditChannel.choices)
    role = django_filters.MultipleChoiceFilter(choices=AuditRole.choices)
    user = django_filters.CharFilter(field_name="user_label", max_length=150)
    client = django_filters.CharFilter(field_name="client__code", max_length=20)
    object_type = django_filters.CharFilter(max_length=64)
    object_id = django_filters.CharFilter(max_length=64)
    occurred_after = InstantFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = InstantFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ()


class AuditEntryListView(AddressLimitMixin, generics.ListAPIView):
    """The audit trail, newest first (administrators only). It cannot be changed here."""

    permission_classes = [IsAdministrator]
    serializer_class = AuditEntrySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEntryFilter
    ordering = ["-id"]

    def get_queryset(self):
        return audit_entry_list()

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        # Who read the trail, and with which filters, is part of the trail.
        audit_record(
            action=AuditAction.EXPORT,
            detail={"what": "audit trail", "query": dict(request.query_params.lists())},
        )
        return response
