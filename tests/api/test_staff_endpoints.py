"""Clients, teams, agreements, who is on call, and acknowledging a page."""

from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import User
from oncall.demo import seed_oncall_demo
from oncall.models import Escalation, EscalationState, Page
from oncall.selectors import rota_list, rota_who_is_on_call
from sla.models import Tier
from tests.api.conftest import token_client
from tests.factories import ContactFactory, StaffFactory, TeamFactory, agreement_with_targets
from tests.organisations import give_role
from tickets import services as ticket_services
from tickets.choices import Priority

pytestmark = pytest.mark.django_db

SUNDAY_3AM = datetime(2026, 3, 8, 3, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def test_staff_read_their_clients_and_teams(staff_api, org, other_org):
    clients = staff_api.get("/api/v1/clients").json()["results"]
    client = staff_api.get("/api/v1/clients/VRB").json()
    teams = staff_api.get("/api/v1/teams").json()["results"]

    assert [c["code"] for c in clients] == ["VRB"]
    assert client["team"]["name"] == org.client.team.name
    [team] = teams
    assert team["client"] == "VRB"
    assert [m["username"] for m in team["members"]] == [org.staff.username]


def test_an_administrator_reads_every_client(administrator, org, other_org):
    codes = [
        c["code"] for c in token_client(administrator).get("/api/v1/clients").json()["results"]
    ]

    assert codes == ["VRB", "ZWL"]


def test_agreements_carry_their_targets(contact_api, org):
    [agreement] = contact_api.get("/api/v1/agreements").json()["results"]

    assert agreement["client"] == "VRB"
    assert [t["priority"] for t in agreement["targets"]] == ["P1", "P2", "P3", "P4"]
    assert agreement["targets"][3]["resolution_minutes"] is None


@pytest.fixture
def paging():
    """An out-of-hours P1 of a 24/7 client that pages Eva, who is on its team."""
    staff = {
        name: give_role(StaffFactory(username=name), "DevOps engineers")
        for name in ("eva", "frank", "chantal")
    }
    team = TeamFactory(members=[staff["eva"]])
    agreement = agreement_with_targets(team.client, tier=Tier.ROUND_THE_CLOCK)
    agreement.targets.filter(priority=Priority.P1).update(is_round_the_clock=True)
    seed_oncall_demo(staff=staff)
    issue = ticket_services.issue_create(
        client=team.client,
        requester=ContactFactory(client=team.client),
        title="Burgerportaal onbereikbaar",
        description="502 voor iedereen.",
        priority=Priority.P1,
        now=SUNDAY_3AM,
    )
    return {"staff": staff, "issue": issue, "escalation": Escalation.objects.get(issue=issue)}


def test_staff_see_who_is_on_call_now(paging):
    api = token_client(paging["staff"]["frank"])

    with time_machine.travel(SUNDAY_3AM, tick=False):
        response = api.get("/api/v1/on-call")

    assert response.status_code == 200
    body = response.json()
    assert body["office_open"] is False
    [rota] = body["rotas"]
    primary = rota["shifts"][0]
    assert primary["level"] == 1
    assert primary["user"]["username"] == "eva"


def test_the_engineer_acknowledges_a_page_and_takes_the_issue(paging):
    api = token_client(paging["staff"]["eva"])
    escalation = paging["escalation"]

    listed = api.get("/api/v1/escalations?state=active").json()["results"]
    response = api.post(f"/api/v1/escalations/{escalation.pk}/acknowledge")

    assert [e["id"] for e in listed] == [escalation.pk]
    assert response.status_code == 200
    assert response.json()["state"] == "acknowledged"
    assert response.json()["acknowledged_by"]["username"] == "eva"
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.ACKNOWLEDGED
    paging["issue"].refresh_from_db()
    assert paging["issue"].assignee == paging["staff"]["eva"]


def test_a_second_acknowledgement_answers_409(paging):
    api = token_client(paging["staff"]["eva"])
    url = f"/api/v1/escalations/{paging['escalation'].pk}/acknowledge"
    api.post(url)

    response = api.post(url)

    assert response.status_code == 409
    assert response.json()["code"] == "escalation-ended"


def test_staff_who_cannot_see_the_issue_cannot_acknowledge(paging, org):
    response = token_client(org.staff).post(
        f"/api/v1/escalations/{paging['escalation'].pk}/acknowledge"
    )

    assert response.status_code == 404


def test_who_is_on_call_is_answered_for_the_moment_asked(paging):
    api = token_client(paging["staff"]["frank"])
    later = SUNDAY_3AM + timedelta(days=9, hours=5)
    [rota] = rota_list()
    expected = {shift.user for _layer, shift in rota_who_is_on_call(rota=rota, at=later)}
    users = dict(User.objects.filter(pk__in=expected).values_list("pk", "username"))

    with time_machine.travel(SUNDAY_3AM, tick=False):
        response = api.get("/api/v1/on-call", {"at": later.isoformat()})

    assert response.status_code == 200
    body = response.json()
    assert datetime.fromisoformat(body["at"]) == later
    shifts = body["rotas"][0]["shifts"]
    assert {s["user"]["username"] for s in shifts if s["user"]} == set(users.values())
    assert all(datetime.fromisoformat(s["starts_at"]) <= later for s in shifts)
    assert all(later < datetime.fromisoformat(s["ends_at"]) for s in shifts)


@pytest.mark.parametrize("at", ["", "tomorrow", "2026-13-40T25:00", "9999-01-01T00:00:00Z"])
def test_a_bad_moment_for_who_is_on_call_is_a_400_problem(paging, at):
    response = token_client(paging["staff"]["frank"]).get("/api/v1/on-call", {"at": at})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "at" in response.content.decode()


def test_an_escalation_is_listed_with_its_planned_steps_and_the_pages_sent(paging):
    api = token_client(paging["staff"]["eva"])
    escalation = paging["escalation"]
    Page.objects.create(
        escalation=escalation, step_index=0, recipient=paging["staff"]["eva"], sent_at=SUNDAY_3AM
    )

    [listed] = api.get("/api/v1/escalations").json()["results"]
    detail = api.get(f"/api/v1/escalations/{escalation.pk}").json()

    assert listed == detail
    assert [step["index"] for step in detail["steps"]] == list(
        range(len(escalation.snapshot["steps"]))
    )
    assert detail["steps"][0]["wait_minutes"] == escalation.snapshot["steps"][0]["wait_minutes"]
    [page] = detail["pages"]
    assert (page["step_index"], page["recipient"]["username"]) == (0, "eva")


def test_staff_read_the_rotas_with_their_layers_and_members(paging):
    [rota] = token_client(paging["staff"]["frank"]).get("/api/v1/rotas").json()

    assert [layer["level"] for layer in rota["layers"]] == [1, 2]
    members = {m["username"] for layer in rota["layers"] for m in layer["members"]}
    assert {"eva", "frank"} <= members


def test_a_rotas_schedule_tiles_the_period_asked_for(paging):
    api = token_client(paging["staff"]["frank"])
    [rota] = rota_list()
    starts_at = SUNDAY_3AM

    response = api.get(
        f"/api/v1/rotas/{rota.pk}/schedule", {"starts_at": starts_at.isoformat(), "days": 21}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    ends_at = starts_at + timedelta(days=21)
    assert datetime.fromisoformat(body["ends_at"]) == ends_at
    for layer in body["layers"]:
        shifts = layer["shifts"]
        assert datetime.fromisoformat(shifts[0]["starts_at"]) == starts_at
        assert datetime.fromisoformat(shifts[-1]["ends_at"]) == ends_at
        for before, after in pairwise(shifts):
            assert before["ends_at"] == after["starts_at"]
    # Weekly handoffs: three weeks hold more than one person on the primary layer.
    assert len({s["user"]["username"] for s in body["layers"][0]["shifts"]}) > 1


@pytest.mark.parametrize("query", [{"days": "0"}, {"days": "500"}, {"starts_at": "gisteren"}])
def test_a_bad_period_of_a_schedule_is_a_400_problem(paging, query):
    [rota] = rota_list()
    response = token_client(paging["staff"]["frank"]).get(
        f"/api/v1/rotas/{rota.pk}/schedule", query
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_contacts_read_no_rotas(org, contact_api):
    assert contact_api.get("/api/v1/rotas").status_code == 403
