"""Query parameters that narrow the API's lists."""

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from oncall.models import Escalation, EscalationState
from sla.policy import Health
from sla.selectors import issue_filter_sla_health
from tickets.choices import OPEN_STATUSES, Category, Priority, Status
from tickets.models import Issue
from tickets.search import issue_filter_text


class _TrueFalseField(forms.NullBooleanField):
    """Take "true" or "false"; Django's own would read anything else as unknown."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise ValidationError(_("Must be true or false."), code="invalid")

    def validate(self, value):
        pass


class TrueFalseFilter(django_filters.BooleanFilter):
    field_class = _TrueFalseField


class _UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, handed on in UTC.

    PostgreSQL refuses offsets beyond 15 hours that Python parses (``+22:45``); an
    instant that falls outside the years 1-9999 in UTC is refused here.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValidationError(_("This moment is out of range."), code="invalid") from None


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcDateTimeField


class StrictFilterSet(django_filters.FilterSet):
    """Refuse a parameter given twice (unless it may repeat) or empty (unless it is text).

    django-filter would ignore both silently, and a client would never learn that its
    filter did nothing.
    """

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, value_filter in self.filters.items():
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            repeats = isinstance(value_filter, django_filters.MultipleChoiceFilter)
            if len(values) > 1 and not repeats:
                self.form.add_error(name, _("Give this parameter once."))
                valid = False
            elif "" in values and not isinstance(value_filter, django_filters.CharFilter):
                self.form.add_error(name, _("Give a value or leave the parameter out."))
                valid = False
        return valid


class IssueFilter(StrictFilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, help_text=_("Repeat to allow several.")
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Priority.choices, help_text=_("Repeat to allow several.")
    )
    category = django_filters.ChoiceFilter(choices=Category.choices)
    is_open = TrueFalseFilter(
        method="filter_is_open", help_text=_("Only open (true) or only resolved and closed.")
    )
    client = django_filters.CharFilter(
        field_name="client__code", max_length=6, help_text=_("A client's code.")
    )
    requester = django_filters.CharFilter(field_name="requester__username", max_length=150)
    assignee = django_filters.CharFilter(field_name="assignee__username", max_length=150)
    created_after = InstantFilter(field_name="created_at", lookup_expr="gte")
    created_before = InstantFilter(field_name="created_at", lookup_expr="lt")
    updated_after = InstantFilter(field_name="updated_at", lookup_expr="gte")
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


class EscalationFilter(StrictFilterSet):
    state = django_filters.ChoiceFilter(choices=EscalationState.choices)
    issue = django_filters.CharFilter(field_name="issue__reference", max_length=20)

    class Meta:
        model = Escalation
        fields = ()
