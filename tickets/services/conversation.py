"""Replies, internal notes and files on an issue."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from paqt_support.exceptions import ApplicationError, NotAllowedError
from tickets import workflow
from tickets.attachments import attachments_check
from tickets.events import IssueCommented
from tickets.markdown import render_markdown
from tickets.models import (
    Attachment,
    Channel,
    Comment,
    EventKind,
    Issue,
)
from tickets.services.changes import _status_apply
from tickets.services.common import (
    BODY_MAX,
    _announce,
    _attachments_store,
    _clean_text,
    _event_record,
    _notify_update_on_commit,
    _now,
)


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
    # Rendered once, here and outside the lock: pages and emails show the stored HTML.
    body_html = render_markdown(body)

    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        comment = Comment.objects.create(
            issue=issue,
            author=author,
            body=body,
            body_html=body_html,
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
        _announce(
            IssueCommented,
            event=event,
            comment_id=comment.pk,
            is_internal=is_internal,
            by_staff=author.is_staff,
        )
        if not is_internal:
            new_status = (
                None if author.is_staff else workflow.status_after_client_reply(issue.status)
            )
            if new_status:
                _status_apply(
                    issue=issue, actor=author, status=new_status, now=now, channel=channel
                )
            _notify_update_on_commit(event)
    return comment


def attachment_add(
    *,
    issue: Issue,
    uploaded_by: User,
    files: Iterable,
    channel: str = Channel.PORTAL,
    is_internal: bool = False,
    now: datetime | None = None,
) -> list[Attachment]:
    """Add files to ``issue`` outside a reply; a client adds none to a resolved or closed one."""
    now = _now(now)
    if uploaded_by.client_id and uploaded_by.client_id != issue.client_id:
        raise NotAllowedError(_("You cannot add files to this issue."))
    if is_internal and not uploaded_by.is_staff:
        raise NotAllowedError(_("Only the team can add internal files."))
    uploads = attachments_check(files)
    if not uploads:
        raise ApplicationError(_("Choose at least one file."), field="attachments")
    with transaction.atomic():
        # Locked, so that the state checked and the files counted stay as they are.
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        if not uploaded_by.is_staff and not issue.is_open:
            raise ApplicationError(
                _("This issue is %(status)s. Reopen it to add files.")
                % {"status": issue.get_status_display().lower()},
                field="attachments",
            )
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
