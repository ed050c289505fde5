"""Emails about issues: to the team on a new issue, to requester and watchers on updates."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from audit import context as audit_context
from audit.models import AuditAction, AuditChannel
from audit.services import audit_record
from clients.selectors import team_members
from tickets.models import EventKind, Issue, IssueEvent


def issue_url_for(*, user, issue: Issue) -> str:
    """Return the absolute URL at which ``user`` opens ``issue``: the admin for staff."""
    if user is not None and user.is_staff:
        path = reverse("admin:tickets_issue_change", args=[issue.pk])
    else:
        path = reverse("portal:issue-detail", args=[issue.reference])
    return f"{settings.SITE_URL}{path}"


def _send(*, template: str, to: list[str], language: str, context: dict) -> None:
    recipient = context["recipient"]
    with audit_context.acting(channel=AuditChannel.EMAIL):
        audit_record(
            action=AuditAction.SEND,
            obj=context["issue"],
            user=recipient,
            detail={} if recipient is not None else {"to": to},
        )
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()


def issue_created_notify(*, issue: Issue) -> int:
    """Email every member of the client's team (and the team address) about a new issue."""
    recipients = [u for u in team_members(client_id=issue.client_id) if u.email]
    for user in recipients:
        _send(
            template="tickets/email/issue_created",
            to=[user.email],
            language=user.preferred_language,
            context={
                "issue": issue,
                "recipient": user,
                "url": issue_url_for(user=user, issue=issue),
            },
        )
    team = getattr(issue.client, "team", None)
    if team is not None and team.email:
        _send(
            template="tickets/email/issue_created",
            to=[team.email],
            language=settings.LANGUAGE_CODE,
            context={
                "issue": issue,
                "recipient": None,
                "url": issue_url_for(user=None, issue=issue),
            },
        )
    return len(recipients)


def issue_update_notify(*, event: IssueEvent) -> int:
    """Email the requester and watchers (not the actor) about a public reply or change."""
    if event.is_internal or event.kind not in (
        EventKind.COMMENTED,
        EventKind.STATUS_CHANGED,
        EventKind.PRIORITY_CHANGED,
    ):
        return 0
    issue = event.issue
    people = {issue.requester_id: issue.requester}
    people.update({w.pk: w for w in issue.watchers.all()})
    comment = None
    if event.kind == EventKind.COMMENTED:
        comment = issue.comments.filter(pk=event.data.get("comment")).first()
    sent = 0
    for user in people.values():
        if user.pk == event.actor_id or not user.email or not user.is_active:
            continue
        _send(
            template="tickets/email/issue_updated",
            to=[user.email],
            language=user.preferred_language,
            context={
                "issue": issue,
                "event": event,
                "comment": comment,
                "recipient": user,
                "url": issue_url_for(user=user, issue=issue),
            },
        )
        sent += 1
    return sent
