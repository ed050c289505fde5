"""Reads for the portal's pages: a client's issues with what the client sees of their SLA."""

from django.db.models import QuerySet

from sla.selectors import sla_clocks_prefetch
from tickets.models import Issue
from tickets.selectors import issue_list_for_user, issue_search_for_user


def issue_search_with_clocks(*, user, **search) -> QuerySet[Issue]:
    """Return ``tickets.selectors.issue_search_for_user`` with each issue's clocks loaded."""
    return issue_search_for_user(user=user, **search).prefetch_related(sla_clocks_prefetch())


def issue_detail_for_user(*, user, reference: str) -> Issue:
    """Return the issue with ``reference`` for its own page, SLA clocks included.

    Raise ``Issue.DoesNotExist`` when ``user`` may not see it.
    """
    return (
        issue_list_for_user(user=user)
        .select_related("agreement")
        .prefetch_related(sla_clocks_prefetch())
        .get(reference=reference)
    )
