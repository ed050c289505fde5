"""Plain-words descriptions of what an agreement promises for each priority level."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from paqt_support.dates import when_long
from sla import policy
from sla.calendars import target_snapshot
from tickets.choices import Priority

BUSINESS_DAY_MINUTES = 8 * 60


def support_hours_text(weekly_hours: dict[str, list[list[str]]]) -> str:
    """Return a support-hours calendar's week in words: "Mon-Fri 08:30-17:00", with en dashes.

    Consecutive days with the same hours share one range; days with several periods list
    them all ("Mon 08:00-12:00, 13:00-17:00"). Keys are weekdays, 0 for Monday.
    """
    groups: list[tuple[int, int, str]] = []
    for day in range(7):
        periods = weekly_hours.get(str(day)) or []
        if not periods:
            continue
        hours = ", ".join(f"{start}\N{EN DASH}{end}" for start, end in periods)
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == hours:
            groups[-1] = (groups[-1][0], day, hours)
        else:
            groups.append((day, day, hours))
    return "; ".join(
        f"{WEEKDAYS_ABBR[first]} {hours}"
        if first == last
        else f"{WEEKDAYS_ABBR[first]}\N{EN DASH}{WEEKDAYS_ABBR[last]} {hours}"
        for first, last, hours in groups
    )


def _hours_and_minutes(minutes: int, *, business: bool) -> str:
    hours, rest = divmod(minutes, 60)
    if business:
        hours_text = ngettext("%(n)d business hour", "%(n)d business hours", hours)
    else:
        hours_text = ngettext("%(n)d hour", "%(n)d hours", hours)
    minutes_text = ngettext("%(n)d minute", "%(n)d minutes", rest)
    if not hours:
        return minutes_text % {"n": rest}
    if not rest:
        return hours_text % {"n": hours}
    return _("%(hours)s and %(minutes)s") % {
        "hours": hours_text % {"n": hours},
        "minutes": minutes_text % {"n": rest},
    }


def duration_text(minutes: int, *, round_the_clock: bool = False) -> str:
    """Return ``minutes`` as a person says it: "30 minutes", "4 business hours", "2 business days".

    Business minutes count only support hours, and a business day has 8 of them; whole
    business days read as days, anything else as hours. Round-the-clock minutes are
    plain clock time.
    """
    if round_the_clock:
        return _hours_and_minutes(minutes, business=False)
    if minutes >= BUSINESS_DAY_MINUTES and minutes % BUSINESS_DAY_MINUTES == 0:
        days = minutes // BUSINESS_DAY_MINUTES
        return ngettext("%(n)d business day", "%(n)d business days", days) % {"n": days}
    return _hours_and_minutes(minutes, business=True)


@dataclass(frozen=True)
class PriorityOffer:
    """One priority level an agreement offers, with its promise in words."""

    priority: str
    label: str
    meaning: str
    response: str
    resolution: str
    round_the_clock: bool
    response_due_at: datetime | None = None
    support_hours: str = ""
    response_minutes: int = 0

    @property
    def response_sentence(self) -> str:
        if self.round_the_clock:
            return _("We respond within %(duration)s, day and night (24/7).") % {
                "duration": self.response
            }
        if self.support_hours:
            # "4 hours within business hours (Mon-Fri 08:30-17:00)" says what "4 business
            # hours" means on the client's own calendar.
            return _("We respond within %(duration)s within business hours (%(hours)s).") % {
                "duration": _hours_and_minutes(self.response_minutes, business=False),
                "hours": self.support_hours,
            }
        return _("We respond within %(duration)s.") % {"duration": self.response}

    @property
    def expected_sentence(self) -> str:
        """Return when the first response is due if the issue is filed at the offer's moment."""
        if self.response_due_at is None:
            return self.response_sentence
        when = when_long(self.response_due_at)
        return _("Filed now, you can expect our first response by %(when)s.") % {"when": when}

    @property
    def resolution_sentence(self) -> str:
        if not self.resolution:
            return _("The time to solve it is agreed per request.")
        return _("We aim to solve it within %(duration)s.") % {"duration": self.resolution}


def response_due_at(*, target, now: datetime) -> datetime:
    """Return when a first response would be due for an issue filed at ``now`` under ``target``.

    It is the due time the SLA engine gives a clock started at ``now``: support hours,
    holidays and closures included.
    """
    snapshot = target_snapshot(target=target, at=now)
    clock = policy.clock_start(
        calendar=policy.calendar_from_spec(snapshot["calendar"]),
        target_seconds=target.first_response_minutes * 60,
        now=now,
    )
    return clock.due_at


def priority_offers(targets, *, now: datetime | None = None) -> list[PriorityOffer]:
    """Return the agreement's ``targets`` (``PriorityTarget`` rows) as offers, P1 first.

    With ``now``, each offer also knows when its first response would be due.
    """
    offers = []
    for target in sorted(targets, key=lambda t: t.priority):
        round_the_clock = target.is_round_the_clock
        offers.append(
            PriorityOffer(
                priority=target.priority,
                label=str(Priority(target.priority).label),
                meaning=target.description,
                response=duration_text(
                    target.first_response_minutes, round_the_clock=round_the_clock
                ),
                resolution=(
                    duration_text(target.resolution_minutes, round_the_clock=round_the_clock)
                    if target.resolution_minutes
                    else ""
                ),
                round_the_clock=round_the_clock,
                response_due_at=response_due_at(target=target, now=now) if now else None,
                support_hours=support_hours_text(target.agreement.calendar.weekly_hours),
                response_minutes=target.first_response_minutes,
            )
        )
    return offers
