"""The queue's filters; each one lists only what the staff member may see."""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Team
from clients.selectors import client_list_for_user
from sla.policy import HEALTH_LABELS, Health
from sla.selectors import issue_filter_due_within, issue_filter_sla_health
from tickets import selectors
from tickets.choices import OPEN_STATUSES, Status

# What "breaching soon" means on the queue's quick link.
DUE_SOON = timedelta(hours=1)


class QueueStatusFilter(admin.SimpleListFilter):
    """Open issues unless asked otherwise: a queue is about what still needs doing."""

    title = _("status")
    parameter_name = "status"
    OPEN = "open"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [(self.ALL, _("All")), *Status.choices]

    def queryset(self, request, queryset):
        value = self.value() or self.OPEN
        if value == self.ALL:
            return queryset
        if value == self.OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset.none()

    def choices(self, changelist):
        yield {
            "selected": self.value() in (None, self.OPEN),
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Open"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"
    MINE = "mine"
    NOBODY = "none"

    def lookups(self, request, model_admin):
        people = selectors.assignee_list_for_staff(user=request.user)
        return [
            (self.MINE, _("Mine")),
            (self.NOBODY, _("Unassigned")),
            *((str(person.pk), str(person)) for person in people if person.pk != request.user.pk),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == self.MINE:
            return queryset.filter(assignee=request.user)
        if value == self.NOBODY:
            return queryset.filter(assignee__isnull=True)
        if value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset.none()


class SlaFilter(admin.SimpleListFilter):
    """The state of an issue's SLA clocks, judged now; an issue matches through any clock."""

    title = _("SLA")
    parameter_name = "sla"
    DUE_SOON = "due_soon"

    def lookups(self, request, model_admin):
        return [
            (self.DUE_SOON, _("Breaching within 1 hour")),
            *((health.value, HEALTH_LABELS[health]) for health in Health),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        now = timezone.now()
        if value is None:
            return queryset
        if value == self.DUE_SOON:
            return issue_filter_due_within(queryset, within=DUE_SOON, now=now)
        if value in {health.value for health in Health}:
            return issue_filter_sla_health(queryset, health=value, now=now)
        return queryset.none()


class ClientFilter(admin.SimpleListFilter):
    title = _("client")
    parameter_name = "client"

    def lookups(self, request, model_admin):
        clients = client_list_for_user(user=request.user).order_by("code")
        return [(str(c.pk), f"{c.code} {c.name}") for c in clients]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(client_id=int(value)) if value.isdigit() else queryset.none()


class TeamFilter(admin.SimpleListFilter):
    title = _("team")
    parameter_name = "team"

    def lookups(self, request, model_admin):
        teams = Team.objects.filter(client__in=client_list_for_user(user=request.user))
        return [(str(t.pk), t.name) for t in teams.order_by("name")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(client__team=int(value)) if value.isdigit() else queryset.none()
