"""SLA clock arithmetic: targets and a business calendar in, due times and health out.

Pure: no database, no clock. Every instant is an aware datetime and ``now`` is passed in.

A clock measures business time towards one target (first response or resolution). It is
*counting* from ``resumed_at`` on, or *paused* (``resumed_at`` is None), or *stopped*. The
time it used before ``resumed_at`` is kept in whole seconds, rounded up, so that a pause
never gives the team extra time.

A clock is **due** at ``due_at``, the first instant at which its target is used up, and
**breached** at any moment after that, also outside support hours: a reply at 17:30 to an
issue due at 17:00 is late. A breached clock keeps counting until it stops. A breach is a
fact: ``missed_at`` records when the target ran out, and nothing later takes it back, not
a pause, not a reopening and not a new target (a priority change or another agreement).
A new target re-judges only what has not happened yet. It is **at risk** from ``warn_at``,
the instant at which three quarters of its target are used up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_lazy as _

from sla.business_time import BusinessCalendar

# At-risk point, as a fraction of the target: numerator / denominator.
WARN_NUMERATOR = 3
WARN_DENOMINATOR = 4

_SECOND = timedelta(seconds=1)


class ClockState(StrEnum):
    """What a clock stores: running and paused count or wait; met and breached are verdicts.

    ``breached`` is also the state of a clock that is still counting (or paused) after its
    due time; ``stopped_at`` tells whether the verdict is final.
    """

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


class Health(StrEnum):
    """What a person is shown of a clock at a given moment."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"


HEALTH_LABELS = {
    Health.ON_TRACK: _("On track"),
    Health.AT_RISK: _("At risk"),
    Health.BREACHED: _("Breached"),
    Health.MET: _("Met"),
    Health.PAUSED: _("Paused"),
}


class Verdict(StrEnum):
    """How a clock counts in a compliance report: pending clocks are not judged yet."""

    MET = "met"
    BREACHED = "breached"
    PENDING = "pending"


VERDICT_LABELS = {
    Verdict.MET: _("Met"),
    Verdict.BREACHED: _("Breached"),
    Verdict.PENDING: _("Pending"),
}


class Notice(StrEnum):
    """What the sweep tells the assignee and team lead, once per clock each."""

    AT_RISK = "at_risk"
    BREACH = "breach"


@dataclass(frozen=True)
class Clock:
    """The state of one SLA clock, as the ``SlaClock`` row stores it.

    ``target_seconds`` and ``used_seconds`` are business seconds; ``used_seconds`` is the
    time used up to ``resumed_at`` (while counting) or in all (while paused or stopped).
    ``warned_at`` and ``breached_at`` record when the at-risk and breach notices went out;
    ``missed_at`` when the target ran out, once that is known (see the module docstring).
    """

    target_seconds: int
    state: ClockState = ClockState.RUNNING
    used_seconds: int = 0
    resumed_at: datetime | None = None
    stopped_at: datetime | None = None
    due_at: datetime | None = None
    warn_at: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    missed_at: datetime | None = None
    # When a clock stops counting after its due time but before the sweep told anyone,
    # the sweep must still send the breach notice once: this is when it may.
    pending_notice_at: datetime | None = None

    @property
    def is_counting(self) -> bool:
        return self.resumed_at is not None and self.stopped_at is None

    @property
    def is_stopped(self) -> bool:
        return self.stopped_at is not None

    @property
    def warn_seconds(self) -> int:
        return warn_seconds(self.target_seconds)

    @property
    def next_check_at(self) -> datetime | None:
        """Return when the sweep must next look at this clock, or None when never again.

        That is the at-risk point until the at-risk notice went out, then the due time
        until the breach notice went out.
        """
        if self.is_stopped or self.breached_at is not None:
            return None
        if not self.is_counting:
            return self.pending_notice_at
        if self.state == ClockState.BREACHED:
            # A clock judged breached by a new target owes its notice now, even when the
            # new target puts its due time in the future.
            return self.missed_at or self.due_at
        if self.warned_at is None:
            return self.warn_at
        return self.due_at


