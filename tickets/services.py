"""Every change to an issue: filing, replying, status, priority, assignment and watchers."""

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from clients.models import Client
from clients.selectors import team_members
from oncall import services as oncall_services
from oncall.selectors import escalation_paged_user
from paqt_support.exceptions import ApplicationError, ConflictError, NotAllowedError
from sla import services as sla_services
from sla.models import Agreement
from sla.selectors import agreement_in_force, target_for
from tickets import workflow
from tickets.attachments import CheckedUpload, attachments_check
from tickets.choices import Category, Priority, Status
from tickets.models import (
    Attachment,
    Channel,
    Comment,
    EventKind,
    Issue,
    IssueCounter,
    IssueEvent,
)

TITLE_MAX = 200
BODY_MAX = 20000


class DuplicateSubmissionError(ApplicationError):
    """The form that would file this issue was already submitted; ``issue`` is the result."""

    code = "duplicate-submission"
    status = 409

    def __init__(self, issue: Issue):
        super().__init__(
            _("This issue was already filed as %(reference)s.") % {"reference": issue.reference}
        )
        self.issue = issue


def _issue_for_token(*, submission_token: uuid.UUID, requester: User) -> Issue | None:
    issue = Issue.objects.filter(submission_token=submission_token).first()
    if issue is not None and issue.requester_id != requester.pk:
        # Tokens are random and never shown to others, so this is a forged form.
        raise ApplicationError(_("This form can no longer be used. Reload the page."))
    return issue


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def _event_record(
    *,
    issue: Issue,
    kind: str,
    actor: User | None,
    now: datetime,
    channel: str,
    data: dict | None = None,
    is_internal: bool = False,
) -> IssueEvent:
    return IssueEvent.objects.create(
        issue=issue,
        kind=kind,
        actor=actor,
        data=data or {},
        is_internal=is_internal,
        channel=channel,
        created_at=now,
    )


def _notify_update_on_commit(event: IssueEvent) -> None:
    from tickets.tasks import issue_update_notify_task

    transaction.on_commit(lambda: issue_update_notify_task.delay(event.pk), robust=True)


