"""Celery tasks for issues: thin wrappers that load rows and call one notification."""

from celery import shared_task

from tickets.models import Issue, IssueEvent
from tickets.notifications import issue_created_notify, issue_update_notify


@shared_task(
    name="tickets.notify_issue_created",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def issue_created_notify_task(issue_id: int) -> None:
    issue = Issue.objects.select_related("client", "client__team").filter(pk=issue_id).first()
    if issue is not None:
        issue_created_notify(issue=issue)


@shared_task(
    name="tickets.notify_issue_updated",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def issue_update_notify_task(event_id: int) -> None:
    event = (
        IssueEvent.objects.select_related("issue", "issue__requester", "actor")
        .filter(pk=event_id)
        .first()
    )
    if event is not None:
        issue_update_notify(event=event)
