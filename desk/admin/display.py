"""How the admin shows SLA clocks, durations and history lines, in words a person reads."""

from datetime import datetime, timedelta
from functools import lru_cache

from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from oncall.policy import END_REASON_LABELS
from paqt_support.dates import when_long, when_short
from sla.models import ClockKind, SlaClock
from sla.policy import HEALTH_LABELS, ClockHealth, Health
from tickets.choices import Priority, Status
from tickets.models import EventKind, IssueEvent

# Shown where there is no value.
EMPTY = "\N{EN DASH}"


@lru_cache(maxsize=64)
def _labels(choices, language: str) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices.choices}


def labels(choices) -> dict[str, str]:
    """Return the words for each value of a ``TextChoices``, translated once per language.

    A queue page shows hundreds of labels; translating each one anew is a measurable
    share of the page's time.
    """
    return _labels(choices, translation.get_language())


@lru_cache(maxsize=8)
def _words(language: str) -> dict[str, str]:
    return {
        "hours": _("%(hours)dh %(minutes)02dm"),
        "minutes": _("%(minutes)dm"),
        "left": _("%(time)s left"),
        "over": _("%(time)s over"),
        "due": _("due %(when)s"),
        "business_hours": _("business hours"),
        "round_the_clock": _("24/7"),
        "due_on_clock": _("Deadline %(when)s, counted in %(clock)s"),
        "days_short": _("%(days)dd"),
        "hours_short": _("%(hours)dh"),
        **{health.value: str(label) for health, label in HEALTH_LABELS.items()},
    }


