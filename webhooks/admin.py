"""Admin of webhook endpoints (administrators only) and of their deliveries (read-only)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from paqt_support.admin_readonly import AdministratorsOnlyAdmin, AdministratorsReadOnlyAdmin
from webhooks import signing
from webhooks.kinds import EventKind
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_endpoint_enable


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Receives a POST with a JSON body per change."),
    )
    event_kinds = forms.MultipleChoiceField(
        label=_("events"),
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The changes this endpoint is told about. Internal notes never are."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("client", "url", "secret", "event_kinds", "is_active")


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ("created_at", "kind", "issue", "status", "attempts", "response_status")
    readonly_fields = fields
    ordering = ("-created_at", "-pk")
    show_change_link = True
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("issue")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AdministratorsOnlyAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "client", "is_active", "consecutive_failures", "disabled_at")
    list_filter = ("is_active",)
    list_select_related = ("client",)
    search_fields = ("url", "client__code", "client__name")
    readonly_fields = ("consecutive_failures", "disabled_at", "created_at", "signing")
    inlines = [DeliveryInline]

    @admin.display(description=_("how deliveries are signed"))
    def signing(self, obj):
        return _(
            "Each delivery is a POST with a JSON body and the headers %(event)s, %(delivery)s, "
            "%(timestamp)s (seconds since 1970, UTC) and %(signature)s: sha256= and the "
            "hexadecimal HMAC-SHA256, keyed with the secret, of the timestamp, a full stop "
            "and the body."
        ) % {
            "event": signing.EVENT_HEADER,
            "delivery": signing.DELIVERY_HEADER,
            "timestamp": signing.TIMESTAMP_HEADER,
            "signature": signing.SIGNATURE_HEADER,
        }

    def save_model(self, request, obj, form, change):
        switched_on = change and "is_active" in form.changed_data and obj.is_active
        super().save_model(request, obj, form, change)
        if switched_on:
            webhook_endpoint_enable(endpoint=obj)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AdministratorsReadOnlyAdmin):
    list_display = ("created_at", "kind", "endpoint", "issue", "status", "attempts")
    list_filter = ("status", "kind")
    list_select_related = ("endpoint", "endpoint__client", "issue")
    search_fields = ("issue__reference", "endpoint__url")
    date_hierarchy = "created_at"
    fields = (
        "uuid",
        "endpoint",
        "issue",
        "kind",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "delivered_at",
        "response_status",
        "response_body",
        "error",
        "body",
    )
    readonly_fields = fields
