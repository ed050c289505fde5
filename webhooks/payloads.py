"""The JSON body of a delivery, built only from the changed issue and its own client."""

import json

from django.conf import settings
from django.urls import reverse

from tickets.events import (
    IssueAssigned,
    IssueChange,
    IssueCommented,
    IssueMerged,
    IssuePriorityChanged,
    IssueStatusChanged,
)
from tickets.models import Comment, Issue


def _change_details(change: IssueChange, issue: Issue) -> dict:
    if isinstance(change, IssueStatusChanged | IssuePriorityChanged):
        return {"from": change.old, "to": change.new}
    if isinstance(change, IssueAssigned):
        # Whether someone works on it; staff names stay inside the provider.
        return {"assigned": change.new_assignee_id is not None}
    if isinstance(change, IssueCommented):
        comment = Comment.objects.get(pk=change.comment_id, issue_id=issue.pk, is_internal=False)
        return {
            "body": comment.body,
            "by_staff": change.by_staff,
            "written_at": comment.created_at.isoformat(),
        }
    if isinstance(change, IssueMerged):
        # Only a target of the same client is named: another client's reference never leaves.
        target = (
            Issue.objects.filter(pk=change.into_id, client_id=issue.client_id)
            .values_list("reference", flat=True)
            .first()
        )
        return {"into": target}
    return {}


def delivery_body(*, change: IssueChange, kind: str, issue: Issue, client_code: str) -> str:
    """Return the body sent for ``change`` of ``issue``, as compact JSON text."""
    path = reverse("portal:issue-detail", args=[issue.reference])
    body = {
        "event": kind,
        "occurred_at": change.at.isoformat(),
        "client": client_code,
        "issue": {
            "reference": issue.reference,
            "title": issue.title,
            "status": issue.status,
            "priority": issue.priority,
            "filed_at": issue.created_at.isoformat(),
            "url": f"{settings.SITE_URL}{path}",
        },
        "change": _change_details(change, issue),
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
