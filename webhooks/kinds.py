"""The kinds of issue change a webhook endpoint can subscribe to, named as integrators see them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.events import (
    IssueAgreementChanged,
    IssueAssigned,
    IssueChange,
    IssueCommented,
    IssueFiled,
    IssueMerged,
    IssuePriorityChanged,
    IssueStatusChanged,
)


class EventKind(models.TextChoices):
    FILED = "issue.filed", _("Issue filed")
    STATUS_CHANGED = "issue.status_changed", _("Status changed")
    PRIORITY_CHANGED = "issue.priority_changed", _("Priority changed")
    ASSIGNED = "issue.assigned", _("Assignee changed")
    COMMENTED = "issue.commented", _("Public reply")
    MERGED = "issue.merged", _("Merged into another issue")
    AGREEMENT_CHANGED = "issue.agreement_changed", _("Agreement changed")


KIND_OF = {
    IssueFiled: EventKind.FILED,
    IssueStatusChanged: EventKind.STATUS_CHANGED,
    IssuePriorityChanged: EventKind.PRIORITY_CHANGED,
    IssueAssigned: EventKind.ASSIGNED,
    IssueCommented: EventKind.COMMENTED,
    IssueMerged: EventKind.MERGED,
    IssueAgreementChanged: EventKind.AGREEMENT_CHANGED,
}


def kind_of(change: IssueChange) -> EventKind | None:
    """Return the webhook kind of ``change``, or None for a change no endpoint may hear of."""
    if isinstance(change, IssueCommented) and change.is_internal:
        return None
    return KIND_OF.get(type(change))
