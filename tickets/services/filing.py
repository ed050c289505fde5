"""Filing an issue: the checks, its reference and its SLA clocks, once per submitted form."""

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from clients.models import Client
from paqt_support.exceptions import ApplicationError, NotAllowedError
from paqt_support.transactions import after_commit
from tickets.attachments import CheckedUpload, attachments_check
from tickets.choices import Category
from tickets.events import IssueFiled
from tickets.markdown import render_markdown
from tickets.models import (
    Channel,
    EventKind,
    Issue,
    IssueCounter,
)
from tickets.services.common import (
    BODY_MAX,
    TITLE_MAX,
    _announce,
    _attachments_store,
    _check_priority,
    _clean_text,
    _event_record,
    _now,
)
from tickets.tasks import issue_created_notify_task


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


_SEQUENCE_NEXT = (
    f"UPDATE {IssueCounter._meta.db_table} SET last_sequence = last_sequence + 1 "  # noqa: S608
    "WHERE client_id = %s AND year = %s RETURNING last_sequence"
)


def _next_sequence(*, client: Client, year: int) -> int:
    # The UPDATE locks the counter row until commit, so two issues filed at the same
    # moment get different numbers; the unique constraint on the issue backs this up.
    # One statement both counts and reads, as filing is what a desk does most.
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(_SEQUENCE_NEXT, [client.pk, year])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        # The year's first issue of this client: make its counter, then count.
        IssueCounter.objects.get_or_create(client=client, year=year)
    raise RuntimeError(f"no issue counter for client {client.pk} in {year}")


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
    if not Client.objects.filter(pk=client.pk, is_active=True).exists():
        raise NotAllowedError(
            _("%(client)s is switched off: no issues can be filed for it. Please call us.")
            % {"client": client.name}
        )
    agreement_id = _check_priority(client=client, priority=priority, now=now)
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
            description_html=render_markdown(description),
            priority=priority,
            category=category,
            component=component,
            uploads=uploads,
            channel=channel,
            agreement_id=agreement_id,
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
    description_html: str,
    priority: str,
    category: str,
    component: str,
    uploads: list[CheckedUpload],
    channel: str,
    agreement_id: int,
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
            description_html=description_html,
            category=category,
            component=component,
            priority=priority,
            requested_priority=priority,
            requester=requester,
            agreement_id=agreement_id,
            channel=channel,
            submission_token=submission_token,
            created_at=now,
            updated_at=now,
            last_activity_at=now,
            opened_at=now,
        )
        if requester.client_id:
            issue.watchers.add(requester)
        event = _event_record(
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
        _announce(IssueFiled, event=event)
        after_commit(issue_created_notify_task.delay, issue.pk)
    return issue
