"""The yearly evaluation of the service to one client: compliance, volume, times, breaches.

The report the provider and the client read together once a year (ISO 27001 asks for
it). Every figure comes from facts that later changes leave alone: a clock's verdict and
``missed_at``, the timeline's priority changes, the escalations and the monitoring alerts.
"""

import math
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.services import audited
from clients.models import Client
from monitoring.models import MonitoringAlert
from oncall.models import Escalation, EscalationState
from paqt_support.exceptions import ApplicationError
from sla.models import ClockKind, SlaClock
from sla.policy import Verdict, clock_missed_at, clock_verdict
from sla.selectors import ReportTally
from tickets.choices import Category, Priority
from tickets.models import EventKind, Issue, IssueEvent

TOP_COMPONENTS = 5
# A longer period makes a report nobody reads and a query nobody waits for.
MAX_PERIOD_DAYS = 3 * 366
# The years the evaluation's addresses take; they also keep the previous period, as long
# as the chosen one and before it, within the calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2999


class PeriodError(ApplicationError):
    """A chosen period that cannot be evaluated."""

    code = "invalid-period"


def evaluation_period_check(*, first_day: date, last_day: date) -> None:
    """Raise ``PeriodError`` unless the local dates ``first_day`` to ``last_day`` (included) fit."""
    if last_day < first_day:
        raise PeriodError(_("The period ends before it starts."), field="ends_on")
    if (last_day - first_day).days >= MAX_PERIOD_DAYS:
        raise PeriodError(_("Choose a period of at most three years."), field="ends_on")
    if first_day.year < FIRST_YEAR or last_day.year > LAST_YEAR:
        raise PeriodError(
            _("Choose a period from the year %(first)s up to %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            field="starts_on",
        )


@dataclass(frozen=True)
class Distribution:
    """Durations in whole minutes: how many, their median and 90th percentile (nearest rank)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, minutes: list[float]) -> "Distribution":
        if not minutes:
            return cls(count=0, median=None, p90=None)
        ordered = sorted(minutes)
        return cls(
            count=len(ordered),
            median=statistics.median(ordered),
            p90=ordered[math.ceil(0.9 * len(ordered)) - 1],
        )


@dataclass(frozen=True)
class ComplianceLine:
    """Verdicts of the first-response and resolution clocks of one month or one priority."""

    label: str
    issues: int
    response: ReportTally
    resolution: ReportTally


@dataclass(frozen=True)
class Reprioritisation:
    at: datetime
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class Breach:
    """A clock that ran out of its target, with the priority changes of its issue."""

    issue: Issue
    kind: str
    missed_at: datetime
    reprioritisations: list[Reprioritisation]


@dataclass(frozen=True)
class PagingLine:
    """One escalation: when it started, and when someone acknowledged it (or why it ended)."""

    issue: Issue
    started_at: datetime
    acknowledged_at: datetime | None
    end_reason: str

    @property
    def minutes_to_acknowledge(self) -> float | None:
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.started_at).total_seconds() / 60


@dataclass(frozen=True)
class Evaluation:
    """The evaluation of ``client`` over the local dates ``starts_on`` up to ``ends_on``.

    ``ends_on`` is exclusive; the previous period is as long and ends where this starts.
    Issues count in the period they were filed in; merged duplicates count nowhere.
    """

    client: Client
    starts_on: date
    ends_on: date
    months: list[ComplianceLine]
    priorities: list[ComplianceLine]
    total: ComplianceLine
    by_category: list[tuple[str, int]]
    by_component: list[tuple[str, int]]
    response_times: Distribution
    resolution_times: Distribution
    previous_response_times: Distribution
    previous_resolution_times: Distribution
    breaches: list[Breach]
    reprioritised: int
    paging: list[PagingLine]
    alerts_opened: int
    alerts_resolved: int
    alert_resolution_times: Distribution
    previous_starts_on: date = field(default=date.min)

    @property
    def top_components(self) -> list[tuple[str, int]]:
        return self.by_component[:TOP_COMPONENTS]

    @property
    def acknowledge_times(self) -> Distribution:
        return Distribution.of(
            [m for line in self.paging if (m := line.minutes_to_acknowledge) is not None]
        )


def _bounds(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_default_timezone())


def _minutes(clock: SlaClock) -> float:
    return (clock.stopped_at - clock.started_at).total_seconds() / 60


def _issues(client: Client, starts_at: datetime, ends_at: datetime):
    return (
        audited(Issue.objects.all(), client_id=client.pk)
        .filter(client=client, created_at__gte=starts_at, created_at__lt=ends_at)
        .filter(merged_into__isnull=True)
        .only(
            "pk",
            "reference",
            "title",
            "priority",
            "category",
            "component",
            "status",
            "created_at",
            "client_id",
        )
        .prefetch_related(Prefetch("sla_clocks", queryset=SlaClock.objects.defer("snapshot")))
        .order_by("created_at", "pk")
    )


def _times(issues) -> tuple[Distribution, Distribution]:
    response, resolution = [], []
    for issue in issues:
        for clock in issue.sla_clocks.all():
            if clock.stopped_at is None:
                continue
            (response if clock.kind == ClockKind.RESPONSE else resolution).append(_minutes(clock))
    return Distribution.of(response), Distribution.of(resolution)


def _line(label: str, verdicts: list[tuple[str, Verdict]], issues: int) -> ComplianceLine:
    response = resolution = ReportTally()
    for kind, verdict in verdicts:
        tally = ReportTally(
            met=verdict == Verdict.MET,
            breached=verdict == Verdict.BREACHED,
            pending=verdict == Verdict.PENDING,
        )
        if kind == ClockKind.RESPONSE:
            response = _plus(response, tally)
        else:
            resolution = _plus(resolution, tally)
    return ComplianceLine(label=label, issues=issues, response=response, resolution=resolution)


def _plus(a: ReportTally, b: ReportTally) -> ReportTally:
    return ReportTally(
        met=a.met + b.met, breached=a.breached + b.breached, pending=a.pending + b.pending
    )


def _month_starts(starts_on: date, ends_on: date) -> list[date]:
    months, day = [], starts_on.replace(day=1)
    while day < ends_on:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def sla_evaluation(*, client: Client, starts_on: date, ends_on: date, now: datetime) -> Evaluation:
    """Return the evaluation of ``client`` for issues filed from ``starts_on`` up to ``ends_on``.

    Dates are local (the project's time zone), ``ends_on`` exclusive. Clocks still counting
    are judged as they stand at ``now``. Nine queries, however long the period.
    """
    starts_at, ends_at = _bounds(starts_on), _bounds(ends_on)
    previous_starts_on = starts_on - (ends_on - starts_on)
    issues = list(_issues(client, starts_at, ends_at))
    previous = list(_issues(client, _bounds(previous_starts_on), starts_at))

    changes: dict[int, list[Reprioritisation]] = {}
    for event in IssueEvent.objects.filter(
        issue__in=[issue.pk for issue in issues], kind=EventKind.PRIORITY_CHANGED
    ).order_by("created_at", "pk"):
        data = event.data or {}
        changes.setdefault(event.issue_id, []).append(
            Reprioritisation(
                at=event.created_at,
                old=data.get("from", ""),
                new=data.get("to", ""),
                reason=data.get("reason", ""),
            )
        )

    per_month: dict[tuple[int, int], list] = {}
    per_priority: dict[str, list] = {}
    issue_month: dict[tuple[int, int], int] = {}
    issue_priority: dict[str, int] = {}
    everything, breaches = [], []
    for issue in issues:
        local = timezone.localtime(issue.created_at)
        month = (local.year, local.month)
        issue_month[month] = issue_month.get(month, 0) + 1
        issue_priority[issue.priority] = issue_priority.get(issue.priority, 0) + 1
        for clock in issue.sla_clocks.all():
            pure = clock.to_policy()
            verdict = clock_verdict(pure, now=now)
            per_month.setdefault(month, []).append((clock.kind, verdict))
            per_priority.setdefault(issue.priority, []).append((clock.kind, verdict))
            everything.append((clock.kind, verdict))
            missed_at = clock_missed_at(pure, now=now)
            if verdict == Verdict.BREACHED and missed_at is not None:
                breaches.append(
                    Breach(
                        issue=issue,
                        kind=clock.kind,
                        missed_at=missed_at,
                        reprioritisations=changes.get(issue.pk, []),
                    )
                )

    categories = {value: 0 for value in Category.values}
    components: dict[str, int] = {}
    for issue in issues:
        categories[issue.category] = categories.get(issue.category, 0) + 1
        name = issue.component.strip() or str(_("(no component)"))
        components[name] = components.get(name, 0) + 1

    escalations = (
        Escalation.objects.filter(
            issue__client=client, started_at__gte=starts_at, started_at__lt=ends_at
        )
        .select_related("issue")
        .order_by("started_at", "pk")
    )
    paging = [
        PagingLine(
            issue=escalation.issue,
            started_at=escalation.started_at,
            acknowledged_at=(
                escalation.ended_at if escalation.state == EscalationState.ACKNOWLEDGED else None
            ),
            end_reason=escalation.end_reason,
        )
        for escalation in escalations
    ]

    alerts = list(
        MonitoringAlert.objects.filter(source__client=client)
        .filter(first_fired_at__lt=ends_at)
        .filter(first_fired_at__gte=starts_at)
        .only("first_fired_at", "resolved_at")
    )
    resolved = [a for a in alerts if a.resolved_at is not None and a.resolved_at < ends_at]

    response_times, resolution_times = _times(issues)
    previous_response, previous_resolution = _times(previous)
    return Evaluation(
        client=client,
        starts_on=starts_on,
        ends_on=ends_on,
        previous_starts_on=previous_starts_on,
        months=[
            _line(
                formats.date_format(month, "YEAR_MONTH_FORMAT"),
                per_month.get((month.year, month.month), []),
                issue_month.get((month.year, month.month), 0),
            )
            for month in _month_starts(starts_on, ends_on)
        ],
        priorities=[
            _line(str(label), per_priority.get(value, []), issue_priority.get(value, 0))
            for value, label in Priority.choices
        ],
        total=_line("", everything, len(issues)),
        by_category=[(str(Category(value).label), n) for value, n in categories.items()],
        by_component=sorted(components.items(), key=lambda item: (-item[1], item[0])),
        response_times=response_times,
        resolution_times=resolution_times,
        previous_response_times=previous_response,
        previous_resolution_times=previous_resolution,
        breaches=sorted(breaches, key=lambda b: b.missed_at),
        reprioritised=sum(1 for issue in issues if issue.pk in changes),
        paging=paging,
        alerts_opened=len(alerts),
        alerts_resolved=len(resolved),
        alert_resolution_times=Distribution.of(
            [(a.resolved_at - a.first_fired_at).total_seconds() / 60 for a in resolved]
        ),
    )
