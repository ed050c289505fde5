"""Changes to an issue: status, priority and assignee, each guarded by its version."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from paqt_support.exceptions import ApplicationError, ConflictError, NotAllowedError
from tickets import workflow
from tickets.choices import Status
from tickets.events import (
    IssueAgreementChanged,
    IssueAssigned,
    IssuePriorityChanged,
    IssueStatusChanged,
)
from tickets.models import (
    Channel,
    EventKind,
    Issue,
    IssueEvent,
)
from tickets.selectors import issue_may_be_worked_on_by
from tickets.services.common import (
    _announce,
    _check_priority,
    _clean_text,
    _event_record,
    _notify_update_on_commit,
    _now,
)


def _version_bump(*, issue: Issue, expected_version: int | None, now: datetime, **fields) -> None:
    """Write ``fields`` only if nobody changed the issue since ``expected_version`` was read."""
    query = Issue.objects.filter(pk=issue.pk)
    if expected_version is not None:
        query = query.filter(version=expected_version)
    changed = query.update(version=F("version") + 1, updated_at=now, last_activity_at=now, **fields)
    if not changed:
        raise ConflictError(
            _(
                "Someone else changed this issue while you were working on it. "
                "Reload the page to see their change, then try again."
            )
        )
    issue.refresh_from_db(fields=["version", "updated_at", "last_activity_at", *fields])
    # A conditional update sends no post_save, so the change is logged here.
    audit_record(action=AuditAction.CHANGE, obj=issue, detail={"fields": sorted(fields)})


def _status_apply(
    *,
    issue: Issue,
    actor: User,
    status: str,
    now: datetime,
    channel: str,
    expected_version=None,
    details: dict | None = None,
) -> IssueEvent:
    old = issue.status
    fields: dict = {"status": status}
    if status == Status.RESOLVED:
        fields["resolved_at"] = now
    elif status == Status.CLOSED:
        fields["closed_at"] = now
        if issue.resolved_at is None:
            fields["resolved_at"] = now
    elif old in (Status.RESOLVED, Status.CLOSED):
        fields["resolved_at"] = None
        fields["closed_at"] = None
        fields["opened_at"] = now
    _version_bump(issue=issue, expected_version=expected_version, now=now, **fields)
    event = _event_record(
        issue=issue,
        kind=EventKind.STATUS_CHANGED,
        actor=actor,
        now=now,
        channel=channel,
        data={"from": old, "to": status, **(details or {})},
    )
    _announce(
        IssueStatusChanged,
        event=event,
        old=old,
        new=status,
    )
    return event


def issue_change_status(
    *,
    issue: Issue,
    actor: User,
    status: str,
    channel: str = Channel.PORTAL,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Issue:
    """Move ``issue`` to ``status`` when ``actor`` may, and tell the requester and watchers."""
    now = _now(now)
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if actor.client_id and actor.client_id != issue.client_id:
            raise NotAllowedError(_("You cannot change this issue."))
        workflow.check_transition(
            current=issue.status,
            target=status,
            actor=workflow.Actor(is_staff=actor.is_staff),
            done_at=issue.resolved_at or issue.closed_at,
            now=now,
            reopen_window=timedelta(days=settings.ISSUE_REOPEN_DAYS),
        )
        event = _status_apply(
            issue=issue,
            actor=actor,
            status=status,
            now=now,
            channel=channel,
            expected_version=expected_version,
        )
        _notify_update_on_commit(event)
    return issue


def issue_change_priority(
    *,
    issue: Issue,
    actor: User,
    priority: str,
    reason: str,
    channel: str = Channel.ADMIN,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Issue:
    """Let staff set another priority with a reason; the client's own choice is kept."""
    now = _now(now)
    if not actor.is_staff:
        raise NotAllowedError(_("Only the team can change the priority after filing."))
    reason = _clean_text(reason, field="reason", label=_("Reason"), max_length=500)
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if priority == issue.priority:
            raise ApplicationError(_("The issue already has this priority."), field="priority")
        _check_priority(client=issue.client, priority=priority, now=now)
        old = issue.priority
        _version_bump(issue=issue, expected_version=expected_version, now=now, priority=priority)
        event = _event_record(
            issue=issue,
            kind=EventKind.PRIORITY_CHANGED,
            actor=actor,
            now=now,
            channel=channel,
            data={"from": old, "to": priority, "reason": reason},
        )
        _announce(
            IssuePriorityChanged,
            event=event,
            old=old,
            new=priority,
        )
        _notify_update_on_commit(event)
    return issue


