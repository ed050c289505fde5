"""An issue's timeline and its followers through the API, scoped as in the portal and admin."""

import pytest

from tickets import services as ticket_services

pytestmark = pytest.mark.django_db


def test_staff_read_the_whole_timeline_of_an_issue(staff_api, org, issue):
    ticket_services.comment_create(issue=issue, author=org.staff, body="Notitie", is_internal=True)

    response = staff_api.get(f"/api/v1/issues/{issue.reference}/events")

    assert response.status_code == 200
    events = response.json()["results"]
    assert events[0]["kind"] == "created"
    assert any(e["is_internal"] for e in events)


def test_a_contact_reads_the_timeline_without_internal_events(contact_api, org, issue):
    ticket_services.comment_create(issue=issue, author=org.staff, body="Notitie", is_internal=True)
    ticket_services.issue_assign(issue=issue, actor=org.staff, assignee=org.staff)

    events = contact_api.get(f"/api/v1/issues/{issue.reference}/events").json()["results"]

    assert events
    assert not any(e["is_internal"] for e in events)
    assert "assigned" not in {e["kind"] for e in events}


def test_another_clients_issue_has_no_timeline_for_you(contact_api, other_issue):
    response = contact_api.get(f"/api/v1/issues/{other_issue.reference}/events")
    assert response.status_code == 404


def _followers(issue) -> set:
    return set(issue.watchers.values_list("username", flat=True))


def test_a_contact_follows_an_issue_and_stops_following_it(contact_api, org, issue):
    issue.watchers.clear()
    followed = contact_api.post(
        f"/api/v1/issues/{issue.reference}/followers",
        {"username": org.contact.username},
        format="json",
    )
    assert followed.status_code == 200
    assert [f["username"] for f in followed.json()] == [org.contact.username]
    assert _followers(issue) == {org.contact.username}

    stopped = contact_api.delete(f"/api/v1/issues/{issue.reference}/followers/{org.contact.pk}")

    assert stopped.status_code == 204
    assert _followers(issue) == set()


def test_a_contact_cannot_make_a_colleague_follow(contact_api, org, issue):
    before = _followers(issue)
    response = contact_api.post(
        f"/api/v1/issues/{issue.reference}/followers",
        {"username": org.admin.username},
        format="json",
    )
    assert response.status_code == 403
    assert _followers(issue) == before


def test_staff_add_a_colleague_of_the_client_as_follower(staff_api, org, issue):
    response = staff_api.post(
        f"/api/v1/issues/{issue.reference}/followers",
        {"username": org.admin.username},
        format="json",
    )
    assert response.status_code == 200
    assert org.admin.username in _followers(issue)
    listed = staff_api.get(f"/api/v1/issues/{issue.reference}/followers").json()
    assert org.admin.pk in [f["id"] for f in listed]


def test_someone_of_another_client_and_nobody_get_the_same_refusal(staff_api, issue, other_org):
    path = f"/api/v1/issues/{issue.reference}/followers"
    before = _followers(issue)
    stranger = staff_api.post(path, {"username": other_org.contact.username}, format="json")
    nobody = staff_api.post(path, {"username": "niemand"}, format="json")

    assert stranger.status_code == nobody.status_code == 400
    assert stranger["Content-Type"] == "application/problem+json"
    assert "cannot follow this issue" in stranger.json()["detail"]
    assert "cannot follow this issue" in nobody.json()["detail"]
    assert _followers(issue) == before


def test_removing_someone_who_does_not_follow_is_a_404(staff_api, org, issue):
    response = staff_api.delete(f"/api/v1/issues/{issue.reference}/followers/{org.admin.pk}")
    assert response.status_code == 404
