"""Reads of the rota, the provider's office hours and running escalations."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from oncall import rota as pure_rota
from oncall.models import (
    ChannelHealth,
    Escalation,
    EscalationState,
    OncallSettings,
    Page,
    Rota,
    RotaLayer,
    RotaMember,
    RotaOverride,
    current_escalation_q,
)
from ops.health import CheckResult
from sla.business_time import BusinessCalendar
from sla.calendars import calendar_spec, public_holidays
from sla.models import LiberationDay

# Used when no office calendar is chosen in the on-call settings (DOMAIN.md's default).
DEFAULT_OFFICE_TIMEZONE = "Europe/Amsterdam"
DEFAULT_OFFICE_HOURS = {str(day): [["08:30", "17:30"]] for day in range(5)}

# A step that fell due this long ago and is still not sent or given up is overdue.
DEFAULT_OVERDUE_AFTER = timedelta(minutes=2)
# A channel whose last own failure is older than this, with no success since, is no longer
# called failing: nothing went through it since, so nothing is known.
CHANNEL_FAILING_WINDOW = timedelta(hours=1)


def overdue_after() -> timedelta:
    """Return the grace after which the watchdog calls a step overdue (ONCALL_OVERDUE_SECONDS)."""
    seconds = getattr(settings, "ONCALL_OVERDUE_SECONDS", None)
    return timedelta(seconds=seconds) if seconds else DEFAULT_OVERDUE_AFTER


def oncall_settings() -> OncallSettings:
    """Return the on-call settings row, or unsaved defaults when nobody saved it yet."""
    row = (
        OncallSettings.objects.select_related("office_calendar", "policy", "duty_manager")
        .filter(pk=OncallSettings.SINGLETON_ID)
        .first()
    )
    return row if row is not None else OncallSettings(pk=OncallSettings.SINGLETON_ID)


@lru_cache(maxsize=8)
def _default_office_calendar(years: tuple[int, ...]) -> BusinessCalendar:
    closed = public_holidays(
        years=years,
        closed_on_public_holidays=True,
        closed_on_good_friday=False,
        liberation_day=LiberationDay.LUSTRUM,
    )
    return BusinessCalendar.from_spec(
        {
            "timezone": DEFAULT_OFFICE_TIMEZONE,
            "weekly_hours": DEFAULT_OFFICE_HOURS,
            "closed_dates": sorted(closed),
        }
    )


def office_calendar(*, row: OncallSettings, at: datetime) -> BusinessCalendar:
    """Return the provider's office hours around the aware instant ``at`` as a calendar.

    Its closed dates cover the local year of ``at`` and the years either side. Reads the
    calendar's closures with one query when a calendar is chosen.
    """
    calendar = row.office_calendar
    zone = ZoneInfo(calendar.timezone if calendar else DEFAULT_OFFICE_TIMEZONE)
    year = at.astimezone(zone).year
    years = (year - 1, year, year + 1)
    if calendar is None:
        return _default_office_calendar(years)
    return BusinessCalendar.from_spec(calendar_spec(calendar=calendar, years=years))


def office_is_open(*, at: datetime, row: OncallSettings | None = None) -> bool:
    """Return whether the provider's office is open at the aware instant ``at``.

    The "treat the office as closed" switch of the settings makes it closed at any time.
    """
    row = row if row is not None else oncall_settings()
    if row.office_closed:
        return False
    return office_calendar(row=row, at=at).is_open(at)


def rota_list() -> QuerySet[Rota]:
    """Return every rota with its layers, their members (with users) and overrides loaded."""
    members = RotaMember.objects.select_related("user").order_by("position", "pk")
    layers = RotaLayer.objects.prefetch_related(Prefetch("members", queryset=members)).order_by(
        "level", "pk"
    )
    overrides = RotaOverride.objects.select_related("user", "replaces").order_by("pk")
    return Rota.objects.prefetch_related(
        Prefetch("layers", queryset=layers), Prefetch("overrides", queryset=overrides)
    ).order_by("name")


def rota_as_pure(*, rota: Rota) -> pure_rota.Rota:
    """Return ``rota`` as ``oncall.rota`` sees it; load it through ``rota_list`` first."""
    return pure_rota.Rota(
        timezone=rota.timezone,
        layers=tuple(layer.to_pure() for layer in rota.layers.all()),
        overrides=tuple(override.to_pure() for override in rota.overrides.all()),
    )


def rota_who_is_on_call(*, rota: Rota, at: datetime) -> list[tuple[RotaLayer, pure_rota.Shift]]:
    """Return each layer of ``rota`` (by level) with the shift in force at the aware ``at``."""
    layers = {layer.pk: layer for layer in rota.layers.all()}
    return [
        (layers[shift.layer], shift) for shift in pure_rota.on_call_at(rota_as_pure(rota=rota), at)
    ]


def rota_timeline(
    *, rota: Rota, starts_at: datetime, ends_at: datetime
) -> list[tuple[RotaLayer, list[pure_rota.Shift]]]:
    """Return each layer of ``rota`` (by level) with its shifts from ``starts_at`` to ``ends_at``.

    Overrides included; the shifts tile the period. Load ``rota`` through ``rota_list``.
    """
    pure = rota_as_pure(rota=rota)
    return [
        (layer, pure_rota.layer_timeline(pure, layer.to_pure(), starts_at, ends_at))
        for layer in rota.layers.all()
    ]


def layer_on_call(*, layer_id: int, at: datetime) -> pure_rota.Shift | None:
    """Return the shift in force at ``at`` in the layer ``layer_id``, or None if it is gone."""
    rota = rota_list().filter(layers__pk=layer_id).first()
    if rota is None:
        return None
    for shift in pure_rota.on_call_at(rota_as_pure(rota=rota), at):
        if shift.layer == layer_id:
            return shift
    return None


def escalations_due(*, now: datetime, limit: int = 500) -> QuerySet:
    """Return (id, token) of up to ``limit`` paging escalations whose next move is due by ``now``.

    One range scan of the ``oncall_escalation_due`` index, earliest first.
    """
    return (
        Escalation.objects.filter(state=EscalationState.ACTIVE, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", "token")[:limit]
    )


def escalations_overdue(*, now: datetime, grace: timedelta | None = None) -> QuerySet[Escalation]:
    """Return the paging escalations whose current step is late or undeliverable at ``now``.

    A step that fell due more than ``grace`` ago was neither delivered nor given up in
    time: no worker ran it, its sender hangs, or no channel takes it. One whose page no
    channel took after all its attempts is returned at once (``undeliverable_since``).
    Oldest first, with the issue and its client joined.
    """
    grace = grace if grace is not None else overdue_after()
    return (
        Escalation.objects.filter(state=EscalationState.ACTIVE)
        .filter(Q(step_due_at__lt=now - grace) | Q(undeliverable_since__isnull=False))
        .select_related("issue", "issue__client")
        .order_by("step_due_at", "pk")
    )


def escalations_ended_undeliverable() -> QuerySet[Escalation]:
    """Return the escalations that ended without delivering a page, while the issue needs one."""
    return Escalation.objects.filter(
        state=EscalationState.UNDELIVERABLE, released_at__isnull=True
    ).select_related("issue")


def channel_is_failing(*, channel: str, now: datetime) -> bool:
    """Return whether ``channel`` failed itself lately and has not delivered since."""
    return ChannelHealth.objects.filter(
        channel=channel,
        failing_since__isnull=False,
        last_failure_at__gte=now - CHANNEL_FAILING_WINDOW,
    ).exists()


def check_channels(*, now: datetime) -> CheckResult:
    """Return a readiness check that fails while a paging channel is failing at ``now``.

    ``values`` hold the names of the failing channels and for how many seconds each has.
    """
    try:
        failing = list(
            ChannelHealth.objects.filter(
                failing_since__isnull=False, last_failure_at__gte=now - CHANNEL_FAILING_WINDOW
            ).order_by("channel")
        )
    except Exception as exc:  # noqa: BLE001 - a readiness check reports, never raises
        return CheckResult(False, f"{type(exc).__name__}: {exc}")
    if not failing:
        return CheckResult(True, "every paging channel delivers", {"failing_channels": {}})
    seconds = {h.channel: int((now - h.failing_since).total_seconds()) for h in failing}
    detail = "; ".join(
        f"{h.channel} failing for {seconds[h.channel]} s: {h.last_error}" for h in failing
    )
    return CheckResult(False, detail, {"failing_channels": seconds})


def check_escalations(*, now: datetime) -> CheckResult:
    """Return a readiness check that fails while any escalation step is overdue at ``now``.

    ``values`` hold how many steps are overdue and by how many seconds the oldest is.
    """
    try:
        overdue = escalations_overdue(now=now)
        oldest = list(overdue[:5])
        count = overdue.count() if oldest else 0
        undeliverable = overdue.filter(undeliverable_since__isnull=False).count() if oldest else 0
        ended = list(escalations_ended_undeliverable()[:5])
    except Exception as exc:  # noqa: BLE001 - a readiness check reports, never raises
        return CheckResult(False, f"{type(exc).__name__}: {exc}")
    values = {
        "overdue_steps": count,
        "oldest_overdue_seconds": (
            int((now - oldest[0].step_due_at).total_seconds()) if oldest else 0
        ),
        "undeliverable": undeliverable + len(ended),
    }
    if not oldest and not ended:
        return CheckResult(True, "no escalation step is overdue", values)
    late = [
        f"{e.issue.reference} step {e.step_index + 1} "
        f"({int((now - e.step_due_at).total_seconds())} s late"
        f"{', undeliverable' if e.undeliverable_since else ''})"
        for e in oldest
    ]
    late += [f"{e.issue.reference} ended undeliverable" for e in ended]
    return CheckResult(False, f"overdue pages: {', '.join(late)}", values)


def escalation_current(*, issue_id: int, lock: bool = False) -> Escalation | None:
    """Return the issue's current escalation: paging, or ended unanswered while the need lasts.

    ``lock`` locks the row for the caller's transaction.
    """
    escalations = Escalation.objects.filter(issue_id=issue_id).filter(current_escalation_q())
    if lock:
        escalations = escalations.select_for_update()
    return escalations.first()


def issue_ids_paged_to(*, user_id: int) -> QuerySet:
    """Return the ids of the issues about which ``user_id`` was paged while on call."""
    return Page.objects.filter(recipient_id=user_id, sent_at__isnull=False).values(
        "escalation__issue_id"
    )


def escalation_paged_user(*, issue_id: int, user_id: int) -> bool:
    """Return whether a page about issue ``issue_id`` was sent, or is being sent, to ``user_id``.

    A claimed page counts: the mail can reach the engineer, who may acknowledge it, before
    the worker has recorded the send.
    """
    return (
        Page.objects.filter(escalation__issue_id=issue_id, recipient_id=user_id)
        .filter(Q(sent_at__isnull=False) | Q(claimed_at__isnull=False))
        .exists()
    )


def escalation_list_for_issue(*, issue_id: int) -> QuerySet[Escalation]:
    """Return the escalations of an issue, newest first, with their pages and recipients."""
    pages = Page.objects.select_related("recipient").order_by("step_index")
    return (
        Escalation.objects.filter(issue_id=issue_id)
        .select_related("acknowledged_by", "policy")
        .prefetch_related(Prefetch("pages", queryset=pages))
        .order_by("-started_at", "-pk")
    )


@dataclass(frozen=True)
class PagingSeenByClient:
    """What a client may know of the paging of its issue: when, and whether it was taken.

    ``alerted`` and ``acknowledged_by`` are the engineers' names, to be shown only when
    the provider allows it.
    """

    alerted_at: datetime
    alerted: str
    acknowledged_at: datetime | None
    acknowledged_by: str


def paging_for_client(*, issue_id: int) -> PagingSeenByClient | None:
    """Return the latest paging of an issue that reached someone, or None. Two queries."""
    for escalation in escalation_list_for_issue(issue_id=issue_id):
        sent = [page for page in escalation.pages.all() if page.sent_at is not None]
        if not sent:
            continue
        first = min(sent, key=lambda page: page.sent_at)
        acknowledged = escalation.state == EscalationState.ACKNOWLEDGED
        return PagingSeenByClient(
            alerted_at=first.sent_at,
            alerted=str(first.recipient),
            acknowledged_at=escalation.ended_at if acknowledged else None,
            acknowledged_by=str(escalation.acknowledged_by or "") if acknowledged else "",
        )
    return None


@dataclass(frozen=True)
class TimelineCell:
    """One cell of the schedule's timeline row: a person's stretch, ``span`` hours wide."""

    span: int
    user_id: int | None
    name: str
    is_override: bool
    colour: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class TimelineDay:
    span: int
    day: date


@dataclass(frozen=True)
class LayerSchedule:
    layer: RotaLayer
    now: pure_rota.Shift
    now_name: str
    # (shift, who is on call, whom the rotation names)
    shifts: list[tuple[pure_rota.Shift, str, str]]
    cells: list[TimelineCell]


@dataclass(frozen=True)
class RotaSchedule:
    """A rota's shifts from ``starts_at`` (local midnight) up to ``ends_at``, for the page."""

    rota: Rota
    starts_at: datetime
    ends_at: datetime
    hours: int
    now_hour: int
    days: list[TimelineDay]
    layers: list[LayerSchedule]


