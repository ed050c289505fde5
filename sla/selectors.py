"""Reads of agreements, their targets, SLA clocks and the monthly compliance report."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audited
from clients.models import Client
from clients.selectors import client_list_for_user
from sla.models import Agreement, ClockKind, PriorityTarget, SlaClock
from sla.policy import ClockHealth, Verdict, clock_missed_at, clock_verdict
from tickets.choices import Priority
from tickets.events import IssueChange
from tickets.models import EventKind, Issue, IssueEvent


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


@dataclass(frozen=True)
class Terms:
    """The agreement that applies to an issue at one moment, and its target for a priority.

    ``target`` is None when the agreement does not offer the priority.
    """

    agreement: Agreement
    target: PriorityTarget | None

    @property
    def is_round_the_clock(self) -> bool:
        return self.target is not None and self.target.is_round_the_clock


def agreement_applying(
    *, client_id: int, at: datetime, fallback_id: int | None = None
) -> Agreement | None:
    """Return the agreement that applies to a client's issue at the aware instant ``at``.

    That is the client's agreement in force on the local date of ``at``. When none is in
    force (an agreement ran out with no successor yet), the issue's own agreement
    ``fallback_id`` goes on applying: promises made under it are not dropped.
    """
    agreement = agreement_in_force(client_id=client_id, on=timezone.localtime(at).date())
    if agreement is None and fallback_id is not None:
        agreement = (
            Agreement.objects.select_related("calendar")
            .prefetch_related("targets")
            .filter(pk=fallback_id)
            .first()
        )
    return agreement


def _target_in_force(*, client_id: int, priority: str, at: datetime) -> PriorityTarget | None:
    day = timezone.localtime(at).date()
    # Agreements of a client never overlap, so at most one is in force on a day.
    return (
        PriorityTarget.objects.select_related("agreement__calendar")
        .filter(agreement__client_id=client_id, priority=priority)
        .filter(agreement__valid_from__lte=day)
        .filter(Q(agreement__valid_until__isnull=True) | Q(agreement__valid_until__gte=day))
        .first()
    )


def agreement_offering(*, client_id: int, priority: str, at: datetime) -> int | None:
    """Return the id of the client's agreement in force at ``at`` if it offers ``priority``."""
    target = _target_in_force(client_id=client_id, priority=priority, at=at)
    return target.agreement_id if target is not None else None


def issue_terms(*, issue: Issue, at: datetime, priority: str | None = None) -> Terms | None:
    """Return the agreement and target that apply to ``issue`` at ``at``, or None.

    The one rule for every part that asks: filing, the SLA clocks, the pager, the portal's
    promise and the report. ``priority`` defaults to the issue's own. One query when the
    agreement in force offers the priority, as it mostly does.
    """
    priority = priority or issue.priority
    target = _target_in_force(client_id=issue.client_id, priority=priority, at=at)
    if target is not None:
        return Terms(agreement=target.agreement, target=target)
    agreement = agreement_applying(client_id=issue.client_id, at=at, fallback_id=issue.agreement_id)
    if agreement is None:
        return None
    return Terms(agreement=agreement, target=target_for(agreement=agreement, priority=priority))


def change_terms(change: IssueChange) -> Terms | None:
    """Return ``issue_terms`` of the issue and moment of ``change``, looked up once per change.

    The handlers of one change share the answer, so the clocks and the pager cannot read
    different agreements for it.
    """
    if "terms" not in change.memo:
        issue = change.issue or Issue.objects.get(pk=change.issue_id)
        change.memo["terms"] = issue_terms(issue=issue, at=change.at)
    return change.memo["terms"]


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


def sla_clocks_prefetch() -> Prefetch:
    """Return the prefetch that loads an issue's clocks for ``sla_health_for_issue``."""
    return Prefetch("sla_clocks", queryset=SlaClock.objects.order_by("kind"))


def sla_health_condition(health: str, *, now: datetime) -> Q:
    """Return the condition on issues of the health of their clocks at ``now``, worst first.

    Breached, at risk and on track read the issue's copy of its clocks (kept by
    ``sla.services.sla_issue_refresh``), which the queue's index serves: an issue is
    breached once any clock missed its target or one that counts is past due, at risk
    from the earliest at-risk time of the clocks that count, on track before it. Paused
    and met look at the clocks themselves.
    """
    missed = Q(sla_missed=True) | Q(sla_due_at__lt=now)
    if health == "breached":
        return missed
    if health == "at_risk":
        return ~missed & Q(sla_due_at__gte=now, sla_warn_at__lte=now)
    if health == "on_track":
        return ~missed & Q(sla_due_at__gte=now, sla_warn_at__gt=now)
    clocks = SlaClock.objects.filter(issue=OuterRef("pk"))
    if health == "met":
        return Q(Exists(clocks.filter(stopped_at__isnull=False, state="met")))
    if health == "paused":
        return Q(
            Exists(
                clocks.filter(resumed_at__isnull=True, stopped_at__isnull=True)
                .exclude(state="breached")
                .filter(missed_at__isnull=True)
            )
        )
    raise ValueError(f"unknown SLA health {health!r}")


