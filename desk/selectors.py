"""Reads for the team's workspace: the queue and the issue page, with their SLA clocks."""

from django.db.models import QuerySet

from sla.selectors import sla_clocks_prefetch
from tickets.models import Issue
from tickets.selectors import QUEUE_FIELDS, issue_list_for_staff


def issue_queue_for_staff(*, user) -> QuerySet[Issue]:
    """Return the issues of ``issue_list_for_staff`` for a queue, SLA clocks prefetched.

    ``Issue.sla_due_at``, the earliest due time of the clocks that count, puts the issue
    nearest to a breach first; the ``tickets_issue_queue_order`` index serves that order.
    """
    return (
        issue_list_for_staff(user=user)
        .prefetch_related(sla_clocks_prefetch())
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
        .prefetch_related(sla_clocks_prefetch())
        .get(pk=pk)
    )
