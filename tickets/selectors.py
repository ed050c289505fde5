"""Reads of issues and their timeline, always scoped to what the user may see."""

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from audit.services import audited
from clients.selectors import client_list_for_user, team_members, user_is_administrator
from tickets.events import registry
from tickets.models import Attachment, Comment, EventKind, Issue, IssueEvent

# The orderings a list offers, by the name a URL uses; the id breaks ties so that
# pages never overlap.
ISSUE_ORDERINGS: dict[str, tuple[str, ...]] = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "priority": ("priority", "-created_at", "-id"),
    "reference": ("reference",),
    "-reference": ("-reference",),
}

# What a client reads in an issue's history; the rest is the team's bookkeeping.
PUBLIC_HISTORY_KINDS = (EventKind.CREATED, EventKind.STATUS_CHANGED, EventKind.PRIORITY_CHANGED)


def issue_list_for_user(*, user) -> QuerySet[Issue]:
    """Return the issues ``user`` may see, with what a list row shows already joined.

    A contact sees its own client's issues; a staff member those of the clients whose
    team it is on; an administrator all.
    """
    base = audited(Issue.objects.select_related("client", "requester", "assignee"))
    if not user.is_authenticated:
        return base.none()
    if user.client_id:
        return base.filter(client_id=user.client_id)
    if user_is_administrator(user):
        return base
    if user.is_staff:
        return base.filter(client__in=client_list_for_user(user=user))
    return base.none()


def issue_search_for_user(
    *,
    user,
    query: str = "",
    statuses: tuple[str, ...] = (),
    priorities: tuple[str, ...] = (),
    mine: bool = False,
    ordering: str = "-created",
) -> QuerySet[Issue]:
    """Return the issues ``user`` may see that match a search, for a list page.

    ``query`` matches the reference, title or description; ``mine`` keeps the issues that
    ``user`` requested or watches.
    """
    issues = issue_list_for_user(user=user)
    query = query.strip()
    if query:
        issues = issues.filter(
            Q(reference__iexact=query) | Q(title__icontains=query) | Q(description__icontains=query)
        )
    if statuses:
        issues = issues.filter(status__in=statuses)
    if priorities:
        issues = issues.filter(priority__in=priorities)
    if mine:
        # A subquery rather than a join on watchers keeps one row per issue.
        watched = Issue.watchers.through.objects.filter(user_id=user.pk).values("issue_id")
        issues = issues.filter(Q(requester_id=user.pk) | Q(pk__in=watched))
    return issues.order_by(*ISSUE_ORDERINGS.get(ordering, ISSUE_ORDERINGS["-created"]))


def issue_get_for_user(*, user, reference: str) -> Issue:
    """Return the issue with ``reference`` if ``user`` may see it; raise ``Issue.DoesNotExist``."""
    return issue_list_for_user(user=user).select_related("agreement").get(reference=reference)


def comment_list_for_issue(*, issue: Issue, user) -> QuerySet[Comment]:
    """Return the conversation of ``issue`` as ``user`` may see it; clients never see notes."""
    comments = issue.comments.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=_attachments_visible(user))
    )
    if not user.is_staff:
        comments = comments.filter(is_internal=False)
    return audited(comments, client_id=issue.client_id)


def _attachments_visible(user) -> QuerySet[Attachment]:
    attachments = Attachment.objects.select_related("uploaded_by")
    if not user.is_staff:
        attachments = attachments.filter(is_internal=False)
    return attachments


def attachment_list_for_issue(*, issue: Issue, user) -> QuerySet[Attachment]:
    """Return the files of ``issue`` that ``user`` may download."""
    return audited(_attachments_visible(user).filter(issue=issue), client_id=issue.client_id)


def attachment_get_for_user(*, user, pk: int) -> Attachment:
    """Return attachment ``pk`` if ``user`` may see its issue; raise ``Attachment.DoesNotExist``."""
    return (
        audited(_attachments_visible(user))
        .select_related("issue")
        .filter(issue__in=issue_list_for_user(user=user))
        .get(pk=pk)
    )