def issue_assign(
    *,
    issue: Issue,
    actor: User,
    assignee: User | None,
    channel: str = Channel.ADMIN,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Issue:
    """Give ``issue`` to a member of its client's team, an engineer paged for it, or nobody.

    Assigning the person who already has it changes nothing, but taking it again after
    the issue was reopened counts as taking it anew.
    """
    now = _now(now)
    if not actor.is_staff:
        raise NotAllowedError(_("Only the team can assign issues."))
    if assignee is not None and not issue_may_be_worked_on_by(issue=issue, user=assignee):
        raise ApplicationError(
            _("%(name)s is not on the team of this client.") % {"name": assignee},
            field="assignee",
        )
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        old = issue.assignee_id
        if old == (assignee.pk if assignee else None) and (assignee is None or issue.is_taken):
            return issue
        _version_bump(
            issue=issue,
            expected_version=expected_version,
            now=now,
            assignee=assignee,
            assigned_at=now if assignee is not None else None,
        )
        event = _event_record(
            issue=issue,
            kind=EventKind.ASSIGNED,
            actor=actor,
            now=now,
            channel=channel,
            data={
                "from": old,
                "to": assignee.pk if assignee else None,
                "name": str(assignee) if assignee else "",
            },
            is_internal=True,
        )
        _announce(
            IssueAssigned,
            event=event,
            old_assignee_id=old,
            new_assignee_id=assignee.pk if assignee else None,
        )
    return issue


# Marks an argument of ``issue_update`` that the caller leaves as it is.
UNCHANGED = object()


def issue_update(
    *,
    issue: Issue,
    actor: User,
    status: str | None = None,
    priority: str | None = None,
    priority_reason: str = "",
    assignee=UNCHANGED,
    channel: str = Channel.API,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Issue:
    """Apply several changes to ``issue`` at once: all of them or, on an error, none.

    The assignee changes first, then the priority (with ``priority_reason``), then the
    status, each through its own service and so with its own checks and event. A value
    equal to the current one is left alone. ``expected_version`` guards the whole update.
    """
    now = _now(now)
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if expected_version is not None and issue.version != expected_version:
            raise ConflictError(
                _(
                    "Someone else changed this issue while you were working on it. "
                    "Reload the page to see their change, then try again."
                )
            )
        if assignee is not UNCHANGED:
            issue = issue_assign(
                issue=issue, actor=actor, assignee=assignee, channel=channel, now=now
            )
        if priority is not None and priority != issue.priority:
            issue = issue_change_priority(
                issue=issue,
                actor=actor,
                priority=priority,
                reason=priority_reason,
                channel=channel,
                now=now,
            )
        if status is not None and status != issue.status:
            issue = issue_change_status(
                issue=issue, actor=actor, status=status, channel=channel, now=now
            )
    return issue


def issue_resolve_automatically(
    *,
    issue: Issue,
    actor: User,
    reason: str,
    channel: str = Channel.MONITORING,
    now: datetime | None = None,
) -> Issue | None:
    """Resolve ``issue`` because the system that reported it saw the cause go away.

    ``actor`` is that system's service user; it resolves as staff would, and the status
    event records ``reason``. Return None, changing nothing, when the issue is not open.
    """
    now = _now(now)
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if not issue.is_open:
            return None
        event = _status_apply(
            issue=issue,
            actor=actor,
            status=Status.RESOLVED,
            now=now,
            channel=channel,
            details={"automatic": reason},
        )
        _notify_update_on_commit(event)
    return issue


def issue_agreement_change(
    *,
    issue: Issue,
    agreement_id: int,
    channel: str = Channel.SYSTEM,
    actor: User | None = None,
    now: datetime | None = None,
) -> Issue | None:
    """Let the agreement ``agreement_id`` apply to ``issue`` from ``now`` on.

    Called when the client's agreement is replaced while the issue is open. Return None,
    changing nothing, when that agreement applies already.
    """
    now = _now(now)
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        old = issue.agreement_id
        if old == agreement_id:
            return None
        Issue.objects.filter(pk=issue.pk).update(
            agreement_id=agreement_id, version=F("version") + 1, updated_at=now
        )
        issue.refresh_from_db(fields=["agreement", "version", "updated_at"])
        audit_record(action=AuditAction.CHANGE, obj=issue, detail={"fields": ["agreement"]})
        event = _event_record(
            issue=issue,
            kind=EventKind.AGREEMENT_CHANGED,
            actor=actor,
            now=now,
            channel=channel,
            data={"from": old, "to": agreement_id, "name": str(issue.agreement)},
            is_internal=True,
        )
        _announce(
            IssueAgreementChanged,
            event=event,
            old_agreement_id=old,
            new_agreement_id=agreement_id,
        )
    return issue
