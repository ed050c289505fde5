"""sla.policy: clock arithmetic and health, table-driven plus properties; no database."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla import policy
from sla.business_time import BusinessCalendar
from sla.models import ClockState as ClockStateChoices
from sla.policy import Clock, ClockState, Health, Verdict

AMS = ZoneInfo("Europe/Amsterdam")
OFFICE = BusinessCalendar("Europe/Amsterdam", {d: [("09:00", "17:00")] for d in range(5)})
ALWAYS = policy.calendar_from_spec(policy.always_open_spec("Europe/Amsterdam"))
HOUR = 3600


def ams(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=AMS)


MONDAY_10 = ams(2026, 3, 2, 10, 0)


def start(target_hours: float = 8, *, at: datetime = MONDAY_10, calendar=OFFICE) -> Clock:
    return policy.clock_start(calendar=calendar, target_seconds=int(target_hours * HOUR), now=at)


@pytest.mark.parametrize(
    ("at", "target_hours", "due", "warn"),
    [
        (MONDAY_10, 8, ams(2026, 3, 3, 10, 0), ams(2026, 3, 2, 16, 0)),
        (MONDAY_10, 1, ams(2026, 3, 2, 11, 0), ams(2026, 3, 2, 10, 45)),
        # Filed outside hours: counting starts at the next opening.
        (ams(2026, 3, 6, 18, 0), 1, ams(2026, 3, 9, 10, 0), ams(2026, 3, 9, 9, 45)),
        # Used up exactly at closing time: due at 17:00, not the next morning.
        (ams(2026, 3, 2, 16, 0), 1, ams(2026, 3, 2, 17, 0), ams(2026, 3, 2, 16, 45)),
        (MONDAY_10, 40, ams(2026, 3, 9, 10, 0), ams(2026, 3, 5, 16, 0)),
    ],
)
def test_start_sets_due_and_at_risk_times(at, target_hours, due, warn):
    clock = start(target_hours, at=at)

    assert (clock.due_at, clock.warn_at) == (due, warn)
    assert clock.state == ClockState.RUNNING
    assert clock.next_check_at == warn


def test_round_the_clock_calendar_ignores_nights_and_weekends():
    clock = start(0.5, at=ams(2026, 3, 7, 3, 0), calendar=ALWAYS)

    assert clock.due_at == ams(2026, 3, 7, 3, 30)


@pytest.mark.parametrize("target_seconds", [0, -60])
def test_a_target_must_be_positive(target_seconds):
    with pytest.raises(ValueError, match="positive"):
        policy.clock_start(calendar=OFFICE, target_seconds=target_seconds, now=MONDAY_10)


@pytest.mark.parametrize(
    ("paused_at", "resumed_at", "used", "due"),
    [
        (ams(2026, 3, 2, 12, 0), ams(2026, 3, 4, 10, 0), 2 * HOUR, ams(2026, 3, 4, 16, 0)),
        # A pause in closed time changes nothing.
        (ams(2026, 3, 2, 18, 0), ams(2026, 3, 3, 8, 0), 7 * HOUR, ams(2026, 3, 3, 10, 0)),
        # Partial seconds count as whole ones.
        (ams(2026, 3, 2, 10, 0, 0) + timedelta(milliseconds=1), ams(2026, 3, 2, 11, 0), 1, None),
    ],
)
def test_pause_keeps_the_time_used_and_resume_moves_the_due_time(paused_at, resumed_at, used, due):
    paused = policy.clock_pause(start(), calendar=OFFICE, now=paused_at)
    resumed = policy.clock_resume(paused, calendar=OFFICE, now=resumed_at)

    assert paused.state == ClockState.PAUSED
    assert paused.used_seconds == used
    assert (paused.due_at, paused.warn_at, paused.next_check_at) == (None, None, None)
    assert resumed.state == ClockState.RUNNING
    assert resumed.resumed_at == resumed_at
    if due:
        assert resumed.due_at == due


def test_pause_resume_and_stop_are_no_ops_where_they_do_not_apply():
    running = start()
    paused = policy.clock_pause(running, calendar=OFFICE, now=MONDAY_10 + timedelta(hours=1))
    stopped = policy.clock_stop(running, calendar=OFFICE, now=MONDAY_10 + timedelta(hours=1))

    assert policy.clock_resume(running, calendar=OFFICE, now=MONDAY_10) is running
    assert policy.clock_pause(paused, calendar=OFFICE, now=MONDAY_10) is paused
    assert policy.clock_stop(stopped, calendar=OFFICE, now=MONDAY_10) is stopped
    assert policy.clock_resume(stopped, calendar=OFFICE, now=MONDAY_10) is stopped
    assert policy.clock_reopen(running, calendar=OFFICE, now=MONDAY_10) is running


@pytest.mark.parametrize(
    ("stopped_at", "state"),
    [
        (ams(2026, 3, 3, 9, 59), ClockState.MET),
        (ams(2026, 3, 3, 10, 0), ClockState.MET),
        (ams(2026, 3, 3, 10, 0, 1), ClockState.BREACHED),
    ],
)
def test_stop_judges_by_the_due_time(stopped_at, state):
    assert policy.clock_stop(start(), calendar=OFFICE, now=stopped_at).state == state


def test_a_stop_after_hours_past_a_due_time_at_closing_is_a_breach():
    clock = start(1, at=ams(2026, 3, 2, 16, 0))

    stopped = policy.clock_stop(clock, calendar=OFFICE, now=ams(2026, 3, 2, 17, 30))

    assert stopped.state == ClockState.BREACHED
    assert stopped.used_seconds == HOUR
    assert stopped.due_at == ams(2026, 3, 2, 17, 0)


def test_a_breach_survives_a_pause_and_the_sweep_is_asked_to_tell_it():
    clock = start(1)

    paused = policy.clock_pause(clock, calendar=OFFICE, now=ams(2026, 3, 2, 11, 30))

    assert paused.state == ClockState.BREACHED
    assert paused.next_check_at == ams(2026, 3, 2, 11, 30)
    resumed = policy.clock_resume(paused, calendar=OFFICE, now=ams(2026, 3, 3, 9, 0))
    assert resumed.state == ClockState.BREACHED
    assert policy.clock_stop(resumed, calendar=OFFICE, now=ams(2026, 3, 3, 9, 1)).state == (
        ClockState.BREACHED
    )


def test_a_breach_already_told_needs_no_check_while_paused():
    clock = Clock(
        target_seconds=HOUR,
        resumed_at=MONDAY_10,
        due_at=ams(2026, 3, 2, 11, 0),
        warn_at=ams(2026, 3, 2, 10, 45),
        warned_at=ams(2026, 3, 2, 11, 1),
        breached_at=ams(2026, 3, 2, 11, 1),
        state=ClockState.BREACHED,
    )

    paused = policy.clock_pause(clock, calendar=OFFICE, now=ams(2026, 3, 2, 12, 0))

    assert paused.next_check_at is None


@pytest.mark.parametrize(
    ("warned_at", "breached_at", "expected"),
    [
        (None, None, "warn_at"),
        (MONDAY_10, None, "due_at"),
        (MONDAY_10, MONDAY_10, None),
    ],
)
def test_next_check_is_the_at_risk_point_then_the_due_time(warned_at, breached_at, expected):
    clock = Clock(
        target_seconds=HOUR,
        resumed_at=MONDAY_10,
        due_at=ams(2026, 3, 2, 11, 0),
        warn_at=ams(2026, 3, 2, 10, 45),
        warned_at=warned_at,
        breached_at=breached_at,
    )

    assert clock.next_check_at == (getattr(clock, expected) if expected else None)


def test_reopen_counts_on_from_the_time_used():
    stopped = policy.clock_stop(start(40), calendar=OFFICE, now=ams(2026, 3, 2, 13, 0))

    reopened = policy.clock_reopen(stopped, calendar=OFFICE, now=ams(2026, 3, 3, 9, 0))

    assert reopened.state == ClockState.RUNNING
    assert reopened.stopped_at is None
    assert reopened.used_seconds == 3 * HOUR
    assert reopened.due_at == ams(2026, 3, 9, 14, 0)


def test_reopen_keeps_a_breach_and_its_notice():
    clock = replace_breached(start(1))
    stopped = policy.clock_stop(clock, calendar=OFFICE, now=ams(2026, 3, 2, 12, 0))

    reopened = policy.clock_reopen(stopped, calendar=OFFICE, now=ams(2026, 3, 2, 13, 0))

    assert reopened.state == ClockState.BREACHED
    assert reopened.breached_at == clock.breached_at
    assert reopened.next_check_at is None


def replace_breached(clock: Clock) -> Clock:
    from dataclasses import replace

    told = clock.due_at + timedelta(minutes=1)
    return replace(clock, state=ClockState.BREACHED, warned_at=told, breached_at=told)


@pytest.mark.parametrize(
    ("new_hours", "state", "due", "warned_kept"),
    [
        (4, ClockState.RUNNING, ams(2026, 3, 2, 14, 0), False),
        (2.5, ClockState.RUNNING, ams(2026, 3, 2, 12, 30), True),
        (1, ClockState.BREACHED, ams(2026, 3, 2, 12, 0), True),
    ],
)
def test_retarget_judges_the_time_used_against_the_new_target(new_hours, state, due, warned_kept):
    warned = Clock(**{**start(2).__dict__, "warned_at": ams(2026, 3, 2, 11, 30)})

    clock = policy.clock_retarget(
        warned,
        old_calendar=OFFICE,
        new_calendar=OFFICE,
        target_seconds=int(new_hours * HOUR),
        now=ams(2026, 3, 2, 12, 0),
    )

    assert clock.used_seconds == 2 * HOUR
    assert clock.resumed_at == ams(2026, 3, 2, 12, 0)
    assert (clock.state, clock.due_at) == (state, due)
    assert (clock.warned_at is not None) == warned_kept


def test_retarget_measures_the_past_on_the_old_calendar_and_the_rest_on_the_new():
    night = ams(2026, 3, 7, 3, 0)
    clock = start(4, at=night, calendar=ALWAYS)

    retargeted = policy.clock_retarget(
        clock,
        old_calendar=ALWAYS,
        new_calendar=OFFICE,
        target_seconds=8 * HOUR,
        now=ams(2026, 3, 7, 5, 0),
    )

    assert retargeted.used_seconds == 2 * HOUR
    assert retargeted.due_at == ams(2026, 3, 9, 15, 0)


def test_retarget_of_a_paused_clock_stays_paused_and_a_stopped_one_is_kept():
    paused = policy.clock_pause(start(8), calendar=OFFICE, now=ams(2026, 3, 2, 12, 0))
    stopped = policy.clock_stop(start(8), calendar=OFFICE, now=ams(2026, 3, 2, 12, 0))
    kwargs = {"old_calendar": OFFICE, "new_calendar": OFFICE, "now": ams(2026, 3, 3, 12, 0)}

    assert policy.clock_retarget(paused, target_seconds=4 * HOUR, **kwargs).state == (
        ClockState.PAUSED
    )
    overdue = policy.clock_retarget(paused, target_seconds=HOUR, **kwargs)
    assert (overdue.state, overdue.next_check_at) == (ClockState.BREACHED, kwargs["now"])
    assert policy.clock_retarget(stopped, target_seconds=HOUR, **kwargs) is stopped
    with pytest.raises(ValueError, match="positive"):
        policy.clock_retarget(paused, target_seconds=0, **kwargs)


def test_clock_from_history_skips_the_time_not_counted():
    clock = policy.clock_from_history(
        calendar=OFFICE,
        target_seconds=40 * HOUR,
        started_at=MONDAY_10,
        changes=[
            (ams(2026, 3, 2, 12, 0), False),
            (ams(2026, 3, 3, 12, 0), True),
            (ams(2026, 3, 3, 13, 0), True),
        ],
    )

    assert clock.resumed_at == ams(2026, 3, 3, 12, 0)
    assert clock.used_seconds == 2 * HOUR
    assert clock.state == ClockState.RUNNING


@pytest.mark.parametrize(
    ("clock", "at", "status", "remaining_hours"),
    [
        (start(8), ams(2026, 3, 2, 12, 0), Health.ON_TRACK, 6),
        (start(8), ams(2026, 3, 2, 16, 0), Health.AT_RISK, 2),
        (start(8), ams(2026, 3, 3, 10, 0), Health.AT_RISK, 0),
        (start(8), ams(2026, 3, 3, 12, 0), Health.BREACHED, -2),
        (start(1, at=ams(2026, 3, 2, 16, 0)), ams(2026, 3, 2, 18, 0), Health.BREACHED, 0),
        (
            policy.clock_pause(start(8), calendar=OFFICE, now=ams(2026, 3, 2, 12, 0)),
            ams(2026, 3, 9, 12, 0),
            Health.PAUSED,
            6,
        ),
        (
            policy.clock_stop(start(8), calendar=OFFICE, now=ams(2026, 3, 2, 12, 0)),
            ams(2026, 3, 9, 12, 0),
            Health.MET,
            6,
        ),
        (
            policy.clock_stop(start(1), calendar=OFFICE, now=ams(2026, 3, 2, 12, 0)),
            ams(2026, 3, 9, 12, 0),
            Health.BREACHED,
            -1,
        ),
    ],
)
def test_health(clock, at, status, remaining_hours):
    health = policy.clock_health(clock, calendar=OFFICE, now=at)

    assert health.status == status
    assert health.remaining == timedelta(hours=remaining_hours)
    assert health.label


@pytest.mark.parametrize(
    ("clock", "at", "verdict"),
    [
        (start(8), ams(2026, 3, 2, 12, 0), Verdict.PENDING),
        (start(8), ams(2026, 3, 3, 10, 1), Verdict.BREACHED),
        (policy.clock_stop(start(8), calendar=OFFICE, now=MONDAY_10), MONDAY_10, Verdict.MET),
        (
            policy.clock_pause(start(8), calendar=OFFICE, now=ams(2026, 3, 2, 12, 0)),
            ams(2026, 4, 1, 12, 0),
            Verdict.PENDING,
        ),
    ],
)
def test_verdict_needs_no_calendar(clock, at, verdict):
    assert policy.clock_verdict(clock, now=at) == verdict


def _notice_case(**fields) -> Clock:
    base = {
        "target_seconds": HOUR,
        "resumed_at": MONDAY_10,
        "due_at": ams(2026, 3, 2, 11, 0),
        "warn_at": ams(2026, 3, 2, 10, 45),
    }
    return Clock(**{**base, **fields})


@pytest.mark.parametrize(
    ("clock", "at", "notice"),
    [
        (_notice_case(), ams(2026, 3, 2, 10, 44), None),
        (_notice_case(), ams(2026, 3, 2, 10, 45), policy.Notice.AT_RISK),
        (_notice_case(), ams(2026, 3, 2, 11, 0), policy.Notice.AT_RISK),
        (_notice_case(), ams(2026, 3, 2, 11, 0, 1), policy.Notice.BREACH),
        (_notice_case(warned_at=MONDAY_10), ams(2026, 3, 2, 10, 50), None),
        (_notice_case(warned_at=MONDAY_10), ams(2026, 3, 2, 11, 1), policy.Notice.BREACH),
        (_notice_case(breached_at=MONDAY_10), ams(2026, 3, 2, 12, 0), None),
        (_notice_case(stopped_at=MONDAY_10), ams(2026, 3, 2, 12, 0), None),
        (
            _notice_case(resumed_at=None, due_at=None, warn_at=None, state=ClockState.PAUSED),
            ams(2026, 3, 2, 12, 0),
            None,
        ),
        (
            _notice_case(resumed_at=None, due_at=None, warn_at=None, state=ClockState.BREACHED),
            ams(2026, 3, 2, 12, 0),
            policy.Notice.BREACH,
        ),
    ],
)
def test_notice_due(clock, at, notice):
    assert policy.notice_due(clock, now=at) == notice


def test_equal_specs_share_one_calendar():
    spec = OFFICE.to_spec()

    assert policy.calendar_from_spec(dict(spec)) is policy.calendar_from_spec(spec)


def test_model_states_match_the_policy_states():
    assert set(ClockStateChoices.values) == {state.value for state in ClockState}


# -- properties -------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(AMS)
)
targets = st.integers(min_value=1, max_value=200 * HOUR)
offsets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60))


@settings(max_examples=200, deadline=None)
@given(at=instants, target=targets)
def test_due_time_is_exactly_the_target_of_business_time_after_the_start(at, target):
    clock = policy.clock_start(calendar=OFFICE, target_seconds=target, now=at)

    assert OFFICE.between(at, clock.due_at) == timedelta(seconds=target)
    assert clock.warn_at <= clock.due_at
    assert OFFICE.between(at, clock.warn_at) == timedelta(seconds=policy.warn_seconds(target))


@settings(max_examples=200, deadline=None)
@given(at=instants, target=targets, pause_after=offsets)
def test_a_pause_resumed_at_once_moves_the_due_time_by_under_a_business_second(
    at, target, pause_after
):
    clock = policy.clock_start(calendar=OFFICE, target_seconds=target, now=at)
    pause_at = at + pause_after

    resumed = policy.clock_resume(
        policy.clock_pause(clock, calendar=OFFICE, now=pause_at), calendar=OFFICE, now=pause_at
    )

    if pause_at <= clock.due_at:
        assert resumed.due_at <= clock.due_at
        assert OFFICE.between(resumed.due_at, clock.due_at) < timedelta(seconds=1)


@settings(max_examples=200, deadline=None)
@given(at=instants, target=targets, stop_after=offsets)
def test_stop_is_met_exactly_up_to_the_due_time(at, target, stop_after):
    clock = policy.clock_start(calendar=OFFICE, target_seconds=target, now=at)
    stop_at = at + stop_after

    stopped = policy.clock_stop(clock, calendar=OFFICE, now=stop_at)

    assert (stopped.state == ClockState.MET) == (stop_at <= clock.due_at)


@settings(max_examples=200, deadline=None)
@given(at=instants, target=targets, look_after=offsets, pause=st.booleans())
def test_health_used_and_remaining_add_up_to_the_target(at, target, look_after, pause):
    clock = policy.clock_start(calendar=OFFICE, target_seconds=target, now=at)
    if pause:
        clock = policy.clock_pause(clock, calendar=OFFICE, now=at + look_after / 2)

    health = policy.clock_health(clock, calendar=OFFICE, now=at + look_after)

    assert health.used + health.remaining == health.target
    assert (health.status == Health.BREACHED) == (
        policy.clock_verdict(clock, now=at + look_after) == Verdict.BREACHED
        or health.remaining < timedelta(0)
    )
