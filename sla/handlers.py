"""How the SLA app follows issue changes, and the agreement rule it gives to ``tickets``."""

from datetime import datetime

from django.utils.translation import gettext as _

from paqt_support.exceptions import ApplicationError
from sla import services
from sla.selectors import agreement_applying, agreement_offering, change_terms, target_for
from tickets.events import (
    IssueAgreementChanged,
    IssueChange,
    IssueCommented,
    IssueFiled,
    IssuePriorityChanged,
    IssueStatusChanged,
)
from tickets.models import Issue


def sla_follow_change(change: IssueChange) -> None:
    """Start, stop, pause or retarget the clocks of the issue that ``change`` names."""
    match change:
        case IssueFiled():
            services.sla_clocks_start(
                issue=_issue(change), now=change.at, terms=change_terms(change)
            )
        case IssueStatusChanged(old=old, new=new):
            services.sla_status_changed(
                issue=_issue(change), old_status=old, new_status=new, now=change.at
            )
            if change.reopened:
                # The priority or the agreement may have changed while the issue was
                # done, which left its stopped clocks alone.
                services.sla_terms_changed(
                    issue=_issue(change), now=change.at, terms=change_terms(change)
                )
        case IssuePriorityChanged() | IssueAgreementChanged():
            services.sla_terms_changed(
                issue=_issue(change), now=change.at, terms=change_terms(change)
            )
        case IssueCommented() if change.is_staff_reply:
            services.sla_first_response(issue=_issue(change), now=change.at)


def _issue(change: IssueChange) -> Issue:
    return change.issue or Issue.objects.get(pk=change.issue_id)


class AgreementRule:
    """Which agreement a client's issue files under: the one in force at that moment."""

    def agreement_for_priority(self, *, client_id: int, priority: str, at: datetime) -> int:
        offered = agreement_offering(client_id=client_id, priority=priority, at=at)
        if offered is not None:
            return offered
        agreement = agreement_applying(client_id=client_id, at=at)
        if agreement is None:
            raise ApplicationError(
                _(
                    "Your organisation has no service agreement in force. "
                    "Please contact us by phone."
                ),
                field="priority",
            )
        if target_for(agreement=agreement, priority=priority) is None:
            raise ApplicationError(
                _("Your agreement does not offer priority %(priority)s.") % {"priority": priority},
                field="priority",
            )
        return agreement.pk
