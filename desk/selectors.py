"""Reads for the team's workspace: the dashboard, the queue and the issue page."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from oncall.models import Escalation, EscalationState
from oncall.selectors import OnCallNow, on_call_now
from sla.models import SlaClock
from sla.selectors import sla_clocks_prefetch, sla_health_condition
from tickets.choices import OPEN_STATUSES
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


@dataclass(frozen=True)
class ClientLoad:
    """One client's line on the team lead's dashboard."""

    client_id: int
    code: str
    name: str
    open: int = 0
    at_risk: int = 0
    breached: int = 0
    breaches_this_month: int = 0


@dataclass(frozen=True)
class Dashboard:
    """What the team lead looks at first: the load per client, who is on call, what pages.

    ``month_starts_at`` is the local start of the month that ``breaches_this_month``
    counts from; a breach is a clock's ``missed_at``, which never gets erased.
    """

    now: datetime
    month_starts_at: datetime
    clients: list[ClientLoad]
    on_call: list[OnCallNow]
    escalations: list[Escalation]

    @property
    def totals(self) -> ClientLoad:
        return ClientLoad(
            client_id=0,
            code="",
            name="",
            open=sum(c.open for c in self.clients),
            at_risk=sum(c.at_risk for c in self.clients),
            breached=sum(c.breached for c in self.clients),
            breaches_this_month=sum(c.breaches_this_month for c in self.clients),
        )


def dashboard_for_staff(*, user, now: datetime) -> Dashboard:
    """Return the dashboard of ``user`` at ``now``, over the issues ``issue_list_for_staff`` gives.

    At risk and breached now read the issue's copy of its next deadline (``sla_due_at``,
    ``sla_warn_at``, ``sla_missed``). A fixed number of queries, however many clients,
    issues and rotas there are.
    """
    issues = issue_list_for_staff(user=user)
    local_now = timezone.localtime(now)
    month_starts_at = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = (
        issues.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("client_id", "client__code", "client__name")
        .annotate(
            open=Count("pk"),
            at_risk=Count("pk", filter=sla_health_condition("at_risk", now=now)),
            breached=Count("pk", filter=sla_health_condition("breached", now=now)),
        )
    )
    loads = {
        row["client_id"]: {
            "client_id": row["client_id"],
            "code": row["client__code"],
            "name": row["client__name"],
            "open": row["open"],
            "at_risk": row["at_risk"],
            "breached": row["breached"],
        }
        for row in rows
    }
    breaches = (
        SlaClock.objects.filter(
            issue__in=issues.values("pk"), missed_at__gte=month_starts_at, missed_at__lte=now
        )
        .order_by()
        .values("issue__client_id", "issue__client__code", "issue__client__name")
        .annotate(count=Count("pk"))
    )
    for row in breaches:
        load = loads.setdefault(
            row["issue__client_id"],
            {
                "client_id": row["issue__client_id"],
                "code": row["issue__client__code"],
                "name": row["issue__client__name"],
            },
        )
        load["breaches_this_month"] = row["count"]
    escalations = list(
        Escalation.objects.filter(state=EscalationState.ACTIVE, issue__in=issues.values("pk"))
        .select_related("issue", "issue__client")
        .order_by("started_at", "pk")
    )
    return Dashboard(
        now=now,
        month_starts_at=month_starts_at,
        clients=sorted((ClientLoad(**load) for load in loads.values()), key=lambda c: c.name),
        on_call=on_call_now(now=now),
        escalations=escalations,
    )
