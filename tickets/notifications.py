"""Emails about issues: to the team on a new issue, to requester and watchers on updates.

Both go through the outbox, which renders each once per language and audience and checks,
before each send, that the recipient may still read the issue.
"""

from django.conf import settings
from django.urls import reverse

from clients.selectors import team_members
from mail.models import OutboxKind
from mail.outbox import MailTemplates, Recipient, outbox_compose, outbox_queue
from tickets.models import EventKind, Issue, IssueEvent

UPDATE_KINDS = (EventKind.COMMENTED, EventKind.STATUS_CHANGED, EventKind.PRIORITY_CHANGED)


def issue_url_for(*, user, issue: Issue) -> str:
    """Return the absolute URL at which ``user`` opens ``issue``: the admin for staff."""
    if user is not None and user.is_staff:
        path = reverse("admin:tickets_issue_change", args=[issue.pk])
    else:
        path = reverse("portal:issue-detail", args=[issue.reference])
    return f"{settings.SITE_URL}{path}"


def issue_recipient(*, user, issue: Issue) -> Recipient:
    """Return ``user`` as a recipient of mail about ``issue``, with the link they open it by."""
    return Recipient(
        key=f"user:{user.pk}",
        address=user.email,
        language=user.preferred_language,
        user=user,
        audience=(("url", issue_url_for(user=user, issue=issue)),),
    )


def issue_created_notify(*, issue: Issue) -> int:
    """Queue mail to every member of the client's team (and the team address) about a new
    issue; return how many team members it goes to."""
    members = [
        issue_recipient(user=u, issue=issue)
        for u in team_members(client_id=issue.client_id)
        if u.email
    ]
    recipients = list(members)
    team = getattr(issue.client, "team", None)
    if team is not None and team.email:
        recipients.append(
            Recipient(
                key=f"team:{team.email.lower()}",
                address=team.email,
                language=settings.LANGUAGE_CODE,
                audience=(("url", issue_url_for(user=None, issue=issue)), ("team", True)),
            )
        )
    outbox_queue(
        messages=outbox_compose(
            kind=OutboxKind.ISSUE_CREATED,
            key=f"{issue.pk}",
            templates=MailTemplates.named("tickets/email/issue_created"),
            context={"issue": issue},
            recipients=recipients,
            issue=issue,
        )
    )
    return len(members)


def issue_update_notify(*, event: IssueEvent) -> int:
    """Queue mail to the requester and watchers (not the actor) about a public reply or
    change; return to how many."""
    if event.is_internal or event.kind not in UPDATE_KINDS:
        return 0
    issue = event.issue
    people = {issue.requester_id: issue.requester}
    people.update({w.pk: w for w in issue.watchers.all()})
    comment = None
    if event.kind == EventKind.COMMENTED:
        comment = issue.comments.filter(pk=event.data.get("comment")).first()
    recipients = [
        issue_recipient(user=user, issue=issue)
        for user in people.values()
        if user.pk != event.actor_id and user.email and user.is_active
    ]
    outbox_queue(
        messages=outbox_compose(
            kind=OutboxKind.ISSUE_UPDATED,
            key=f"{issue.pk}:{event.pk}",
            templates=MailTemplates.named("tickets/email/issue_updated"),
            context={"issue": issue, "event": event, "comment": comment},
            recipients=recipients,
            issue=issue,
        )
    )
    return len(recipients)
