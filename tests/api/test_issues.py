"""Issues through the API: list, file, read, change with If-Match; filters and pages."""

import base64

import pytest

from clients.models import Client
from oncall.models import Escalation, Page
from tests.factories import StaffFactory
from tests.portal.helpers import issue_file
from tickets import services as ticket_services
from tickets.choices import Status
from tickets.models import Channel, Issue

pytestmark = pytest.mark.django_db


def test_a_contact_lists_the_issues_of_its_own_client(contact_api, issue, other_issue):
    response = contact_api.get("/api/v1/issues")

    assert response.status_code == 200
    assert [i["reference"] for i in response.json()["results"]] == [issue.reference]


def test_staff_list_the_issues_of_their_teams_clients(staff_api, issue, other_issue):
    references = [i["reference"] for i in staff_api.get("/api/v1/issues").json()["results"]]

    assert references == [issue.reference]


def test_an_administrator_lists_every_issue(administrator, issue, other_issue):
    from tests.api.conftest import token_client

    results = token_client(administrator).get("/api/v1/issues").json()["results"]

    assert {i["reference"] for i in results} == {issue.reference, other_issue.reference}


def test_staff_see_an_issue_of_another_client_they_were_paged_about(staff_api, org, other_issue):
    escalation = Escalation.objects.create(
        issue=other_issue, snapshot={}, started_at=other_issue.created_at, state="exhausted"
    )
    Page.objects.create(
        escalation=escalation, step_index=0, recipient=org.staff, sent_at=other_issue.created_at
    )

    response = staff_api.get(f"/api/v1/issues/{other_issue.reference}")

    assert response.status_code == 200


def test_an_issue_reads_with_its_version_as_etag(contact_api, issue):
    response = contact_api.get(f"/api/v1/issues/{issue.reference}")

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["reference"] == issue.reference
    assert body["client"] == "VRB"
    assert body["requester"] == {"username": "contact-vrb", "name": str(issue.requester)}
    assert body["assignee"] is None
    assert body["version"] == 1


def test_a_contact_files_an_issue_for_its_client(contact_api, org):
    response = contact_api.post(
        "/api/v1/issues",
        {
            "title": "Koppeling met BRP faalt",
            "description": "Sinds vanochtend geen persoonsgegevens.",
            "priority": "P2",
            "category": "incident",
            "component": "Zaaksysteem",
        },
        format="json",
    )

    assert response.status_code == 201
    issue = Issue.objects.get(reference=response.json()["reference"])
    assert response["Location"] == f"/api/v1/issues/{issue.reference}"
    assert response["ETag"] == '"1"'
    assert issue.client == org.client
    assert issue.requester == org.contact
    assert issue.channel == Channel.API
    assert issue.sla_clocks.count() == 2


