"""Moving open issues to the agreement in force when a client's agreement is replaced."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from sla.models import Agreement
from tickets import services as ticket_services
from tickets.choices import OPEN_STATUSES
from tickets.models import Issue


def sla_agreements_roll_over(*, now: datetime) -> int:
    """Move every open issue to its client's agreement in force at ``now`` where it changed.

    Run when an agreement is saved and by beat: agreements start and end on local dates.
    An issue of a client with no agreement in force keeps the one it has. Each move is
    announced as a change of the issue, so the clocks and the pager follow it. Return how
    many issues moved.
    """
    today = timezone.localtime(now).date()
    in_force: dict[int, int] = {}
    for agreement in (
        Agreement.objects.filter(valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("client_id", "-valid_from")
    ):
        in_force.setdefault(agreement.client_id, agreement.pk)
    # An agreement belongs to one client, so an issue on any agreement in force is on
    # its own client's: one query finds the rest.
    stale = (
        Issue.objects.filter(client_id__in=list(in_force), status__in=OPEN_STATUSES)
        .exclude(agreement_id__in=in_force.values())
        .order_by("pk")
    )
    moved = 0
    for issue in stale:
        if ticket_services.issue_agreement_change(
            issue=issue, agreement_id=in_force[issue.client_id], now=now
        ):
            moved += 1
    return moved
