"""Who is on call at an instant: layers of engineers that rotate at local wall-clock handoffs.

Pure Python: aware datetimes in, aware UTC datetimes out, no clock and no database. A layer
hands over every ``shift_days`` local days at ``handoff_time`` in the rota's time zone, so a
weekly shift that spans a daylight-saving change lasts 167 or 169 hours. Overrides let one
person cover a period for someone else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

__all__ = ["Layer", "Override", "Rota", "Shift", "handoff_at", "layer_timeline", "on_call_at"]


@dataclass(frozen=True)
class Layer:
    """One rotation of people, e.g. the primary or the secondary on call.

    ``key`` identifies the layer (its database id) and ``level`` orders the layers (1 is
    the primary). ``members`` holds user ids in rotation order. Shift ``n`` (any integer, so
    the rotation also runs backwards in time) starts at local ``handoff_time`` on the local
    date ``first_handoff_on + n * shift_days`` and belongs to ``members[n % len(members)]``.
    """

    key: int
    name: str
    level: int
    members: tuple[int, ...]
    first_handoff_on: date
    handoff_time: time
    shift_days: int = 7

    def __post_init__(self) -> None:
        if self.shift_days < 1:
            raise ValueError("a shift lasts at least one day")


@dataclass(frozen=True)
class Override:
    """``user`` is on call instead of the rotation from ``starts_at`` up to ``ends_at``.

    ``layer`` limits the override to one layer and ``replaces`` to the shifts of one
    person; None means any. When several overrides apply at once the highest ``key`` (the
    most recently made) wins.
    """

    key: int
    user: int
    starts_at: datetime
    ends_at: datetime
    layer: int | None = None
    replaces: int | None = None

    def __post_init__(self) -> None:
        # Kept in UTC: Python compares two datetimes that share a tzinfo by wall clock.
        object.__setattr__(self, "starts_at", _utc(self.starts_at, "starts_at"))
        object.__setattr__(self, "ends_at", _utc(self.ends_at, "ends_at"))
        if self.ends_at <= self.starts_at:
            raise ValueError("an override must end after it starts")


@dataclass(frozen=True)
class Rota:
    """The layers of a rota, its IANA time zone and the overrides that touch it."""

    timezone: str
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Shift:
    """Who is on call in one layer from ``starts_at`` up to (excluding) ``ends_at``, in UTC.

    ``user`` is None when the layer has no members and no override covers it.
    ``scheduled_user`` is whom the rotation names; ``override`` is the key of the override
    that replaced them, or None.
    """

    layer: int
    level: int
    user: int | None
    scheduled_user: int | None
    override: int | None
    starts_at: datetime
    ends_at: datetime

    @property
    def is_override(self) -> bool:
        return self.override is not None


def _utc(at: datetime, name: str) -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {at!r}")
    return at.astimezone(UTC)


def handoff_at(layer: Layer, zone: ZoneInfo, n: int) -> datetime:
    """Return the UTC instant at which shift ``n`` of ``layer`` starts.

    The wall-clock time is read with ``fold=0``: a handoff time that occurs twice (autumn)
    means its first occurrence, and one that does not exist (spring) is read with the
    offset before the change, an hour later on the clock.
    """
    day = layer.first_handoff_on + timedelta(days=n * layer.shift_days)
    return datetime.combine(day, layer.handoff_time, tzinfo=zone).astimezone(UTC)


def _shift_index(layer: Layer, zone: ZoneInfo, at: datetime) -> int:
    """Return the number of the shift of ``layer`` that contains the UTC instant ``at``."""
    local_day = at.astimezone(zone).date()
    # The shift that started on or before the local date, or the one after it when ``at``
    # is past that one's handoff (also when a handoff in a DST gap moved past midnight);
    # step back until the handoff is not after ``at``.
    n = (local_day - layer.first_handoff_on).days // layer.shift_days + 1
    while handoff_at(layer, zone, n) > at:
        n -= 1
    return n


def _scheduled(layer: Layer, n: int) -> int | None:
    return layer.members[n % len(layer.members)] if layer.members else None


def _winner(overrides: list[Override], at: datetime) -> Override | None:
    """Return the most recent of ``overrides`` in force at ``at``; they all apply otherwise."""
    in_force = [o for o in overrides if o.starts_at <= at < o.ends_at]
    return max(in_force, key=lambda override: override.key, default=None)


def _layer_pieces(rota: Rota, layer: Layer, start: datetime, end: datetime) -> list[Shift]:
    """Return the shifts of ``layer`` that overlap ``[start, end)``, unclipped and merged."""
    zone = rota.zone
    n = _shift_index(layer, zone, start)
    pieces: list[Shift] = []
    while True:
        shift_start, shift_end = handoff_at(layer, zone, n), handoff_at(layer, zone, n + 1)
        if shift_start >= end:
            break
        scheduled = _scheduled(layer, n)
        overrides = [
            o
            for o in rota.overrides
            if o.starts_at < shift_end
            and o.ends_at > shift_start
            and o.layer in (None, layer.key)
            and o.replaces in (None, scheduled)
        ]
        cuts = {shift_start, shift_end}
        for override in overrides:
            cuts.update((override.starts_at, override.ends_at))
        bounds = sorted(t for t in cuts if shift_start <= t <= shift_end)
        for piece_start, piece_end in pairwise(bounds):
            winner = _winner(overrides, piece_start)
            piece = Shift(
                layer=layer.key,
                level=layer.level,
                user=winner.user if winner else scheduled,
                scheduled_user=scheduled,
                override=winner.key if winner else None,
                starts_at=piece_start,
                ends_at=piece_end,
            )
            last = pieces[-1] if pieces else None
            if (
                last is not None
                and last.ends_at == piece.starts_at
                and (last.user, last.scheduled_user, last.override)
                == (piece.user, piece.scheduled_user, piece.override)
            ):
                pieces[-1] = replace(last, ends_at=piece.ends_at)
            else:
                pieces.append(piece)
        n += 1
    return [p for p in pieces if p.ends_at > start and p.starts_at < end]


def on_call_at(rota: Rota, at: datetime) -> list[Shift]:
    """Return, per layer ordered by level, the shift in force at the aware instant ``at``.

    Each shift's bounds are those of the rotation shift, narrowed where an override starts
    or ends inside it.
    """
    at = _utc(at, "at")
    answer = []
    for layer in sorted(rota.layers, key=lambda item: (item.level, item.key)):
        pieces = _layer_pieces(rota, layer, at, at + timedelta(microseconds=1))
        answer.append(next(p for p in pieces if p.starts_at <= at < p.ends_at))
    return answer


def layer_timeline(rota: Rota, layer: Layer, start: datetime, end: datetime) -> list[Shift]:
    """Return the shifts of ``layer`` from ``start`` up to ``end``, clipped to that window.

    The shifts tile the window without gaps or overlaps; neighbours that name the same
    person in the same way are merged.
    """
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return []
    return [
        replace(piece, starts_at=max(piece.starts_at, start), ends_at=min(piece.ends_at, end))
        for piece in _layer_pieces(rota, layer, start, end)
    ]
