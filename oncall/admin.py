"""Admin for the rota, escalation policies, on-call settings and (read-only) escalations."""

import json

from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oncall.forms import PagingProfileForm
from oncall.models import (
    ChannelHealth,
    Escalation,
    EscalationPolicy,
    EscalationState,
    EscalationStep,
    OncallSettings,
    Page,
    PagingProfile,
    Rota,
    RotaLayer,
    RotaMember,
    RotaOverride,
)
from oncall.services import escalation_acknowledge, oncall_settings_save
from paqt_support.exceptions import ApplicationError
from tickets.models import Channel
from tickets.selectors import issue_list_for_user


class RotaLayerInline(admin.TabularInline):
    model = RotaLayer
    extra = 0
    fields = ("level", "name", "first_handoff_on", "handoff_time", "shift_days", "members_link")
    readonly_fields = ("members_link",)
    show_change_link = True

    @admin.display(description=_("members"))
    def members_link(self, layer: RotaLayer) -> str:
        if not layer.pk:
            return "-"
        names = ", ".join(str(m.user) for m in layer.members.all())
        url = reverse("admin:oncall_rotalayer_change", args=[layer.pk])
        return format_html('<a href="{}">{}</a>', url, names or _("add members"))


class RotaOverrideInline(admin.TabularInline):
    model = RotaOverride
    extra = 0
    fields = ("user", "layer", "replaces", "starts_at", "ends_at", "reason")
    autocomplete_fields = ("user", "replaces")


@admin.register(Rota)
class RotaAdmin(admin.ModelAdmin):
    """The layers' members are edited on each layer's own page (Django nests one level)."""

    list_display = ("name", "timezone")
    search_fields = ("name",)
    inlines = [RotaLayerInline, RotaOverrideInline]
    change_list_template = "oncall/admin/rota_change_list.html"


class RotaMemberInline(admin.TabularInline):
    model = RotaMember
    extra = 0
    fields = ("position", "user")
    autocomplete_fields = ("user",)
    ordering = ("position",)


@admin.register(RotaLayer)
class RotaLayerAdmin(admin.ModelAdmin):
    """Members take turns in ``order``; the first one's shift starts on the first handoff."""

    list_display = ("__str__", "level", "handoff_time", "shift_days", "first_handoff_on")
    list_select_related = ("rota",)
    list_filter = ("rota",)
    inlines = [RotaMemberInline]


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0
    fields = ("position", "target", "layer", "user", "wait_minutes")
    autocomplete_fields = ("user",)
    ordering = ("position",)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    """Editing a policy leaves running escalations alone: each keeps the snapshot it took."""

    list_display = ("name", "repeat")
    search_fields = ("name",)
    inlines = [EscalationStepInline]


@admin.register(OncallSettings)
class OncallSettingsAdmin(admin.ModelAdmin):
    """One row: the list opens it, and it can be added once and never deleted."""

    fields = ("office_calendar", "office_closed", "policy", "duty_manager", "page_attempts")
    autocomplete_fields = ("office_calendar", "duty_manager")

    def changelist_view(self, request, extra_context=None):
        if OncallSettings.objects.filter(pk=OncallSettings.SINGLETON_ID).exists():
            url = reverse("admin:oncall_oncallsettings_change", args=[OncallSettings.SINGLETON_ID])
        else:
            url = reverse("admin:oncall_oncallsettings_add")
        return HttpResponseRedirect(url)

    def has_add_permission(self, request) -> bool:
        return (
            super().has_add_permission(request)
            and not OncallSettings.objects.filter(pk=OncallSettings.SINGLETON_ID).exists()
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        oncall_settings_save(row=obj)


@admin.register(PagingProfile)
class PagingProfileAdmin(admin.ModelAdmin):
    """How each engineer is paged: the first channel that accepts a page delivers it."""

    form = PagingProfileForm
    list_display = ("user", "channel_order", "phone")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)

    def get_fields(self, request, obj=None):
        return ("user", "channels", "phone", "webhook_url")

    @admin.display(description=_("channels in order"))
    def channel_order(self, profile: PagingProfile) -> str:
        return ", ".join(profile.channels)


@admin.register(ChannelHealth)
class ChannelHealthAdmin(admin.ModelAdmin):
    """What the pages last met on each channel; written by the step runs only."""

    list_display = ("channel", "failing_since", "last_failure_at", "last_success_at", "last_error")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PageInline(admin.TabularInline):
    model = Page
    fields = (
        "step_index",
        "recipient",
        "channel",
        "attempts",
        "claimed_at",
        "sent_at",
        "failed_at",
        "last_error",
        "message_id",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _snapshot_html(escalation: Escalation) -> str:
    return format_html(
        '<pre style="white-space: pre-wrap">{}</pre>',
        json.dumps(escalation.snapshot, indent=2, ensure_ascii=False),
    )


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Escalations change only through the services; acknowledge with the action."""

    list_display = (
        "issue",
        "state_label",
        "current_step_label",
        "due_at",
        "started_at",
        "acknowledged_by",
    )
    list_filter = ("state",)
    list_select_related = ("issue", "acknowledged_by")
    search_fields = ("issue__reference", "issue__title")
    date_hierarchy = "started_at"
    actions = ["acknowledge"]
    inlines = [PageInline]
    readonly_fields = (
        "issue",
        "state_label",
        "undeliverable_since",
        "policy",
        "current_step_label",
        "step_due_at",
        "due_at",
        "started_at",
        "ended_at",
        "acknowledged_by",
        "overdue_reported_at",
        "snapshot_pretty",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        # The issues the user may see, and any escalation that paged them.
        visible = issue_list_for_user(user=request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(Q(issue__in=visible) | Q(pages__recipient=request.user))
            .distinct()
        )

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, escalation: Escalation) -> str:
        return escalation.get_state_label()

    @admin.display(description=_("step"))
    def current_step_label(self, escalation: Escalation) -> str:
        step = escalation.current_step
        if escalation.state != EscalationState.ACTIVE or step is None:
            return "-"
        return f"{step['index'] + 1}/{len(escalation.steps)}: {step['label']}"

    @admin.display(description=_("policy and rota at the start"))
    def snapshot_pretty(self, escalation: Escalation) -> str:
        return _snapshot_html(escalation)

    @admin.action(description=_("Acknowledge: I take the issue"))
    def acknowledge(self, request, queryset) -> None:
        done = 0
        for escalation in queryset:
            try:
                escalation_acknowledge(
                    escalation=escalation, user=request.user, channel=Channel.ADMIN
                )
            except ApplicationError as exc:
                self.message_user(
                    request, f"{escalation.issue.reference}: {exc.message}", messages.WARNING
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d escalation acknowledged.",
                    "%(count)d escalations acknowledged.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EscalationInline(admin.StackedInline):
    """The escalations of an issue with their frozen snapshot, for the issue's admin page."""

    model = Escalation
    fields = ("state", "started_at", "ended_at", "acknowledged_by", "snapshot_pretty")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("policy and rota at the start"))
    def snapshot_pretty(self, escalation: Escalation) -> str:
        return _snapshot_html(escalation)

    def has_add_permission(self, request, obj=None) -> bool:
        return False
