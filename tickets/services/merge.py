"""Merging duplicate issues into one, conversation and followers included."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from paqt_support.exceptions import ApplicationError, NotAllowedError
from tickets.choices import Status
from tickets.events import IssueMerged, announce
from tickets.models import (
    Attachment,
    Channel,
    Comment,
    EventKind,
    Issue,
)
from tickets.services.changes import _status_apply
from tickets.services.common import _event_record, _now
from tickets.services.conversation import comment_create


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
            Issue.objects.filter(pk=source.pk).update(merged_into=target)
            audit_record(action=AuditAction.CHANGE, obj=source, detail={"fields": ["merged_into"]})
            announce(
                IssueMerged(
                    issue_id=source.pk,
                    issue=source,
                    at=now,
                    actor_id=actor.pk,
                    channel=channel,
                    into_id=target.pk,
                )
            )
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
