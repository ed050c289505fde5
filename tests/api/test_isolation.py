"""Tenant isolation: another client's issues, comments and files answer 404 everywhere."""

import pytest

from tests.portal.helpers import png
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(other_org, other_issue):
    """Another client's issue with a reply, an internal note and a file."""
    reply = ticket_services.comment_create(
        issue=other_issue, author=other_org.contact, body="Nog steeds fout.", files=[png()]
    )
    note = ticket_services.comment_create(
        issue=other_issue, author=other_org.staff, body="Intern.", is_internal=True
    )
    return {
        "reference": other_issue.reference,
        "comment": reply.pk,
        "note": note.pk,
        "attachment": reply.attachments.get().pk,
    }


def _paths(f: dict) -> list[tuple[str, str, dict]]:
    base = f"/api/v1/issues/{f['reference']}"
    return [
        ("get", base, {}),
        ("patch", base, {"status": "closed", "version": 1}),
        ("get", f"{base}/sla", {}),
        ("get", f"{base}/comments", {}),
        ("post", f"{base}/comments", {"body": "Ik lees mee."}),
        ("get", f"{base}/comments/{f['comment']}", {}),
        ("get", f"{base}/comments/{f['note']}", {}),
        ("get", f"{base}/attachments", {}),
        ("get", f"{base}/attachments/{f['attachment']}", {}),
        ("get", f"{base}/attachments/{f['attachment']}/content", {}),
    ]


@pytest.mark.parametrize("who", ["contact", "staff"])
def test_every_endpoint_of_another_clients_issue_answers_404(org, foreign, who):
    from tests.api.conftest import token_client

    api = token_client(getattr(org, who))
    for method, path, data in _paths(foreign):
        response = getattr(api, method)(path, data, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
        assert response["Content-Type"] == "application/problem+json"


def test_the_attachment_upload_to_another_clients_issue_answers_404(contact_api, foreign):
    response = contact_api.post(
        f"/api/v1/issues/{foreign['reference']}/attachments",
        {"files": [png()]},
        format="multipart",
    )

    assert response.status_code == 404


def test_a_comment_of_one_issue_is_not_found_under_another_of_the_same_client(
    contact_api, org, issue
):
    from tests.portal.helpers import issue_file

    second = issue_file(org, title="Tweede melding")
    comment = ticket_services.comment_create(issue=second, author=org.contact, body="Hier.")

    response = contact_api.get(f"/api/v1/issues/{issue.reference}/comments/{comment.pk}")

    assert response.status_code == 404


def test_contacts_never_see_internal_notes_or_files(contact_api, staff_api, org, issue):
    note = ticket_services.comment_create(
        issue=issue, author=org.staff, body="Klant belt vaak.", is_internal=True, files=[png()]
    )
    internal_file = note.attachments.get()
    base = f"/api/v1/issues/{issue.reference}"

    contact_comments = contact_api.get(f"{base}/comments").json()["results"]
    staff_comments = staff_api.get(f"{base}/comments").json()["results"]

    assert contact_comments == []
    assert [c["is_internal"] for c in staff_comments] == [True]
    assert contact_api.get(f"{base}/comments/{note.pk}").status_code == 404
    assert contact_api.get(f"{base}/attachments").json()["results"] == []
    assert contact_api.get(f"{base}/attachments/{internal_file.pk}/content").status_code == 404
    assert staff_api.get(f"{base}/attachments/{internal_file.pk}/content").status_code == 200


def test_contacts_do_not_reach_staff_endpoints(contact_api):
    for path in (
        "/api/v1/clients",
        "/api/v1/clients/VRB",
        "/api/v1/teams",
        "/api/v1/on-call",
        "/api/v1/escalations",
    ):
        response = contact_api.get(path)
        assert response.status_code == 403, path
        assert response["Content-Type"] == "application/problem+json"


def test_an_agreement_of_another_client_answers_404(contact_api, org, other_org):
    own = contact_api.get(f"/api/v1/agreements/{org.agreement.pk}")
    other = contact_api.get(f"/api/v1/agreements/{other_org.agreement.pk}")
    listed = contact_api.get("/api/v1/agreements").json()["results"]

    assert own.status_code == 200
    assert other.status_code == 404
    assert [a["id"] for a in listed] == [org.agreement.pk]


def test_staff_do_not_see_clients_teams_or_agreements_they_do_not_serve(staff_api, org, other_org):
    assert staff_api.get("/api/v1/clients/ZWL").status_code == 404
    assert staff_api.get(f"/api/v1/teams/{other_org.client.team.pk}").status_code == 404
    assert staff_api.get(f"/api/v1/agreements/{other_org.agreement.pk}").status_code == 404
    assert [c["code"] for c in staff_api.get("/api/v1/clients").json()["results"]] == ["VRB"]
