"""The handler that turns an announced issue change into deliveries to the client's endpoints."""

from tickets.events import IssueChange
from tickets.models import Issue
from webhooks.kinds import kind_of
from webhooks.models import WebhookEndpoint
from webhooks.services import webhook_deliveries_create


def webhooks_follow_change(change: IssueChange) -> None:
    """Queue a delivery of ``change`` to each active endpoint of the issue's client wanting it."""
    kind = kind_of(change)
    if kind is None:
        return
    issue = change.issue or Issue.objects.get(pk=change.issue_id)
    # Only the issue's own client's endpoints: nobody else hears of it.
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(client_id=issue.client_id, is_active=True)
        if endpoint.listens_to(kind)
    ]
    if endpoints:
        webhook_deliveries_create(change=change, kind=kind, issue=issue, endpoints=endpoints)