def test_a_contact_cannot_file_for_another_client(contact_api, other_org):
    response = contact_api.post(
        "/api/v1/issues",
        {"client": "ZWL", "title": "x", "description": "y", "priority": "P3"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["invalid-params"] == [{"name": "client", "reason": "Unknown client."}]
    assert not Issue.objects.exists()


def test_a_contact_of_a_switched_off_client_files_nothing(contact_api, org):
    Client.objects.filter(pk=org.client.pk).update(is_active=False)

    response = contact_api.post(
        "/api/v1/issues", {"title": "x", "description": "y", "priority": "P3"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Gemeente Vrb is switched off: no issues can be filed for it. Please call us."
    )
    assert not Issue.objects.exists()


def test_staff_file_for_a_client_they_serve_and_must_name_it(staff_api, org, other_org):
    fields = {"title": "Certificaat verloopt", "description": "Over 7 dagen.", "priority": "P3"}

    unnamed = staff_api.post("/api/v1/issues", fields, format="json")
    foreign = staff_api.post("/api/v1/issues", {**fields, "client": "ZWL"}, format="json")
    own = staff_api.post("/api/v1/issues", {**fields, "client": "VRB"}, format="json")

    assert unnamed.json()["invalid-params"][0]["name"] == "client"
    assert foreign.status_code == 400
    assert own.status_code == 201
    assert Issue.objects.get().requester == org.staff


def test_a_resubmitted_token_files_nothing_twice(contact_api):
    fields = {
        "title": "Dubbel",
        "description": "Twee keer verstuurd.",
        "priority": "P3",
        "submission_token": "5f4a1c0e-8a43-4a52-9b2c-7fd2f0c1e6aa",
    }

    first = contact_api.post("/api/v1/issues", fields, format="json")
    second = contact_api.post("/api/v1/issues", fields, format="json")

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["code"] == "duplicate-submission"
    assert Issue.objects.count() == 1


def test_a_change_needs_if_match_or_a_version(staff_api, issue):
    response = staff_api.patch(
        f"/api/v1/issues/{issue.reference}", {"status": "triaged"}, format="json"
    )

    assert response.status_code == 428
    assert response.json()["code"] == "precondition-required"


def test_staff_change_status_with_if_match_and_get_the_new_etag(staff_api, issue):
    response = staff_api.patch(
        f"/api/v1/issues/{issue.reference}",
        {"status": "triaged"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 200
    assert response.json()["status"] == "triaged"
    assert response["ETag"] == '"2"'
    assert issue.events.filter(kind="status_changed", channel=Channel.API).exists()


def test_a_stale_if_match_answers_412_and_changes_nothing(staff_api, issue, org):
    ticket_services.issue_change_status(issue=issue, actor=org.staff, status=Status.TRIAGED)

    response = staff_api.patch(
        f"/api/v1/issues/{issue.reference}",
        {"status": "in_progress"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    issue.refresh_from_db()
    assert issue.status == Status.TRIAGED


def test_a_stale_version_in_the_body_answers_412_too(staff_api, issue, org):
    ticket_services.issue_change_status(issue=issue, actor=org.staff, status=Status.TRIAGED)

    response = staff_api.patch(
        f"/api/v1/issues/{issue.reference}",
        {"status": "in_progress", "version": 1},
        format="json",
    )

    assert response.status_code == 412


def test_a_weak_etag_never_matches(staff_api, issue):
    response = staff_api.patch(
        f"/api/v1/issues/{issue.reference}",
        {"status": "triaged"},
        format="json",
        HTTP_IF_MATCH='W/"1"',
    )

    assert response.status_code == 412


def test_staff_change_assignee_and_priority_at_once_all_or_nothing(staff_api, issue, org):
    response = staff_api.patch(
        f"/api/v1/issues/{issue.reference}",
        {
            "assignee": org.staff.username,
            "priority": "P2",
            "priority_reason": "Meer gebruikers geraakt.",
            "status": "new",
        },
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 200
    body = response.json()
    assert body["assignee"]["username"] == org.staff.username
    assert body["priority"] == "P2"
    assert body["requested_priority"] == "P3"

    failing = staff_api.patch(
        f"/api/v1/issues/{issue.reference}",
        {"assignee": None, "status": "waiting_on_client", "priority": "P9"},
        format="json",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert failing.status_code == 400
    issue.refresh_from_db()
    assert issue.assignee == org.staff


def test_a_priority_change_needs_a_reason(staff_api, issue):
    response = staff_api.patch(
        f"/api/v1/issues/{issue.reference}", {"priority": "P1", "version": 1}, format="json"
    )

    assert response.json()["invalid-params"][0]["name"] == "priority_reason"


def test_an_assignee_off_the_team_is_refused(staff_api, issue, other_org):
    response = staff_api.patch(
        f"/api/v1/issues/{issue.reference}",
        {"assignee": other_org.staff.username, "version": 1},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == "assignee"


def test_a_contact_closes_and_reopens_but_sets_no_other_status(contact_api, issue):
    url = f"/api/v1/issues/{issue.reference}"

    triage = contact_api.patch(url, {"status": "triaged", "version": 1}, format="json")
    close = contact_api.patch(url, {"status": "closed", "version": 1}, format="json")
    reopen = contact_api.patch(url, {"status": "in_progress", "version": 2}, format="json")

    assert triage.status_code == 400
    assert triage.json()["code"] == "invalid-transition"
    assert close.status_code == 200
    assert reopen.json()["status"] == "in_progress"


def test_a_contact_may_not_change_priority_or_assignee(contact_api, issue, org):
    url = f"/api/v1/issues/{issue.reference}"

    priority = contact_api.patch(
        url, {"priority": "P1", "priority_reason": "Spoed", "version": 1}, format="json"
    )
    assignee = contact_api.patch(url, {"assignee": org.staff.username, "version": 1}, format="json")

    assert priority.status_code == 403
    assert assignee.status_code == 403
    assert priority.json()["code"] == "not-allowed"


def test_staff_without_a_role_get_403_as_in_the_admin(issue, org):
    from tests.api.conftest import token_client

    org.staff.groups.clear()
    api = token_client(org.staff)

    assert api.get("/api/v1/issues").status_code == 403
    assert api.get(f"/api/v1/issues/{issue.reference}").status_code == 403


def test_filters_narrow_the_list(contact_api, org):
    p1 = issue_file(org, title="Storing betalingen", priority="P1")
    p3 = issue_file(org, title="Vraag over export", priority="P3", category="question")
    ticket_services.issue_change_status(issue=p3, actor=org.contact, status=Status.CLOSED)

    def refs(query: str) -> list[str]:
        response = contact_api.get(f"/api/v1/issues?{query}")
        assert response.status_code == 200, response.json()
        return [i["reference"] for i in response.json()["results"]]

    assert refs("priority=P1") == [p1.reference]
    assert refs("priority=P1&priority=P3") == [p3.reference, p1.reference]
    assert refs("status=closed") == [p3.reference]
    assert refs("is_open=true") == [p1.reference]
    assert refs("category=question") == [p3.reference]
    assert refs("q=betalingen") == [p1.reference]
    assert refs(f"q={p3.reference}") == [p3.reference]
    assert refs("sla=on_track") == [p1.reference]
    assert refs("ordering=priority") == [p1.reference, p3.reference]
    assert refs("created_after=2999-01-01T00:00:00Z") == []


@pytest.mark.parametrize(
    "query",
    [
        "priority=P9",
        "is_open=maybe",
        "is_open=",
        "category=a&category=b",
        "created_after=yesterday",
        "created_after=0001-01-01T00:00:00%2B14:00",
        "page_size=0",
        "page_size=101",
        "page_size=ten",
        "sla=fine",
    ],
)
def test_a_malformed_filter_answers_400(contact_api, query):
    response = contact_api.get(f"/api/v1/issues?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["invalid-params"]


def test_pages_follow_a_cursor_without_overlap(contact_api, org):
    filed = {issue_file(org, title=f"Melding {n}").reference for n in range(5)}

    first = contact_api.get("/api/v1/issues?page_size=2").json()
    seen = [i["reference"] for i in first["results"]]
    url = first["next"]
    while url:
        page = contact_api.get(url).json()
        seen += [i["reference"] for i in page["results"]]
        url = page["next"]

    assert len(seen) == 5
    assert set(seen) == filed


def _cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("bz0tMQ==", id="negative-offset"),
        pytest.param("not base64!", id="undecodable"),
        pytest.param(_cursor("p=yesterday"), id="position-not-a-time"),
        pytest.param(_cursor("p=2026-01-01 10:00:00"), id="position-without-time-zone"),
        pytest.param(_cursor("p=2026-01-01%00"), id="position-with-nul"),
        pytest.param(_cursor("r=1&p=2026-02-30 10:00:00+00:00"), id="reversed-impossible-date"),
    ],
)
def test_a_forged_cursor_answers_400_naming_it(contact_api, issue, cursor):
    response = contact_api.get("/api/v1/issues", {"cursor": cursor})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["invalid-params"] == [
        {
            "name": "cursor",
            "reason": "This cursor was not handed out by the API. Start again at the first page.",
        }
    ]


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ({"ordering": "reference"}, "VRB\x00"),
        ({"ordering": "-updated_at"}, "2026-01-01T25:00:00+00:00"),
    ],
)
def test_a_forged_position_in_the_chosen_ordering_answers_400(staff_api, issue, query, position):
    response = staff_api.get("/api/v1/issues", {**query, "cursor": _cursor(f"p={position}")})

    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == "cursor"


@pytest.mark.parametrize("position", ["x", "99999999999999999999999"])
def test_a_forged_position_of_a_number_answers_400(staff_api, position):
    response = staff_api.get("/api/v1/teams", {"cursor": _cursor(f"p={position}")})

    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == "cursor"


@pytest.mark.parametrize("user", ["contact", "staff"])
def test_the_list_costs_the_same_queries_for_1_and_50_issues(org, count_queries, user):
    from tests.api.conftest import token_client
    from tests.factories import IssueFactory

    api = token_client(getattr(org, user))
    IssueFactory(client=org.client, requester=org.contact, assignee=org.staff)
    api.get("/api/v1/issues")
    with count_queries() as one:
        assert len(api.get("/api/v1/issues?page_size=100").json()["results"]) == 1
    IssueFactory.create_batch(49, client=org.client, requester=org.contact, assignee=org.staff)
    with count_queries() as fifty:
        assert len(api.get("/api/v1/issues?page_size=100").json()["results"]) == 50

    assert one.count == fifty.count


def test_the_sla_of_an_issue_reads_its_clocks(contact_api, issue):
    response = contact_api.get(f"/api/v1/issues/{issue.reference}/sla")

    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == issue.reference
    assert [c["kind"] for c in body["clocks"]] == ["resolution", "response"]
    response_clock = body["clocks"][1]
    assert response_clock["health"] in {"on_track", "at_risk", "breached"}
    assert response_clock["target_seconds"] == 8 * 3600


def test_staff_not_on_the_team_cannot_reach_the_issue(issue):
    from tests.api.conftest import token_client
    from tests.organisations import give_role

    outsider = token_client(give_role(StaffFactory(), "Team members"))

    assert outsider.get(f"/api/v1/issues/{issue.reference}").status_code == 404
