"""Filters for portal pages and emails: the labels of stored values."""

from django import template

from tickets.choices import Priority, Status

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """Return the words for a stored status value, or the value itself when unknown."""
    return Status(value).label if value in Status.values else value


@register.filter
def priority_label(value: str) -> str:
    """Return the words for a stored priority value, or the value itself when unknown."""
    return Priority(value).label if value in Priority.values else value
