"""Reads of agreements, their targets, SLA clocks and the monthly compliance report."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audited
from clients.models import Client
from clients.selectors import client_list_for_user
from sla.models import Agreement, ClockKind, PriorityTarget, SlaClock
from sla.policy import ClockHealth, Verdict, clock_verdict
from tickets.choices import Priority
from tickets.models import Issue


def agreement_in_force(*, client_id: int, on: date) -> Agreement | None:
    """Return the client's agreement valid on the local date ``on``, with its targets loaded."""
    return (
        Agreement.objects.filter(client_id=client_id, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("calendar")
        .prefetch_related("targets")
        .order_by("-valid_from")
        .first()
    )


def agreement_targets(*, agreement: Agreement) -> QuerySet[PriorityTarget]:
    """Return the agreement's targets ordered from P1 to P4."""
    return agreement.targets.order_by("priority")


def target_for(*, agreement: Agreement, priority: str) -> PriorityTarget | None:
    """Return the agreement's target for ``priority``, or None when it does not offer it."""
    for target in agreement.targets.all():
        if target.priority == priority:
            return target
    return None


def sla_clocks_due(
    *, now: datetime, after: tuple[datetime, int] | None = None, limit: int = 500
) -> QuerySet:
    """Return (next_check_at, id) of up to ``limit`` clocks the sweep must look at by ``now``.

    One range scan of the ``sla_slaclock_next_check`` index, in (next_check_at, id) order;
    pass the last pair of a batch as ``after`` to read the next batch.
    """
    due = SlaClock.objects.filter(next_check_at__lte=now)
    if after is not None:
        after_at, after_id = after
        due = due.filter(Q(next_check_at__gt=after_at) | Q(next_check_at=after_at, pk__gt=after_id))
    return due.order_by("next_check_at", "pk").values_list("next_check_at", "pk")[:limit]


def sla_clocks_falling_due(
    *, now: datetime, within: timedelta, clients: QuerySet[Client] | None = None
) -> QuerySet[SlaClock]:
    """Return the clocks still counting whose due time lies before ``now + within``.

    Overdue clocks come first; the issue, its client and assignee are joined for a queue.
    Pass ``clients`` (e.g. ``client_list_for_user(user=...)``) to scope the queue.
    """
    clocks = SlaClock.objects.filter(due_at__lt=now + within, stopped_at__isnull=True)
    if clients is not None:
        clocks = clocks.filter(issue__client__in=clients)
    return clocks.select_related("issue", "issue__client", "issue__assignee").order_by(
        "due_at", "pk"
    )


def sla_health_for_issue(*, issue: Issue, now: datetime) -> dict[str, ClockHealth]:
    """Return the health of each clock of ``issue`` at ``now``, keyed by clock kind.

    Reads ``issue.sla_clocks.all()``, so ``prefetch_related("sla_clocks")`` on a list of
    issues makes this free of queries. An issue without clocks gives an empty dict.
    """
    return {clock.kind: clock.health(now) for clock in issue.sla_clocks.all()}


def sla_report_client_for_user(*, user, code: str) -> Client:
    """Return the client with ``code`` if ``user`` is staff and may see it.

    Raise ``Client.DoesNotExist`` otherwise, so that a view answers 404 to both.
    """
    if not user.is_authenticated or not user.is_staff:
        raise Client.DoesNotExist
    return client_list_for_user(user=user).get(code=code)


@dataclass(frozen=True)
class ReportClock:
    """One clock in the report; ``verdict`` is a ``policy.Verdict``."""

    kind: str
    verdict: Verdict
    due_at: datetime | None
    stopped_at: datetime | None
    target_minutes: int


@dataclass(frozen=True)
class ReportRow:
    issue: Issue
    response: ReportClock | None
    resolution: ReportClock | None

    @property
    def breached(self) -> list[ReportClock]:
        return [
            clock
            for clock in (self.response, self.resolution)
            if clock is not None and clock.verdict == Verdict.BREACHED
        ]


@dataclass(frozen=True)
class ReportTally:
    """Clock verdicts of one kind; pending clocks are not judged yet."""

    met: int = 0
    breached: int = 0
    pending: int = 0

    @property
    def judged(self) -> int:
        return self.met + self.breached

    @property
    def met_percentage(self) -> float | None:
        """Return the share of judged clocks that met their target, 0-100, or None if none."""
        return 100 * self.met / self.judged if self.judged else None

    def add(self, clock: ReportClock | None) -> "ReportTally":
        if clock is None:
            return self
        return ReportTally(
            met=self.met + (clock.verdict == Verdict.MET),
            breached=self.breached + (clock.verdict == Verdict.BREACHED),
            pending=self.pending + (clock.verdict == Verdict.PENDING),
        )


@dataclass(frozen=True)
class ReportLine:
    """The totals of the report, or of one priority in it."""

    label: str
    issues: int
    response: ReportTally
    resolution: ReportTally


@dataclass(frozen=True)
class SlaReport:
    """The SLA compliance of one client over one local calendar month.

    ``starts_at`` and ``ends_at`` are the month's bounds in the project's time zone
    (``ends_at`` exclusive); the issues are those filed in between.
    """

    client: Client
    year: int
    month: int
    starts_at: datetime
    ends_at: datetime
    rows: list[ReportRow]
    total: ReportLine
    by_priority: list[ReportLine]

    @property
    def breaches(self) -> list[ReportRow]:
        return [row for row in self.rows if row.breached]


def _report_line(label: str, rows: list[ReportRow]) -> ReportLine:
    response = resolution = ReportTally()
    for row in rows:
        response = response.add(row.response)
        resolution = resolution.add(row.resolution)
    return ReportLine(label=label, issues=len(rows), response=response, resolution=resolution)


def sla_report(*, client: Client, year: int, month: int, now: datetime) -> SlaReport:
    """Return the SLA compliance of ``client`` for issues filed in local month ``year-month``.

    Clocks that still count are judged as they stand at ``now``: breached once past
    their due time, pending before it. Two queries: the issues and their clocks.
    """
    zone = timezone.get_default_timezone()
    starts_at = datetime(year, month, 1, tzinfo=zone)
    ends_at = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    issues = (
        audited(Issue.objects.all(), client_id=client.pk)
        .filter(client=client, created_at__gte=starts_at, created_at__lt=ends_at)
        .only("pk", "reference", "title", "priority", "status", "created_at", "client_id")
        .prefetch_related(Prefetch("sla_clocks", queryset=SlaClock.objects.defer("snapshot")))
        .order_by("created_at", "pk")
    )
    rows = []
    for issue in issues:
        clocks = {
            clock.kind: ReportClock(
                kind=clock.kind,
                verdict=clock_verdict(clock.to_policy(), now=now),
                due_at=clock.due_at,
                stopped_at=clock.stopped_at,
                target_minutes=clock.target_seconds // 60,
            )
            for clock in issue.sla_clocks.all()
        }
        rows.append(
            ReportRow(
                issue=issue,
                response=clocks.get(ClockKind.RESPONSE),
                resolution=clocks.get(ClockKind.RESOLUTION),
            )
        )
    return SlaReport(
        client=client,
        year=year,
        month=month,
        starts_at=starts_at,
        ends_at=ends_at,
        rows=rows,
        total=_report_line(str(_("All priorities")), rows),
        by_priority=[
            _report_line(str(label), [row for row in rows if row.issue.priority == value])
            for value, label in Priority.choices
        ],
    )
