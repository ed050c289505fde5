"""Shared steps of the issue services: clocks, events, text checks and stored files."""

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from clients.models import Client
from paqt_support.exceptions import ApplicationError
from sla.models import Agreement
from sla.selectors import agreement_in_force, target_for
from tickets.attachments import AttachmentRejected, CheckedUpload
from tickets.choices import Priority
from tickets.models import (
    Attachment,
    Comment,
    EventKind,
    Issue,
    IssueEvent,
)

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
