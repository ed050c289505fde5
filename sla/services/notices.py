"""The at-risk and breach notices: claimed in batches, recorded, and handed to the mail.

A notice is claimed by one conditional ``UPDATE ... RETURNING`` per batch: the same
conditions pick the clocks and guard the update, so two sweeps at the same moment never
claim a clock twice (on PostgreSQL the second skips the rows the first has locked; on
SQLite writers take turns). The events of a batch are written in one insert, the issues'
breach flags in one update, and the emails leave as one task that hands them to the
outbox in one insert, so that the sweep's time does not grow with the mail to send.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from paqt_support.transactions import after_commit
from sla.models import ClockState, SlaClock
from sla.notifications import sla_clock_notices_task
from sla.selectors import sla_clocks_due
from tickets.models import Channel, EventKind, Issue, IssueEvent

BATCH_SIZE = 1000
# One sweep claims at most this many batches; what is left goes to the next run, so
# that one run never outlives the beat interval by much.
MAX_BATCHES = 40

# The claim's conditions, in SQL, as ``sla.policy.notice_due`` states them: a clock past its
# due time owes the breach notice alone; one past its at-risk point owes that notice.
_OPEN = "stopped_at IS NULL AND breached_at IS NULL"
_BREACH = f"(state = '{ClockState.BREACHED}' OR due_at < %(now)s)"
_AT_RISK = "(warned_at IS NULL AND resumed_at IS NOT NULL AND warn_at <= %(now)s)"
_OWES = f"{_OPEN} AND ({_BREACH} OR {_AT_RISK})"
_SET = (
    f"state = CASE WHEN {_BREACH} THEN '{ClockState.BREACHED}' ELSE state END, "
    f"breached_at = CASE WHEN {_BREACH} THEN %(now)s ELSE breached_at END, "
    "warned_at = COALESCE(warned_at, %(now)s), "
    f"missed_at = CASE WHEN {_BREACH} THEN COALESCE(missed_at, due_at, %(now)s) "
    "ELSE missed_at END, "
    f"next_check_at = CASE WHEN {_BREACH} THEN NULL ELSE due_at END"
)


@dataclass(frozen=True)
class _Claimed:
    clock_id: int
    issue_id: int
    kind: str
    notice: str
    target_seconds: int
    told_at: datetime | None
    priority: str


def _from_db(name: str, value):
    """Convert ``value`` of the clock's column ``name`` as the ORM would on reading it."""
    field = SlaClock._meta.get_field(name)
    expression = field.get_col(SlaClock._meta.db_table)
    for convert in connection.ops.get_db_converters(expression) + field.get_db_converters(
        connection
    ):
        value = convert(value, expression, connection)
    return value