def event_list_for_issue(*, issue: Issue, user) -> QuerySet[IssueEvent]:
    """Return the history of ``issue`` as ``user`` may see it."""
    events = issue.events.select_related("actor")
    if not user.is_staff:
        events = events.filter(is_internal=False)
    return events


def event_list_public_history(*, issue: Issue, user) -> QuerySet[IssueEvent]:
    """Return the filing and the status and priority changes of ``issue``, oldest first."""
    return event_list_for_issue(issue=issue, user=user).filter(kind__in=PUBLIC_HISTORY_KINDS)


def watcher_list_for_issue(*, issue: Issue, user) -> QuerySet:
    """Return the active people who follow ``issue``, by name."""
    return issue.watchers.filter(is_active=True).order_by("first_name", "last_name", "username")


def issue_list_for_staff(*, user) -> QuerySet[Issue]:
    """Return the issues a staff member works on, for the admin.

    Those of the clients whose team ``user`` is on (every issue for an administrator),
    and those another app grants ``user`` (an engineer paged for an issue works on it).
    Nobody else gets any.
    """
    issues = issue_list_for_user(user=user)
    if not user.is_authenticated or not user.is_staff:
        return issues.none()
    if user_is_administrator(user):
        return issues
    for _name, grant in registry.access_grants:
        issues = issues | Issue.objects.filter(pk__in=grant.issue_ids(user_id=user.pk))
    return issues


def issue_may_be_worked_on_by(*, issue: Issue, user: User) -> bool:
    """Return whether ``user`` may work on ``issue``: on its client's team, or granted it."""
    if not user.is_staff or not user.is_active:
        return False
    if team_members(client_id=issue.client_id).filter(pk=user.pk).exists():
        return True
    return any(
        grant.grants(issue_id=issue.pk, user_id=user.pk) for _name, grant in registry.access_grants
    )


def issue_visible_to(*, issue: Issue, user: User) -> bool:
    """Return whether ``user`` may read ``issue`` now: a contact of its client, staff who may
    work on it, or an administrator."""
    if not user.is_active:
        return False
    if user.client_id:
        return user.client_id == issue.client_id
    if user_is_administrator(user):
        return True
    return issue_may_be_worked_on_by(issue=issue, user=user)


QUEUE_FIELDS = (
    "reference",
    "sla_due_at",
    "title",
    "priority",
    "status",
    "category",
    "version",
    "created_at",
    "last_activity_at",
    "client__code",
    "client__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def assignee_list_for_staff(*, user, client_ids: Iterable[int] | None = None) -> QuerySet:
    """Return the active staff on the teams of the clients ``user`` works for, by name.

    ``client_ids`` narrows that to the teams of these clients.
    """
    clients = client_list_for_user(user=user)
    if client_ids is not None:
        clients = clients.filter(pk__in=client_ids)
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(teams__client__in=clients) | Q(led_teams__client__in=clients))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def attachment_get_for_staff(*, user, pk: int) -> Attachment:
    """Return attachment ``pk`` if its issue is in ``issue_list_for_staff``; raise
    ``Attachment.DoesNotExist`` otherwise."""
    return (
        audited(Attachment.objects.select_related("issue"))
        .filter(issue__in=issue_list_for_staff(user=user))
        .get(pk=pk)
    )


def watcher_candidates_for_issue(*, issue: Issue) -> QuerySet:
    """Return who may start following ``issue`` and does not yet: its team and client contacts."""
    team = Q(teams__client_id=issue.client_id, is_staff=True) | Q(
        led_teams__client_id=issue.client_id, is_staff=True
    )
    return (
        User.objects.filter(team | Q(client_id=issue.client_id), is_active=True)
        .exclude(watched_issues=issue)
        .distinct()
        .order_by("-is_staff", "first_name", "last_name", "username")
    )
