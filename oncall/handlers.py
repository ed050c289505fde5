"""How the pager follows issue changes, and the access it gives an engineer it paged."""

from django.db.models import QuerySet

from oncall.selectors import escalation_paged_user, issue_ids_paged_to
from oncall.services import escalation_reconcile
from sla.selectors import change_terms
from tickets.events import IssueChange, IssueFiled
from tickets.models import Issue


def pager_follow_change(change: IssueChange) -> None:
    """Apply the paging rule to the issue that ``change`` names, whatever changed.

    Every kind of change is looked at, so that a new one cannot forget the pager: filing
    and reopening may start paging, taking, lowering, resolving may end it.
    """
    issue = change.issue or Issue.objects.get(pk=change.issue_id)
    escalation_reconcile(
        issue=issue,
        now=change.at,
        terms=change_terms(change),
        # A new issue has no escalation to look up.
        fresh=isinstance(change, IssueFiled),
    )


class PagedEngineerGrant:
    """An engineer paged about an issue works on it, also when not on the client's team."""

    def issue_ids(self, *, user_id: int) -> QuerySet:
        return issue_ids_paged_to(user_id=user_id)

    def grants(self, *, issue_id: int, user_id: int) -> bool:
        return escalation_paged_user(issue_id=issue_id, user_id=user_id)
