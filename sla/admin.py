"""Admin for support calendars, agreements with their targets, and (read-only) SLA clocks."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audited
from clients.selectors import client_list_for_user
from sla.models import Agreement, Closure, PriorityTarget, SlaClock, SupportCalendar
from sla.services import sla_agreements_roll_over, sla_calendar_changed


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0
    fields = ("starts_on", "ends_on", "reason")


@admin.register(SupportCalendar)
class SupportCalendarAdmin(admin.ModelAdmin):
    """Model ``clean()`` checks the weekly hours, so a calendar that never opens is refused.

    A closure added, changed or removed here applies to running clocks for the time still
    ahead; see ``sla.services.sla_calendar_changed``.
    """

    list_display = (
        "name",
        "timezone",
        "closed_on_public_holidays",
        "closed_on_good_friday",
        "liberation_day",
    )
    search_fields = ("name",)
    inlines = [ClosureInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            sla_calendar_changed(calendar_id=form.instance.pk, now=timezone.now())


class PriorityTargetInline(admin.TabularInline):
    model = PriorityTarget
    extra = 0
    fields = (
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "is_round_the_clock",
        "description",
    )


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """Model ``clean()`` refuses a period that overlaps another agreement of the client.

    Changing a target here leaves running clocks alone: they keep the snapshot they took.
    An agreement that starts or ends today moves the client's open issues at once.
    """

    list_display = ("name", "client", "tier", "calendar", "valid_from", "valid_until")
    list_filter = ("tier", "calendar")
    list_select_related = ("client", "calendar")
    search_fields = ("name", "client__name", "client__code")
    autocomplete_fields = ("calendar",)
    inlines = [PriorityTargetInline]

    def get_queryset(self, request):
        agreements = audited(super().get_queryset(request))
        return agreements.filter(client__in=client_list_for_user(user=request.user))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        sla_agreements_roll_over(now=timezone.now())


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    """Clocks change only through the services; the admin shows them for inquiries."""

    list_display = ("issue", "kind", "state", "health_now", "due_at", "stopped_at")
    list_filter = ("kind", "state")
    list_select_related = ("issue",)
    search_fields = ("issue__reference",)
    date_hierarchy = "started_at"

    def get_queryset(self, request):
        # Scoped like the issues, should a role ever be given the right to view clocks.
        clocks = super().get_queryset(request)
        return clocks.filter(issue__client__in=client_list_for_user(user=request.user))

    readonly_fields = (
        "issue",
        "kind",
        "state",
        "health_now",
        "target_seconds",
        "used_seconds",
        "started_at",
        "resumed_at",
        "stopped_at",
        "due_at",
        "warn_at",
        "next_check_at",
        "warned_at",
        "breached_at",
        "snapshot",
    )
    fields = readonly_fields

    @admin.display(description=_("now"))
    def health_now(self, clock: SlaClock) -> str:
        return clock.health(timezone.now()).label

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
