"""Following an issue: who is told of its updates."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from clients.selectors import team_members
from paqt_support.exceptions import ApplicationError
from tickets.models import (
    Channel,
    EventKind,
    Issue,
)
from tickets.services.common import _event_record, _now


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