def _hour(start: datetime, at: datetime) -> int:
    # In UTC: Python subtracts two datetimes that share a tzinfo by wall clock.
    return round((at.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600)


def _rota_names(rota: Rota) -> dict[int, str]:
    names = {}
    for layer in rota.layers.all():
        names.update({m.user_id: str(m.user) for m in layer.members.all()})
    for override in rota.overrides.all():
        names[override.user_id] = str(override.user)
    return names


@dataclass(frozen=True)
class OnCallNow:
    """Who is on call in one layer of a rota at a moment, and until when (aware)."""

    rota: str
    layer: str
    level: int
    name: str
    until: datetime


def on_call_now(*, now: datetime) -> list[OnCallNow]:
    """Return who is on call at ``now`` in every layer of every rota, by rota and level.

    A fixed number of queries (those of ``rota_list``), however many rotas there are.
    """
    result = []
    for rota in rota_list():
        names = _rota_names(rota)
        for layer, shift in rota_who_is_on_call(rota=rota, at=now):
            result.append(
                OnCallNow(
                    rota=rota.name,
                    layer=layer.name,
                    level=layer.level,
                    name=names.get(shift.user, "-"),
                    until=shift.ends_at,
                )
            )
    return result


def rota_schedule(*, rota: Rota, now: datetime, days: int = 14) -> RotaSchedule:
    """Return who is on call at ``now`` and in the ``days`` local days from today's midnight.

    The timeline is in whole real hours (a DST day has 23 or 25); bounds round to the
    nearest hour, the shift list keeps exact times. Load ``rota`` through ``rota_list``.
    """
    zone = ZoneInfo(rota.timezone)
    today = now.astimezone(zone).date()
    starts_at = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    ends_at = datetime.combine(today + timedelta(days=days), datetime.min.time(), tzinfo=zone)
    names = _rota_names(rota)
    colours: dict[int | None, int] = {}
    pure = rota_as_pure(rota=rota)
    current = {shift.layer: shift for shift in pure_rota.on_call_at(pure, now)}
    layers = []
    for layer in rota.layers.all():
        shifts = pure_rota.layer_timeline(pure, layer.to_pure(), starts_at, ends_at)
        cells = []
        for shift in shifts:
            span = _hour(starts_at, shift.ends_at) - _hour(starts_at, shift.starts_at)
            if span <= 0:
                continue
            colour = colours.setdefault(shift.user, len(colours) % 6)
            cells.append(
                TimelineCell(
                    span=span,
                    user_id=shift.user,
                    name=names.get(shift.user, "-"),
                    is_override=shift.is_override,
                    colour=colour,
                    starts_at=shift.starts_at,
                    ends_at=shift.ends_at,
                )
            )
        now_shift = current[layer.pk]
        layers.append(
            LayerSchedule(
                layer=layer,
                now=now_shift,
                now_name=names.get(now_shift.user, "-"),
                shifts=[
                    (shift, names.get(shift.user, "-"), names.get(shift.scheduled_user, "-"))
                    for shift in shifts
                ],
                cells=cells,
            )
        )
    timeline_days = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        day_start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        day_end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        timeline_days.append(
            TimelineDay(span=_hour(starts_at, day_end) - _hour(starts_at, day_start), day=day)
        )
    return RotaSchedule(
        rota=rota,
        starts_at=starts_at,
        ends_at=ends_at,
        hours=_hour(starts_at, ends_at),
        now_hour=min(max(_hour(starts_at, now), 0), _hour(starts_at, ends_at)),
        days=timeline_days,
        layers=layers,
    )
