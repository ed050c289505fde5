"""Reads of issues and their timeline, always scoped to what the user may see."""

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from audit.services import audited
from clients.selectors import client_list_for_user, user_is_administrator
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
    ``user`` requested or watches. The SLA clocks of each issue come prefetched.
    """
    issues = issue_list_for_user(user=user).prefetch_related(_sla_clocks_prefetch())
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


def _sla_clocks_prefetch() -> Prefetch:
    from sla.models import SlaClock

    return Prefetch("sla_clocks", queryset=SlaClock.objects.order_by("kind"))


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


def issue_detail_for_user(*, user, reference: str) -> Issue:
    """Return the issue with ``reference`` for its own page, SLA clocks included.

    Raise ``Issue.DoesNotExist`` when ``user`` may not see it.
    """
    return (
        issue_list_for_user(user=user)
        .select_related("agreement")
        .prefetch_related(_sla_clocks_prefetch())
        .get(reference=reference)
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


def issue_ids_paged_to(*, user) -> QuerySet:
    """Return the ids of the issues about which ``user`` was paged while on call.

    An engineer on call works on issues of clients whose team they are not on once an
    escalation pages them.
    """
    from oncall.models import Page

    return Page.objects.filter(recipient_id=user.pk, sent_at__isnull=False).values(
        "escalation__issue_id"
    )


def issue_list_for_staff(*, user) -> QuerySet[Issue]:
    """Return the issues a staff member works on, for the admin.

    Those of the clients whose team ``user`` is on (every issue for an administrator),
    and those that paged ``user`` while on call. Nobody else gets any.
    """
    issues = issue_list_for_user(user=user)
    if not user.is_authenticated or not user.is_staff:
        return issues.none()
    if user_is_administrator(user):
        return issues
    return issues | Issue.objects.filter(pk__in=issue_ids_paged_to(user=user))


QUEUE_FIELDS = (
    "reference",
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


def issue_queue_for_staff(*, user) -> QuerySet[Issue]:
    """Return the issues of ``issue_list_for_staff`` for a queue, SLA clocks prefetched.

    Each issue carries ``next_due_at``: the earliest due time of its clocks that still
    count (None when none does), to put the issue nearest to a breach first.
    """
    from sla.models import SlaClock

    next_due = (
        SlaClock.objects.filter(issue=OuterRef("pk"), stopped_at__isnull=True, due_at__isnull=False)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return (
        issue_list_for_staff(user=user)
        .annotate(next_due_at=Subquery(next_due))
        .prefetch_related(_sla_clocks_prefetch())
        # Only what a queue row shows: narrow rows keep the sort of a long queue in memory.
        .select_related(None)
        .select_related("client", "assignee")
        .only(*QUEUE_FIELDS)
    )


def issue_get_for_staff(*, user, pk: int) -> Issue:
    """Return issue ``pk`` for its admin page if it is in ``issue_list_for_staff``.

    Raise ``Issue.DoesNotExist`` otherwise. Its agreement and SLA clocks come loaded.
    """
    return (
        issue_list_for_staff(user=user)
        .select_related("agreement")
        .prefetch_related(_sla_clocks_prefetch())
        .get(pk=pk)
    )


def _sla_health_condition(health: str, *, now: datetime) -> Q:
    """Return the condition on ``SlaClock`` rows of ``sla.policy.clock_health``'s verdicts.

    The same rules in SQL: a clock is overdue once stored as breached or while it counts
    past its due time; a paused clock is never at risk.
    """
    stopped = Q(stopped_at__isnull=False)
    counting = Q(resumed_at__isnull=False, stopped_at__isnull=True)
    marked_breached = Q(state="breached")
    if health == "breached":
        return marked_breached | (counting & Q(due_at__lt=now))
    if health == "met":
        return stopped & Q(state="met")
    if health == "paused":
        return Q(resumed_at__isnull=True, stopped_at__isnull=True) & ~marked_breached
    if health == "at_risk":
        return counting & ~marked_breached & Q(due_at__gte=now, warn_at__lte=now)
    if health == "on_track":
        return counting & ~marked_breached & Q(due_at__gte=now, warn_at__gt=now)
    raise ValueError(f"unknown SLA health {health!r}")


def issue_filter_sla_health(issues: QuerySet[Issue], *, health: str, now: datetime):
    """Keep the issues with at least one SLA clock in ``health`` (a ``sla.policy.Health``)."""
    from sla.models import SlaClock

    clocks = SlaClock.objects.filter(_sla_health_condition(health, now=now))
    return issues.filter(Exists(clocks.filter(issue=OuterRef("pk"))))


def issue_filter_due_within(issues: QuerySet[Issue], *, within: timedelta, now: datetime):
    """Keep the issues with a clock that still counts, is not breached, and falls due
    between ``now`` and ``now + within``."""
    from sla.models import SlaClock

    clocks = SlaClock.objects.filter(
        resumed_at__isnull=False,
        stopped_at__isnull=True,
        due_at__gte=now,
        due_at__lte=now + within,
    ).exclude(state="breached")
    return issues.filter(Exists(clocks.filter(issue=OuterRef("pk"))))


def assignee_list_for_staff(*, user, client_ids: Iterable[int] | None = None) -> QuerySet:
    """Return the active staff on the teams of the clients ``user`` works for, by name.

    ``client_ids`` narrows that to the teams of these clients.
    """
    from accounts.models import User

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
    from accounts.models import User

    team = Q(teams__client_id=issue.client_id, is_staff=True) | Q(
        led_teams__client_id=issue.client_id, is_staff=True
    )
    return (
        User.objects.filter(team | Q(client_id=issue.client_id), is_active=True)
        .exclude(watched_issues=issue)
        .distinct()
        .order_by("-is_staff", "first_name", "last_name", "username")
    )


# A whole issue reference, such as VRB-2026-0042.
REFERENCE_PATTERN = re.compile(r"^[A-Z]{2,6}-\d{4}-\d{4,}$")


def issue_filter_text(issues: QuerySet[Issue], *, text: str) -> QuerySet[Issue]:
    """Keep the issues matching every word of ``text`` in reference, title, description or
    requester (user name, names, email).

    A whole reference is looked up by its unique index alone, so that pasting one is
    instant however many issues there are.
    """
    from accounts.models import User

    text = text.strip()
    if REFERENCE_PATTERN.match(text.upper()):
        return issues.filter(reference=text.upper())
    for word in text.split():
        # A subquery on the people rather than a join keeps the scan of issues narrow.
        people = User.objects.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        ).values("pk")
        issues = issues.filter(
            Q(reference__istartswith=word)
            | Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(requester_id__in=people)
        )
    return issues
