"""One way to write a date or time for people, in their language (see ``paqt_support.formats``).

Pages, emails, CSV files and the API's human text all write instants through these, so
that "6 Dec", "2026-12-07 10:00" and "Sun, 06 Dec" never stand side by side.
"""

from datetime import date, datetime

from django import template
from django.utils import formats, timezone

register = template.Library()


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter(name="when")
def when_short(value: datetime | None) -> str:
    """Return an instant for a table or a list: "ma 7 dec 2026, 10:00", in local time."""
    if not value:
        return ""
    return formats.date_format(_local(value), "SHORT_DATETIME_FORMAT")


@register.filter(name="when_long")
def when_long(value: datetime | None) -> str:
    """Return an instant for a sentence or a deadline: "maandag 7 december 2026, 10:00"."""
    if not value:
        return ""
    return formats.date_format(_local(value), "DATETIME_FORMAT")


@register.filter(name="day")
def day_text(value: date | datetime | None) -> str:
    """Return a date: "7 december 2026"; an instant gives its local date."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return formats.date_format(value, "DATE_FORMAT")


# A spreadsheet reads this as a date and time in a Dutch and an English locale alike.
CSV_DATETIME_FORMAT = "d-m-Y H:i"


def when_csv(value: datetime | None) -> str:
    """Return an instant for a CSV cell: "07-12-2026 10:00", in local time."""
    if not value:
        return ""
    return formats.date_format(_local(value), CSV_DATETIME_FORMAT)
