"""Shared steps of the issue services: clocks, events, text checks and stored files."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from clients.models import Client
from paqt_support.exceptions import ApplicationError
from paqt_support.transactions import after_commit
from tickets.attachments import AttachmentRejected, CheckedUpload
from tickets.choices import Priority
from tickets.events import IssueChange, announce, registry
from tickets.models import (
    Attachment,
    Comment,
    EventKind,
    Issue,
    IssueEvent,
)
from tickets.tasks import issue_update_notify_task

TITLE_MAX = 200
BODY_MAX = 20000


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


def _announce(change_type: type[IssueChange], *, event: IssueEvent, **fields) -> None:
    """Announce the change that ``event`` records, with the issue row the service holds."""
    announce(
        change_type(
            issue_id=event.issue_id,
            issue=event.issue,
            at=event.created_at,
            actor_id=event.actor_id,
            channel=event.channel,
            event_id=event.pk,
            **fields,
        )
    )


def _notify_update_on_commit(event: IssueEvent) -> None:
    after_commit(issue_update_notify_task.delay, event.pk)


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
    if uploads:
        held = Attachment.objects.filter(issue=issue).count()
        if held + len(uploads) > settings.ATTACHMENT_MAX_PER_ISSUE:
            raise AttachmentRejected(
                _("This issue holds %(count)d files; it takes at most %(max)d.")
                % {"count": held, "max": settings.ATTACHMENT_MAX_PER_ISSUE},
                field="attachments",
            )
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


def _check_priority(*, client: Client, priority: str, now: datetime) -> int:
    """Return the id of the agreement that offers ``priority`` to ``client`` at ``now``.

    Raise ``ApplicationError`` naming the priority field when it is not offered.
    """
    if priority not in Priority.values:
        raise ApplicationError(_("Choose one of the priorities offered."), field="priority")
    return registry.agreement_for_priority(client_id=client.pk, priority=priority, at=now)
