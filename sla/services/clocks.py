"""Changes to SLA clocks: start, stop, pause, resume and retarget, and the issue's copy of them.

The clock changes follow the changes of an issue: ``sla.handlers`` calls them with every
change that ``tickets`` announces, inside the announcing transaction and after the issue
row was locked; each takes the clock rows' locks too, so that a concurrent sweep waits for
them and then re-reads what they wrote. Which agreement and target apply comes from one
rule, ``sla.selectors.issue_terms``.
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps

from django.db import transaction
from django.db.models import Exists, Min, Q, Subquery

from sla import policy
from sla.calendars import calendar_spec, snapshot_years, target_snapshot
from sla.models import Agreement, ClockKind, ClockState, SlaClock
from sla.selectors import Terms, issue_terms
from tickets.choices import Status
from tickets.models import Channel, EventKind, Issue, IssueEvent

_DONE = (Status.RESOLVED, Status.CLOSED)
# Statuses in which the resolution clock does not count.
_NOT_COUNTING = (Status.WAITING_ON_CLIENT, *_DONE)

SWEEP_BATCH_SIZE = 500
# One sweep marks at most this many batches; a backlog left over goes to the next run,
# so that one run never outlives the beat interval by much.
SWEEP_MAX_BATCHES = 40


def _event_record(*, issue_id: int, kind: str, now: datetime, data: dict) -> IssueEvent:
    # SLA events are the team's business: clients see the status, not the stopwatch.
    return IssueEvent.objects.create(
        issue_id=issue_id,
        kind=kind,
        actor=None,
        data=data,
        is_internal=True,
        channel=Channel.SYSTEM,
        created_at=now,
    )


def _target_minutes(snapshot: dict) -> dict[str, int | None]:
    return {
        ClockKind.RESPONSE: snapshot["first_response_minutes"],
        ClockKind.RESOLUTION: snapshot["resolution_minutes"],
    }


def _clocks_locked(*, issue: Issue) -> dict[str, SlaClock]:
    clocks = SlaClock.objects.select_for_update().filter(issue_id=issue.pk).order_by("pk")
    return {clock.kind: clock for clock in clocks}


def _clock_change(
    clock: SlaClock, change: Callable[..., policy.Clock], *, now: datetime, **kwargs
) -> None:
    new = change(clock.to_policy(), calendar=clock.calendar, now=now, **kwargs)
    changed = clock.apply_policy(new)
    if changed:
        clock.save(update_fields=changed)


def sla_issue_refresh(*, issue_id: int) -> None:
    """Copy what the queue needs of the issue's clocks onto the issue, in one statement.

    The earliest due and at-risk times of the clocks that count, and whether any clock
    missed its target. Call after every change of an issue's clocks.
    """
    counting = SlaClock.objects.filter(
        issue_id=issue_id, stopped_at__isnull=True, resumed_at__isnull=False
    ).values("issue")
    Issue.objects.filter(pk=issue_id).update(
        sla_due_at=Subquery(counting.annotate(at=Min("due_at")).values("at")),
        sla_warn_at=Subquery(counting.annotate(at=Min("warn_at")).values("at")),
        sla_missed=Exists(
            SlaClock.objects.filter(issue_id=issue_id).filter(
                Q(missed_at__isnull=False) | Q(state=ClockState.BREACHED)
            )
        ),
    )


def _keeps_issue_current(service: Callable) -> Callable:
    """Let ``service``, which changes the clocks of its ``issue``, refresh the issue's copy."""

    @wraps(service)
    def changed(*, issue: Issue, **kwargs):
        result = service(issue=issue, **kwargs)
        sla_issue_refresh(issue_id=issue.pk)
        return result

    return changed


def _due_data(clocks: list[SlaClock]) -> dict:
    return {
        f"{clock.kind}_due_at": clock.due_at.isoformat() if clock.due_at else None
        for clock in clocks
    }