@dataclass(frozen=True)
class ClockHealth:
    """A clock as seen at one moment.

    ``remaining`` is business time left until the target is used up, negative once more
    than the target was used; ``used`` and ``target`` are business time too. ``due_at`` is
    None while the clock is paused.
    """

    status: Health
    remaining: timedelta
    used: timedelta
    target: timedelta
    due_at: datetime | None

    @property
    def label(self) -> str:
        return str(HEALTH_LABELS[self.status])


def warn_seconds(target_seconds: int) -> int:
    """Return the business seconds after which a clock with this target is at risk."""
    return target_seconds * WARN_NUMERATOR // WARN_DENOMINATOR


def used_seconds(*, calendar: BusinessCalendar, since: datetime, until: datetime) -> int:
    """Return the business seconds between two instants, rounded up to a whole second."""
    return -(-calendar.between(since, until) // _SECOND)


def _schedule(
    *, calendar: BusinessCalendar, at: datetime, used: int, target: int
) -> tuple[datetime, datetime]:
    """Return (due_at, warn_at) for a clock counting from ``at`` with ``used`` seconds used."""

    def point(limit: int) -> datetime:
        left = limit - used
        return at if left <= 0 else calendar.add(at, timedelta(seconds=left))

    return point(target), point(warn_seconds(target))


def clock_start(*, calendar: BusinessCalendar, target_seconds: int, now: datetime) -> Clock:
    """Return a clock that starts counting towards ``target_seconds`` at ``now``."""
    if target_seconds <= 0:
        raise ValueError(f"a target must be positive, got {target_seconds!r} seconds")
    due_at, warn_at = _schedule(calendar=calendar, at=now, used=0, target=target_seconds)
    return Clock(target_seconds=target_seconds, resumed_at=now, due_at=due_at, warn_at=warn_at)


def _used_until(clock: Clock, *, calendar: BusinessCalendar, now: datetime) -> int:
    if not clock.is_counting:
        return clock.used_seconds
    return clock.used_seconds + used_seconds(calendar=calendar, since=clock.resumed_at, until=now)


def _is_overdue(clock: Clock, *, used: int, now: datetime) -> bool:
    if clock.missed_at is not None or clock.state == ClockState.BREACHED:
        return True
    if used > clock.target_seconds:
        return True
    return clock.is_counting and clock.due_at is not None and now > clock.due_at


def _missed_at(clock: Clock, *, used: int, now: datetime) -> datetime | None:
    """Return when ``clock`` ran out of its target, if it has by ``now``, else None.

    That is its due time, for a clock that counted past it; ``now`` when nothing better
    is known (a clock stored as breached before ``missed_at`` was kept).
    """
    if clock.missed_at is not None:
        return clock.missed_at
    if not _is_overdue(clock, used=used, now=now):
        return None
    return min(clock.due_at, now) if clock.due_at is not None else now


def clock_pause(clock: Clock, *, calendar: BusinessCalendar, now: datetime) -> Clock:
    """Return ``clock`` stopped counting at ``now``; unchanged unless it was counting."""
    if not clock.is_counting:
        return clock
    used = _used_until(clock, calendar=calendar, now=now)
    missed_at = _missed_at(clock, used=used, now=now)
    overdue = missed_at is not None
    return replace(
        clock,
        state=ClockState.BREACHED if overdue else ClockState.PAUSED,
        used_seconds=used,
        resumed_at=None,
        due_at=None,
        warn_at=None,
        missed_at=missed_at,
        pending_notice_at=now if overdue and clock.breached_at is None else None,
    )


def clock_resume(clock: Clock, *, calendar: BusinessCalendar, now: datetime) -> Clock:
    """Return ``clock`` counting again from ``now`` with the time it used kept.

    Unchanged unless it was paused.
    """
    if clock.is_counting or clock.is_stopped:
        return clock
    due_at, warn_at = _schedule(
        calendar=calendar, at=now, used=clock.used_seconds, target=clock.target_seconds
    )
    return replace(
        clock,
        state=ClockState.BREACHED if clock.state == ClockState.BREACHED else ClockState.RUNNING,
        resumed_at=now,
        due_at=due_at,
        warn_at=warn_at,
        pending_notice_at=None,
    )


def clock_stop(clock: Clock, *, calendar: BusinessCalendar, now: datetime) -> Clock:
    """Return ``clock`` stopped at ``now`` with its verdict, met or breached.

    The due time stays as it was, for the record. Unchanged if it was already stopped.
    """
    if clock.is_stopped:
        return clock
    used = _used_until(clock, calendar=calendar, now=now)
    missed_at = _missed_at(clock, used=used, now=now)
    return replace(
        clock,
        state=ClockState.BREACHED if missed_at is not None else ClockState.MET,
        used_seconds=used,
        resumed_at=None,
        stopped_at=now,
        missed_at=missed_at,
        pending_notice_at=None,
    )


def clock_reopen(clock: Clock, *, calendar: BusinessCalendar, now: datetime) -> Clock:
    """Return a stopped ``clock`` counting again from ``now`` with the time it used kept.

    A breached clock stays breached; notices already sent are not sent again. Unchanged
    unless it was stopped.
    """
    if not clock.is_stopped:
        return clock
    reopened = replace(
        clock,
        state=ClockState.BREACHED if clock.state == ClockState.BREACHED else ClockState.PAUSED,
        stopped_at=None,
    )
    return clock_resume(reopened, calendar=calendar, now=now)


def clock_from_history(
    *,
    calendar: BusinessCalendar,
    target_seconds: int,
    started_at: datetime,
    changes: Iterable[tuple[datetime, bool]],
) -> Clock:
    """Return the clock that would have run from ``started_at`` through ``changes``.

    ``changes`` are (instant, counts) pairs in time order: from each instant on the clock
    counts, or not. Used when a clock begins late, as when a priority without a resolution
    target is raised to one with a target: the time since filing counts, less the time the
    issue waited on the client.
    """
    clock = clock_start(calendar=calendar, target_seconds=target_seconds, now=started_at)
    for at, counts in changes:
        if counts:
            clock = clock_resume(clock, calendar=calendar, now=at)
        else:
            clock = clock_pause(clock, calendar=calendar, now=at)
    return clock


def clock_retarget(
    clock: Clock,
    *,
    old_calendar: BusinessCalendar,
    new_calendar: BusinessCalendar,
    target_seconds: int,
    now: datetime,
) -> Clock:
    """Return ``clock`` judged against a new target from ``now`` on, keeping the time it used.

    Time used so far is measured on ``old_calendar``, what is left on ``new_calendar``.
    A clock that ran out of its old target by ``now`` stays breached, whatever the new
    target; one that has used more than the new target is breached from ``now``. An
    at-risk notice already sent stays sent if its threshold is still passed under the
    new target, and is sent again later if the new target moves it into the future.
    Stopped clocks keep their verdict.
    """
    if clock.is_stopped:
        return clock
    if target_seconds <= 0:
        raise ValueError(f"a target must be positive, got {target_seconds!r} seconds")
    used = _used_until(clock, calendar=old_calendar, now=now)
    missed_at = _missed_at(clock, used=used, now=now)
    if missed_at is None and used > target_seconds:
        missed_at = now
    overdue = missed_at is not None
    retargeted = replace(
        clock,
        target_seconds=target_seconds,
        used_seconds=used,
        warned_at=clock.warned_at if overdue or used >= warn_seconds(target_seconds) else None,
        breached_at=clock.breached_at if overdue else None,
        missed_at=missed_at,
        pending_notice_at=None,
    )
    if not clock.is_counting:
        return replace(
            retargeted,
            state=ClockState.BREACHED if overdue else ClockState.PAUSED,
            pending_notice_at=now if overdue and retargeted.breached_at is None else None,
        )
    due_at, warn_at = _schedule(calendar=new_calendar, at=now, used=used, target=target_seconds)
    return replace(
        retargeted,
        state=ClockState.BREACHED if overdue else ClockState.RUNNING,
        resumed_at=now,
        due_at=due_at,
        warn_at=warn_at,
    )


def clock_health(clock: Clock, *, calendar: BusinessCalendar, now: datetime) -> ClockHealth:
    """Return how ``clock`` stands at ``now``: met, breached, paused, at risk or on track.

    A breach outranks a pause: a clock paused after its due time shows as breached.
    """
    used = _used_until(clock, calendar=calendar, now=now)
    if clock.is_stopped:
        status = Health.MET if clock.state == ClockState.MET else Health.BREACHED
    elif _is_overdue(clock, used=used, now=now):
        status = Health.BREACHED
    elif not clock.is_counting:
        status = Health.PAUSED
    elif now >= clock.warn_at or used >= clock.warn_seconds:
        status = Health.AT_RISK
    else:
        status = Health.ON_TRACK
    return ClockHealth(
        status=status,
        remaining=timedelta(seconds=clock.target_seconds - used),
        used=timedelta(seconds=used),
        target=timedelta(seconds=clock.target_seconds),
        due_at=clock.due_at,
    )


def clock_verdict(clock: Clock, *, now: datetime) -> Verdict:
    """Return whether ``clock`` met its target, breached it, or may still meet it, at ``now``.

    Needs no calendar: a clock that still counts is judged by its due time alone.
    """
    if _is_overdue(clock, used=clock.used_seconds, now=now):
        return Verdict.BREACHED
    if clock.is_stopped:
        return Verdict.MET
    return Verdict.PENDING


def clock_missed_at(clock: Clock, *, now: datetime) -> datetime | None:
    """Return when ``clock`` ran out of its target, if it has by ``now``; else None.

    Needs no calendar, as ``clock_verdict``: a clock that still counts has run out at its
    due time once that has passed.
    """
    return _missed_at(clock, used=clock.used_seconds, now=now)


def notice_due(clock: Clock, *, now: datetime) -> Notice | None:
    """Return the notice the sweep owes for ``clock`` at ``now``, or None.

    A clock found past its due time before its at-risk notice went out gets the breach
    notice alone. ``sla.services.sla_clock_mark`` claims a notice with an update under
    the same conditions.
    """
    if clock.is_stopped or clock.breached_at is not None:
        return None
    if clock.state == ClockState.BREACHED or (clock.due_at is not None and clock.due_at < now):
        return Notice.BREACH
    if clock.warned_at is None and clock.is_counting and clock.warn_at <= now:
        return Notice.AT_RISK
    return None


def always_open_spec(timezone: str) -> dict[str, Any]:
    """Return the calendar spec of a desk that never closes, for round-the-clock targets."""
    return {
        "timezone": timezone,
        "weekly_hours": {str(weekday): [["00:00", "24:00"]] for weekday in range(7)},
        "closed_dates": [],
    }


@lru_cache(maxsize=256)
def _calendar_from_json(spec_json: str) -> BusinessCalendar:
    return BusinessCalendar.from_spec(json.loads(spec_json))


def calendar_from_spec(spec: dict[str, Any]) -> BusinessCalendar:
    """Return the ``BusinessCalendar`` of a stored spec, shared between equal specs.

    Clocks of one agreement share one spec; sharing the calendar shares its cached
    open-time tables, which makes showing the health of a page of clocks cheap.
    """
    return _calendar_from_json(json.dumps(spec, sort_keys=True))
