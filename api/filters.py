"""Query parameters that narrow the API's lists."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oncall.models import Escalation, EscalationState
from sla.policy import Health
from tickets.choices import OPEN_STATUSES, Category, Priority, Status
from tickets.models import Issue
from tickets.selectors import issue_filter_sla_health, issue_filter_text


class IssueFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, help_text=_("Repeat to allow several.")
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Priority.choices, help_text=_("Repeat to allow several.")
    )
    category = django_filters.ChoiceFilter(choices=Category.choices)
    is_open = django_filters.BooleanFilter(
        method="filter_is_open", help_text=_("Only open (true) or only resolved and closed.")
    )
    client = django_filters.CharFilter(
        field_name="client__code", max_length=6, help_text=_("A client's code.")
    )
    requester = django_filters.CharFilter(field_name="requester__username", max_length=150)
    assignee = django_filters.CharFilter(field_name="assignee__username", max_length=150)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=200,
        help_text=_("Words to find in reference, title, description or requester."),
    )
    sla = django_filters.ChoiceFilter(
        choices=[(h.value, h.value) for h in Health],
        method="filter_sla",
        help_text=_("Issues with at least one SLA clock in this state now."),
    )

    class Meta:
        model = Issue
        fields = ()

    def filter_is_open(self, queryset, name, value):
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    def filter_text(self, queryset, name, value):
        return issue_filter_text(queryset, text=value)

    def filter_sla(self, queryset, name, value):
        return issue_filter_sla_health(queryset, health=value, now=timezone.now())


class EscalationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=EscalationState.choices)
    issue = django_filters.CharFilter(field_name="issue__reference", max_length=20)

    class Meta:
        model = Escalation
        fields = ()
