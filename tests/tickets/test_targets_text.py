"""Plain words for an agreement's targets, and the first-response time a new issue can expect."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from portal.targets_text import duration_text, priority_offers, response_due_at, support_hours_text
from sla.models import Closure
from tests.factories import agreement_with_targets

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("minutes", "round_the_clock", "expected"),
    [
        (1, False, "1 minute"),
        (30, False, "30 minutes"),
        (30, True, "30 minutes"),
        (60, False, "1 business hour"),
        (60, True, "1 hour"),
        (90, False, "1 business hour and 30 minutes"),
        (240, False, "4 business hours"),
        (240, True, "4 hours"),
        (479, False, "7 business hours and 59 minutes"),
        (480, False, "1 business day"),
        (480, True, "8 hours"),
        (720, False, "12 business hours"),
        (960, False, "2 business days"),
        (2400, False, "5 business days"),
        (1500, True, "25 hours"),
    ],
)
def test_duration_text(minutes, round_the_clock, expected):
    assert duration_text(minutes, round_the_clock=round_the_clock) == expected


def test_offers_explain_each_level_from_p1_to_p4(db):
    agreement = agreement_with_targets()
    agreement.targets.filter(priority="P1").update(
        is_round_the_clock=True, first_response_minutes=30, description="Productie ligt eruit"
    )
    offers = priority_offers(agreement.targets.all())
    assert [o.priority for o in offers] == ["P1", "P2", "P3", "P4"]
    p1, p2, _p3, p4 = offers
    assert p1.label == "P1 critical"
    assert p1.meaning == "Productie ligt eruit"
    assert p1.response_sentence == "We respond within 30 minutes, day and night (24/7)."
    assert p1.resolution_sentence == "We aim to solve it within 4 hours."
    assert p2.response_sentence == (
        "We respond within 4 hours within business hours (Mon\N{EN DASH}Fri 09:00\N{EN DASH}17:00)."
    )
    assert p2.resolution_sentence == "We aim to solve it within 2 business days."
    assert p4.resolution_sentence == "The time to solve it is agreed per request."
    # Without a moment, the expectation is the promise itself.
    assert p2.expected_sentence == p2.response_sentence


@pytest.mark.parametrize(
    ("weekly_hours", "expected"),
    [
        (
            {str(d): [["08:30", "17:00"]] for d in range(5)},
            "Mon\N{EN DASH}Fri 08:30\N{EN DASH}17:00",
        ),
        (
            {"0": [["08:00", "12:00"], ["13:00", "17:00"]], "2": [["09:00", "17:00"]]},
            "Mon 08:00\N{EN DASH}12:00, 13:00\N{EN DASH}17:00; Wed 09:00\N{EN DASH}17:00",
        ),
        (
            {str(d): [["00:00", "24:00"]] for d in range(7)},
            "Mon\N{EN DASH}Sun 00:00\N{EN DASH}24:00",
        ),
        ({}, ""),
    ],
)
def test_support_hours_in_words(weekly_hours, expected):
    assert support_hours_text(weekly_hours) == expected


@pytest.mark.parametrize(
    ("now", "priority", "expected"),
    [
        # Monday 10:00, office hours 09:00-17:00: 4 business hours is 14:00 the same day.
        (
            datetime(2026, 11, 30, 10, 0, tzinfo=AMS),
            "P2",
            datetime(2026, 11, 30, 14, 0, tzinfo=AMS),
        ),
        # Friday 16:00: one hour on Friday, the rest on Monday.
        (datetime(2026, 12, 4, 16, 0, tzinfo=AMS), "P2", datetime(2026, 12, 7, 12, 0, tzinfo=AMS)),
        # Saturday: counting starts on Monday 09:00.
        (
            datetime(2026, 11, 28, 12, 0, tzinfo=AMS),
            "P3",
            datetime(2026, 11, 30, 17, 0, tzinfo=AMS),
        ),
        # Christmas Eve afternoon: both Christmas days are closed.
        (
            datetime(2026, 12, 24, 16, 0, tzinfo=AMS),
            "P2",
            datetime(2026, 12, 28, 12, 0, tzinfo=AMS),
        ),
    ],
)
def test_response_due_at_follows_support_hours_and_holidays(db, now, priority, expected):
    agreement = agreement_with_targets()
    target = agreement.targets.get(priority=priority)
    assert response_due_at(target=target, now=now) == expected


def test_response_due_at_skips_closures(db):
    agreement = agreement_with_targets()
    Closure.objects.create(
        calendar=agreement.calendar,
        starts_on=datetime(2026, 12, 1).date(),
        ends_on=datetime(2026, 12, 1).date(),
        reason="Teamdag",
    )
    target = agreement.targets.get(priority="P3")
    monday_17 = datetime(2026, 11, 30, 17, 0, tzinfo=AMS)
    assert response_due_at(target=target, now=monday_17) == datetime(2026, 12, 2, 17, 0, tzinfo=AMS)


def test_round_the_clock_targets_count_every_hour(db):
    agreement = agreement_with_targets()
    agreement.targets.filter(priority="P1").update(
        is_round_the_clock=True, first_response_minutes=30
    )
    target = agreement.targets.get(priority="P1")
    saturday_night = datetime(2026, 11, 28, 23, 50, tzinfo=AMS)
    assert response_due_at(target=target, now=saturday_night) == datetime(
        2026, 11, 29, 0, 20, tzinfo=AMS
    )


def test_the_expectation_names_the_day_and_time_in_the_active_language(db):
    agreement = agreement_with_targets()
    now = datetime(2026, 11, 30, 10, 0, tzinfo=AMS)
    (offer,) = [o for o in priority_offers(agreement.targets.all(), now=now) if o.priority == "P3"]
    assert offer.expected_sentence == (
        "Filed now, you can expect our first response by Tuesday 1 December 2026, 10:00."
    )
    with translation.override("nl"):
        assert "dinsdag 1 december 2026, 10:00" in offer.expected_sentence
