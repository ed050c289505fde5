"""The team lead's dashboard: the admin's start page, read in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from desk.selectors import dashboard_for_staff
from oncall.models import EscalationState, RotaMember
from sla.models import ClockKind, SlaClock
from sla.services import sla_issue_refresh
from tests.factories import EscalationFactory, RotaLayerFactory, StaffFactory
from tests.organisations import give_role
from tests.portal.helpers import issue_file, organisation

pytestmark = pytest.mark.django_db
INDEX = reverse("admin:index")


def _clock_set(issue, kind=ClockKind.RESOLUTION, **fields):
    SlaClock.objects.filter(issue=issue, kind=kind).update(**fields)
    sla_issue_refresh(issue_id=issue.pk)


def _load(dashboard, code):
    return next(c for c in dashboard.clients if c.code == code)


def test_counts_open_at_risk_and_breached_issues_per_client(org):
    now = timezone.now()
    issue_file(org)
    at_risk = issue_file(org)
    breached = issue_file(org)
    _clock_set(at_risk, warn_at=now - timedelta(minutes=1), due_at=now + timedelta(hours=1))
    _clock_set(breached, due_at=now - timedelta(minutes=5))

    load = _load(dashboard_for_staff(user=org.staff, now=now), org.client.code)

    assert (load.open, load.at_risk, load.breached) == (3, 1, 1)


def test_breaches_this_month_count_missed_clocks_of_resolved_issues_too(org):
    from tickets import services
    from tickets.choices import Status

    now = timezone.now()
    issue = issue_file(org)
    SlaClock.objects.filter(issue=issue).update(missed_at=now - timedelta(seconds=1))
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.RESOLVED)

    load = _load(dashboard_for_staff(user=org.staff, now=now), org.client.code)

    assert (load.open, load.breaches_this_month) == (0, 2)


def test_shows_only_the_clients_of_the_staff_members_teams(org, other_org):
    issue_file(other_org)
    issue_file(org)

    dashboard = dashboard_for_staff(user=org.staff, now=timezone.now())

    assert [c.code for c in dashboard.clients] == [org.client.code]


def test_shows_who_is_on_call_and_the_escalations_running(org):
    layer = RotaLayerFactory(rota__name="DevOps", name="Primair")
    engineer = StaffFactory(username="piket", first_name="Petra", last_name="Piket")
    RotaMember.objects.create(layer=layer, user=engineer)
    paging = EscalationFactory(
        issue=issue_file(org, priority="P1"),
        state=EscalationState.ACTIVE,
        due_at=timezone.now() + timedelta(hours=1),
        step_due_at=timezone.now(),
    )
    EscalationFactory(issue=issue_file(org, priority="P1"))

    dashboard = dashboard_for_staff(user=org.staff, now=timezone.now())

    assert [(s.rota, s.name) for s in dashboard.on_call] == [("DevOps", str(engineer))]
    assert dashboard.escalations == [paging]


@pytest.mark.parametrize("clients", [1, 6])
def test_reads_in_the_same_number_of_queries_for_few_and_many_clients(
    clients, django_assert_num_queries
):
    lead = give_role(StaffFactory(username="lead"), "Administrators")
    for n in range(clients):
        org = organisation(f"C{chr(65 + n)}")
        issue_file(org)
        EscalationFactory(
            issue=issue_file(org, priority="P1"),
            state=EscalationState.ACTIVE,
            due_at=timezone.now() + timedelta(hours=1),
            step_due_at=timezone.now(),
        )
    RotaMember.objects.create(layer=RotaLayerFactory(), user=lead)

    # the lead's groups (asked twice by the scoping), open issues per client, breaches,
    # escalations, rotas with their layers, members and overrides
    with django_assert_num_queries(9):
        dashboard = dashboard_for_staff(user=lead, now=timezone.now())

    assert len(dashboard.clients) == clients


def test_the_admin_start_page_is_the_dashboard(client, org):
    issue_file(org)
    client.force_login(org.staff)

    response = client.get(INDEX, headers={"accept-language": "en"})

    assert response.status_code == 200
    assert "Open issues per client" in response.text
    assert org.client.name in response.text
    assert reverse("oncall:schedule") in response.text
    assert (
        reverse(
            "sla:report", args=[org.client.code, *timezone.localtime().strftime("%Y %m").split()]
        )
        in response.text
    )
