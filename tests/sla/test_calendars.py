"""Building business calendars from support calendars: Dutch holidays, flags and closures."""

from datetime import UTC, date, datetime

import pytest

from sla.business_time import BusinessCalendar
from sla.calendars import (
    calendar_spec,
    closed_dates,
    public_holidays,
    snapshot_years,
    target_snapshot,
)
from sla.models import Closure, LiberationDay
from tests.factories import PriorityTargetFactory, SupportCalendarFactory
from tests.sla.conftest import ams

GOOD_FRIDAY_2026 = date(2026, 4, 3)
GOOD_FRIDAY_2025 = date(2025, 4, 18)

DUTCH_HOLIDAYS_2026 = {
    date(2026, 1, 1),  # Nieuwjaarsdag
    date(2026, 4, 5),  # Eerste Paasdag
    date(2026, 4, 6),  # Tweede Paasdag
    date(2026, 4, 27),  # Koningsdag
    date(2026, 5, 14),  # Hemelvaartsdag
    date(2026, 5, 24),  # Eerste Pinksterdag
    date(2026, 5, 25),  # Tweede Pinksterdag
    date(2026, 12, 25),  # Eerste Kerstdag
    date(2026, 12, 26),  # Tweede Kerstdag
}


def holidays_for(years, *, public=True, good_friday=False, liberation=LiberationDay.LUSTRUM):
    return public_holidays(
        years=years,
        closed_on_public_holidays=public,
        closed_on_good_friday=good_friday,
        liberation_day=liberation,
    )


def test_the_default_calendar_closes_on_the_dutch_holidays_only():
    assert holidays_for([2026]) == DUTCH_HOLIDAYS_2026


@pytest.mark.parametrize(
    ("good_friday", "years", "closed"),
    [
        (False, [2025, 2026], set()),
        (True, [2025, 2026], {GOOD_FRIDAY_2025, GOOD_FRIDAY_2026}),
    ],
)
def test_good_friday_closes_only_when_the_agreement_says_so(good_friday, years, closed):
    found = holidays_for(years, good_friday=good_friday)

    assert found & {GOOD_FRIDAY_2025, GOOD_FRIDAY_2026} == closed


@pytest.mark.parametrize(
    ("liberation", "closed"),
    [
        (LiberationDay.EVERY_YEAR, {date(2025, 5, 5), date(2026, 5, 5), date(2030, 5, 5)}),
        (LiberationDay.LUSTRUM, {date(2025, 5, 5), date(2030, 5, 5)}),
        (LiberationDay.NEVER, set()),
    ],
)
def test_liberation_day_follows_the_agreement(liberation, closed):
    found = holidays_for([2025, 2026, 2030], liberation=liberation)

    assert {day for day in found if (day.month, day.day) == (5, 5)} == closed


def test_a_holiday_on_liberation_day_stays_closed_when_liberation_day_does_not_close():
    # Ascension Day fell on 5 May in 2016.
    assert date(2016, 5, 5) in holidays_for([2016], liberation=LiberationDay.NEVER)


def test_without_public_holidays_only_the_explicit_choices_close():
    found = holidays_for(
        [2025, 2026], public=False, good_friday=True, liberation=LiberationDay.EVERY_YEAR
    )

    assert found == {GOOD_FRIDAY_2025, GOOD_FRIDAY_2026, date(2025, 5, 5), date(2026, 5, 5)}


@pytest.mark.django_db
def test_closures_are_added_and_clipped_to_the_years_asked(django_assert_num_queries):
    calendar = SupportCalendarFactory(closed_on_public_holidays=False)
    Closure.objects.create(
        calendar=calendar,
        starts_on=date(2025, 12, 30),
        ends_on=date(2026, 1, 2),
        reason="Kerstreces",
    )
    Closure.objects.create(
        calendar=calendar, starts_on=date(2030, 6, 1), ends_on=date(2030, 6, 1), reason="Later"
    )

    with django_assert_num_queries(1):
        found = closed_dates(calendar=calendar, years=[2026])

    assert found == {date(2026, 1, 1), date(2026, 1, 2)}


@pytest.mark.django_db
def test_calendar_spec_gives_a_business_calendar_closed_on_holidays_and_closures():
    calendar = SupportCalendarFactory()
    Closure.objects.create(
        calendar=calendar, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 3), reason="Heidag"
    )

    business = BusinessCalendar.from_spec(calendar_spec(calendar=calendar, years=[2026]))

    assert not business.is_open(ams(2026, 12, 25, 10, 0))
    assert not business.is_open(ams(2026, 3, 3, 10, 0))
    assert business.is_open(ams(2026, 3, 4, 10, 0))
    # Good Friday is a working day under the default flags.
    assert business.is_open(ams(2026, 4, 3, 10, 0))


@pytest.mark.django_db
def test_snapshot_years_run_from_the_local_year_of_the_start_two_years_on():
    calendar = SupportCalendarFactory()
    # 23:30 UTC on New Year's Eve is already 2027 in Amsterdam.
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)

    assert list(snapshot_years(calendar=calendar, at=new_year)) == [2027, 2028, 2029]


@pytest.mark.django_db
@pytest.mark.parametrize("round_the_clock", [False, True])
def test_target_snapshot_keeps_the_targets_and_the_calendar(round_the_clock):
    target = PriorityTargetFactory(
        priority="P1",
        first_response_minutes=30,
        resolution_minutes=240,
        is_round_the_clock=round_the_clock,
    )

    snapshot = target_snapshot(target=target, at=ams(2026, 3, 2, 10, 0))

    assert snapshot["priority"] == "P1"
    assert (snapshot["first_response_minutes"], snapshot["resolution_minutes"]) == (30, 240)
    assert snapshot["agreement"]["id"] == target.agreement_id
    business = BusinessCalendar.from_spec(snapshot["calendar"])
    assert business.is_open(ams(2026, 12, 25, 3, 0)) == round_the_clock
    assert ("2028-12-25" in snapshot["calendar"]["closed_dates"]) != round_the_clock
