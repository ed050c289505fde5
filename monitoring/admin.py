"""Admin of monitoring sources (secret shown once on creation) and of the alerts they sent."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.selectors import client_list_for_user
from monitoring.models import MonitoringAlert, MonitoringSource
from monitoring.services import monitoring_source_create, monitoring_source_rotate


@admin.action(description=gettext_lazy("Give the selected sources a new secret"))
def rotate_secret(modeladmin, request, queryset):
    for source in queryset:
        secret = monitoring_source_rotate(source=source)
        messages.warning(
            request,
            _("New secret of %(source)s, shown only now: %(secret)s")
            % {"source": source, "secret": secret},
        )


@admin.register(MonitoringSource)
class MonitoringSourceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "client",
        "kind",
        "default_priority",
        "auto_resolve",
        "is_active",
        "last_received_at",
    )
    list_filter = ("kind", "is_active")
    list_select_related = ("client",)
    search_fields = ("name", "client__code", "client__name")
    readonly_fields = ("prefix", "created_at", "last_received_at")
    actions = [rotate_secret]

    def get_queryset(self, request):
        sources = super().get_queryset(request)
        return sources.filter(client__in=client_list_for_user(user=request.user))

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        source, secret = monitoring_source_create(
            client=obj.client,
            kind=obj.kind,
            name=obj.name,
            default_priority=obj.default_priority,
            auto_resolve=obj.auto_resolve,
        )
        obj.pk = source.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            _("The webhook secret of %(source)s, shown only now: %(secret)s")
            % {"source": source, "secret": secret},
        )


@admin.register(MonitoringAlert)
class MonitoringAlertAdmin(admin.ModelAdmin):
    list_display = ("fingerprint", "source", "issue", "is_firing", "fire_count", "last_received_at")
    list_filter = ("is_firing", "is_open", "source__kind")
    list_select_related = ("source", "issue")
    search_fields = ("fingerprint", "issue__reference")

    def get_queryset(self, request):
        alerts = super().get_queryset(request)
        return alerts.filter(source__client__in=client_list_for_user(user=request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
