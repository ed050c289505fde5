"""Replies, internal notes and files through the API."""

import pytest

from tests.portal.helpers import PNG, pdf, png
from tickets.choices import Status
from tickets.models import Attachment, Channel, Comment

pytestmark = pytest.mark.django_db


def test_a_contact_replies_and_the_reply_is_public(contact_api, issue):
    response = contact_api.post(
        f"/api/v1/issues/{issue.reference}/comments",
        {"body": "Het werkt weer niet."},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["is_internal"] is False
    assert body["author"]["username"] == "contact-vrb"
    assert response["Location"] == f"/api/v1/issues/{issue.reference}/comments/{body['id']}"
    assert Comment.objects.get().channel == Channel.API


def test_a_contact_cannot_write_an_internal_note(contact_api, issue):
    response = contact_api.post(
        f"/api/v1/issues/{issue.reference}/comments",
        {"body": "Geheim", "is_internal": True},
        format="json",
    )

    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_a_staff_reply_with_a_file_stops_the_response_clock(staff_api, issue):
    response = staff_api.post(
        f"/api/v1/issues/{issue.reference}/comments",
        {"body": "We kijken ernaar.", "files": [png()]},
        format="multipart",
    )

    assert response.status_code == 201
    assert response.json()["attachments"][0]["name"] == "screenshot.png"
    assert issue.sla_clocks.get(kind="response").stopped_at is not None


def test_a_reply_to_a_closed_issue_by_a_contact_is_refused(contact_api, issue, org):
    from tickets import services

    services.issue_change_status(issue=issue, actor=org.contact, status=Status.CLOSED)

    response = contact_api.post(
        f"/api/v1/issues/{issue.reference}/comments", {"body": "Nog iets"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == "body"


def test_files_for_a_resolved_issue_by_a_contact_are_refused(contact_api, staff_api, issue, org):
    from tickets import services

    services.issue_change_status(issue=issue, actor=org.staff, status=Status.RESOLVED)
    url = f"/api/v1/issues/{issue.reference}/attachments"

    refused = contact_api.post(url, {"files": [png()]}, format="multipart")
    by_the_team = staff_api.post(url, {"files": [png()]}, format="multipart")

    assert refused.status_code == 400
    assert refused.json()["invalid-params"][0]["name"] == "attachments"
    assert by_the_team.status_code == 201
    assert Attachment.objects.filter(uploaded_by=org.contact).count() == 0


def test_files_past_the_limit_of_the_issue_are_refused(contact_api, issue, settings):
    settings.ATTACHMENT_MAX_PER_ISSUE = 2
    url = f"/api/v1/issues/{issue.reference}/attachments"

    first = contact_api.post(url, {"files": [png(), pdf()]}, format="multipart")
    second = contact_api.post(url, {"files": [png()]}, format="multipart")

    assert first.status_code == 201
    assert second.status_code == 400
    assert second.json()["code"] == "attachment-rejected"


def test_files_upload_as_multipart_and_download_as_attachments(contact_api, issue):
    url = f"/api/v1/issues/{issue.reference}/attachments"

    response = contact_api.post(url, {"files": [png(), pdf()]}, format="multipart")

    assert response.status_code == 201
    uploaded = response.json()
    assert [a["name"] for a in uploaded] == ["screenshot.png", "report.pdf"]
    download = contact_api.get(uploaded[0]["content_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == 'attachment; filename="screenshot.png"'
    assert download["API-Version"] == "1.0.0"
    assert b"".join(download.streaming_content) == PNG
    detail = contact_api.get(f"{url}/{uploaded[1]['id']}").json()
    assert detail["content_type"] == "application/pdf"


def test_a_file_whose_content_lies_about_its_type_is_refused(contact_api, issue):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile(
        "invoice.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )

    response = contact_api.post(
        f"/api/v1/issues/{issue.reference}/attachments", {"files": [fake]}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == "attachments"
    assert not Attachment.objects.exists()


def test_only_staff_add_internal_files(contact_api, staff_api, issue):
    url = f"/api/v1/issues/{issue.reference}/attachments"

    by_contact = contact_api.post(
        url, {"files": [png()], "is_internal": "true"}, format="multipart"
    )
    by_staff = staff_api.post(url, {"files": [png()], "is_internal": "true"}, format="multipart")

    assert by_contact.status_code == 403
    assert by_staff.status_code == 201
    assert by_staff.json()[0]["is_internal"] is True


def test_a_download_answers_any_accept_header(contact_api, issue, org):
    from tickets import services

    [attachment] = services.attachment_add(issue=issue, uploaded_by=org.contact, files=[pdf()])
    base = f"/api/v1/issues/{issue.reference}/attachments"

    found = contact_api.get(f"{base}/{attachment.pk}/content", HTTP_ACCEPT="application/pdf")
    missing = contact_api.get(f"{base}/999999/content", HTTP_ACCEPT="application/pdf")

    assert found.status_code == 200
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("kind", ["comments", "attachments"])
def test_the_conversation_lists_cost_the_same_queries_for_1_and_20(
    contact_api, org, issue, count_queries, kind
):
    from tickets import services

    def add():
        services.comment_create(issue=issue, author=org.contact, body="Nog iets.", files=[png()])

    add()
    url = f"/api/v1/issues/{issue.reference}/{kind}?page_size=100"
    contact_api.get(url)
    with count_queries() as one:
        contact_api.get(url)
    for _ in range(19):
        add()
    with count_queries() as twenty:
        assert len(contact_api.get(url).json()["results"]) == 20

    assert one.count == twenty.count