def duration_text(duration: timedelta) -> str:
    """Return a duration as hours and minutes ("3h 05m", "45m"), ignoring its sign."""
    words = _words(translation.get_language())
    minutes = abs(int(duration.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return words["hours"] % {"hours": hours, "minutes": minutes}
    return words["minutes"] % {"minutes": minutes}


def age_text(duration: timedelta) -> str:
    """Return how long ago something happened in its largest whole unit: "3d", "5h", "12m"."""
    words = _words(translation.get_language())
    minutes = max(int(duration.total_seconds()), 0) // 60
    if minutes >= 24 * 60:
        return words["days_short"] % {"days": minutes // (24 * 60)}
    if minutes >= 60:
        return words["hours_short"] % {"hours": minutes // 60}
    return words["minutes"] % {"minutes": minutes}


def countdown_text(health: ClockHealth) -> str:
    """Return the business time a clock has left, or by how much it went over.

    Empty for a clock that met its target, and for one stopped in breach within it.
    """
    words = _words(translation.get_language())
    if health.status == Health.MET:
        return ""
    if health.remaining < timedelta(0):
        return words["over"] % {"time": duration_text(health.remaining)}
    if health.status == Health.BREACHED:
        return ""
    return words["left"] % {"time": duration_text(health.remaining)}


def clock_words(*, round_the_clock: bool) -> str:
    """Return which clock a countdown counts on: the agreement's business hours or 24/7."""
    words = _words(translation.get_language())
    return words["round_the_clock" if round_the_clock else "business_hours"]


def sla_badge(health: ClockHealth | None, *, round_the_clock: bool = False) -> SafeString:
    """Return a clock's countdown coloured by its health, its state, and which clock it is on.

    The title holds the deadline as a date and time: a countdown in business hours on a
    Sunday reads as a lie without it.
    """
    if health is None:
        return format_html('<span class="sla sla--none">{}</span>', EMPTY)
    words = _words(translation.get_language())
    clock = clock_words(round_the_clock=round_the_clock)
    due = (
        words["due_on_clock"] % {"when": when_long(health.due_at), "clock": clock}
        if health.due_at is not None and health.status != Health.MET
        else ""
    )
    return format_html(
        '<span class="sla sla--{}" title="{}">'
        '<span class="sla__state">{}</span><span class="sla__time">{}</span>'
        '<span class="sla__clock">{}</span></span>',
        health.status.value,
        due,
        words[health.status.value],
        countdown_text(health),
        "" if health.status == Health.MET else clock,
    )


def clock_badge(clock: SlaClock | None, *, now: datetime) -> SafeString:
    """Return ``sla_badge`` of a clock at ``now``, on the clock its snapshot counts on."""
    if clock is None:
        return sla_badge(None)
    return sla_badge(
        clock.health(now), round_the_clock=bool(clock.snapshot.get("is_round_the_clock"))
    )


def _label(choices, value) -> str:
    return choices(value).label if value in choices.values else str(value or EMPTY)


def _local(value: str | None) -> str:
    if not value:
        return EMPTY
    return when_short(datetime.fromisoformat(value))


def event_summary(event: IssueEvent) -> SafeString:
    """Return the details of one history line: what changed, from what, to what."""
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.CREATED:
        return format_html(_("with priority {}"), _label(Priority, data.get("priority")))
    if kind == EventKind.STATUS_CHANGED:
        text = format_html(
            "{} → {}", _label(Status, data.get("from")), _label(Status, data.get("to"))
        )
        if data.get("merged_into_id"):
            url = reverse("admin:tickets_issue_change", args=[data["merged_into_id"]])
            return format_html(
                '{} ({} <a href="{}">{}</a>)', text, _("merged into"), url, data["merged_into"]
            )
        return text
    if kind == EventKind.PRIORITY_CHANGED:
        return format_html(
            "{} → {}: {}",
            _label(Priority, data.get("from")),
            _label(Priority, data.get("to")),
            data.get("reason", ""),
        )
    if kind == EventKind.ASSIGNED:
        return format_html("→ {}", data.get("name") or _("nobody"))
    if kind in (EventKind.COMMENTED, EventKind.NOTE_ADDED) and data.get("comment"):
        return format_html('<a href="#comment-{}">{}</a>', data["comment"], _("read"))
    if kind == EventKind.ATTACHMENT_ADDED:
        return format_html("{}", data.get("name", ""))
    if kind in (EventKind.WATCHER_ADDED, EventKind.WATCHER_REMOVED):
        return format_html("{}", data.get("name", ""))
    if kind == EventKind.SLA_STARTED:
        return format_html(
            "{}: {}, {}: {}",
            _("first response due"),
            _local(data.get("response_due_at")),
            _("resolution due"),
            _local(data.get("resolution_due_at")),
        )
    if kind == EventKind.AGREEMENT_CHANGED:
        return format_html("→ {}", data.get("name", ""))
    if kind in (
        EventKind.ESCALATION_CANCELLED,
        EventKind.ESCALATION_EXHAUSTED,
        EventKind.ESCALATION_UNDELIVERABLE,
    ):
        reason = data.get("reason", "")
        return format_html(
            "{}{}",
            END_REASON_LABELS.get(reason, reason),
            format_html(" ({})", data["error"]) if data.get("error") else "",
        )
    if kind == EventKind.ESCALATION_STARTED:
        return format_html("{}: {}", _("policy"), data.get("policy", ""))
    if kind in (EventKind.PAGE_SENT, EventKind.PAGE_FAILED):
        return format_html(
            "{} {}: {}{}{}",
            _("step"),
            data.get("step", ""),
            data.get("recipient") or _("nobody"),
            format_html(" {} {}", _("by"), data["channel"]) if data.get("channel") else "",
            format_html(" ({})", data["error"]) if data.get("error") else "",
        )
    if kind == EventKind.ESCALATION_ACKNOWLEDGED:
        return format_html("{}", data.get("name", ""))
    if kind in (EventKind.SLA_AT_RISK, EventKind.SLA_BREACHED):
        return format_html(
            "{}, {} {}",
            _label(ClockKind, data.get("clock")),
            _("due"),
            _local(data.get("due_at")),
        )
    return format_html("{}", "")