@_keeps_issue_current
def sla_clocks_start(*, issue: Issue, now: datetime, terms: Terms | None = None) -> list[SlaClock]:
    """Start the first-response and resolution clocks of a newly filed ``issue`` at ``now``.

    The clocks keep a snapshot of the target that the agreement applying to the issue
    sets for its priority. No agreement, or no target for the priority, means no clocks;
    a target without a resolution time (agreed per request) means no resolution clock.
    Clocks that already exist are left alone. ``terms``, when given, are the issue's
    ``issue_terms`` at ``now``, looked up by the caller.
    """
    terms = terms or issue_terms(issue=issue, at=now)
    if terms is None or terms.target is None:
        return []
    with transaction.atomic():
        existing = set(SlaClock.objects.filter(issue_id=issue.pk).values_list("kind", flat=True))
        snapshot = target_snapshot(target=terms.target, at=now)
        calendar = policy.calendar_from_spec(snapshot["calendar"])
        clocks = []
        for kind, minutes in _target_minutes(snapshot).items():
            if minutes is None or kind in existing:
                continue
            clock = SlaClock(issue=issue, kind=kind, started_at=now, snapshot=snapshot)
            clock.apply_policy(
                policy.clock_start(calendar=calendar, target_seconds=minutes * 60, now=now)
            )
            clocks.append(clock)
        if not clocks:
            return []
        SlaClock.objects.bulk_create(clocks)
        _event_record(
            issue_id=issue.pk,
            kind=EventKind.SLA_STARTED,
            now=now,
            data={
                "priority": snapshot["priority"],
                "agreement": snapshot["agreement"]["name"],
                "round_the_clock": snapshot["is_round_the_clock"],
                **_due_data(clocks),
            },
        )
    return clocks


@_keeps_issue_current
def sla_first_response(*, issue: Issue, now: datetime) -> SlaClock | None:
    """Stop the first-response clock of ``issue`` at ``now``, met or breached.

    Call on every public reply by a staff member; only the first one finds the clock
    counting. Return the clock when this call stopped it.
    """
    with transaction.atomic():
        clock = _clocks_locked(issue=issue).get(ClockKind.RESPONSE)
        if clock is None or clock.stopped_at is not None:
            return None
        _clock_change(clock, policy.clock_stop, now=now)
    return clock


@_keeps_issue_current
def sla_status_changed(*, issue: Issue, old_status: str, new_status: str, now: datetime) -> None:
    """Follow a status change of ``issue`` at ``now`` on its clocks.

    Waiting on the client pauses the resolution clock and leaving that status resumes it.
    Resolving or closing stops every clock that still counts: the resolution clock, and
    the first-response clock of an issue that was solved without a public reply. Reopening
    lets the resolution clock count again with the time it used; the first-response clock
    stays stopped.
    """
    if old_status == new_status:
        return
    with transaction.atomic():
        clocks = _clocks_locked(issue=issue)
        resolution = clocks.get(ClockKind.RESOLUTION)
        if new_status in _DONE:
            for clock in clocks.values():
                _clock_change(clock, policy.clock_stop, now=now)
            return
        if resolution is None:
            return
        if old_status in _DONE:
            _clock_change(resolution, policy.clock_reopen, now=now)
        if new_status == Status.WAITING_ON_CLIENT:
            _clock_change(resolution, policy.clock_pause, now=now)
        elif old_status == Status.WAITING_ON_CLIENT:
            _clock_change(resolution, policy.clock_resume, now=now)


def _counting_changes(*, issue: Issue) -> list[tuple[datetime, bool]]:
    """Return when the resolution clock of ``issue`` would have stopped and started counting."""
    changes = IssueEvent.objects.filter(issue_id=issue.pk, kind=EventKind.STATUS_CHANGED).order_by(
        "created_at", "pk"
    )
    return [
        (at, data.get("to") not in _NOT_COUNTING)
        for at, data in changes.values_list("created_at", "data")
    ]