def _clean_text(value: str, *, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(_("%(label)s may not be empty.") % {"label": label}, field=field)
    if len(value) > max_length:
        raise ApplicationError(
            _("%(label)s may be at most %(max)d characters long.")
            % {"label": label, "max": max_length},
            field=field,
        )
    return value


def _check_priority(*, client: Client, priority: str, on_date: date) -> Agreement:
    if priority not in Priority.values:
        raise ApplicationError(_("Choose one of the priorities offered."), field="priority")
    agreement = agreement_in_force(client_id=client.pk, on=on_date)
    if agreement is None:
        raise ApplicationError(
            _("Your organisation has no service agreement in force. Please contact us by phone."),
            field="priority",
        )
    if target_for(agreement=agreement, priority=priority) is None:
        raise ApplicationError(
            _("Your agreement does not offer priority %(priority)s.") % {"priority": priority},
            field="priority",
        )
    return agreement


def _next_sequence(*, client: Client, year: int) -> int:
    # The UPDATE locks the counter row until commit, so two issues filed at the same
    # moment get different numbers; the unique constraint on the issue backs this up.
    counter, _created = IssueCounter.objects.get_or_create(client=client, year=year)
    IssueCounter.objects.filter(pk=counter.pk).update(last_sequence=F("last_sequence") + 1)
    return IssueCounter.objects.values_list("last_sequence", flat=True).get(pk=counter.pk)


def _attachments_store(
    *,
    issue: Issue,
    uploads: list[CheckedUpload],
    uploaded_by: User,
    now: datetime,
    channel: str,
    comment: Comment | None = None,
    is_internal: bool = False,
) -> list[Attachment]:
    stored = []
    for upload in uploads:
        attachment = Attachment(
            issue=issue,
            comment=comment,
            original_name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            is_internal=is_internal,
            uploaded_by=uploaded_by,
            created_at=now,
        )
        attachment.file.save(upload.name, upload.file, save=False)
        attachment.save()
        stored.append(attachment)
        _event_record(
            issue=issue,
            kind=EventKind.ATTACHMENT_ADDED,
            actor=uploaded_by,
            now=now,
            channel=channel,
            data={"name": upload.name, "attachment": attachment.pk},
            is_internal=is_internal,
        )
    return stored


def issue_create(
    *,
    client: Client,
    requester: User,
    title: str,
    description: str,
    priority: str,
    category: str = Category.INCIDENT,
    component: str = "",
    files: Iterable = (),
    channel: str = Channel.PORTAL,
    submission_token: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Issue:
    """File an issue for ``client``, start its SLA clocks and tell the client's team.

    Raise ``ApplicationError`` naming the field when the input is not acceptable;
    nothing is written then. A ``submission_token`` files at most one issue: a second
    call with it raises ``DuplicateSubmissionError`` carrying the issue of the first.
    """
    now = _now(now)
    title = _clean_text(title, field="title", label=_("Title"), max_length=TITLE_MAX)
    description = _clean_text(
        description, field="description", label=_("Description"), max_length=BODY_MAX
    )
    if category not in Category.values:
        raise ApplicationError(_("Choose one of the categories offered."), field="category")
    component = (component or "").strip()[:200]
    if requester.client_id not in (None, client.pk) or not requester.is_active:
        raise NotAllowedError(_("You cannot file issues for this organisation."))
    local_now = timezone.localtime(now)
    agreement = _check_priority(client=client, priority=priority, on_date=local_now.date())
    uploads = attachments_check(files)
    if submission_token is not None:
        earlier = _issue_for_token(submission_token=submission_token, requester=requester)
        if earlier is not None:
            raise DuplicateSubmissionError(earlier)
    try:
        return _issue_insert(
            client=client,
            requester=requester,
            title=title,
            description=description,
            priority=priority,
            category=category,
            component=component,
            uploads=uploads,
            channel=channel,
            agreement=agreement,
            submission_token=submission_token,
            now=now,
        )
    except IntegrityError:
        # Two submits of one form raced past the check above; the unique token lets
        # only the first through, and the second answers with the first one's issue.
        if submission_token is not None:
            earlier = _issue_for_token(submission_token=submission_token, requester=requester)
            if earlier is not None:
                raise DuplicateSubmissionError(earlier) from None
        raise


def _issue_insert(
    *,
    client: Client,
    requester: User,
    title: str,
    description: str,
    priority: str,
    category: str,
    component: str,
    uploads: list[CheckedUpload],
    channel: str,
    agreement,
    submission_token: uuid.UUID | None,
    now: datetime,
) -> Issue:
    local_now = timezone.localtime(now)
    with transaction.atomic():
        sequence = _next_sequence(client=client, year=local_now.year)
        issue = Issue.objects.create(
            client=client,
            reference=f"{client.code}-{local_now.year}-{sequence:04d}",
            year=local_now.year,
            sequence=sequence,
            title=title,
            description=description,
            category=category,
            component=component,
            priority=priority,
            requested_priority=priority,
            requester=requester,
            agreement=agreement,
            channel=channel,
            submission_token=submission_token,
            created_at=now,
            updated_at=now,
            last_activity_at=now,
        )
        if requester.client_id:
            issue.watchers.add(requester)
        _event_record(
            issue=issue,
            kind=EventKind.CREATED,
            actor=requester,
            now=now,
            channel=channel,
            data={"priority": priority},
        )
        _attachments_store(
            issue=issue, uploads=uploads, uploaded_by=requester, now=now, channel=channel
        )
        sla_services.sla_clocks_start(issue=issue, now=now)
        oncall_services.escalation_trigger(issue=issue, now=now)

        from tickets.tasks import issue_created_notify_task

        transaction.on_commit(lambda: issue_created_notify_task.delay(issue.pk), robust=True)
    return issue


def comment_create(
    *,
    issue: Issue,
    author: User,
    body: str,
    is_internal: bool = False,
    files: Iterable = (),
    channel: str = Channel.PORTAL,
    now: datetime | None = None,
) -> Comment:
    """Add a public reply or an internal note, with attachments, to ``issue``.

    A staff member's first public reply stops the first-response clock; a client's reply
    to an issue that waits on the client puts it back in progress.
    """
    now = _now(now)
    body = _clean_text(body, field="body", label=_("Message"), max_length=BODY_MAX)
    if is_internal and not author.is_staff:
        raise NotAllowedError(_("Only the team can write internal notes."))
    if author.client_id and author.client_id != issue.client_id:
        raise NotAllowedError(_("You cannot reply to this issue."))
    if not author.is_staff and not issue.is_open:
        raise ApplicationError(
            _("This issue is %(status)s. Reopen it to reply.")
            % {"status": issue.get_status_display().lower()},
            field="body",
        )
    uploads = attachments_check(files)

    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        comment = Comment.objects.create(
            issue=issue,
            author=author,
            body=body,
            is_internal=is_internal,
            channel=channel,
            created_at=now,
        )
        event = _event_record(
            issue=issue,
            kind=EventKind.NOTE_ADDED if is_internal else EventKind.COMMENTED,
            actor=author,
            now=now,
            channel=channel,
            data={"comment": comment.pk},
            is_internal=is_internal,
        )
        _attachments_store(
            issue=issue,
            uploads=uploads,
            uploaded_by=author,
            now=now,
            channel=channel,
            comment=comment,
            is_internal=is_internal,
        )
        Issue.objects.filter(pk=issue.pk).update(updated_at=now, last_activity_at=now)
        if not is_internal:
            if author.is_staff:
                sla_services.sla_first_response(issue=issue, now=now)
            else:
                new_status = workflow.status_after_client_reply(issue.status)
                if new_status:
                    _status_apply(
                        issue=issue, actor=author, status=new_status, now=now, channel=channel
                    )
            _notify_update_on_commit(event)
    return comment


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
    _version_bump(issue=issue, expected_version=expected_version, now=now, **fields)
    event = _event_record(
        issue=issue,
        kind=EventKind.STATUS_CHANGED,
        actor=actor,
        now=now,
        channel=channel,
        data={"from": old, "to": status, **(details or {})},
    )
    sla_services.sla_status_changed(issue=issue, old_status=old, new_status=status, now=now)
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
        _check_priority(
            client=issue.client, priority=priority, on_date=timezone.localtime(now).date()
        )
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
        sla_services.sla_priority_changed(issue=issue, now=now)
        oncall_services.escalation_trigger(issue=issue, now=now)
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
    """Give ``issue`` to a member of its client's team, an engineer paged for it, or nobody."""
    now = _now(now)
    if not actor.is_staff:
        raise NotAllowedError(_("Only the team can assign issues."))
    if (
        assignee is not None
        and not team_members(client_id=issue.client_id).filter(pk=assignee.pk).exists()
        and not escalation_paged_user(issue_id=issue.pk, user_id=assignee.pk)
    ):
        raise ApplicationError(
            _("%(name)s is not on the team of this client.") % {"name": assignee},
            field="assignee",
        )
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        old = issue.assignee_id
        if old == (assignee.pk if assignee else None):
            return issue
        _version_bump(issue=issue, expected_version=expected_version, now=now, assignee=assignee)
        _event_record(
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


def issue_watch(
    *,
    issue: Issue,
    actor: User,
    watcher: User,
    watch: bool = True,
    channel: str = Channel.PORTAL,
    now: datetime | None = None,
) -> None:
    """Add or remove ``watcher``: a contact of the issue's client or a member of its team."""
    now = _now(now)
    may_watch = watcher.client_id == issue.client_id or (
        watcher.is_staff and team_members(client_id=issue.client_id).filter(pk=watcher.pk).exists()
    )
    if watch and not may_watch:
        raise ApplicationError(
            _("%(name)s cannot follow this issue.") % {"name": watcher}, field="watcher"
        )
    with transaction.atomic():
        is_watching = issue.watchers.filter(pk=watcher.pk).exists()
        if is_watching == watch:
            return
        if watch:
            issue.watchers.add(watcher)
        else:
            issue.watchers.remove(watcher)
        _event_record(
            issue=issue,
            kind=EventKind.WATCHER_ADDED if watch else EventKind.WATCHER_REMOVED,
            actor=actor,
            now=now,
            channel=channel,
            data={"user": watcher.pk, "name": str(watcher)},
        )


def attachment_add(
    *,
    issue: Issue,
    uploaded_by: User,
    files: Iterable,
    channel: str = Channel.PORTAL,
    is_internal: bool = False,
    now: datetime | None = None,
) -> list[Attachment]:
    """Add files to ``issue`` outside a reply."""
    now = _now(now)
    if uploaded_by.client_id and uploaded_by.client_id != issue.client_id:
        raise NotAllowedError(_("You cannot add files to this issue."))
    if is_internal and not uploaded_by.is_staff:
        raise NotAllowedError(_("Only the team can add internal files."))
    uploads = attachments_check(files)
    if not uploads:
        raise ApplicationError(_("Choose at least one file."), field="attachments")
    with transaction.atomic():
        stored = _attachments_store(
            issue=issue,
            uploads=uploads,
            uploaded_by=uploaded_by,
            now=now,
            channel=channel,
            is_internal=is_internal,
        )
        Issue.objects.filter(pk=issue.pk).update(updated_at=now, last_activity_at=now)
    return stored


def issue_merge(
    *,
    target: Issue,
    sources: Iterable[Issue],
    actor: User,
    channel: str = Channel.ADMIN,
    now: datetime | None = None,
) -> Issue:
    """Merge the duplicates ``sources`` into ``target`` and close them.

    Their replies, notes and files move to ``target``, and their followers and requesters
    follow ``target`` from now on. Each source gets a public reply pointing to ``target``
    (which emails its requester and followers) and is closed with an event that names
    ``target``; ``target`` gets an internal note listing what was merged. Only issues of
    one client merge, so that no client reads another's conversation, and a closed issue
    neither merges nor receives a merge.
    """
    now = _now(now)
    if not actor.is_staff:
        raise NotAllowedError(_("Only the team can merge issues."))
    source_ids = sorted({source.pk for source in sources})
    if not source_ids:
        raise ApplicationError(_("Choose at least one issue to merge."), field="sources")
    if target.pk in source_ids:
        raise ApplicationError(_("An issue cannot be merged into itself."), field="sources")
    with transaction.atomic():
        # Locking in id order keeps two overlapping merges from deadlocking.
        locked = {
            issue.pk: issue
            for issue in Issue.objects.select_for_update(of=("self",))
            .select_related("requester")
            .filter(pk__in=[target.pk, *source_ids])
            .order_by("pk")
        }
        target = locked[target.pk]
        merged = [locked[pk] for pk in source_ids if pk in locked]
        if len(merged) != len(source_ids):
            raise ApplicationError(_("One of the issues no longer exists."), field="sources")
        if target.status == Status.CLOSED:
            raise ApplicationError(
                _("%(reference)s is closed; reopen it before merging into it.")
                % {"reference": target.reference},
                field="target",
            )
        for source in merged:
            if source.client_id != target.client_id:
                raise ApplicationError(
                    _("%(reference)s belongs to another client; only issues of one client merge.")
                    % {"reference": source.reference},
                    field="sources",
                )
            if source.status == Status.CLOSED:
                raise ApplicationError(
                    _("%(reference)s is closed already.") % {"reference": source.reference},
                    field="sources",
                )

        Comment.objects.filter(issue_id__in=source_ids).update(issue=target)
        Attachment.objects.filter(issue_id__in=source_ids).update(issue=target)
        audit_record(
            action=AuditAction.CHANGE,
            obj=target,
            detail={"fields": ["comments", "attachments"], "merged": sorted(source_ids)},
        )
        _watchers_merge(target=target, sources=merged, actor=actor, now=now, channel=channel)
        references = ", ".join(source.reference for source in merged)
        comment_create(
            issue=target,
            author=actor,
            body=_(
                "Merged %(references)s into this issue: their conversation, files and "
                "followers are here now."
            )
            % {"references": references},
            is_internal=True,
            channel=channel,
            now=now,
        )
        for source in merged:
            # The reply is for the client, so it is written in the requester's language.
            with translation.override(source.requester.preferred_language):
                body = _(
                    "This issue duplicates %(reference)s and has been merged into it. "
                    "Everything said here has moved there; follow %(reference)s for news."
                ) % {"reference": target.reference}
            comment_create(issue=source, author=actor, body=body, channel=channel, now=now)
            _status_apply(
                issue=source,
                actor=actor,
                status=Status.CLOSED,
                now=now,
                channel=channel,
                details={"merged_into": target.reference, "merged_into_id": target.pk},
            )
    target.refresh_from_db()
    return target


def _watchers_merge(
    *, target: Issue, sources: list[Issue], actor: User, now: datetime, channel: str
) -> None:
    # Followers stay on the sources as well, so that the merge reply reaches them.
    through = Issue.watchers.through
    following = set(through.objects.filter(issue_id=target.pk).values_list("user_id", flat=True))
    candidates = set(
        through.objects.filter(issue_id__in=[s.pk for s in sources]).values_list(
            "user_id", flat=True
        )
    ) | {s.requester_id for s in sources if s.requester.client_id == target.client_id}
    newcomers = User.objects.filter(pk__in=candidates - following, is_active=True).order_by("pk")
    for watcher in newcomers:
        target.watchers.add(watcher)
        _event_record(
            issue=target,
            kind=EventKind.WATCHER_ADDED,
            actor=actor,
            now=now,
            channel=channel,
            data={"user": watcher.pk, "name": str(watcher)},
        )