def issue_filter_sla_health(issues: QuerySet[Issue], *, health: str, now: datetime):
    """Keep the issues whose clocks are in ``health`` (a ``sla.policy.Health``) at ``now``."""
    return issues.filter(sla_health_condition(health, now=now))


def issue_filter_due_within(issues: QuerySet[Issue], *, within: timedelta, now: datetime):
    """Keep the issues not breached whose next deadline falls between ``now`` and
    ``now + within``."""
    return issues.filter(sla_missed=False, sla_due_at__gte=now, sla_due_at__lte=now + within)


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


def sla_evaluation_client_for_user(*, user, code: str) -> Client:
    """Return the client with ``code`` if ``user`` may read its yearly evaluation.

    Staff may as for the monthly report; a client's contact for its own organisation only.
    Raise ``Client.DoesNotExist`` otherwise, so that a view answers 404 to both.
    """
    if user.is_authenticated and user.client_id:
        return client_list_for_user(user=user).get(code=code)
    return sla_report_client_for_user(user=user, code=code)


@dataclass(frozen=True)
class ReportClock:
    """One clock in the report; ``verdict`` is a ``policy.Verdict``.

    ``missed_at`` is when a breached clock ran out of its target: a fact that later
    changes of priority or agreement leave as it was.
    """

    kind: str
    verdict: Verdict
    due_at: datetime | None
    stopped_at: datetime | None
    target_minutes: int
    missed_at: datetime | None = None


@dataclass(frozen=True)
class ReportRow:
    """One issue in the report.

    ``reprioritised`` tells that its priority changed after filing; a ``merged`` issue
    duplicated another and counts neither as met nor as breached, though a breach it had
    before the merge stays listed.
    """

    issue: Issue
    response: ReportClock | None
    resolution: ReportClock | None
    reprioritised: bool = False
    merged: bool = False

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
    agreement: Agreement | None = None

    @property
    def breaches(self) -> list[ReportRow]:
        """Return every issue that missed a target, merged duplicates included."""
        return [row for row in self.rows if row.breached]

    @property
    def counted(self) -> list[ReportRow]:
        return [row for row in self.rows if not row.merged]

    @property
    def merged(self) -> list[ReportRow]:
        return [row for row in self.rows if row.merged]

    @property
    def reprioritised(self) -> int:
        """Return how many of the counted issues had their priority changed after filing."""
        return sum(row.reprioritised for row in self.counted)


def _report_line(label: str, rows: list[ReportRow]) -> ReportLine:
    response = resolution = ReportTally()
    rows = [row for row in rows if not row.merged]
    for row in rows:
        response = response.add(row.response)
        resolution = resolution.add(row.resolution)
    return ReportLine(label=label, issues=len(rows), response=response, resolution=resolution)


def sla_report(*, client: Client, year: int, month: int, now: datetime) -> SlaReport:
    """Return the SLA compliance of ``client`` for issues filed in local month ``year-month``.

    Clocks that still count are judged as they stand at ``now``: breached once past
    their due time, pending before it. A breach, once it happened, stays one. Merged
    duplicates are listed apart and left out of the tallies. Four queries: the
    issues, their clocks, and the agreement in force at the end of the month (or now)
    with its targets.
    """
    zone = timezone.get_default_timezone()
    starts_at = datetime(year, month, 1, tzinfo=zone)
    ends_at = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    issues = (
        audited(Issue.objects.all(), client_id=client.pk)
        .filter(client=client, created_at__gte=starts_at, created_at__lt=ends_at)
        .only(
            "pk",
            "reference",
            "title",
            "priority",
            "status",
            "created_at",
            "client_id",
            "merged_into_id",
        )
        .annotate(
            reprioritised=Exists(
                IssueEvent.objects.filter(issue=OuterRef("pk"), kind=EventKind.PRIORITY_CHANGED)
            )
        )
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
                missed_at=clock_missed_at(clock.to_policy(), now=now),
            )
            for clock in issue.sla_clocks.all()
        }
        rows.append(
            ReportRow(
                issue=issue,
                response=clocks.get(ClockKind.RESPONSE),
                resolution=clocks.get(ClockKind.RESOLUTION),
                reprioritised=issue.reprioritised,
                merged=issue.merged_into_id is not None,
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
        agreement=agreement_applying(
            client_id=client.pk, at=min(ends_at, now) - timedelta(microseconds=1)
        ),
    )
