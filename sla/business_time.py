"""Business-hours arithmetic over a weekly timetable with closed dates, in one IANA time zone."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["BusinessCalendar"]

_DAY_SECONDS = 86_400
_US_PER_SECOND = 1_000_000
_DAY_US = _DAY_SECONDS * _US_PER_SECOND
_ONE_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_MAX_ORDINAL = date.max.toordinal()
_MIDNIGHT = time(0)

# Open time is precomputed per block of local days, with a running total per day, so a
# duration of any length is resolved by bisecting within a block and adding whole blocks,
# never by walking day after day.  128 days keeps a block cheap to build (under a
# millisecond, paid once per calendar object and stretch of dates) while a
# 60-business-day duration (about 84 days) crosses at most one block edge.
_BLOCK_DAYS = 128
# About 22 years of blocks; a process-long calendar must not grow without bound.
_MAX_CACHED_BLOCKS = 64
# Closed dates are finite, so an opening always follows eventually; this bounds the search
# for pathological calendars (and for the end of the datetime range).
_MAX_SEARCH_DAYS = 3660

# [0-9] rather than \d: \d would accept non-ASCII digits.
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
_SPEC_KEYS = frozenset({"timezone", "weekly_hours", "closed_dates"})
_SPEC_WEEKDAYS = {str(weekday): weekday for weekday in range(7)}


class BusinessCalendar:
    """Weekly opening hours in one time zone, minus whole closed local dates.

    An instant is open when it falls in the UTC image of one of the intervals of its local
    date: each weekday interval ``[start, end)`` on local date ``d`` is turned into instants
    with zoneinfo's ``fold=0`` rule, and ``"24:00"`` means 00:00 of the next local date.  So
    weekday and closed date always come from the local date, and a closed date closes the
    early-morning part of a night shift that began the evening before (that part belongs to
    the closed date's own ``00:00``-interval).

    Around daylight-saving changes ``fold=0`` decides what a wall-clock time means:

    * a time that occurs twice (autumn) means its first occurrence, so in Europe/Amsterdam
      an interval ending at 02:30 on 2026-10-25 ends at 02:30 CEST and the repeated
      02:00-02:30 CET is closed;
    * a time that does not exist (spring) is read with the offset in force *before* the
      change, so 02:30 on 2026-03-29 is 01:30 UTC, which is 03:30 CEST; an interval that
      starts at 02:30 that day opens at 03:30 CEST;
    * an interval whose end lands at or before its start after this mapping (02:30-03:00
      on 2026-03-29) is closed that day.

    Durations are real elapsed time: on the spring DST day 00:00-24:00 lasts 23 hours, on
    the autumn day 25.  All arithmetic is exact to the microsecond.
    """

    __slots__ = ("_blocks", "_clocks", "_closed", "_key", "_weekly", "_zone")

    def __init__(
        self,
        timezone: str,
        weekly_hours: Mapping[int, Iterable[tuple[str, str]]],
        closed_dates: Iterable[date] = (),
    ) -> None:
        """Build a calendar; raise ValueError on any malformed input.

        ``timezone`` is an IANA key such as ``"Europe/Amsterdam"``.  ``weekly_hours`` maps
        weekday numbers (0 = Monday .. 6 = Sunday; missing = closed) to ``(start, end)``
        local wall-clock pairs written ``"HH:MM"`` or ``"HH:MM:SS"``, with
        ``00:00 <= start < end <= 24:00``; overlapping or touching intervals are merged.
        ``closed_dates`` holds local dates on which the calendar is closed all day.
        """
        if not isinstance(timezone, str):
            raise ValueError(f"timezone must be an IANA key string, got {timezone!r}")
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown time zone {timezone!r}") from exc

        if not isinstance(weekly_hours, Mapping):
            raise ValueError("weekly_hours must be a mapping of weekday number to intervals")
        weekly: list[tuple[tuple[int, int], ...]] = [()] * 7
        for weekday, intervals in weekly_hours.items():
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError(
                    f"weekly_hours key {weekday!r} is not a weekday number 0 (Monday) to 6 (Sunday)"
                )
            weekly[weekday] = _merged_intervals(weekday, intervals)
        if not any(weekly):
            raise ValueError("a business calendar needs at least one open interval in the week")

        try:
            candidates = iter(closed_dates)
        except TypeError as exc:
            raise ValueError("closed_dates must be an iterable of dates") from exc
        closed = set()
        for day in candidates:
            # A datetime is a date subclass but never equals a date, so it would close nothing.
            if isinstance(day, datetime) or not isinstance(day, date):
                raise ValueError(f"closed_dates must contain dates, got {day!r}")
            closed.add(day)

        self._zone = zone
        self._weekly = tuple(weekly)
        # Per weekday: (start µs, start time, end µs, end time or None for 24:00).
        self._clocks = tuple(
            tuple(
                (
                    start * _US_PER_SECOND,
                    _clock_time(start),
                    end * _US_PER_SECOND,
                    None if end == _DAY_SECONDS else _clock_time(end),
                )
                for start, end in intervals
            )
            for intervals in weekly
        )
        self._closed = frozenset(closed)
        self._key = (timezone, self._weekly, self._closed)
        self._blocks: dict[int, tuple] = {}

    # -- public API -------------------------------------------------------------------------

    @property
    def timezone(self) -> str:
        """Return the IANA key of the calendar's time zone."""
        return self._key[0]

    @property
    def zone(self) -> ZoneInfo:
        """Return the calendar's time zone; every result is expressed in it."""
        return self._zone

    def is_open(self, at: datetime) -> bool:
        """Return whether the aware instant ``at`` (any offset) lies in open time."""
        us = _instant_us(at, "at")
        _index, block, day = self._locate(us)
        return any(start <= us < end for start, end in block[1][day])

    def next_opening(self, at: datetime) -> datetime:
        """Return ``at`` if it is open, else the next instant the calendar opens.

        ``at`` may carry any offset; the result is in the calendar's zone.  Closing times
        are exclusive, so at exactly 17:00 on a 08:30-17:00 day the answer is the next
        morning.
        """
        # With whole microseconds, the first open microsecond after `at` begins at the opening.
        return self._to_datetime(self._seek(_instant_us(at, "at"), 1) - 1)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the earliest instant by which ``duration`` of open time has passed.

        ``start`` is an aware datetime in any offset; ``duration`` is a non-negative timedelta
        of real elapsed open time.  A start outside hours counts from the next opening, and a
        duration used up exactly at a closing time returns that closing time.
        ``add(start, timedelta(0))`` equals ``next_opening(start)``.  The result is in the
        calendar's zone.
        """
        us = _instant_us(start, "start")
        if not isinstance(duration, timedelta):
            raise ValueError(f"duration must be a timedelta, got {duration!r}")
        needed = duration // _ONE_US
        if needed < 0:
            raise ValueError(f"duration must not be negative, got {duration!r}")
        if needed == 0:
            return self._to_datetime(self._seek(us, 1) - 1)
        return self._to_datetime(self._seek(us, needed))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Return the open time between two aware instants (any offsets) as a timedelta.

        The result is ``timedelta(0)`` when ``end <= start``, never negative.
        """
        start_us = _instant_us(start, "start")
        end_us = _instant_us(end, "end")
        if end_us <= start_us:
            return timedelta(0)
        first, first_block, first_day = self._locate(start_us)
        last, last_block, last_day = self._locate(end_us)
        total = _position(last_block, last_day, end_us) - _position(
            first_block, first_day, start_us
        )
        for index in range(first, last):
            total += self._block(index)[2][-1]
        return timedelta(microseconds=total)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> BusinessCalendar:
        """Build a calendar from the JSON-serialisable dict that ``to_spec`` returns.

        Weekday keys may be strings ("0".."6") or ints, intervals lists or tuples, and
        closed dates ISO strings ("2026-12-25") or dates.  Raise ValueError when malformed.
        """
        if not isinstance(spec, Mapping):
            raise ValueError("a calendar spec must be a mapping")
        unknown = set(spec) - _SPEC_KEYS
        if unknown:
            raise ValueError(f"unknown calendar spec keys: {sorted(map(str, unknown))}")
        missing = {"timezone", "weekly_hours"} - set(spec)
        if missing:
            raise ValueError(f"calendar spec lacks {sorted(missing)}")
        weekly_hours = spec["weekly_hours"]
        if not isinstance(weekly_hours, Mapping):
            raise ValueError("weekly_hours must be a mapping of weekday number to intervals")
        # JSON object keys are always strings; anything else is left for __init__ to reject.
        weekly = {_SPEC_WEEKDAYS.get(key, key): value for key, value in weekly_hours.items()}
        try:
            closed = [_spec_date(day) for day in spec.get("closed_dates", ())]
        except TypeError as exc:
            raise ValueError("closed_dates must be a list of ISO date strings") from exc
        return cls(timezone=spec["timezone"], weekly_hours=weekly, closed_dates=closed)

    def to_spec(self) -> dict[str, Any]:
        """Return the calendar as a JSON-serialisable dict that ``from_spec`` reads back.

        Intervals come out merged and sorted, all seven weekdays are listed (closed ones
        as ``[]``) and closed dates are sorted ISO strings, so equal calendars give equal
        specs.
        """
        return {
            "timezone": self.timezone,
            "weekly_hours": {
                str(weekday): [[_format_clock(s), _format_clock(e)] for s, e in intervals]
                for weekday, intervals in enumerate(self._weekly)
            },
            "closed_dates": [day.isoformat() for day in sorted(self._closed)],
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        open_hours = sum(e - s for intervals in self._weekly for s, e in intervals) / 3600
        return (
            f"<BusinessCalendar {self.timezone}: {open_hours:g} h/week, "
            f"{len(self._closed)} closed dates>"
        )

    # -- internals --------------------------------------------------------------------------
    #
    # Instants are integers: microseconds since 1970-01-01 UTC, so nothing is lost to floats.
    # A block (index k) covers local days with ordinals k*_BLOCK_DAYS + i for i in range
    # _BLOCK_DAYS and is a tuple (bounds, days, cum, first_open, last_open):
    #   bounds[i]  instant of local midnight (fold=0) opening day i; bounds[_BLOCK_DAYS] is
    #              the first midnight of the next block, so days tile the time line exactly;
    #   days[i]    sorted, disjoint (start, end) instants of day i's open intervals;
    #   cum[i]     open microseconds in days 0 .. i-1 (cum[-1] is the block's total);
    #   first_open / last_open  the first and last day index with open time, or None.

    def _block(self, index: int) -> tuple:
        """Return block ``index``, building it on first use."""
        block = self._blocks.get(index)
        if block is None:
            if len(self._blocks) >= _MAX_CACHED_BLOCKS:
                self._blocks.clear()
            block = self._blocks[index] = self._build_block(index)
        return block

    def _build_block(self, index: int) -> tuple:
        """Compute block ``index``: midnights, open spans and running totals of its days."""
        zone = self._zone
        base = index * _BLOCK_DAYS
        bounds = []
        for ordinal in range(base, base + _BLOCK_DAYS + 1):
            # Days outside date's range borrow the nearest valid date's offset; they are
            # always closed, so the value only bounds them.
            day = date.fromordinal(min(max(ordinal, 1), _MAX_ORDINAL))
            offset = datetime.combine(day, _MIDNIGHT, tzinfo=zone).utcoffset() // _ONE_US
            bounds.append((ordinal - _EPOCH_ORDINAL) * _DAY_US - offset)
        days = []
        cum = [0]
        total = 0
        for i in range(_BLOCK_DAYS):
            spans = self._day_spans(base + i, bounds[i], bounds[i + 1])
            days.append(spans)
            for start, end in spans:
                total += end - start
            cum.append(total)
        open_days = [i for i, spans in enumerate(days) if spans]
        first_open = open_days[0] if open_days else None
        last_open = open_days[-1] if open_days else None
        return bounds, days, cum, first_open, last_open

    def _day_spans(self, ordinal: int, day_start: int, day_end: int) -> tuple:
        """Return the open (start, end) instants of local day ``ordinal``, sorted and disjoint.

        Wall-clock times become instants with fold=0; ``day_start`` and ``day_end`` are the
        instants of the day's own midnight and the next one.
        """
        if not 1 <= ordinal <= _MAX_ORDINAL:
            return ()
        day = date.fromordinal(ordinal)
        if day in self._closed:
            return ()
        zone = self._zone
        local_midnight = (ordinal - _EPOCH_ORDINAL) * _DAY_US
        spans = []
        for start, start_clock, end, end_clock in self._clocks[day.weekday()]:
            offset = datetime.combine(day, start_clock, tzinfo=zone).utcoffset() // _ONE_US
            span_start = max(local_midnight + start - offset, day_start)
            if end_clock is None:
                span_end = day_end
            else:
                offset = datetime.combine(day, end_clock, tzinfo=zone).utcoffset() // _ONE_US
                span_end = min(local_midnight + end - offset, day_end)
            if span_start < span_end:
                spans.append((span_start, span_end))
        # fold=0 maps wall times in a spring gap an hour later than the times just after it,
        # so converted intervals can come out of order or overlapping.
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return tuple(merged)

    def _locate(self, us: int) -> tuple[int, tuple, int]:
        """Return (block index, block, day index) of the local day containing instant ``us``."""
        # The local date is within a day of the UTC date; bisecting the block's midnights
        # settles it, stepping to a neighbouring block when it lies across a block edge.
        index = (us // _DAY_US + _EPOCH_ORDINAL) // _BLOCK_DAYS
        while True:
            block = self._block(index)
            day = bisect_right(block[0], us) - 1
            if day < 0:
                index -= 1
            elif day >= _BLOCK_DAYS:
                index += 1
            else:
                return index, block, day

    def _seek(self, us: int, needed: int) -> int:
        """Return the earliest instant by which ``needed`` open microseconds follow ``us``.

        ``needed`` is positive; instants are microseconds since the epoch.  Raise ValueError
        when more than _MAX_SEARCH_DAYS days without open time lie in the way.
        """
        index, block, day = self._locate(us)
        target = _position(block, day, us) + needed
        last_open_ordinal = index * _BLOCK_DAYS + day
        while True:
            _bounds, days, cum, _first_open, last_open = block
            if target <= cum[-1]:
                # The first day whose running total reaches the target holds the answer.
                day = bisect_left(cum, target, day + 1) - 1
                spans = days[day]
                remaining = target - cum[day]
                k = 0
                while remaining > spans[k][1] - spans[k][0]:
                    remaining -= spans[k][1] - spans[k][0]
                    k += 1
                return spans[k][0] + remaining
            target -= cum[-1]
            if last_open is not None:
                last_open_ordinal = max(last_open_ordinal, index * _BLOCK_DAYS + last_open)
            index += 1
            day = 0
            block = self._block(index)
            first_open = block[3]
            reach = index * _BLOCK_DAYS + (_BLOCK_DAYS if first_open is None else first_open)
            if reach - last_open_ordinal > _MAX_SEARCH_DAYS:
                raise ValueError(
                    f"no open time within {_MAX_SEARCH_DAYS} days; "
                    "the closed dates (or the end of the supported date range) cover everything"
                )

    def _to_datetime(self, us: int) -> datetime:
        """Return microseconds since the epoch as an aware datetime in the calendar's zone."""
        try:
            return (_EPOCH + timedelta(microseconds=us)).astimezone(self._zone)
        except OverflowError as exc:
            raise ValueError("the result lies outside the range datetime supports") from exc


def _position(block: tuple, day: int, us: int) -> int:
    """Return the open microseconds from the block's first midnight up to instant ``us``.

    ``us`` must lie in local day ``day`` of the block.
    """
    position = block[2][day]
    for start, end in block[1][day]:
        if us <= start:
            break
        position += min(us, end) - start
    return position


def _instant_us(value: object, name: str) -> int:
    """Return an aware datetime as microseconds since the Unix epoch."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return (value - _EPOCH) // _ONE_US


def _parse_clock(value: object, weekday: int) -> int:
    """Return a "HH:MM" or "HH:MM:SS" wall-clock time (up to "24:00") in seconds after midnight."""
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"weekday {weekday}: {value!r} is not a clock time written 'HH:MM' or 'HH:MM:SS'"
        )
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if minutes > 59 or seconds > 59 or hours * 3600 + minutes * 60 + seconds > _DAY_SECONDS:
        raise ValueError(f"weekday {weekday}: {value!r} is not between 00:00 and 24:00")
    return hours * 3600 + minutes * 60 + seconds


def _clock_time(seconds: int) -> time:
    """Return seconds after midnight (below 24:00) as a wall-clock time."""
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def _format_clock(seconds: int) -> str:
    """Return seconds after midnight as "HH:MM", or "HH:MM:SS" when seconds are not zero."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02}:{minutes:02}:{seconds:02}" if seconds else f"{hours:02}:{minutes:02}"


def _merged_intervals(weekday: int, intervals: object) -> tuple[tuple[int, int], ...]:
    """Return a weekday's intervals as sorted, disjoint (start, end) seconds after midnight."""
    try:
        pairs = list(intervals)  # type: ignore[call-overload]
    except TypeError as exc:
        raise ValueError(f"weekday {weekday}: intervals must be a list of pairs") from exc
    parsed = []
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ValueError(f"weekday {weekday}: {pair!r} is not a (start, end) pair")
        start, end = _parse_clock(pair[0], weekday), _parse_clock(pair[1], weekday)
        if end <= start:
            raise ValueError(
                f"weekday {weekday}: interval {pair[0]}-{pair[1]} must end after it starts"
            )
        parsed.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(parsed):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _spec_date(value: object) -> object:
    """Return an ISO date string from a spec as a date; pass anything else on for checking."""
    if not isinstance(value, str):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"closed date {value!r} is not an ISO date like '2026-12-25'") from exc