@_keeps_issue_current
def sla_terms_changed(*, issue: Issue, now: datetime, terms: Terms | None = None) -> None:
    """Judge the clocks of ``issue`` against the terms that apply from ``now`` on.

    Call after the priority or the applying agreement changed; ``issue`` holds the new
    values. Clocks that still count or are paused keep the business time they used and
    take a snapshot of the new target and calendar. A breach stays a breach (see
    ``sla.policy``). Stopped clocks keep their verdict. When the new terms set no
    resolution target, a resolution clock that has breached stops with that verdict and
    one that has not is removed; when they set one, a missing resolution clock starts as
    if it had run since filing, and one stopped that way counts again.
    """
    with transaction.atomic():
        clocks = _clocks_locked(issue=issue)
        if not clocks:
            return
        terms = terms or issue_terms(issue=issue, at=now)
        if terms is None or terms.target is None:
            return
        snapshot = target_snapshot(target=terms.target, at=now)
        calendar = policy.calendar_from_spec(snapshot["calendar"])
        is_open = issue.status not in _DONE
        for kind, minutes in _target_minutes(snapshot).items():
            clock = clocks.get(kind)
            if minutes is None:
                if clock is not None and clock.stopped_at is None:
                    _target_withdraw(clock, now=now)
                continue
            if clock is None:
                if is_open:
                    _clock_start_late(
                        issue=issue, kind=kind, snapshot=snapshot, target_seconds=minutes * 60
                    )
                continue
            if clock.stopped_at is not None:
                # Only a withdrawn target stops the resolution clock of an open issue.
                if not (is_open and kind == ClockKind.RESOLUTION):
                    continue
                _clock_change(clock, policy.clock_reopen, now=now)
                if issue.status == Status.WAITING_ON_CLIENT:
                    _clock_change(clock, policy.clock_pause, now=now)
            retargeted = policy.clock_retarget(
                clock.to_policy(),
                old_calendar=clock.calendar,
                new_calendar=calendar,
                target_seconds=minutes * 60,
                now=now,
            )
            clock.snapshot = snapshot
            clock.save(update_fields=[*clock.apply_policy(retargeted), "snapshot"])


def _target_withdraw(clock: SlaClock, *, now: datetime) -> None:
    """Take away the target of a counting or paused clock: a breach stays on record."""
    if policy.clock_missed_at(clock.to_policy(), now=now) is None:
        clock.delete()
        return
    _clock_change(clock, policy.clock_stop, now=now)


def _clock_start_late(*, issue: Issue, kind: str, snapshot: dict, target_seconds: int) -> None:
    calendar = policy.calendar_from_spec(snapshot["calendar"])
    clock = SlaClock(issue=issue, kind=kind, started_at=issue.created_at, snapshot=snapshot)
    clock.apply_policy(
        policy.clock_from_history(
            calendar=calendar,
            target_seconds=target_seconds,
            started_at=issue.created_at,
            changes=_counting_changes(issue=issue),
        )
    )
    clock.save()


def sla_calendar_changed(*, calendar_id: int, now: datetime) -> int:
    """Let the running clocks on support calendar ``calendar_id`` follow its closures from ``now``.

    A closure applies to running clocks for the time still ahead: each clock that counts
    or is paused on the calendar's hours keeps the business time it used up to ``now``
    and takes the calendar as it is now for what is left. Time already counted is never
    rewritten, and round-the-clock clocks do not use the calendar. Return how many clocks
    moved.
    """
    agreement_ids = list(
        Agreement.objects.filter(calendar_id=calendar_id).values_list("pk", flat=True)
    )
    if not agreement_ids:
        return 0
    moved = 0
    with transaction.atomic():
        clocks = (
            SlaClock.objects.select_for_update()
            .filter(stopped_at__isnull=True, snapshot__agreement__id__in=agreement_ids)
            .exclude(snapshot__is_round_the_clock=True)
            .select_related(None)
            .order_by("pk")
        )
        agreements = {
            agreement.pk: agreement
            for agreement in Agreement.objects.select_related("calendar").filter(
                pk__in=agreement_ids
            )
        }
        for clock in clocks:
            agreement = agreements[clock.snapshot["agreement"]["id"]]
            spec = _calendar_spec_for(agreement=agreement, at=now)
            if spec == clock.snapshot["calendar"]:
                continue
            retargeted = policy.clock_retarget(
                clock.to_policy(),
                old_calendar=clock.calendar,
                new_calendar=policy.calendar_from_spec(spec),
                target_seconds=clock.target_seconds,
                now=now,
            )
            clock.snapshot = {**clock.snapshot, "calendar": spec}
            clock.save(update_fields=[*clock.apply_policy(retargeted), "snapshot"])
            sla_issue_refresh(issue_id=clock.issue_id)
            moved += 1
    return moved


def _calendar_spec_for(*, agreement: Agreement, at: datetime) -> dict:
    calendar = agreement.calendar
    return calendar_spec(calendar=calendar, years=snapshot_years(calendar=calendar, at=at))
