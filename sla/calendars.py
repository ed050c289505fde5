"""Business calendars built from a support calendar: its hours, Dutch holidays and closures."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from dateutil.easter import easter
from django.db.models import Q

from sla import policy
from sla.business_time import BusinessCalendar
from sla.models import Closure, LiberationDay, PriorityTarget, SupportCalendar

# A snapshot lists the closed dates of the year the clock starts and of the next two,
# long enough for any clock that is paused for a while or reopened after resolution.
SNAPSHOT_YEARS_AHEAD = 2

# The names under which holidays.NL lists the two days each agreement decides on itself.
_GOOD_FRIDAY = "Good Friday"
_LIBERATION_DAY = "Liberation Day"


def public_holidays(
    *,
    years: Iterable[int],
    closed_on_public_holidays: bool,
    closed_on_good_friday: bool,
    liberation_day: str,
) -> set[date]:
    """Return the Dutch public holidays in ``years`` on which a calendar with these flags closes.

    ``closed_on_public_holidays`` covers the holidays every Dutch employer observes. Good
    Friday and Liberation Day (5 May) follow their own flags, whatever ``holidays.NL``
    counts: Good Friday only when ``closed_on_good_friday``; Liberation Day every year,
    only in years divisible by five (``lustrum``) or never.
    """
    years = sorted(set(years))
    closed: set[date] = set()
    if closed_on_public_holidays:
        # English names, so that the choice does not depend on the process's locale.
        calendar = holidays.NL(years=years, language="en_US")
        for day in calendar:
            # A day keeps its holiday if anything besides the two days decided here falls
            # on it, as Ascension Day did on 5 May 2016.
            if set(calendar.get_list(day)) - {_GOOD_FRIDAY, _LIBERATION_DAY}:
                closed.add(day)
    for year in years:
        if closed_on_good_friday:
            closed.add(easter(year) - timedelta(days=2))
        if liberation_day == LiberationDay.EVERY_YEAR or (
            liberation_day == LiberationDay.LUSTRUM and year % 5 == 0
        ):
            closed.add(date(year, 5, 5))
    return closed


def closed_dates(*, calendar: SupportCalendar, years: Iterable[int]) -> set[date]:
    """Return the local dates in ``years`` on which ``calendar`` is closed: holidays and closures.

    Read the calendar's closures with one query.
    """
    years = sorted(set(years))
    first, last = date(years[0], 1, 1), date(years[-1], 12, 31)
    closed = public_holidays(
        years=years,
        closed_on_public_holidays=calendar.closed_on_public_holidays,
        closed_on_good_friday=calendar.closed_on_good_friday,
        liberation_day=calendar.liberation_day,
    )
    closures = Closure.objects.filter(calendar=calendar).filter(
        Q(starts_on__lte=last) & Q(ends_on__gte=first)
    )
    for starts_on, ends_on in closures.values_list("starts_on", "ends_on"):
        day = max(starts_on, first)
        while day <= min(ends_on, last):
            closed.add(day)
            day += timedelta(days=1)
    return closed


def calendar_spec(*, calendar: SupportCalendar, years: Iterable[int]) -> dict[str, Any]:
    """Return the ``BusinessCalendar`` spec of ``calendar`` with its closed dates in ``years``."""
    business = BusinessCalendar.from_spec(
        {
            "timezone": calendar.timezone,
            "weekly_hours": calendar.weekly_hours,
            "closed_dates": sorted(closed_dates(calendar=calendar, years=years)),
        }
    )
    return business.to_spec()


def snapshot_years(*, calendar: SupportCalendar, at: datetime) -> range:
    """Return the years a snapshot taken at the aware instant ``at`` covers, in local years."""
    year = at.astimezone(ZoneInfo(calendar.timezone)).year
    return range(year, year + SNAPSHOT_YEARS_AHEAD + 1)


def target_snapshot(*, target: PriorityTarget, at: datetime) -> dict[str, Any]:
    """Return what a clock keeps of ``target`` and its agreement's calendar, taken at ``at``.

    A round-the-clock target counts on a calendar that is always open; any other on the
    agreement's support hours with the closed dates from ``at``'s year on.
    """
    agreement = target.agreement
    calendar = agreement.calendar
    if target.is_round_the_clock:
        spec = policy.always_open_spec(calendar.timezone)
    else:
        spec = calendar_spec(calendar=calendar, years=snapshot_years(calendar=calendar, at=at))
    return {
        "agreement": {"id": agreement.pk, "name": agreement.name, "tier": agreement.tier},
        "priority": target.priority,
        "first_response_minutes": target.first_response_minutes,
        "resolution_minutes": target.resolution_minutes,
        "is_round_the_clock": target.is_round_the_clock,
        "calendar": spec,
    }
