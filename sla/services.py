"""Changes to SLA clocks: start, stop, pause, resume, retarget, and the at-risk and breach notices.

The first four functions are called by ``tickets.services`` inside its own transaction,
after it locked the issue row; each takes the clock rows' locks too, so that a concurrent
sweep waits for them and then re-reads what they wrote.
"""

from collections.abc import Callable
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone

from sla import policy
from sla.calendars import target_snapshot
from sla.models import ClockKind, ClockState, PriorityTarget, SlaClock
from sla.selectors import agreement_in_force, sla_clocks_due
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


def _target_for_issue(*, issue: Issue, now: datetime) -> PriorityTarget | None:
    """Return the target of the issue's agreement for its priority.

    Fall back to the agreement in force at ``now`` when the issue's own agreement does
    not offer the priority (the priority check in ``tickets.services`` uses that one).
    """
    targets = PriorityTarget.objects.select_related("agreement__calendar").filter(
        priority=issue.priority
    )
    target = targets.filter(agreement_id=issue.agreement_id).first()
    if target is None:
        agreement = agreement_in_force(client_id=issue.client_id, on=timezone.localtime(now).date())
        if agreement is not None:
            target = targets.filter(agreement=agreement).first()
    return target


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


def _due_data(clocks: list[SlaClock]) -> dict:
    return {
        f"{clock.kind}_due_at": clock.due_at.isoformat() if clock.due_at else None
        for clock in clocks
    }


def sla_clocks_start(*, issue: Issue, now: datetime) -> list[SlaClock]:
    """Start the first-response and resolution clocks of a newly filed ``issue`` at ``now``.

    The clocks keep a snapshot of the target that the issue's agreement sets for its
    priority. No agreement, or no target for the priority, means no clocks; a target
    without a resolution time (agreed per request) means no resolution clock. Clocks that
    already exist are left alone.
    """
    if issue.agreement_id is None:
        return []
    target = _target_for_issue(issue=issue, now=now)
    if target is None:
        return []
    with transaction.atomic():
        existing = set(SlaClock.objects.filter(issue_id=issue.pk).values_list("kind", flat=True))
        snapshot = target_snapshot(target=target, at=now)
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
                "round_the_clock": snapshot["is_round_the_clock"],
                **_due_data(clocks),
            },
        )
    return clocks


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


def sla_priority_changed(*, issue: Issue, now: datetime) -> None:
    """Judge the clocks of ``issue`` against the targets of its new priority from ``now`` on.

    ``issue.priority`` already holds the new priority. Clocks that still count or are
    paused keep the business time they used and take a snapshot of the new target and
    calendar; stopped clocks keep their verdict. A new priority without a resolution
    target removes a resolution clock that has not stopped; one with a resolution target
    starts a missing resolution clock as if it had run since filing.
    """
    with transaction.atomic():
        clocks = _clocks_locked(issue=issue)
        if not clocks:
            return
        target = _target_for_issue(issue=issue, now=now)
        if target is None:
            return
        snapshot = target_snapshot(target=target, at=now)
        calendar = policy.calendar_from_spec(snapshot["calendar"])
        for kind, minutes in _target_minutes(snapshot).items():
            clock = clocks.get(kind)
            if clock is not None and clock.stopped_at is not None:
                continue
            if minutes is None:
                if clock is not None:
                    clock.delete()
                continue
            if clock is None:
                if issue.status not in _DONE:
                    _clock_start_late(
                        issue=issue, kind=kind, snapshot=snapshot, target_seconds=minutes * 60
                    )
                continue
            retargeted = policy.clock_retarget(
                clock.to_policy(),
                old_calendar=clock.calendar,
                new_calendar=calendar,
                target_seconds=minutes * 60,
                now=now,
            )
            clock.snapshot = snapshot
            clock.save(update_fields=[*clock.apply_policy(retargeted), "snapshot"])


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


def sla_clock_mark(*, clock_id: int, now: datetime) -> str | None:
    """Record and send the breach or at-risk notice of a clock that reached it by ``now``.

    Each notice goes out once per clock, also when two sweeps mark the same clock at the
    same time: the conditional update that claims it lets one of them through, and the
    event is recorded in the same transaction. The emails to the issue's assignee and
    team lead are queued when it commits. Return the event kind recorded, or None when
    there was nothing (left) to tell.
    """
    from sla.tasks import sla_clock_notify_task

    with transaction.atomic():
        clock = (
            SlaClock.objects.filter(pk=clock_id)
            .annotate(
                assignee_id=F("issue__assignee_id"),
                lead_id=F("issue__client__team__lead_id"),
                priority=KT("snapshot__priority"),
            )
            .defer("snapshot")
            .first()
        )
        notice = policy.notice_due(clock.to_policy(), now=now) if clock else None
        # The read above may be stale by now; the conditions of the update are the truth.
        claimable = SlaClock.objects.filter(
            pk=clock_id, stopped_at__isnull=True, breached_at__isnull=True
        )
        if notice == policy.Notice.BREACH:
            kind = EventKind.SLA_BREACHED
            claimed = claimable.filter(Q(state=ClockState.BREACHED) | Q(due_at__lt=now)).update(
                state=ClockState.BREACHED,
                breached_at=now,
                warned_at=Coalesce("warned_at", Value(now, output_field=DateTimeField())),
                next_check_at=None,
            )
        elif notice == policy.Notice.AT_RISK:
            kind = EventKind.SLA_AT_RISK
            claimed = claimable.filter(
                warned_at__isnull=True, resumed_at__isnull=False, warn_at__lte=now
            ).update(warned_at=now, next_check_at=F("due_at"))
        else:
            return None
        if not claimed:
            return None
        event = _event_record(
            issue_id=clock.issue_id,
            kind=kind,
            now=now,
            data={
                "clock": clock.kind,
                "priority": clock.priority,
                "target_minutes": clock.target_seconds // 60,
                "due_at": clock.due_at.isoformat() if clock.due_at else None,
            },
        )
        # The task checks that the person is still active and has an address.
        for user_id in dict.fromkeys(filter(None, (clock.assignee_id, clock.lead_id))):
            transaction.on_commit(
                partial(sla_clock_notify_task.delay, event.pk, user_id), robust=True
            )
    return kind


def sla_clocks_sweep(
    *,
    now: datetime,
    batch_size: int = SWEEP_BATCH_SIZE,
    max_batches: int = SWEEP_MAX_BATCHES,
) -> int:
    """Send every at-risk and breach notice that is due at ``now``; return how many were sent.

    Each clock is marked in its own transaction, so one failure does not undo the notices
    of others, and a second sweep running at the same time sends nothing twice.
    """
    sent = 0
    after = None
    for _batch in range(max_batches):
        due = list(sla_clocks_due(now=now, after=after, limit=batch_size))
        for _next_check_at, clock_id in due:
            if sla_clock_mark(clock_id=clock_id, now=now):
                sent += 1
        if len(due) < batch_size:
            break
        after = due[-1]
    return sent