def _claim(*, now: datetime, limit: int, clock_id: int | None) -> list[_Claimed]:
    """Claim up to ``limit`` clocks that owe a notice at ``now``; return what was claimed.

    One statement picks the clocks, marks each with the notice it owes, and returns what
    the events need: the breach instant of a breach, the due time of an at-risk notice.
    """
    table = SlaClock._meta.db_table
    # The sweep reads the due set through the partial next-check index; one clock may be
    # marked at any time.
    pick = f"{table}.id = %(clock_id)s" if clock_id is not None else "next_check_at <= %(now)s"
    issues = Issue._meta.db_table
    # The services lock an issue before its clocks; the sweep takes both locks or skips the
    # clock, and so never waits on a change of the issue that waits on the sweep.
    skip = (
        f" FOR UPDATE OF {table}, {issues} SKIP LOCKED"
        if connection.features.has_select_for_update_skip_locked
        else ""
    )
    # Every part of the statement is a constant of this module; the values are parameters.
    # The pick is a materialised CTE: as a subquery, PostgreSQL may run it again while
    # updating, and with SKIP LOCKED each run picks other rows, past the limit.
    sql = (
        f"WITH picked AS MATERIALIZED (SELECT {table}.id FROM {table} "  # noqa: S608
        f"JOIN {issues} ON {issues}.id = {table}.issue_id "
        f"WHERE {pick} AND {_OWES} ORDER BY next_check_at, {table}.id LIMIT %(limit)s{skip}) "
        f"UPDATE {table} SET {_SET} "
        f"WHERE id IN (SELECT id FROM picked) AND {_OWES} "
        "RETURNING id, issue_id, kind, breached_at, target_seconds, missed_at, due_at, "
        "snapshot"
    )
    # A raw statement gets the instant as the database stores it (SQLite compares text).
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"now": at, "limit": limit, "clock_id": clock_id})
        rows = cursor.fetchall()
    claimed = []
    for pk, issue_id, kind, breached_at, target, missed_at, due_at, snapshot in rows:
        breach = breached_at is not None
        claimed.append(
            _Claimed(
                clock_id=pk,
                issue_id=issue_id,
                kind=kind,
                notice=EventKind.SLA_BREACHED if breach else EventKind.SLA_AT_RISK,
                target_seconds=target,
                # A breach is told by when the target ran out, which a new target may
                # have moved away from the clock's due time.
                told_at=_from_db(
                    "missed_at" if breach else "due_at", missed_at if breach else due_at
                ),
                priority=(_from_db("snapshot", snapshot) or {}).get("priority", ""),
            )
        )
    return sorted(claimed, key=lambda clock: clock.clock_id)


def _record(*, claimed: list[_Claimed], now: datetime) -> int:
    """Write the events of the claimed notices and hand their emails over; return how many."""
    if not claimed:
        return 0
    events = IssueEvent.objects.bulk_create(
        IssueEvent(
            issue_id=clock.issue_id,
            kind=clock.notice,
            actor=None,
            data={
                "clock": clock.kind,
                "priority": clock.priority,
                "target_minutes": clock.target_seconds // 60,
                "due_at": clock.told_at.isoformat() if clock.told_at else None,
            },
            # SLA events are the team's business: clients see the status only.
            is_internal=True,
            channel=Channel.SYSTEM,
            created_at=now,
        )
        for clock in claimed
    )
    breached = {c.issue_id for c in claimed if c.notice == EventKind.SLA_BREACHED}
    if breached:
        Issue.objects.filter(pk__in=breached).update(sla_missed=True)
    people = {
        pk: (assignee_id, lead_id)
        for pk, assignee_id, lead_id in Issue.objects.filter(
            pk__in={clock.issue_id for clock in claimed}
        ).values_list("pk", "assignee_id", "client__team__lead_id")
    }
    # The task checks that each person is still active and has an address.
    notices = [
        (event.pk, user_id)
        for event in events
        for user_id in dict.fromkeys(filter(None, people.get(event.issue_id, ())))
    ]
    if notices:
        after_commit(sla_clock_notices_task.delay, notices)
    return len(events)


def sla_clock_mark(*, clock_id: int, now: datetime) -> str | None:
    """Record and send the breach or at-risk notice that clock ``clock_id`` owes at ``now``.

    Each notice goes out once per clock, also when two sweeps mark the same clock at the
    same time. Return the event kind recorded, or None when there was nothing (left) to
    tell. A clock found past its due time before its at-risk notice went out gets the
    breach notice alone.
    """
    with transaction.atomic():
        claimed = _claim(now=now, limit=1, clock_id=clock_id)
        _record(claimed=claimed, now=now)
    return claimed[0].notice if claimed else None


def sla_clocks_sweep(
    *, now: datetime, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES
) -> int:
    """Record every at-risk and breach notice due at ``now``; return how many there were.

    Each batch commits on its own, so a failure does not undo the notices of others.
    """
    sent = 0
    for _batch in range(max_batches):
        # Most runs find nothing due: one probe of the next-check index answers that.
        if not sla_clocks_due(now=now, limit=1).exists():
            break
        with transaction.atomic():
            claimed = _claim(now=now, limit=batch_size, clock_id=None)
            sent += _record(claimed=claimed, now=now)
        if len(claimed) < batch_size:
            break
    return sent
